"""Bad vendor input through the reference mappings: every problem names where (row/line), what (field or
column) and why, and never the offending value (SSNs, birth dates and names must not reach a report).

Each case starts from a golden sample and breaks one thing in it.
"""

from __future__ import annotations

import io

import pytest
from golden_helpers import GOLDEN, error_text, layout_of, map_bytes

from connectors.formats import read_chunks
from schemas.errors import FormatError

LEAVE = (GOLDEN / "harbor_leave" / "HARBOR_LEAVE_20261120.csv").read_bytes()
PAY = (GOLDEN / "harbor_leave" / "HARBOR_PAY_20261120.csv").read_bytes()
CENSUS = (GOLDEN / "harbor_leave" / "HARBOR_ELIG_NWD_20261120.txt").read_bytes()
WORKERS = (GOLDEN / "northwind_hris" / "workers.page.json").read_bytes()


def broken(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1, f"{old!r} must occur exactly once in the sample"
    return data.replace(old, new)


# --- row errors: the file parses, a value does not ------------------------------------------------------


@pytest.mark.parametrize(("label", "vendor", "feed", "data", "want", "secret"), [
    ("malformed date", "harbor_leave", "leave_periods",
     broken(LEAVE, b"2026-11-16,2027-02-05", b"2026-11-31,2027-02-05"),
     {"row": 2, "line": 3, "field": "period_start", "column": "PERIOD_START",
      "reason": "not a date in the format %Y-%m-%d", "value_class": "date-like"}, "2026-11-31"),
    ("unknown code", "harbor_leave", "leave_periods", broken(LEAVE, b",CFRA,", b",CFRX,"),
     {"row": 2, "line": 3, "field": "plan", "column": "PLAN", "reason": "unknown code for table plan",
      "value_class": "text(4)"}, "CFRX"),
    ("empty required value", "harbor_leave", "leave_periods", broken(LEAVE, b",W000200,", b",,"),
     {"row": 2, "line": 3, "field": "employee_id", "column": "EMPLOYEE_ID", "reason": "required value is empty",
      "value_class": "empty"}, None),
    ("cancellation without the key it reverses", "harbor_leave", "benefit_payments",
     broken(PAY, b",PAY-1\r\n", b",\r\n"),
     {"row": 2, "line": 3, "field": "reverses_payment_key", "column": "REVERSES_PAYMENT_KEY",
      "reason": "reverses_payment_key is required when txn_type is CANCELLATION or OVERPAYMENT_RECOVERY",
      "value_class": "empty"}, None),
    ("cancellation with a positive gross", "harbor_leave", "benefit_payments",
     broken(PAY, b",-830.77,", b",830.77,"),
     {"row": 2, "line": 3, "field": "gross", "column": "GROSS", "value_class": "decimal",
      "reason": "gross is not negative but txn_type is CANCELLATION or OVERPAYMENT"}, None),
    ("SSN of 8 digits", "northwind_hris", "workers", broken(WORKERS, b"234-56-7890", b"234-56-789"),
     {"row": 2, "field": "ssn", "column": "ssn", "reason": "does not match the pattern ^\\d{9}$",
      "value_class": "digits(8)"}, "23456789"),
    ("unknown employment status", "northwind_hris", "workers",
     broken(WORKERS, b'"status": "leave"', b'"status": "on_leave"'),
     {"row": 2, "field": "status", "column": "employment.status", "reason": "unknown code for table emp_status"},
     "on_leave"),
    ("birth date in the wrong format", "northwind_hris", "workers",
     broken(WORKERS, b'"birth_date": "1990-12-01"', b'"birth_date": "12/01/1990"'),
     {"row": 2, "field": "birth_date", "column": "birth_date", "reason": "not a date in the format %Y-%m-%d",
      "value_class": "date-like"}, "12/01/1990"),
    ("worker without an id", "northwind_hris", "workers", broken(WORKERS, b'"id": "W000200", ', b""),
     {"row": 2, "field": "employee_id", "column": "id", "reason": "required value is empty"}, None),
])
def test_bad_value_is_a_row_error_with_row_field_and_reason_but_no_value(
        label: str, vendor: str, feed: str, data: bytes, want: dict, secret: str | None) -> None:
    _, errors = map_bytes(vendor, feed, data, f"{feed}.sample")
    assert errors, label
    first = errors[0].as_dict()
    assert {k: first.get(k) for k in want} == want, label
    assert {e.row for e in errors} == {want["row"]}, label  # the other rows are fine
    if secret is not None:
        assert secret not in error_text(errors)


def test_a_worker_without_id_is_reported_once_though_three_entities_read_it() -> None:
    frames, errors = map_bytes("northwind_hris", "workers", broken(WORKERS, b'"id": "W000200", ', b""), "w.json")
    assert [(e.row, e.field) for e in errors] == [(2, "employee_id")]  # one report per row and field
    assert all(frame["employee_id"].isna().tolist() == [False, True, False] for frame in frames.values())


# --- format errors: the file does not parse as the layout ----------------------------------------------


def format_error(vendor: str, feed: str, data: bytes, name: str = "sample.csv") -> FormatError:
    with pytest.raises(FormatError) as caught:
        for _ in read_chunks(layout_of(vendor, feed), io.BytesIO(data), name=name):
            pass
    return caught.value


def test_missing_required_column_names_the_column_and_the_header_line() -> None:
    header, rest = LEAVE.split(b"\r\n", 1)
    error = format_error("harbor_leave", "leave_periods", header.replace(b",PREMIUM_METHOD", b"") + b"\r\n" + rest)
    assert error.line == 1 and error.file == "sample.csv"
    assert error.reason == "missing required column(s): PREMIUM_METHOD"


def test_extra_column_is_reported_by_the_reader_and_ignored_by_the_mapping() -> None:
    lines = LEAVE.split(b"\r\n")
    data = b"\r\n".join(line + (b",NOTES" if i == 0 else b",call back") if line else line
                        for i, line in enumerate(lines))
    chunks = list(read_chunks(layout_of("harbor_leave", "leave_periods"), io.BytesIO(data), name="x.csv"))
    assert chunks[-1].extra_columns == ("NOTES",)
    frames, errors = map_bytes("harbor_leave", "leave_periods", data, "x.csv")
    assert errors == [] and len(frames["leave_period"]) == 3


def test_truncated_csv_names_the_ragged_record_and_its_line() -> None:
    error = format_error("harbor_leave", "leave_periods", LEAVE[:-60])
    assert error.line == 4 and error.reason == "record 4 has 14 fields, expected 22"


def test_csv_cut_inside_a_quoted_field_is_refused() -> None:
    cut = LEAVE[: LEAVE.index(b'"Child Bonding') + 6]
    error = format_error("harbor_leave", "leave_periods", cut)
    assert "never closed" in error.reason or "fields, expected" in error.reason


def test_wrong_encoding_names_the_line() -> None:
    error = format_error("harbor_leave", "leave_periods", broken(LEAVE, b"Child Bonding", b"Child B\xf6nding"))
    assert error.line == 3 and error.reason == "bytes that are not valid utf-8"
    assert b"\xf6".decode("latin-1") not in str(error)


def test_census_read_back_with_a_wrong_trailer_count_is_refused() -> None:
    error = format_error("harbor_leave", "eligibility", broken(CENSUS, b"TRL|4|", b"TRL|5|"), "elig.txt")
    assert error.line == 6 and error.reason == "trailer count 5 does not match 4 data rows"


@pytest.mark.parametrize("cut", [-40, -len(b"TRL|4|20261120\r\n")])
def test_truncated_census_has_no_trailer(cut: int) -> None:
    error = format_error("harbor_leave", "eligibility", CENSUS[:cut], "elig.txt")
    assert error.line == 5 and error.reason == "trailer record 'TRL' is missing (truncated file?)"
    assert "Dee" not in str(error)
