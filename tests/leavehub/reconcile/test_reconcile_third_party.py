"""TPA benefit payments vs the register's third-party sick pay memos, on hand-built frames: each exception found
on a crafted case and absent on a clean one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from leavehub.reconcile.register import SENT_COLUMNS
from leavehub.reconcile.third_party import third_party_vs_register

CHECK, PREVIOUS = date(2026, 3, 20), date(2026, 3, 6)
CALENDAR = pd.DataFrame({"check_date": [PREVIOUS, CHECK, date(2026, 4, 3)]})
LINKS = pd.DataFrame({"employee_id": ["E1"], "payroll_file_number": ["F1"]})


def payments(*rows: tuple) -> pd.DataFrame:
    """rows: (key, employee, plan, txn, gross, payment date)."""
    frame = pd.DataFrame([{"payment_key": k, "employee_id": e, "plan": p, "txn_type": t, "gross": Decimal(g),
                           "payment_date": d} for k, e, p, t, g, d in rows])
    frame["gross"] = pd.array(frame["gross"].astype(object), dtype=pd.ArrowDtype(pa.decimal128(12, 2)))
    return frame


def register(*memos: tuple) -> pd.DataFrame:
    """memos: (file number, code, amount)."""
    frame = pd.DataFrame([{"payroll_file_number": f, "line_type": "MEMO", "code": c, "amount": Decimal(a)}
                          for f, c, a in memos] or [{"payroll_file_number": "F9", "line_type": "EARN",
                                                     "code": "REG", "amount": Decimal("1.00")}])
    frame["amount"] = pd.array(frame["amount"].astype(object), dtype=pd.ArrowDtype(pa.decimal128(12, 2)))
    return frame


NO_SENT = pd.DataFrame({c: pd.Series(dtype=object) for c in SENT_COLUMNS})
PAID = ("P1", "E1", "STD", "STANDARD", "500.00", date(2026, 3, 10))


def found(pay: pd.DataFrame, reg: pd.DataFrame, sent: pd.DataFrame = NO_SENT) -> list[tuple]:
    out = third_party_vs_register(pay, reg, sent, CALENDAR, LINKS, check_date=CHECK)
    return sorted(zip(out["exception_type"], out["subject_key"], out["amount_cents"], strict=True))


def test_payments_reported_as_memos_are_clean():
    assert found(payments(PAID), register(("F1", "TPS", "300.00"), ("F1", "TPN", "200.00"))) == []
    before = ("P0", "E1", "STD", "STANDARD", "700.00", PREVIOUS)  # the previous check's, not this one's
    state = ("P2", "E1", "FAMILY", "STANDARD", "900.00", date(2026, 3, 12))  # state family benefit: no memo
    assert found(payments(PAID, before, state), register(("F1", "TPS", "500.00"))) == []
    paid_and_cancelled = ("C1", "E1", "STD", "CANCELLATION", "-500.00", date(2026, 3, 12))
    assert found(payments(PAID, paid_and_cancelled), register()) == []


@pytest.mark.parametrize(("rows", "memos", "expected"), [
    ([PAID], [], ("THIRD_PARTY_PAY_NOT_MEMOED", "E1/2026-03-20", 50000)),
    ([PAID], [("F1", "TPS", "300.00")], ("THIRD_PARTY_PAY_NOT_MEMOED", "E1/2026-03-20", 20000)),
    ([("C1", "E1", "LTD", "CANCELLATION", "-400.00", date(2026, 3, 16))], [],
     ("TPA_CANCELLATION_NOT_REVERSED", "E1/2026-03-20", 40000)),
    ([PAID, ("C1", "E1", "STD", "CANCELLATION", "-500.00", date(2026, 3, 16))], [("F1", "TPS", "500.00")],
     ("TPA_CANCELLATION_NOT_REVERSED", "E1/2026-03-20", 50000)),
], ids=["not-memoed", "part-memoed", "cancellation-not-reversed", "paid-and-cancelled-still-memoed"])
def test_each_fault_is_found_with_its_money(rows, memos, expected):
    assert found(payments(*rows), register(*memos)) == [expected]


def test_what_the_hub_sent_counts_for_an_employee_it_sent_lines_for():
    sent = pd.DataFrame([{"employee_id": "E1", "file_number": "F1", "batch_id": "B1", "kind": "MEMO",
                          "line_type": "MEMO", "code": "TPS", "hours_units": 0, "amount_cents": 50000}])
    assert found(payments(PAID), register(), sent) == [], \
        "a memo the hub sent and payroll lost is the register detector's MEMO_LINE_MISSING, not reported twice"
