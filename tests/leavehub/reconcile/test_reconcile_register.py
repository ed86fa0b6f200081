"""Register vs the instructions sent, on hand-built frames: each exception type found on a crafted case and
absent on a clean register (the simulator test covers the four payroll errors it can inject)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from leavehub.reconcile.register import SENT_COLUMNS, register_vs_sent

CHECK = date(2026, 3, 20)
B = "NWD2026032001"
SENT = [  # employee, kind, line type, code, hours (1/100), amount (cents)
    ("E1", "CANCEL_REGULAR_PAY", "EARN", "REG", 0, 100000),
    ("E1", "HOURS", "EARN", "LOA", 4000, 0),
    ("E1", "EARNINGS", "EARN", "STU", 0, 30000),
    ("E1", "MEMO", "MEMO", "TPS", 0, 45000),
    ("E2", "CANCEL_REGULAR_PAY", "EARN", "REG", 0, 0),
    ("E2", "BLOCK_DEDUCTION", "DED", "STD1", 0, 0),
    ("E2", "EARNINGS", "EARN", "RTA", 0, 5000),
]


def sent() -> pd.DataFrame:
    rows = [{"employee_id": e, "file_number": "F" + e, "batch_id": B, "kind": k, "line_type": t, "code": c,
             "hours_units": h, "amount_cents": a} for e, k, t, c, h, a in SENT]
    return pd.DataFrame(rows, columns=list(SENT_COLUMNS))


def register(changes: dict | None = None, extra: list | None = None) -> pd.DataFrame:
    """The clean register (one line per sent line), with ``changes`` by (employee, code) -> amount or None
    (dropped), and ``extra`` lines (employee, type, code, amount, batch)."""
    changes = changes or {}
    rows = []
    for e, _, t, c, h, a in SENT:
        if (e, c) in changes and changes[(e, c)] is None:
            continue
        cents = changes.get((e, c), a)
        rows.append({"payroll_file_number": "F" + e, "line_type": t, "code": c, "batch_id": B,
                     "hours": Decimal(h).scaleb(-2) if h else None, "amount": Decimal(cents).scaleb(-2)})
    for e, t, c, cents, batch in extra or []:
        rows.append({"payroll_file_number": "F" + e, "line_type": t, "code": c, "batch_id": batch,
                     "hours": None, "amount": Decimal(cents).scaleb(-2)})
    frame = pd.DataFrame(rows)
    for name in ("hours", "amount"):
        frame[name] = pd.array(frame[name].astype(object), dtype=pd.ArrowDtype(pa.decimal128(9, 2)))
    return frame


def found(reg: pd.DataFrame) -> list[tuple]:
    out = register_vs_sent(sent(), reg, check_date=CHECK)
    return sorted(zip(out["exception_type"], out["subject_key"], out["amount_cents"], strict=True))


def test_a_register_that_carries_every_line_sent_is_clean():
    assert found(register()) == []
    assert found(register(extra=[("E1", "TAX", "FIT", 12000, None), ("E9", "EARN", "REG", 200000, None)])) == [], \
        "payroll's own lines (taxes, employees the hub sent nothing for) are not compared"


@pytest.mark.parametrize(("changes", "extra", "expected"), [
    ({("E1", "REG"): None}, [("E1", "EARN", "REG", 200000, None)],
     ("REGULAR_PAY_NOT_CANCELLED", f"{B}/FE1/EARN/REG", 100000)),
    ({("E2", "STD1"): None}, [("E2", "DED", "STD1", 1250, None)],
     ("BLOCKED_DEDUCTION_TAKEN", f"{B}/FE2/DED/STD1", 1250)),
    ({("E2", "STD1"): 1250}, [], ("BLOCKED_DEDUCTION_TAKEN", f"{B}/FE2/DED/STD1", 1250)),
    ({("E1", "TPS"): None}, [], ("MEMO_LINE_MISSING", f"{B}/FE1/MEMO/TPS", 45000)),
    ({("E1", "LOA"): None}, [], ("REGISTER_LINE_MISSING", f"{B}/FE1/EARN/LOA", 0)),
    ({("E1", "REG"): None}, [], ("REGISTER_LINE_MISSING", f"{B}/FE1/EARN/REG", 100000)),
    ({("E1", "STU"): 35000}, [], ("TOPUP_ABOVE_CAP", f"{B}/FE1/EARN/STU", 5000)),
    ({("E1", "STU"): 25000}, [], ("REGISTER_AMOUNT_MISMATCH", f"{B}/FE1/EARN/STU", 5000)),
    ({("E2", "RTA"): 4000}, [], ("REGISTER_AMOUNT_MISMATCH", f"{B}/FE2/EARN/RTA", 1000)),
], ids=["not-cancelled", "block-taken-elsewhere", "block-taken-on-its-line", "memo-missing", "hours-missing",
        "cancel-missing", "topup-above-cap", "topup-below", "amount-off"])
def test_each_fault_is_found_once_with_its_money(changes, extra, expected):
    assert found(register(changes, extra)) == [expected]


def test_reasons_name_codes_and_amounts_only():
    out = register_vs_sent(sent(), register({("E1", "STU"): 35000}), check_date=CHECK)
    assert out["reason"].tolist() == [f"batch {B} sent top-up EARN STU of 300.00 (capped by the policy); "
                                      "payroll paid 350.00"]
