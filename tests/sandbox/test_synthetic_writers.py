"""Vendor files as the reference vendors send them: Harbor CSV bytes, Northwind records and pages."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import time
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

from sandbox.synthetic import SyntheticEmployer, generate_employer, plant_markers, write_harbor_files
from sandbox.synthetic.harbor_files import ABSENCE_COLUMNS, LEAVE_COLUMNS, PAY_COLUMNS
from sandbox.synthetic.hris_records import write_hris_pages, write_hris_records

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")
NAME = re.compile(r"^HARBOR_(LEAVE|ABSENCE|PAY)_(\d{8})\.csv$")
SPEC_HEADERS = {"LEAVE": LEAVE_COLUMNS, "ABSENCE": ABSENCE_COLUMNS, "PAY": PAY_COLUMNS}
DATE_COLUMNS = {"PERIOD_START", "PERIOD_END", "NOTICE_DATE", "DECISION_DATE", "LAST_DAY_WORKED", "RTW_DATE",
                "ABSENCE_DATE", "PAYMENT_DATE"}
MONEY_COLUMNS = {"WEEKLY_BENEFIT", "REDUCED_HOURS_WEEK", "HOURS", "GROSS", "FIT", "SIT", "SS_EE", "MED_EE",
                 "NET", "NONTAXABLE"}


@lru_cache(maxsize=1)
def employer() -> SyntheticEmployer:
    return generate_employer(seed=7, employees=400)


@pytest.fixture(scope="module")
def harbor(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    started = time.perf_counter()
    paths = write_harbor_files(employer(), tmp_path_factory.mktemp("harbor"))
    print(f"write_harbor_files(400): {len(paths)} files in {time.perf_counter() - started:.2f}s")
    return paths


def test_harbor_headers_are_the_spec_columns_and_every_line_ends_crlf(harbor: list[Path]) -> None:
    # The spec lists the columns in prose; pin the names here independently of the writer's constants.
    assert LEAVE_COLUMNS[0] == "CASE_NUMBER" and LEAVE_COLUMNS[-1] == "UPDATED_AT" and len(LEAVE_COLUMNS) == 22
    assert len(ABSENCE_COLUMNS) == 8 and len(PAY_COLUMNS) == 17
    for path in harbor:
        kind = NAME.match(path.name).group(1)  # type: ignore[union-attr]
        raw = path.read_bytes()
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
        assert not raw.startswith(b"\xef\xbb\xbf")
        header = next(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        assert tuple(header) == SPEC_HEADERS[kind]


def test_harbor_cells_use_iso_dates_two_dp_amounts_flags_and_utc_stamps(harbor: list[Path]) -> None:
    rows = 0
    for path in harbor:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows += 1
                for column, value in row.items():
                    if value == "":
                        continue
                    if column in DATE_COLUMNS:
                        assert ISO_DATE.match(value) and date.fromisoformat(value), (path.name, column, value)
                    elif column in MONEY_COLUMNS:
                        assert MONEY.match(value), (path.name, column, value)
                    elif column == "UPDATED_AT":
                        assert UTC_STAMP.match(value), (path.name, value)
                    elif column.endswith(("_ELECTION", "_AGREEMENT", "_REVOKED")):
                        assert value in ("Y", "N")
                    elif column == "CASE_NUMBER":
                        assert re.match(r"^NTN-\d+$", value)
                    elif column in ("ABSENCE_PERIOD_KEY", "PAYMENT_KEY", "REVERSES_PAYMENT_KEY"):
                        assert re.match(r"^\d+-\d+$", value)
    assert rows > 500


def test_harbor_file_dates_are_business_days_and_a_later_file_corrects_an_earlier_row(harbor: list[Path]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    corrected = 0
    for path in sorted((p for p in harbor if p.name.startswith("HARBOR_LEAVE_")), key=lambda p: p.name):
        day = date.fromisoformat(re.sub(r"(\d{4})(\d{2})(\d{2})", r"\1-\2-\3", NAME.match(path.name).group(2)))
        assert day.weekday() < 5
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                key = row["ABSENCE_PERIOD_KEY"]
                if key in seen and seen[key][0] != path.name:
                    assert row["UPDATED_AT"] >= seen[key][1]
                    corrected += 1
                seen[key] = (path.name, row["UPDATED_AT"])
    assert corrected > 100


def test_harbor_sends_a_few_empty_change_files_and_one_exact_duplicate(harbor: list[Path]) -> None:
    empty = [p for p in harbor if p.read_bytes().count(b"\r\n") == 1]
    assert 3 <= len(empty) <= 12
    resend = employer().resends[0]
    original = next(p for p in harbor if p.name == f"HARBOR_LEAVE_{resend.original_date:%Y%m%d}.csv")
    duplicate = next(p for p in harbor if p.name == f"HARBOR_LEAVE_{resend.resend_date:%Y%m%d}.csv")
    assert original.read_bytes() == duplicate.read_bytes() and original != duplicate


def test_harbor_through_stops_at_the_given_business_date(tmp_path: Path) -> None:
    paths = write_harbor_files(employer(), tmp_path, through=date(2026, 3, 31))
    assert paths and all(NAME.match(p.name).group(2) <= "20260331" for p in paths)  # type: ignore[union-attr]


def test_two_runs_write_byte_identical_files(tmp_path: Path) -> None:
    for run in ("a", "b"):
        emp = generate_employer(seed=3, employees=250)
        write_harbor_files(emp, tmp_path / run / "harbor")
        write_hris_records(emp, tmp_path / run / "hris")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and files_a
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)


def test_hris_records_are_one_sorted_json_object_per_line_shaped_as_the_spec(tmp_path: Path) -> None:
    paths = write_hris_records(employer(), tmp_path)
    assert set(paths) == {"workers", "hours_worked", "benefit_enrollments", "time_off_balances"}
    workers = [json.loads(line) for line in paths["workers"].read_text(encoding="utf-8").splitlines()]
    assert [w["id"] for w in workers] == sorted(w["id"] for w in workers) and len(workers) == 400
    first = workers[0]
    assert set(first) == {"id", "ssn", "legal_name", "birth_date", "gender", "home_address", "work_email",
                          "employment", "updated_at"}
    assert set(first["employment"]) == {
        "status", "hire_date", "adjusted_service_date", "termination_date", "worksite", "full_time", "flsa",
        "scheduled_hours_per_week", "scheduled_days_per_week", "pay", "key_employee", "spouse_worker_id",
        "union_code", "supervisor_id", "payroll_file_number", "payroll_company_code"}
    assert set(first["employment"]["pay"]) == {"basis", "rate", "period", "frequency"}
    assert UTC_STAMP.match(first["updated_at"]) and MONEY.match(first["employment"]["pay"]["rate"])
    hours = json.loads(paths["hours_worked"].read_text().splitlines()[0])
    assert set(hours) == {"worker_id", "period_start", "period_end", "pay_code", "hours", "worked"}
    enrollment = json.loads(paths["benefit_enrollments"].read_text().splitlines()[0])
    assert set(enrollment) == {"worker_id", "plan_type", "carrier", "plan_code", "tier", "coverage_amount",
                               "benefit_salary", "ee_premium_per_period", "er_premium_per_period", "tax",
                               "deduction_code", "effective_date", "end_date"}
    balance = json.loads(paths["time_off_balances"].read_text().splitlines()[0])
    assert set(balance) == {"worker_id", "policy", "balance_hours", "as_of"}


def test_hris_pages_chain_by_cursor_and_hold_exactly_the_records(tmp_path: Path) -> None:
    records = write_hris_records(employer(), tmp_path / "jsonl")
    pages = write_hris_pages(employer(), tmp_path / "pages", page_size=150)
    for endpoint, files in pages.items():
        data: list[dict] = []
        for number, path in enumerate(files, start=1):
            body = json.loads(path.read_text(encoding="utf-8"))
            assert set(body) == {"data", "next_cursor"} and len(body["data"]) <= 150
            data.extend(body["data"])
            if number == len(files):
                assert body["next_cursor"] is None
            else:
                padded = body["next_cursor"] + "=" * (-len(body["next_cursor"]) % 4)
                assert json.loads(base64.urlsafe_b64decode(padded)) == {"p": number + 1}
        expected = [json.loads(line) for line in records[endpoint].read_text().splitlines()]
        assert data == expected, endpoint
    with pytest.raises(ValueError, match="page_size"):
        write_hris_pages(employer(), tmp_path / "bad", page_size=501)


def test_markers_are_planted_unique_and_listed_in_every_spelling(tmp_path: Path) -> None:
    emp = generate_employer(seed=5, employees=300)
    markers = plant_markers(emp)
    assert markers == plant_markers(emp)
    assert "999-41-7723" in markers.ssns and "999417723" in markers.ssns
    assert "1961-02-13" in markers.birth_dates and "02/13/1961" in markers.birth_dates
    assert "QUARRINGTON" in markers.names
    text = write_hris_records(emp, tmp_path)["workers"].read_text()
    hris_spellings = markers.ssns[0::2] + markers.birth_dates[0::3] + markers.names[0::7] + markers.names[1::7]
    assert len(hris_spellings) == 12 and all(marker in text for marker in hris_spellings)
    planted = [w for w in emp.workers if w.worker_id in markers.worker_ids]
    assert len(planted) == 3 and len({w.birth_date for w in emp.workers}) >= len(emp.workers) - 400
    others = [w for w in emp.workers if w.worker_id not in markers.worker_ids]
    assert not any(w.birth_date == p.birth_date or w.ssn == p.ssn for w in others for p in planted)
    assert markers.found_in("nothing to see") == [] and markers.found_in("ssn 999417723") == ["999417723"]
