"""Leave administrator vs HRIS on a check date: who is out, who is back, who has left.

Inputs are canonical frames: ``leave_period`` (the TPA's plan decisions) and ``employment`` (the HRIS's
effective-dated job rows, every row of each employee). On check date D:

- on leave at the TPA: an APPROVED or PENDING continuous period covering D, not yet returned (``rtw_date``
  after D or unknown). Intermittent and reduced-schedule periods do not take the employee off the job;
- the HRIS status on D is the status of the employment row in force on D (``effective_from`` <= D <=
  ``effective_to``);
- the HRIS return date of a leave is the ``effective_from`` of the first ACTIVE row after the leave began;
- a case is open while one of its periods is APPROVED or PENDING and has not ended before the termination.

Money at stake for a status disagreement is one week's pay (hourly rate x scheduled weekly hours, or annual
salary / 52): what one check could pay wrongly or withhold wrongly. For a terminated employee with an open
case it is the period's weekly benefit. Every step is a column operation; nothing loops per employee.

Example::

    found = leave_vs_hris(leave_periods, employment, check_date=date(2026, 3, 13))
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.reconcile.exceptions import combine, exception_frame, iso_dates, member, text_column
from leavehub.rules.money import OPEN_END, day_number, days_column, scaled_integers

__all__ = ["OPEN_DECISIONS", "hris_on", "leave_vs_hris", "weekly_pay_cents"]

OPEN_DECISIONS = ("APPROVED", "PENDING")


def weekly_pay_cents(employment: pd.DataFrame) -> np.ndarray:
    """One week's pay per employment row, in cents (0 where the HRIS does not say)."""
    if not len(employment) or "pay_rate" not in employment:
        return np.zeros(len(employment), np.int64)
    rate = scaled_integers(employment["pay_rate"], 4)  # 1/10000 dollar: rates carry up to 4 places
    hours = scaled_integers(employment["scheduled_hours_per_week"], 2) \
        if "scheduled_hours_per_week" in employment else np.zeros(len(employment), np.int64)
    basis = text_column(employment, "pay_basis")
    hourly = rate * hours // 10_000  # (1/10000 $) x (1/100 h) -> cents
    salaried = rate // 100 // 52
    return np.where(basis == "HOURLY", hourly, np.where(basis == "SALARY", salaried, 0)).astype(np.int64)


def hris_on(employment: pd.DataFrame, check_date: date) -> pd.DataFrame:
    """The employment row in force on ``check_date`` per employee (latest ``effective_from`` wins a tie)."""
    day = day_number(check_date)
    start, end = days_column(employment["effective_from"]), days_column(employment["effective_to"])
    rows = employment.assign(_start=start, _weekly=weekly_pay_cents(employment),
                             employee_id=text_column(employment, "employee_id"),
                             status=text_column(employment, "status"))
    rows = rows.loc[(start <= day) & (end >= day)]
    return rows.sort_values(["employee_id", "_start"]).drop_duplicates("employee_id", keep="last")


def _on_leave_at_tpa(periods: pd.DataFrame, day: int) -> pd.DataFrame:
    start, end = days_column(periods["period_start"]), days_column(periods["period_end"])
    rtw = days_column(periods["rtw_date"]) if "rtw_date" in periods else np.full(len(periods), OPEN_END)
    out = member(text_column(periods, "decision"), OPEN_DECISIONS) \
        & (text_column(periods, "period_type") == "CONTINUOUS") & (start <= day) & (end >= day) & (rtw > day)
    rows = periods.loc[out].assign(employee_id=text_column(periods.loc[out], "employee_id"), _start=start[out])
    return rows.sort_values(["employee_id", "_start"]).drop_duplicates("employee_id", keep="last")


def leave_vs_hris(leave_periods: pd.DataFrame, employment: pd.DataFrame, *, check_date: date) -> pd.DataFrame:
    """Every leave-vs-HRIS exception on ``check_date`` (one frame, ``EXCEPTION_COLUMNS``)."""
    if not len(employment):
        return combine([])
    day = day_number(check_date)
    now = hris_on(employment, check_date)
    status = pd.Series(now["status"].to_numpy(dtype=object), index=now["employee_id"].to_numpy(dtype=object))
    weekly = pd.Series(now["_weekly"].to_numpy(np.int64), index=status.index)
    out = _on_leave_at_tpa(leave_periods, day) if len(leave_periods) else pd.DataFrame({"employee_id": []})
    found = []

    tpa_ids = out["employee_id"].to_numpy(dtype=object)
    hris_status = status.reindex(tpa_ids).to_numpy(dtype=object)
    active = hris_status == "ACTIVE"
    rows = out.loc[active]
    found.append(exception_frame(
        "LEAVE_NOT_IN_HRIS", tpa_ids[active], tpa_ids[active], weekly.reindex(tpa_ids[active]).to_numpy(np.int64),
        "TPA " + text_column(rows, "plan") + " period " + text_column(rows, "absence_period_key") + " from "
        + iso_dates(rows["_start"].to_numpy(np.int64)) + " is open; the HRIS shows ACTIVE", check_date))

    on_leave = status.index[status.to_numpy(dtype=object) == "ON_LEAVE"].to_numpy(dtype=object)
    missing = on_leave[~member(on_leave, tpa_ids)]
    found.append(exception_frame(
        "HRIS_LEAVE_NOT_AT_TPA", missing, missing, weekly.reindex(missing).to_numpy(np.int64),
        np.full(len(missing), f"the HRIS shows ON_LEAVE on {check_date.isoformat()}; the TPA has no open "
                              "continuous period", dtype=object), check_date))

    found.append(_return_dates(leave_periods, employment, weekly, day, check_date))
    found.append(_terminated_open(leave_periods, now, check_date))
    return combine(found)


def _return_dates(periods: pd.DataFrame, employment: pd.DataFrame, weekly: pd.Series, day: int,
                  check_date: date) -> pd.DataFrame:
    """Returned periods (``rtw_date`` on or before D) that the HRIS recorded as a leave (an ON_LEAVE row
    overlapping it) and whose HRIS return (first ACTIVE row after the leave began) is another day, or none. An
    HRIS that never showed the leave has no return date to compare (that was LEAVE_NOT_IN_HRIS while it ran)."""
    if not len(periods) or "rtw_date" not in periods:
        return combine([])
    rtw = days_column(periods["rtw_date"])
    back = (rtw <= day) & (text_column(periods, "period_type") == "CONTINUOUS") \
        & ~member(text_column(periods, "decision"), ("DENIED", "CANCELLED", "WITHDRAWN"))
    leaves = pd.DataFrame({"employee_id": text_column(periods, "employee_id")[back],
                           "key": text_column(periods, "absence_period_key")[back],
                           "start": days_column(periods["period_start"])[back], "rtw": rtw[back]})
    # one return per leave: the latest period of each case's continuous stretch reports the return
    leaves = leaves.sort_values(["employee_id", "rtw", "key"]).drop_duplicates(["employee_id", "rtw"], keep="last")
    rows = pd.DataFrame({"employee_id": text_column(employment, "employee_id"),
                         "from": days_column(employment["effective_from"]),
                         "to": days_column(employment["effective_to"]),
                         "status": text_column(employment, "status")})
    away = leaves.merge(rows.loc[rows["status"] == "ON_LEAVE"], on="employee_id")
    recorded = away.loc[(away["from"] < away["rtw"]) & (away["to"] >= away["start"]), "key"]
    leaves = leaves.loc[member(leaves["key"], set(recorded))]
    active = rows.loc[rows["status"] == "ACTIVE", ["employee_id", "from"]]
    pairs = leaves.merge(active, on="employee_id", how="left")
    pairs = pairs.loc[pairs["from"].isna() | (pairs["from"] > pairs["start"])]
    first = pairs.groupby(["employee_id", "key"], as_index=False).agg(
        rtw=("rtw", "first"), start=("start", "first"), hris=("from", "min"))
    hris = first["hris"].fillna(OPEN_END).to_numpy(np.int64)
    differ = hris != first["rtw"].to_numpy(np.int64)
    rows = first.loc[differ]
    ids = rows["employee_id"].to_numpy(dtype=object)
    hris_text = np.where(hris[differ] >= OPEN_END, "none", iso_dates(hris[differ]).astype(object))
    return exception_frame(
        "RETURN_DATE_MISMATCH", ids, rows["key"].to_numpy(dtype=object),
        weekly.reindex(ids).fillna(0).to_numpy(np.int64),
        "the TPA's return date is " + iso_dates(rows["rtw"].to_numpy(np.int64)) + "; the HRIS's is " + hris_text,
        check_date)


def _terminated_open(periods: pd.DataFrame, now: pd.DataFrame, check_date: date) -> pd.DataFrame:
    """APPROVED or PENDING periods of employees the HRIS shows TERMINATED that run past the termination."""
    if not len(periods):
        return combine([])
    gone = now.loc[now["status"] == "TERMINATED"]
    ended = days_column(gone["termination_date"]) if "termination_date" in gone else np.full(len(gone), OPEN_END)
    ended = np.where(ended >= OPEN_END, gone["_start"].to_numpy(np.int64), ended)
    term = pd.Series(ended, index=gone["employee_id"].to_numpy(dtype=object))
    ids = text_column(periods, "employee_id")
    term_day = term.reindex(ids).fillna(-1).to_numpy(np.int64)
    end = days_column(periods["period_end"])
    hit = (term_day >= 0) & member(text_column(periods, "decision"), OPEN_DECISIONS) & (end > term_day)
    rows = periods.loc[hit]
    benefit = scaled_integers(rows["weekly_benefit"]) if "weekly_benefit" in rows \
        else np.zeros(len(rows), np.int64)
    return exception_frame(
        "TERMINATED_OPEN_CASE", ids[hit], text_column(rows, "absence_period_key"), benefit,
        "terminated on " + iso_dates(term_day[hit]) + "; TPA " + text_column(rows, "plan") + " period "
        + text_column(rows, "absence_period_key") + " of case " + text_column(rows, "case_number") + " is "
        + text_column(rows, "decision") + " until " + iso_dates(end[hit]), check_date)
