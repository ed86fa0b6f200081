"""What a pay run reads from the store: the company's pay window and deadline, and the canonical frames.

Only the company's own employees are priced: an employee whose identity link names another payroll company
code is left out (a single-company employer's HRIS may send none: then everyone counts). ``File #`` comes from
the same link (``payroll_file_number``). Frames are the store's current versions.

Example::

    period = pay_period(store, "NWD", date(2026, 3, 20))    # window, deadline, the calendar's earlier checks
    inputs = leave_inputs(store, "NWD")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from leavehub.rules.pay import LeaveInputs
from leavehub.rules.register import register_net_pay
from leavehub.rules.schedule import PayWindow, pay_window
from schemas.errors import ConfigError

__all__ = ["CompanyPeriod", "file_numbers", "leave_inputs", "pay_period"]

_FRAMES = {"leave_periods": "leave_period", "absences": "absence", "benefit_payments": "benefit_payment",
           "enrollments": "enrollment", "time_off": "time_off_balance", "hours_worked": "hours_worked"}


@dataclass(frozen=True)
class CompanyPeriod:
    """The pay period of one check date, its processing deadline, and every window of the company's calendar."""

    window: PayWindow
    deadline: datetime | None
    calendar: pd.DataFrame

    def window_of(self, check_date: date) -> PayWindow:
        return pay_window(self.calendar, self.window.payroll_company_code, check_date)


def pay_period(store: Any, company: str, check_date: date) -> CompanyPeriod:
    """The window paid on ``check_date``; a check date the calendar lacks is a ``ConfigError`` naming it."""
    calendar = store.current("pay_period")
    try:
        window = pay_window(calendar, company, check_date)
    except KeyError as exc:
        raise ConfigError(f"the LedgerPay pay calendar has no period of company {company} with check date "
                          f"{check_date.isoformat()} (load LEDGERPAY_CALENDAR_{company}_{check_date:%Y})",
                          key_path="pay_period") from exc
    rows = calendar.loc[(calendar["payroll_company_code"].astype(str) == company)
                        & (pd.to_datetime(calendar["check_date"]).dt.date == check_date)]
    deadline = rows["processing_deadline"].iloc[0]
    deadline = None if pd.isna(deadline) else pd.Timestamp(deadline).to_pydatetime()
    return CompanyPeriod(window, deadline, calendar)


def leave_inputs(store: Any, company: str, check_date: date | None = None) -> LeaveInputs:
    """The canonical frames one pricing reads, cut to ``company``'s employees. With ``check_date``, also what
    catch-up needs: the premium ledger entries and each employee's latest paid net from the register before
    that check (``leavehub.rules.register``)."""
    employment = store.current("employment")
    links = store.current("identity_link")
    if len(links):
        code = links["payroll_company_code"].astype("string")
        others = set(links.loc[(code != company).fillna(False), "employee_id"].astype(str))
        employment = employment.loc[~employment["employee_id"].astype(str).isin(others)]
    frames = {name: store.current(entity) for name, entity in _FRAMES.items()}
    if check_date is not None:
        frames["premium_ledger"] = store.current("premium_ledger_entry")
        frames["net_pay"] = register_net_pay(store.current("payroll_register_line"), links, before=check_date)
    return LeaveInputs(employment=employment.reset_index(drop=True), **frames)


def file_numbers(store: Any) -> dict[str, str]:
    """Employee id -> payroll file number, where the identity link carries one."""
    links = store.current("identity_link")
    if not len(links):
        return {}
    known = links.loc[links["payroll_file_number"].notna(), ["employee_id", "payroll_file_number"]]
    return dict(zip(known["employee_id"].astype(str), known["payroll_file_number"].astype(str), strict=True))
