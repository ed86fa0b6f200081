"""FMLA eligibility (29 CFR 825.110) and entitlement (825.200, 825.205) from the HRIS's canonical data.

Eligibility, per FMLA leave period, all employees at once:

* SERVICE: 12 months (52 weeks = 364 days) of employment before the leave starts, counted over every
  employment spell (they need not be consecutive); service before a break of 7 years or more does not count.
  A spell is a run of ``Employment`` versions whose status is not TERMINATED.
* HOURS: 1,250 hours WORKED in the 12 months before the leave starts: only ``HoursWorked`` rows marked
  ``worked`` (paid leave codes never count); a pay period straddling the window counts by its days inside.
* WORKSITE: 50 employees within 75 miles, as the ``Employment`` version in force on the NOTICE date says.

Determined at the first leave of each leave year; a later leave for the SAME reason in the same leave year
reuses that determination (825.300(b)(1)); a new reason is tested again at its own dates.

Entitlement: 12 weeks of the employee's weekly hours (480 h at 40 h/week, 360 h at 30), 26 weeks for
military caregiver leave; a variable schedule (no scheduled weekly hours) uses the weekly average of all
hours in the 12 months before the leave (worked and leave hours alike). The balance is charged exactly the
hours taken (see ``leavehub.rules.pay`` for the charges), in the leave year the employer's method gives:
calendar year, fixed year, rolling forward from first use, or rolling backward from the day asked about.
Spouses at the same employer share one 12-week limit for bonding (825.120(a)(3)).

Example::

    eligibility = determine_eligibility(employment, hours_worked, leave_periods, policy.fmla)
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.config.policy import FmlaPolicy
from leavehub.rules.money import OPEN_END, day_number, days_column, decimal_array, divide, scaled_integers

__all__ = ["CENSUS_LEAVE", "census_eligibility", "determine_eligibility", "fmla_balance", "leave_year_starts",
           "one_year_later"]

CENSUS_LEAVE = "(census)"
"""The absence key of the leave a census asks about: one starting on the census day, noticed that day."""

SERVICE_DAYS = 364            # 52 weeks are deemed 12 months (825.110(b)(3))
BREAK_DAYS = 2557             # 7 years (7 x 365.25, rounded up)
HOURS_NEEDED = 1250_00        # hundredths
WORKSITE_NEEDED = 50
REGULAR_WEEKS, CAREGIVER_WEEKS = 12, 26


_LAST_DATED = (pd.Timestamp.max - pd.Timestamp(0)) // pd.Timedelta(days=1) - 400  # pandas' nanosecond range


def one_year_later(days: np.ndarray) -> np.ndarray:
    """The same calendar day one year on (Feb 29 -> Mar 1), as day numbers. A day past pandas' range (an
    open end such as 9999-12-31) stays where it is: a year after "never" is still never."""
    days = np.asarray(days, dtype=np.int64)
    far = days > _LAST_DATED
    stamps = pd.to_datetime(np.where(far, 0, days), unit="D")
    later = stamps + pd.DateOffset(years=1)
    fix = (stamps.month == 2) & (stamps.day == 29)
    later = later.where(~fix, later + pd.Timedelta(days=1))
    return np.where(far, days, ((later - pd.Timestamp(0)) // pd.Timedelta(days=1)).to_numpy(np.int64))


def _year_start_of(days: np.ndarray, month: int, day: int) -> np.ndarray:
    stamps = pd.to_datetime(np.asarray(days, dtype=np.int64), unit="D")
    this = pd.to_datetime(pd.DataFrame({"year": stamps.year, "month": month, "day": day}))
    start = this.where(this <= stamps, pd.to_datetime(pd.DataFrame({"year": stamps.year - 1, "month": month,
                                                                    "day": day})))
    return ((start - pd.Timestamp(0)) // pd.Timedelta(days=1)).to_numpy(np.int64)


def leave_year_starts(employee_ids: np.ndarray, days: np.ndarray, policy: FmlaPolicy) -> np.ndarray:
    """The first day of the leave year each (employee, day) falls in, under the employer's method.

    Rolling backward has no fixed leave year; for re-determining eligibility it groups leave the way
    rolling forward does (a year opened by the first leave taken after the previous year ended).
    """
    days = np.asarray(days, dtype=np.int64)
    if policy.entitlement_method == "calendar_year":
        return _year_start_of(days, 1, 1)
    if policy.entitlement_method == "fixed_year":
        month, day = (int(p) for p in policy.fixed_year_start.split("-"))
        return _year_start_of(days, month, day)
    frame = pd.DataFrame({"e": np.asarray(employee_ids, dtype=object), "d": days}).sort_values(["e", "d"])
    start = np.full(len(frame), -1, dtype=np.int64)
    e, d = frame["e"].to_numpy(), frame["d"].to_numpy()
    while (start < 0).any():  # one round per leave year, each round for every employee at once
        open_rows = start < 0
        first = pd.Series(np.where(open_rows, d, OPEN_END)).groupby(e).transform("min").to_numpy()
        inside = open_rows & (d < one_year_later(first)) & (d >= first)
        start[inside] = first[inside]
    out = np.empty(len(days), dtype=np.int64)
    out[frame.index.to_numpy()] = start
    return out


def _in_force_on(employment: pd.DataFrame, employee_ids: np.ndarray, days: np.ndarray, column: str) -> pd.Series:
    """``column`` of the Employment version in force for each (employee, day); null where there is none."""
    emp = employment.assign(_from=days_column(employment["effective_from"]),
                            _id=employment["employee_id"].astype(str)).sort_values("_from")
    ask = pd.DataFrame({"_id": np.asarray(employee_ids, dtype=object).astype(str), "_from": days,
                        "_row": np.arange(len(days))}).sort_values("_from")
    hit = pd.merge_asof(ask, emp[["_id", "_from", column]], on="_from", by="_id", direction="backward")
    return hit.sort_values("_row")[column].reset_index(drop=True)


def _service_days(employment: pd.DataFrame, leaves: pd.DataFrame) -> np.ndarray:
    """Days employed before each leave's start, after the last break of 7+ years."""
    emp = employment.assign(_id=employment["employee_id"].astype(str),
                            _from=days_column(employment["effective_from"]),
                            _to=days_column(employment["effective_to"]),
                            _on=employment["status"].astype(str) != "TERMINATED")
    emp = emp.sort_values(["_id", "_from"])
    # a version runs until the next version starts (or its own effective_to, whichever is first)
    nxt = emp.groupby("_id")["_from"].shift(-1).fillna(OPEN_END).to_numpy(np.int64)
    emp["_to"] = np.minimum(emp["_to"].to_numpy(), nxt - 1)
    spells = emp.loc[emp["_on"], ["_id", "_from", "_to"]]
    pairs = leaves[["_id", "_start", "_row"]].merge(spells, on="_id")
    pairs["_to"] = np.minimum(pairs["_to"], pairs["_start"] - 1)
    pairs = pairs.loc[pairs["_to"] >= pairs["_from"]].sort_values(["_row", "_from"])
    prev_end = pairs.groupby("_row")["_to"].shift(1).fillna(-OPEN_END).to_numpy(np.int64)
    gap = pairs["_from"].to_numpy() - prev_end - 1
    pairs["_era"] = pd.Series(gap >= BREAK_DAYS, index=pairs.index).groupby(pairs["_row"]).cumsum()
    last_era = pairs.groupby("_row")["_era"].transform("max")
    kept = pairs.loc[pairs["_era"] == last_era]
    # overlapping versions are merged by counting each day once: clip each start to the running max end
    run_end = kept.groupby("_row")["_to"].cummax()
    prev_run = run_end.groupby(kept["_row"]).shift(1).fillna(-OPEN_END).to_numpy(np.int64)
    length = kept["_to"].to_numpy() - np.maximum(kept["_from"].to_numpy(), prev_run + 1) + 1
    total = pd.Series(np.maximum(length, 0), index=kept.index).groupby(kept["_row"]).sum()
    return total.reindex(leaves["_row"]).fillna(0).to_numpy(np.int64)


def _hours_before(hours: pd.DataFrame, leaves: pd.DataFrame, worked_only: bool) -> np.ndarray:
    """Hundredths of hours in the 12 months before each leave (a straddling period counts by its days)."""
    if not len(hours):
        return np.zeros(len(leaves), np.int64)
    rows = hours.loc[hours["worked"].astype("boolean").fillna(False).to_numpy(bool)] if worked_only else hours
    rows = rows.assign(_id=rows["employee_id"].astype(str), _ps=days_column(rows["period_start"]),
                       _pe=days_column(rows["period_end"]), _h=scaled_integers(rows["hours"]))
    pairs = leaves[["_id", "_start", "_window", "_row"]].merge(rows[["_id", "_ps", "_pe", "_h"]], on="_id")
    first = np.maximum(pairs["_ps"].to_numpy(), pairs["_window"].to_numpy())
    last = np.minimum(pairs["_pe"].to_numpy(), pairs["_start"].to_numpy() - 1)
    inside = np.maximum(last - first + 1, 0)
    span = pairs["_pe"].to_numpy() - pairs["_ps"].to_numpy() + 1
    whole = pairs["_h"].to_numpy()
    part = np.where(inside == span, whole, divide(whole * inside, span, "half_up"))
    total = pd.Series(part).groupby(pairs["_row"].to_numpy()).sum()
    return total.reindex(leaves["_row"]).fillna(0).to_numpy(np.int64)


def determine_eligibility(employment: pd.DataFrame, hours_worked: pd.DataFrame, leave_periods: pd.DataFrame,
                          policy: FmlaPolicy) -> pd.DataFrame:
    """One determination per FMLA leave period (``EligibilitySnapshot`` fields plus the period key)."""
    fmla = leave_periods.loc[(leave_periods["plan"].astype(str) == "FMLA")
                             & ~leave_periods["decision"].astype(str).isin(("CANCELLED", "WITHDRAWN"))]
    leaves = pd.DataFrame({"_id": fmla["employee_id"].astype(str).to_numpy(dtype=object),
                           "absence_period_key": fmla["absence_period_key"].astype(str).to_numpy(dtype=object),
                           "_reason": fmla["reason_category"].astype(str).to_numpy(dtype=object),
                           "_start": days_column(fmla["period_start"]),
                           "_notice": days_column(fmla["notice_date"])})
    leaves["_notice"] = np.where(leaves["_notice"] >= OPEN_END, leaves["_start"], leaves["_notice"])
    leaves = leaves.sort_values(["_id", "_start"]).reset_index(drop=True)
    leaves["_row"] = np.arange(len(leaves))
    leaves["_year"] = leave_year_starts(leaves["_id"].to_numpy(), leaves["_start"].to_numpy(), policy)
    back = one_year_later(leaves["_start"].to_numpy()) - leaves["_start"].to_numpy()  # 365 or 366 days
    leaves["_window"] = leaves["_start"].to_numpy() - back
    service = _service_days(employment, leaves)
    worked = _hours_before(hours_worked, leaves, worked_only=True)
    known_hours = leaves["_id"].isin(set(hours_worked["employee_id"].astype(str))) if len(hours_worked) \
        else pd.Series(False, index=leaves.index)
    nearby = pd.to_numeric(_in_force_on(employment, leaves["_id"].to_numpy(), leaves["_notice"].to_numpy(),
                                        "employees_within_75_miles"), errors="coerce")
    service_ok = service >= SERVICE_DAYS
    hours_ok = np.where(known_hours, worked >= HOURS_NEEDED, True)
    site_known = nearby.notna().to_numpy()
    site_ok = np.where(site_known, nearby.fillna(0).to_numpy() >= WORKSITE_NEEDED, True)
    failed = ~service_ok | ~hours_ok | ~site_ok
    eligible = np.where(failed, False, np.where(known_hours.to_numpy() & site_known, True, None))
    reasons = [[r for r, ok in (("SERVICE", s), ("HOURS", h), ("WORKSITE", w)) if not ok]
               for s, h, w in zip(service_ok, hours_ok, site_ok, strict=True)]
    weekly = _weekly_hours(employment, hours_worked, leaves)
    weeks = np.where(leaves["_reason"].to_numpy() == "MILITARY_CAREGIVER", CAREGIVER_WEEKS, REGULAR_WEEKS)
    out = pd.DataFrame({
        "employee_id": leaves["_id"], "absence_period_key": leaves["absence_period_key"],
        "reason_category": leaves["_reason"], "as_of": leaves["_start"], "leave_year_start": leaves["_year"],
        "months_of_service": divide(service * 120_000, 36_525, "half_up"),
        "hours_worked_12m": np.where(known_hours, worked, -1), "worksite_50_within_75": np.where(
            site_known, site_ok, None), "eligible": eligible, "ineligibility_reasons": reasons,
        "entitlement_hours": weekly * weeks})
    # the same reason in the same leave year is not tested again: copy the first determination
    group = [out["employee_id"], out["leave_year_start"], out["reason_category"]]
    for column in ("as_of", "months_of_service", "hours_worked_12m", "worksite_50_within_75", "eligible",
                   "ineligibility_reasons"):
        out[column] = out.groupby(group, sort=False)[column].transform("first")
    out["as_of"] = [date.fromordinal(719163 + d) for d in out["as_of"]]  # 719163 = date(1970, 1, 1) ordinal
    out["leave_year_start"] = [date.fromordinal(719163 + d) for d in out["leave_year_start"]]
    hours = out["hours_worked_12m"].to_numpy(np.int64)
    out["months_of_service"] = _decimal(out["months_of_service"].to_numpy(np.int64), 7)
    out["hours_worked_12m"] = _decimal(hours, 9, mask=hours < 0)
    out["entitlement_hours"] = _decimal(out["entitlement_hours"].to_numpy(np.int64), 9)
    return out


def census_eligibility(employment: pd.DataFrame, hours_worked: pd.DataFrame, leave_periods: pd.DataFrame,
                       policy: FmlaPolicy, on: date) -> pd.DataFrame:
    """Per employee, the ``EligibilitySnapshot`` fields a census carries for ``on``: the determination of the
    FMLA leave in force that day, else the one a leave starting that day would get (noticed that day, own
    health: hours worked in the 12 months before it, the worksite test as of that day). Same rules, same code
    as a leave's determination; an unknown input stays None (the census sends it empty, never a guess)."""
    columns = ["employee_id", "as_of", "leave_year_start", "months_of_service", "hours_worked_12m",
               "worksite_50_within_75", "eligible", "ineligibility_reasons", "entitlement_hours"]
    people = pd.unique(employment["employee_id"].astype(str)) if len(employment) else np.array([], dtype=object)
    if not len(people):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    asked = pd.DataFrame({"employee_id": people, "absence_period_key": CENSUS_LEAVE, "plan": "FMLA",
                          "decision": "PENDING", "reason_category": "OWN_HEALTH", "period_start": on,
                          "period_end": on, "notice_date": on})
    real = leave_periods.loc[leave_periods["plan"].astype(str) == "FMLA",
                             list(asked.columns)] if len(leave_periods) else asked.iloc[0:0]
    if len(real):
        real = real.astype(object)
        real["employee_id"] = real["employee_id"].astype(str)
        real["absence_period_key"] = real["absence_period_key"].astype(str)
    found = determine_eligibility(employment, hours_worked, pd.concat([real, asked], ignore_index=True), policy)
    day = day_number(on)
    keys = set(asked["absence_period_key"])
    if len(real):
        starts, ends = days_column(real["period_start"]), days_column(real["period_end"])
        covering = real.loc[(starts <= day) & (ends >= day) & ~real["decision"].astype(str).isin(
            ("CANCELLED", "WITHDRAWN", "DENIED")), "absence_period_key"]
        keys |= set(covering)
    found = found.loc[found["absence_period_key"].isin(keys)].copy()
    found["_census"] = found["absence_period_key"] == CENSUS_LEAVE  # the in-force leave wins over the census's
    found = found.sort_values(["employee_id", "_census"]).drop_duplicates("employee_id", keep="first")
    return found[columns].reset_index(drop=True)


def _decimal(units: np.ndarray, precision: int, mask: np.ndarray | None = None) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(decimal_array(units, precision=precision, mask=mask)))


def _weekly_hours(employment: pd.DataFrame, hours: pd.DataFrame, leaves: pd.DataFrame) -> np.ndarray:
    """Scheduled weekly hours at the leave start; a variable schedule: the 12-month weekly average."""
    sched = _in_force_on(employment, leaves["_id"].to_numpy(), leaves["_start"].to_numpy(),
                         "scheduled_hours_per_week")
    average = divide(_hours_before(hours, leaves, worked_only=False), 52, "half_up")
    return np.where(sched.notna().to_numpy(), scaled_integers(sched), average)


def fmla_balance(usage: pd.DataFrame, eligibility: pd.DataFrame, policy: FmlaPolicy, as_of: date,
                 spouses: pd.Series | None = None) -> pd.DataFrame:
    """Per employee on ``as_of``: entitlement, hours used in the leave year, remaining; bonding with spouse.

    ``usage``: ``employee_id, day, absence_period_key, hours_units`` (the pricing's FMLA charges, every
    period); ``eligibility``: :func:`determine_eligibility`'s frame; ``spouses``: employee -> spouse id.
    """
    ask = int((as_of - date(1970, 1, 1)).days)
    latest = eligibility.sort_values("as_of").drop_duplicates("employee_id", keep="last").set_index("employee_id")
    entitled = pd.Series(scaled_integers(latest["entitlement_hours"]), index=latest.index)
    regular = entitled.where(latest["reason_category"] != "MILITARY_CAREGIVER",
                             entitled * REGULAR_WEEKS // CAREGIVER_WEEKS)
    weekly = regular // REGULAR_WEEKS
    use = usage.assign(_id=usage["employee_id"].astype(str), day=usage["day"].astype(np.int64))
    use = use.loc[use["day"] <= ask]
    if policy.entitlement_method == "rolling_backward":
        start = pd.Series(ask - (one_year_later(np.array([ask])) - ask)[0] + 1, index=latest.index)
    elif policy.entitlement_method == "rolling_forward":
        starts = leave_year_starts(use["_id"].to_numpy(), use["day"].to_numpy(), policy) if len(use) else []
        use = use.assign(_ys=starts)
        current = use.loc[one_year_later(use["_ys"].to_numpy()) > ask] if len(use) else use
        start = current.groupby("_id")["_ys"].max().reindex(latest.index).fillna(ask)
    else:
        start = pd.Series(leave_year_starts(latest.index.to_numpy(), np.full(len(latest), ask), policy),
                          index=latest.index)
    use = use.loc[use["day"].to_numpy() >= start.reindex(use["_id"]).fillna(OPEN_END).to_numpy()]
    reason = eligibility.set_index("absence_period_key")["reason_category"]
    use = use.assign(_reason=reason.reindex(use["absence_period_key"].astype(str)).to_numpy())
    used = use.groupby("_id")["hours_units"].sum().reindex(latest.index).fillna(0).astype(np.int64)
    caregiver = use.loc[use["_reason"] == "MILITARY_CAREGIVER"].groupby("_id")["hours_units"].sum() \
        .reindex(latest.index).fillna(0).astype(np.int64)
    bonding = use.loc[use["_reason"] == "BONDING"].groupby("_id")["hours_units"].sum() \
        .reindex(latest.index).fillna(0).astype(np.int64)
    remaining = np.maximum(np.minimum(regular - (used - caregiver), weekly * CAREGIVER_WEEKS - used), 0)
    bond_room = regular - bonding
    if spouses is not None and len(spouses):
        spouse = spouses.reindex(latest.index)
        # the spouse's bonding weeks, in this employee's hours (weeks x this employee's weekly hours)
        their_bonding = bonding.reindex(spouse.to_numpy()).fillna(0).to_numpy(np.int64)
        their_weekly = weekly.reindex(spouse.to_numpy()).fillna(1).to_numpy(np.int64)
        bond_room = bond_room - divide(their_bonding * weekly.to_numpy(), np.maximum(their_weekly, 1), "half_up")
    return pd.DataFrame({
        "employee_id": latest.index, "as_of": as_of,
        "leave_year_start": [date.fromordinal(719163 + int(d)) for d in start.reindex(latest.index)],
        "entitlement_hours": _decimal(regular.to_numpy(np.int64), 9).to_numpy(),
        "used_hours": _decimal(used.to_numpy(np.int64), 9).to_numpy(),
        "remaining_hours": _decimal(np.asarray(remaining, dtype=np.int64), 9).to_numpy(),
        "caregiver_remaining_hours": _decimal(np.maximum(weekly * CAREGIVER_WEEKS - used, 0).to_numpy(np.int64),
                                              9).to_numpy(),
        "bonding_remaining_hours": _decimal(np.maximum(np.minimum(bond_room, remaining), 0).astype(np.int64),
                                            9).to_numpy()})
