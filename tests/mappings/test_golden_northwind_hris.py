"""Northwind HRIS reference mappings against hand-written API pages (docs/vendors.md).

Each page is ``{"data": [...], "next_cursor": ...}`` as the API returns it; nested objects are read by dotted
path. The expected canonical rows are written by hand in ``golden/northwind_hris/*.expected.json``.
"""

from __future__ import annotations

import json

import pytest
from golden_helpers import GOLDEN, expected, map_bytes, map_file, plain_rows

NORTHWIND = GOLDEN / "northwind_hris"


@pytest.mark.parametrize("feed", ["workers", "hours_worked", "time_off_balances", "benefit_enrollments"])
def test_api_page_maps_to_hand_written_canonical_rows(feed: str) -> None:
    frames, errors = map_file("northwind_hris", feed, NORTHWIND / f"{feed}.page.json")
    want = expected(f"northwind_hris/{feed}.expected.json")
    assert errors == []
    assert sorted(frames) == sorted(want)
    for entity, rows in want.items():
        assert plain_rows(frames[entity]) == rows, entity


def test_one_worker_record_feeds_employee_employment_and_identity_link() -> None:
    frames, _ = map_file("northwind_hris", "workers", NORTHWIND / "workers.page.json")
    ids = {entity: frame["employee_id"].tolist() for entity, frame in frames.items()}
    assert ids == {e: ["W000123", "W000200", "W000310"] for e in ("employee", "employment", "identity_link")}
    employment = plain_rows(frames["employment"])
    assert [r["work_state"] for r in employment] == ["CA", "CA", "OR"]  # employment.worksite.state
    assert [r["effective_from"] for r in employment] == [r["hire_date"] for r in employment]


def test_ssn_dashes_are_stripped_to_nine_digits() -> None:
    frames, _ = map_file("northwind_hris", "workers", NORTHWIND / "workers.page.json")
    assert frames["employee"]["ssn"].tolist() == ["123456789", "234567890", "345678901"]


@pytest.mark.parametrize("feed", ["workers", "benefit_enrollments"])
def test_a_pull_staged_as_json_lines_maps_the_same(feed: str) -> None:
    """The pipeline stages every page's records as sorted-key JSON Lines; the mapping reads both shapes."""
    page = json.loads((NORTHWIND / f"{feed}.page.json").read_text(encoding="utf-8"))
    lines = "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in page["data"])
    frames, errors = map_bytes("northwind_hris", feed, lines.encode("utf-8"), f"northwind_hris.{feed}.jsonl")
    assert errors == []
    for entity, rows in expected(f"northwind_hris/{feed}.expected.json").items():
        assert plain_rows(frames[entity]) == rows, entity


def test_json_lines_errors_name_the_physical_line() -> None:
    page = json.loads((NORTHWIND / "workers.page.json").read_text(encoding="utf-8"))
    page["data"][2]["employment"]["hire_date"] = "2021-02-30"
    lines = "".join(json.dumps(r) + "\n" for r in page["data"])
    _, errors = map_bytes("northwind_hris", "workers", lines.encode("utf-8"), "workers.jsonl")
    assert {(e.row, e.line, e.column) for e in errors} == {(3, 3, "employment.hire_date")}
