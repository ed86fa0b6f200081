"""Northwind HRIS reference mappings against hand-written API pages (vendor-specs/northwind-hris.md).

Each page is ``{"data": [...], "next_cursor": ...}`` as the API returns it; nested objects are read by dotted
path. The expected canonical rows are written by hand in ``golden/northwind_hris/*.expected.json``.
"""

from __future__ import annotations

import pytest
from golden_helpers import GOLDEN, expected, map_file, plain_rows

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
