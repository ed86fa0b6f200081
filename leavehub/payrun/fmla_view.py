"""FMLA eligibility and balance of one employee, from the store (the CLI's ``leavehub fmla ...``).

Eligibility: the determination of the employee's FMLA leave in force on the day asked about; with none, the
determination a leave starting that day would get (notice given that day, own health). Balance: the hours the
pricing charges for every pay period of the calendar up to the day (exactly the hours taken), against the
entitlement of the latest determination. Both come from ``leavehub.rules.fmla``; nothing here decides.

Example::

    eligibility_on(store, "W000123", date(2026, 3, 2))   # {"eligible": False, "reasons": ["HOURS"], ...}
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from leavehub.payrun.inputs import leave_inputs
from leavehub.rules.fmla import determine_eligibility, fmla_balance
from leavehub.rules.money import day_number, days_column
from leavehub.rules.pay import price_period
from leavehub.rules.schedule import pay_window
from schemas.errors import ConfigError

__all__ = ["balance_on", "eligibility_on"]


def _mine(frame: pd.DataFrame, employee: str) -> pd.DataFrame:
    return frame.loc[frame["employee_id"].astype(str) == employee] if len(frame) else frame


def _fmla_leaves(store: Any, employee: str) -> pd.DataFrame:
    leaves = _mine(store.current("leave_period"), employee)
    return leaves.loc[leaves["plan"].astype(str) == "FMLA"] if len(leaves) else leaves


def eligibility_on(store: Any, employee: str, on: date) -> dict[str, Any]:
    """The determination for ``employee`` on ``on`` (eligible True / False / None when hours are unknown)."""
    from leavehub.config.policy import load_policy

    employment = _mine(store.current("employment"), employee)
    if not len(employment):
        raise ConfigError(f"no employment record for employee {employee}", key_path="employee")
    leaves = _fmla_leaves(store, employee)
    day = day_number(on)
    covering = leaves.loc[(days_column(leaves["period_start"]) <= day)
                          & (days_column(leaves["period_end"]) >= day)] if len(leaves) else leaves
    if len(covering):
        key = str(covering["absence_period_key"].iloc[0])
    else:
        key = "(a leave starting that day)"
        asked = pd.DataFrame([{"employee_id": employee, "absence_period_key": key, "plan": "FMLA",
                               "decision": "PENDING", "reason_category": "OWN_HEALTH", "period_start": on,
                               "period_end": on, "notice_date": on}])
        leaves = pd.concat([leaves.astype(object), asked], ignore_index=True) if len(leaves) else asked
    found = determine_eligibility(employment, _mine(store.current("hours_worked"), employee), leaves,
                                  load_policy().on(on).fmla)
    row = found.loc[found["absence_period_key"] == key].iloc[0]
    return {"employee_id": employee, "on": on.isoformat(), "leave": key, "eligible": row["eligible"],
            "reasons": list(row["ineligibility_reasons"]), "determined_on": row["as_of"].isoformat(),
            "months_of_service": row["months_of_service"], "hours_worked_12m": row["hours_worked_12m"],
            "worksite_50_within_75": row["worksite_50_within_75"], "entitlement_hours": row["entitlement_hours"]}


def balance_on(store: Any, employee: str, as_of: date) -> dict[str, Any]:
    """Entitlement, used and remaining FMLA hours of ``employee`` on ``as_of``."""
    from leavehub.config.policy import load_policy
    from leavehub.config.rule_tables import load_rule_tables

    leaves = _fmla_leaves(store, employee)
    if not len(leaves):
        return {"employee_id": employee, "as_of": as_of.isoformat(), "fmla_leave": False}
    history, tables = load_policy(), load_rule_tables()
    links = _mine(store.current("identity_link"), employee)
    calendar = store.current("pay_period")
    company = str(links["payroll_company_code"].dropna().iloc[0]) if len(links) and \
        links["payroll_company_code"].notna().any() else str(calendar["payroll_company_code"].iloc[0])
    inputs = replace(leave_inputs(store, company, [employee]),
                     hours_worked=_mine(store.current("hours_worked"), employee))
    first = days_column(leaves["period_start"]).min()
    mine = calendar.loc[(calendar["payroll_company_code"].astype(str) == company)
                        & (days_column(calendar["period_end"]) >= first)
                        & (days_column(calendar["period_start"]) <= day_number(as_of))]
    usage = [price_period(inputs, pay_window(calendar, company, check), history, tables).fmla_usage
             for check in mine["check_date"]]
    usage = pd.concat(usage, ignore_index=True) if usage else pd.DataFrame(
        columns=["employee_id", "day", "absence_period_key", "hours_units"])
    eligibility = determine_eligibility(inputs.employment, inputs.hours_worked, leaves, history.on(as_of).fmla)
    balance = fmla_balance(usage, eligibility, history.on(as_of).fmla, as_of)
    row = balance.iloc[0].to_dict()
    return {**row, "as_of": as_of.isoformat(), "leave_year_start": row["leave_year_start"].isoformat(),
            "fmla_leave": True}
