"""The instruction frame: the shape every rule emits and the retro diff compares.

Columns follow the canonical ``PayInstruction`` (``schemas/pay.py``) minus what the batch assigns later
(instruction and batch ids, created time), plus the explanation every line carries: ``rule`` (which rule
made it), ``rule_version`` (the policy version and every rule-table row it used) and ``explanation``.
While the rules run, money and hours are int64 cents/hundredths in ``amount_cents``/``hours_units``;
:func:`finish` turns them into exact ``amount``/``hours`` decimal columns.

Example::

    block = emit(employee_ids, "EARNINGS", "std.top_up", amount_cents=topups, pay_code="STD_TOPUP",
                 rule_version=versions, explanation="STD top-up to the policy's share of pay")
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from leavehub.rules.money import decimal_array
from leavehub.rules.schedule import PayWindow

__all__ = ["INSTRUCTION_COLUMNS", "LINE_KEY", "emit", "finish", "gather", "text_per_group"]

INSTRUCTION_COLUMNS = (
    "employee_id", "payroll_company_code", "pay_period_start", "pay_period_end", "check_date", "kind",
    "pay_code", "deduction_code", "hours", "amount", "original_period_start", "original_period_end",
    "case_number", "absence_period_key", "rule", "rule_version", "explanation",
)
LINE_KEY = ("employee_id", "original_period_start", "kind", "pay_code", "deduction_code", "case_number")
"""What one line is about: two runs that agree on these compare by hours and amount (the retro diff)."""

_TEXT = ("employee_id", "kind", "pay_code", "deduction_code", "case_number", "absence_period_key", "rule",
         "rule_version", "explanation")
_DATES = ("pay_period_start", "pay_period_end", "check_date", "original_period_start", "original_period_end")


def emit(employee_id, kind: str, rule, *, rule_version, explanation, amount_cents=None, hours_units=None,
         pay_code=None, deduction_code=None, case_number=None, absence_period_key=None,
         keep: np.ndarray | None = None) -> pd.DataFrame:
    """One block of lines of one kind (arrays broadcast; ``keep`` selects rows, e.g. non-zero amounts)."""
    ids = np.asarray(employee_id, dtype=object)
    n = len(ids)

    def col(value, dtype=object):
        if value is None:
            return np.full(n, None if dtype is object else 0, dtype=dtype)
        arr = np.asarray(value, dtype=dtype)
        return np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr

    frame = pd.DataFrame({
        "employee_id": ids, "kind": kind, "pay_code": col(pay_code), "deduction_code": col(deduction_code),
        "hours_units": col(hours_units, np.int64), "has_hours": hours_units is not None,
        "amount_cents": col(amount_cents, np.int64), "has_amount": amount_cents is not None,
        "case_number": col(case_number), "absence_period_key": col(absence_period_key), "rule": col(rule),
        "rule_version": col(rule_version), "explanation": col(explanation),
    })
    return frame.loc[keep].reset_index(drop=True) if keep is not None else frame


def gather(blocks: list[pd.DataFrame], window: PayWindow, original: tuple[date, date] | None = None
           ) -> pd.DataFrame:
    """Stack rule blocks into one working frame for ``window``; ``original`` marks retro lines' period."""
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        blocks = [emit([], "HOURS", "none", rule_version=None, explanation=None)]
    frame = pd.concat(blocks, ignore_index=True)
    frame["payroll_company_code"] = window.payroll_company_code
    frame["pay_period_start"] = window.period_start
    frame["pay_period_end"] = window.period_end
    frame["check_date"] = window.check_date
    start, end = original if original is not None else (window.period_start, window.period_end)
    frame["original_period_start"] = start
    frame["original_period_end"] = end
    return frame


def finish(frame: pd.DataFrame) -> pd.DataFrame:
    """The working frame as the instruction frame: exact decimals, Arrow dates and strings, stable order."""
    order = frame.sort_values(["employee_id", "original_period_start", "kind", "pay_code", "deduction_code",
                               "case_number", "rule"], na_position="first", kind="stable")
    out = {}
    for name in (*_TEXT, "payroll_company_code"):
        values = order[name].astype(object)
        out[name] = pa.array(values.where(values.notna(), None).to_numpy(dtype=object), pa.string())
    for name in _DATES:
        out[name] = pa.array(order[name].to_numpy(dtype=object), pa.date32())
    out["hours"] = decimal_array(order["hours_units"].to_numpy(np.int64), precision=9,
                                 mask=~order["has_hours"].to_numpy(bool))
    out["amount"] = decimal_array(order["amount_cents"].to_numpy(np.int64),
                                  mask=~order["has_amount"].to_numpy(bool))
    table = pa.table({name: out[name] for name in INSTRUCTION_COLUMNS})
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def text_per_group(frame: pd.DataFrame, by: str, column: str, largest: bool = False) -> pd.Series:
    """The smallest (or largest) text of ``column`` per ``by`` value, by sorting once (pandas' min/max of
    text per group falls back to a Python loop per group)."""
    ordered = frame.sort_values([by, column], ascending=[True, not largest], kind="stable")
    first = ordered.drop_duplicates(by)
    return pd.Series(first[column].to_numpy(dtype=object), index=first[by].to_numpy(dtype=object))
