"""The carrier's premium bill vs enrollments and the HRIS, on hand-built frames: each exception type found on a
crafted case and absent on a clean bill."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from leavehub.reconcile.carrier_bill import bill_vs_enrollments

CHECK, MARCH = date(2026, 3, 20), date(2026, 3, 1)


def typed(frame: pd.DataFrame, **scales: int) -> pd.DataFrame:
    for name, scale in scales.items():
        frame[name] = pd.array(frame[name].astype(object), dtype=pd.ArrowDtype(pa.decimal128(14, scale)))
    return frame


def bill(*rows: tuple) -> pd.DataFrame:
    """rows: (employee, coverage, volume, rate, premium[, coverage month, adjustment reason])."""
    out = []
    for e, c, v, r, p, *more in rows:
        month = more[0] if more else MARCH
        out.append({"group_number": "SMG0042", "bill_month": MARCH, "employee_id": e, "coverage": c,
                    "coverage_month": month, "volume": Decimal(v), "rate": Decimal(r), "premium": Decimal(p),
                    "adjustment_reason": more[1] if len(more) > 1 else None})
    return typed(pd.DataFrame(out), volume=2, rate=4, premium=2)


def enrollments(*rows: tuple) -> pd.DataFrame:
    """rows: (employee, plan, annual benefit salary[, effective_to])."""
    out = [{"employee_id": e, "plan_type": p, "benefit_salary": Decimal(s), "effective_from": date(2025, 1, 1),
            "effective_to": more[0] if more else None} for e, p, s, *more in rows]
    return typed(pd.DataFrame(out), benefit_salary=2)


def employment(*terminated: str) -> pd.DataFrame:
    rows = [{"employee_id": e, "effective_from": date(2020, 1, 1), "effective_to": None, "status": "ACTIVE"}
            for e in ("E1", "E2", "E3")]
    rows += [{"employee_id": e, "effective_from": date(2026, 2, 15), "effective_to": None, "status": "TERMINATED"}
             for e in terminated]
    for row in rows[:3]:
        if row["employee_id"] in terminated:
            row["effective_to"] = date(2026, 2, 14)
    return pd.DataFrame(rows)


CLEAN_BILL = [("E1", "STD", "6250.00", "0.3150", "19.69"), ("E1", "LTD", "6250.00", "0.4210", "26.31"),
              ("E2", "STD", "5000.00", "0.3150", "15.75")]
CLEAN_ENROLLED = [("E1", "STD", "75000.00"), ("E1", "LTD", "75000.00"), ("E2", "STD", "60000.00")]


def found(lines: list, enrolled: list, *terminated: str) -> list[tuple]:
    out = bill_vs_enrollments(bill(*lines), enrollments(*enrolled), employment(*terminated), check_date=CHECK)
    return sorted(zip(out["exception_type"], out["subject_key"], out["amount_cents"], strict=True))


def test_a_bill_that_matches_the_enrollments_is_clean():
    assert found(CLEAN_BILL, CLEAN_ENROLLED) == []
    retro = ("E3", "STD", "4000.00", "0.3150", "-12.60", date(2026, 2, 1), "RETRO_TERM")
    assert found([*CLEAN_BILL, retro], CLEAN_ENROLLED) == [], "retro lines correct earlier months"


@pytest.mark.parametrize(("lines", "enrolled", "terminated", "expected"), [
    ([*CLEAN_BILL, ("E3", "STD", "4000.00", "0.3150", "12.60")], [*CLEAN_ENROLLED, ("E3", "STD", "48000.00")],
     ("E3",), ("BILLED_TERMINATED", "E3/STD/2026-03", 1260)),
    ([*CLEAN_BILL, ("E3", "LTD", "4000.00", "0.4210", "16.84")], CLEAN_ENROLLED, (),
     ("BILLED_NOT_ENROLLED", "E3/LTD/2026-03", 1684)),
    (CLEAN_BILL, [*CLEAN_ENROLLED[:2], ("E2", "STD", "60000.00", date(2026, 2, 28))], (),
     ("BILLED_NOT_ENROLLED", "E2/STD/2026-03", 1575)),
    (CLEAN_BILL[:2], CLEAN_ENROLLED, (), ("NOT_BILLED", "E2/STD/2026-03", 1575)),
    ([*CLEAN_BILL[:2], ("E2", "STD", "5500.00", "0.3150", "17.33")], CLEAN_ENROLLED, (),
     ("BILL_VOLUME_OR_RATE_WRONG", "E2/STD/2026-03", 158)),
    ([*CLEAN_BILL[:2], ("E2", "STD", "5000.00", "0.3150", "18.00")], CLEAN_ENROLLED, (),
     ("BILL_VOLUME_OR_RATE_WRONG", "E2/STD/2026-03", 225)),
], ids=["terminated", "not-enrolled", "enrollment-ended", "missing", "wrong-volume", "premium-not-volume-x-rate"])
def test_each_fault_is_found_with_its_money(lines, enrolled, terminated, expected):
    assert found(lines, enrolled, *terminated) == [expected]


def test_the_reason_names_volume_rate_and_premium_only():
    out = bill_vs_enrollments(bill(*CLEAN_BILL[:2], ("E2", "STD", "5500.00", "0.3150", "17.33")),
                              enrollments(*CLEAN_ENROLLED), employment(), check_date=CHECK)
    assert out["reason"].tolist() == ["the carrier bills STD for 2026-03 at volume 5500.00 x rate 0.3150 = 17.33; "
                                      "the enrollment's monthly volume is 5000.00, premium 15.75"]
