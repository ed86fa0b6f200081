"""Each detector finds its crafted case, with the right money and a reason free of PII, and nothing on the
clean employer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from reconcile_frames import CHECK, add, clean, payment, period, replace

from leavehub.reconcile.acknowledgements import sets_not_resent
from leavehub.reconcile.exceptions import EXCEPTION_COLUMNS, carry_open_since, to_decimal
from leavehub.reconcile.leave_hris import leave_vs_hris
from leavehub.reconcile.payments import payments_vs_periods


def detect(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([leave_vs_hris(frames["leave_periods"], frames["employment"], check_date=CHECK),
                      payments_vs_periods(frames["benefit_payments"], frames["leave_periods"], check_date=CHECK)],
                     ignore_index=True)


def test_clean_employer_has_no_exceptions() -> None:
    found = detect(clean())
    assert list(found.columns) == list(EXCEPTION_COLUMNS)
    assert found.empty, found.to_dict("records")


def only(found: pd.DataFrame) -> dict:
    assert len(found) == 1, found.to_dict("records")
    return found.iloc[0].to_dict()


def test_on_leave_at_tpa_but_active_in_hris() -> None:
    frames = replace(clean(), "employment", "employee_id", "E1", status="ACTIVE")
    row = only(detect(frames))
    assert (row["exception_type"], row["employee_id"], row["subject_key"]) == ("LEAVE_NOT_IN_HRIS", "E1", "E1")
    assert to_decimal(row["amount_cents"]) == to_decimal(100_000)  # 25.00/h x 40 h: one week's pay
    assert "P1" in row["reason"] and "ACTIVE" in row["reason"]


def test_on_leave_in_hris_with_nothing_at_tpa() -> None:
    frames = replace(clean(), "employment", "employee_id", "E3", status="ON_LEAVE")
    row = only(detect(frames))
    assert (row["exception_type"], row["employee_id"]) == ("HRIS_LEAVE_NOT_AT_TPA", "E3")
    assert row["amount_cents"] == 200_000  # 104,000 / 52


def test_return_dates_disagree() -> None:
    frames = replace(clean(), "leave_periods", "employee_id", "E2", rtw_date=date(2026, 2, 23))
    row = only(detect(frames))
    assert (row["exception_type"], row["employee_id"]) == ("RETURN_DATE_MISMATCH", "E2")
    assert "2026-02-23" in row["reason"] and "2026-02-16" in row["reason"]


def test_terminated_with_open_case() -> None:
    frames = replace(clean(), "employment", "employee_id", "E1")
    table = frames["employment"]
    table.loc[(table["employee_id"] == "E1") & (table["status"] == "ON_LEAVE"), ["status", "termination_date"]] = \
        ["TERMINATED", date(2026, 3, 10)]
    found = detect(frames)
    assert set(found["exception_type"]) == {"TERMINATED_OPEN_CASE"}
    assert sorted(found["subject_key"]) == ["P1", "P1S"]
    assert found["amount_cents"].sum() == 120_000


def test_payment_with_no_period() -> None:
    frames = add(clean(), "benefit_payments",
                 [payment("PAY9", "E3", "450.25", date(2026, 3, 1), date(2026, 3, 7))])
    row = only(detect(frames))
    assert (row["exception_type"], row["subject_key"], row["amount_cents"]) == ("PAYMENT_NO_APPROVED_PERIOD",
                                                                                "PAY9", 45_025)
    assert "450.25" in row["reason"]


def test_payment_for_denied_period_not_reversed() -> None:
    frames = add(clean(), "leave_periods", [period("P9", "E3", date(2026, 2, 1), date(2026, 2, 28), "DENIED",
                                                   plan="STD")])
    frames = add(frames, "benefit_payments", [payment("PAY9", "E3", "300.00", date(2026, 2, 1), date(2026, 2, 7))])
    row = only(detect(frames))
    assert (row["exception_type"], row["subject_key"], row["amount_cents"]) == ("PAYMENT_NOT_REVERSED", "PAY9",
                                                                                30_000)


def test_cancellation_that_does_not_match() -> None:
    frames = replace(clean(), "benefit_payments", "payment_key", "PAY3X",
                     gross=Decimal("-500.00"))
    frames = add(frames, "benefit_payments", [payment("PAY8X", "E2", "-10.00", date(2026, 1, 5), date(2026, 1, 11),
                                                      txn="CANCELLATION", reverses="NOPE")])
    found = detect(frames)
    assert list(found["exception_type"]) == ["CANCELLATION_UNMATCHED", "CANCELLATION_UNMATCHED"]
    assert dict(zip(found["subject_key"], found["amount_cents"], strict=True)) == {"PAY3X": 10_000, "PAY8X": 1_000}


def sets(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["vendor", "feed", "business_date", "control_number", "set_control",
                                       "status", "sent_at"]).assign(sent_at=lambda f: pd.to_datetime(f["sent_at"]))


def test_834_rejected_and_not_resent() -> None:
    found = sets_not_resent(sets(
        ("summit_mutual", "enrollment_change", "2026-03-10", 41, "0001", "REJECTED", "2026-03-10T12:00Z"),
        ("summit_mutual", "enrollment_change", "2026-03-10", 44, "0001", "ACCEPTED", "2026-03-11T12:00Z"),
        ("summit_mutual", "enrollment_change", "2026-03-11", 45, "0001", "PARTIALLY_ACCEPTED",
         "2026-03-11T13:00Z"),
        ("summit_mutual", "enrollment_full", "2026-03-09", 40, "0001", "ACCEPTED", "2026-03-09T12:00Z"),
    ), check_date=CHECK)
    row = only(found)
    assert row["exception_type"] == "X12_SET_NOT_RESENT" and "ISA 45" in row["subject_key"]
    assert row["employee_id"] == ""


def test_834_all_accepted_is_clean() -> None:
    assert sets_not_resent(sets(
        ("summit_mutual", "enrollment_full", "2026-03-09", 40, "0001", "ACCEPTED", "2026-03-09T12:00Z"),
        ("summit_mutual", "enrollment_change", "2026-03-10", 41, "0001", "REJECTED", "2026-03-10T12:00Z"),
        ("summit_mutual", "enrollment_change", "2026-03-10", 42, "0001", "SENT", "2026-03-10T15:00Z"),
    ), check_date=CHECK).empty


@pytest.mark.parametrize("seen_before", [True, False])
def test_open_since_is_carried_from_the_previous_period(seen_before: bool) -> None:
    frames = replace(clean(), "employment", "employee_id", "E1", status="ACTIVE")
    now = detect(frames)
    previous = now.assign(first_seen=date(2026, 2, 27), check_date=date(2026, 2, 27))
    if not seen_before:
        previous = previous.assign(subject_key="someone else")
    carried = carry_open_since(now, previous)
    assert carried.loc[0, "first_seen"] == (date(2026, 2, 27) if seen_before else CHECK)


def test_no_return_date_to_compare_when_the_hris_never_showed_the_leave() -> None:
    """An HRIS that kept E2 ACTIVE throughout has no return date; the disagreement was the leave itself."""
    frames = clean()
    table = frames["employment"]
    kept = table.loc[(table["employee_id"] != "E2") | (table["effective_from"] == date(2020, 1, 1))].copy()
    kept.loc[kept["employee_id"] == "E2", "effective_to"] = None
    frames["employment"] = kept
    assert detect(frames).empty
