"""``leavehub premiums status [EMPLOYEE]``: the premium ledger per plan and bucket, read from the store.

The store-facing shell around the pure rules (``leavehub.rules.premium_ledger``): it reads enrollments, leave
periods, the pay calendar, the premium ledger entries (``leavehub.operations.premium_entries`` writes them from
the registers; reconciliation's arrears aging reads the same rows) and, when the payroll register has arrived, its
deduction lines (file numbers resolved to employees through ``identity_link``), then prints per plan and
coverage bucket: due, deducted, recovered, waived, outstanding and days late. Only the employee id is shown.

Example::

    ledger, late = premium_status(store, "W000123", as_of=date(2026, 5, 1))
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from leavehub.config.policy import load_policy
from leavehub.rules.premium_ledger import premium_ledger, thirty_days_late
from leavehub.rules.register import register_deductions

__all__ = ["STATUS_COLUMNS", "after_leave", "premium_status"]

STATUS_COLUMNS = ("employee_id", "plan_type", "coverage_start", "coverage_end", "plan_year", "due", "deducted",
                  "recovered", "waived", "outstanding", "days_late")
_MONEY = ("due", "deducted", "recovered", "waived", "outstanding")


def _money(cents: int) -> str:
    return str(Decimal(int(cents)).scaleb(-2).quantize(Decimal("0.01")))


def _only(frame: pd.DataFrame, employee: str | None) -> pd.DataFrame:
    if employee is None or not len(frame):
        return frame
    return frame.loc[frame["employee_id"].astype(str) == employee]


def premium_status(store: Any, employee: str | None, *, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ledger rows as ``STATUS_COLUMNS`` with money as 2-decimal text, the 30-days-late list)."""
    read = {name: _only(store.current(name), employee) for name in
            ("enrollment", "leave_period", "premium_ledger_entry")}
    calendar = store.current("pay_period")
    from leavehub.store.tables import versions_table

    taken = store.current("payroll_register_line",  # what payroll took (DED), not every line of every check
                          where=versions_table("payroll_register_line").c.line_type == "DED")
    register = register_deductions(taken, store.current("identity_link"))
    ledger = premium_ledger(read["enrollment"], read["leave_period"], calendar, read["premium_ledger_entry"],
                            load_policy(), as_of=as_of, register=_only(register, employee) if len(register)
                            else None)
    late = thirty_days_late(ledger, as_of=as_of)
    out = ledger[list(STATUS_COLUMNS)].copy()
    for name in _MONEY:
        out[name] = [_money(c) for c in out[name]]
    late = late.copy()
    late["amount_late"] = [_money(c) for c in late["amount_late"]]
    return out.reset_index(drop=True), late.reset_index(drop=True)


def after_leave(store: Any, company: str, employee: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the employer's health premium share to recover per failing employee, plan and coverage bucket, with
    how it is collected; the COBRA qualifying events) from the TPA's return-to-work outcomes
    (``leavehub.rules.premium_recovery``). Money as 2-decimal text; ids, dates and codes only."""
    from sqlalchemy import select

    from leavehub.config.rule_tables import load_rule_tables
    from leavehub.payrun.inputs import leave_inputs
    from leavehub.rules.premium_recovery import cobra_events, employer_share_recovery, return_outcomes
    from leavehub.store.tables import versions_table

    v = versions_table("leave_period")
    people = select(v.c.employee_id).where(v.c.superseded_at.is_(None), v.c.rtw_outcome.is_not(None),
                                           *([v.c.employee_id == employee] if employee is not None else []))
    inputs = leave_inputs(store, company, people)
    outcomes = return_outcomes(inputs.leave_periods, inputs.employment)
    calendar = store.current("pay_period")
    calendar = calendar.loc[calendar["payroll_company_code"].astype(str) == company] if len(calendar) else calendar
    owed = employer_share_recovery(outcomes, inputs, calendar, load_policy(), load_rule_tables())
    owed = owed.assign(amount=[_money(c) for c in owed["amount_cents"]]).drop(columns="amount_cents")
    return owed.reset_index(drop=True), cobra_events(outcomes).reset_index(drop=True)
