"""Harbor Leave reference mappings against hand-written golden files (docs/vendors.md).

Inbound: sample CSV -> read_chunks -> InboundMapper.apply -> the canonical values in ``*.expected.json``.
Outbound: canonical rows -> OutboundMapper -> write_chunks -> the census file, byte for byte.
"""

from __future__ import annotations

import io

import pytest
from golden_helpers import (
    BUSINESS_DATE,
    GOLDEN,
    canonical_frames,
    expected,
    layout_of,
    map_file,
    plain_rows,
    write_vendor_file,
)

from connectors.formats import read_chunks

HARBOR = GOLDEN / "harbor_leave"
CENSUS = HARBOR / "HARBOR_ELIG_NWD_20261120.txt"
CENSUS_COLUMNS = (
    "CLIENT_ID EMPLOYEE_ID SSN FIRST_NAME LAST_NAME DOB GENDER ADDR1 ADDR2 CITY STATE ZIP EMAIL WORK_STATE "
    "WORKSITE_ID HIRE_DATE ADJ_SERVICE_DATE TERM_DATE EMP_STATUS FT_PT EXEMPT SCHED_HRS_WEEK SCHED_DAYS_WEEK "
    "HOURS_WORKED_12M KEY_EMPLOYEE ELIG_50_75 SPOUSE_EMPLOYEE_ID BASE_PAY PAY_BASIS STD_ELIG_DATE LTD_ELIG_DATE "
    "SUPERVISOR_ID UNION_CODE"
).split()


@pytest.mark.parametrize(("feed", "golden"), [
    ("leave_periods", "leave_periods.expected.json"),
    ("absences", "absences.expected.json"),
    ("benefit_payments", "benefit_payments.expected.json"),
])
def test_inbound_sample_maps_to_hand_written_canonical_rows(feed: str, golden: str) -> None:
    want = expected(f"harbor_leave/{golden}")
    for file_name, entities in want.items():
        frames, errors = map_file("harbor_leave", feed, HARBOR / file_name)
        assert errors == [], file_name
        assert sorted(frames) == sorted(entities)
        for entity, rows in entities.items():
            assert plain_rows(frames[entity]) == rows, f"{file_name} {entity}"


def test_corrected_resend_carries_a_later_updated_at_for_the_same_period_key() -> None:
    first, _ = map_file("harbor_leave", "leave_periods", HARBOR / "HARBOR_LEAVE_20261119.csv")
    second, _ = map_file("harbor_leave", "leave_periods", HARBOR / "HARBOR_LEAVE_20261120.csv")
    rows = plain_rows(first["leave_period"]) + plain_rows(second["leave_period"])
    latest: dict[str, dict] = {}
    for row in rows:  # the vendor.yaml rule: supersede by updated_at on ABSENCE_PERIOD_KEY
        key = row["absence_period_key"]
        if key not in latest or row["updated_at"] > latest[key]["updated_at"]:
            latest[key] = row
    assert [r["decision"] for r in rows if r["absence_period_key"] == "PL-1"] == ["PENDING", "APPROVED"]
    assert latest["PL-1"]["decision"] == "APPROVED" and latest["PL-1"]["decision_date"] == "2026-11-19"
    assert latest["PL-2"]["decision"] == "APPROVED"  # untouched by the resend


def test_cancellation_is_a_new_negative_row_naming_the_payment_it_reverses() -> None:
    frames, errors = map_file("harbor_leave", "benefit_payments", HARBOR / "HARBOR_PAY_20261120.csv")
    assert errors == []
    by_key = {r["payment_key"]: r for r in plain_rows(frames["benefit_payment"])}
    cancel = by_key["PAY-2"]
    assert cancel["txn_type"] == "CANCELLATION"
    assert cancel["gross"] == "-830.77" and cancel["net"] == "-684.13"
    assert cancel["reverses_payment_key"] == "PAY-1"
    assert by_key["PAY-1"]["gross"] == "830.77"  # the original stays: append-only, never a deletion


def test_semicolon_plans_become_a_list_of_plan_codes() -> None:
    frames, _ = map_file("harbor_leave", "absences", HARBOR / "HARBOR_ABSENCE_20261120.csv")
    plans = [r["plans"] for r in plain_rows(frames["absence"])]
    assert plans == [["FMLA", "CFRA"], ["FMLA"], ["FMLA", "CFRA"]]


def census_bytes() -> bytes:
    doc = expected("harbor_leave/eligibility.canonical.json")
    assert doc["business_date"] == BUSINESS_DATE.isoformat()
    return write_vendor_file("harbor_leave", "eligibility", canonical_frames(doc))


def test_census_is_the_hand_written_file_byte_for_byte() -> None:
    assert census_bytes() == CENSUS.read_bytes()


def test_census_neutralises_a_formula_name_and_keeps_only_recent_terminations() -> None:
    lines = census_bytes().decode("utf-8").split("\r\n")
    assert lines[0].split("|") == CENSUS_COLUMNS
    assert lines[-1] == "" and lines[-2] == "TRL|4|20261120"
    ids = [line.split("|")[1] for line in lines[1:-2]]
    assert ids == ["W000101", "W000102", "W000103", "W000105"]  # W000104 left 100 days ago: not sent
    injected = next(line for line in lines if "|W000102|" in line)
    assert "|\"'=cmd|' /C calc'!A0\"|" in injected
    assert "|=cmd" not in injected


def test_census_sends_the_hubs_fmla_determination_and_unknown_hours_empty() -> None:
    lines = census_bytes().decode("utf-8").split("\r\n")[1:-2]
    hours, elig = CENSUS_COLUMNS.index("HOURS_WORKED_12M"), CENSUS_COLUMNS.index("ELIG_50_75")
    found = {}
    for line in lines:
        if "|W000102|" in line:  # the quoted first name holds a pipe: drop it before splitting
            line = line.replace("\"'=cmd|' /C calc'!A0\"", "NAME")
        cells = line.split("|")
        assert len(cells) == len(CENSUS_COLUMNS)
        found[cells[1]] = (cells[hours], cells[elig])
    assert found == {"W000101": ("1840.00", "Y"), "W000102": ("", "N"), "W000103": ("1100.50", "Y"),
                     "W000105": ("", "")}, "hours unknown or no determination: empty, never a guess"


def test_census_reads_back_with_its_trailer_and_business_date() -> None:
    chunks = list(read_chunks(layout_of("harbor_leave", "eligibility"), io.BytesIO(CENSUS.read_bytes()),
                              name=CENSUS.name))
    (chunk,) = chunks
    assert chunk.columns == tuple(CENSUS_COLUMNS) and chunk.extra_columns == ()
    assert len(chunk.frame) == 4 and chunk.business_date == BUSINESS_DATE
    assert chunk.frame["FIRST_NAME"].tolist()[1] == "'=cmd|' /C calc'!A0"
