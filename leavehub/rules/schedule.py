"""Each employee's pay and schedule for one pay period, and continuous leave exploded to scheduled days.

Facts come from the ``Employment`` version in force at the period's end. A schedule of N days a week works
the first N weekdays (Monday first); a day's scheduled hours are the weekly hours over N. Pay for the period:
salaried = annual salary / periods per year; hourly = rate x scheduled hours of the period's workdays.
Everything is per employee in arrays (no Python loop per person).

Example::

    staff = period_staff(employment, window, "half_up")
    staff.loc["W1", "period_pay"]      # cents
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from leavehub.rules.money import (
    EPOCH,
    RoundingMode,
    day_number,
    days_column,
    divide,
    scaled_integers,
    weekday,
)

__all__ = ["PERIODS_PER_YEAR", "PayWindow", "explode_days", "pay_window", "period_staff"]

PERIODS_PER_YEAR = {"WEEKLY": 52, "BIWEEKLY": 26, "SEMIMONTHLY": 24, "MONTHLY": 12}


@dataclass(frozen=True)
class PayWindow:
    """One pay period of the calendar, and the check before it (memo lines ride the first check after).

    Example: ``PayWindow("NWD", "BIWEEKLY", date(2026, 3, 2), date(2026, 3, 15), date(2026, 3, 20))``
    """

    payroll_company_code: str
    pay_frequency: str
    period_start: date
    period_end: date
    check_date: date
    previous_check_date: date | None = None

    @property
    def first_day(self) -> int:
        return day_number(self.period_start)

    @property
    def last_day(self) -> int:
        return day_number(self.period_end)


def _workdays_between(first: np.ndarray, last: np.ndarray, days_per_week: np.ndarray) -> np.ndarray:
    """Scheduled workdays in [first, last] per row: whole weeks, then the remaining days one weekday at a time."""
    span = np.maximum(last - first + 1, 0)
    weeks, rest = np.divmod(span, 7)
    count = weeks * days_per_week
    start_wd = weekday(first)
    for offset in range(6):  # at most six leftover days, the same loop for every employee
        count += ((offset < rest) & (((start_wd + offset) % 7) < days_per_week)).astype(np.int64)
    return count


def period_staff(employment: pd.DataFrame, window: PayWindow, mode: RoundingMode) -> pd.DataFrame:
    """Per employee (index ``employee_id``): state, schedule, pay for the period, all in integer units."""
    first, last = window.first_day, window.last_day
    starts = days_column(employment["effective_from"])
    ends = days_column(employment["effective_to"]) if "effective_to" in employment else np.full(len(starts), 2**40)
    live = employment.loc[(starts <= last) & (ends >= first)].copy()
    live["_from"] = starts[(starts <= last) & (ends >= first)]
    live = live.sort_values(["employee_id", "_from"]).drop_duplicates("employee_id", keep="last")
    out = pd.DataFrame(index=pd.Index(live["employee_id"].astype(str).to_numpy(), name="employee_id"))
    out["work_state"] = live["work_state"].astype("string").to_numpy()
    days = pd.to_numeric(live["scheduled_days_per_week"], errors="coerce").fillna(5).to_numpy(np.int64)
    days = np.where(days <= 0, 5, days)
    weekly_hours = scaled_integers(live["scheduled_hours_per_week"])
    weekly_hours = np.where(weekly_hours <= 0, 4000, weekly_hours)
    rate = scaled_integers(live["pay_rate"])
    salaried = (live["pay_basis"].astype("string") == "SALARY").fillna(False).to_numpy()
    per_year = PERIODS_PER_YEAR[window.pay_frequency]
    workdays = _workdays_between(np.full(len(out), first), np.full(len(out), last), days)
    hourly_period = divide(rate * weekly_hours * workdays, 100 * days, mode)
    out["days_per_week"] = days
    out["weekly_hours"] = weekly_hours
    out["daily_hours"] = divide(weekly_hours, days, mode)
    out["salaried"] = salaried
    out["workdays"] = workdays
    out["calendar_days"] = last - first + 1
    out["period_hours"] = divide(weekly_hours * workdays, days, mode)
    out["period_pay"] = np.where(salaried, divide(rate, per_year, mode), hourly_period)
    out["weekly_pay"] = np.where(salaried, divide(rate, 52, mode), divide(rate * weekly_hours, 100, mode))
    return out


def explode_days(periods: pd.DataFrame, window: PayWindow, staff: pd.DataFrame) -> pd.DataFrame:
    """One row per (leave period row, calendar day inside the pay period), with ``workday`` per schedule.

    Keeps every column of ``periods``; adds ``day`` (day number), ``day_of_leave`` (0 = the period's first
    day) and ``workday``. Rows of employees without an employment record are dropped (nothing to pay).
    """
    periods = periods.loc[periods["employee_id"].astype(str).isin(staff.index)]
    start = days_column(periods["period_start"])
    end = days_column(periods["period_end"])
    first = np.maximum(start, window.first_day)
    last = np.minimum(end, window.last_day)
    keep = last >= first
    periods, start, first, last = periods.loc[keep], start[keep], first[keep], last[keep]
    counts = (last - first + 1).astype(np.int64)
    rows = periods.iloc[np.repeat(np.arange(len(periods)), counts)].reset_index(drop=True)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    day = np.repeat(first, counts) + offsets
    rows["day"] = day
    rows["day_of_leave"] = day - np.repeat(start, counts)
    per_week = staff["days_per_week"].reindex(rows["employee_id"].astype(str)).to_numpy()
    rows["workday"] = weekday(day) < per_week
    return rows


def pay_window(calendar: pd.DataFrame, company_code: str, check_date: date) -> PayWindow:
    """The window of ``company_code``'s period paid on ``check_date``, from the canonical pay calendar
    (``PayPeriod`` frame), with the check before it (the memo lines' boundary).

    A check date the calendar does not hold is a ``KeyError`` naming it (a pay run never guesses a period).
    """
    rows = calendar.loc[calendar["payroll_company_code"].astype(str) == company_code]
    checks = days_column(rows["check_date"])
    hit = rows.loc[checks == day_number(check_date)]
    if len(hit) != 1:
        raise KeyError(f"{company_code}: {len(hit)} pay periods with check date {check_date.isoformat()}")
    before = checks[checks < day_number(check_date)]
    previous = date.fromordinal(EPOCH.toordinal() + int(before.max())) if len(before) else None
    row = hit.iloc[0]
    return PayWindow(company_code, str(row["pay_frequency"]), row["period_start"], row["period_end"], check_date,
                     previous)
