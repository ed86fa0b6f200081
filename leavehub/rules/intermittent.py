"""Intermittent and reduced-schedule episodes: exact FMLA charges, rounded payroll hours (29 CFR 825.205).

The FMLA balance is charged exactly the hours taken (a day never more than its scheduled hours). Payroll
hours follow the policy: each episode rounded to the payroll increment (up or nearest), a day's total capped
at its scheduled hours. Those hours are PTO where substitution applies (the employee elected it, or the
policy requires it) up to the PTO left after continuous leave, and unpaid LOA hours otherwise.

Example: a 2.4 h episode, 0.25 h increment, round up -> FMLA charge 2.40 h, payroll line 2.50 h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leavehub.config.policy import PayPolicy
from leavehub.rules.money import days_column, divide, scaled_integers
from leavehub.rules.schedule import PayWindow

__all__ = ["Episodes", "counts_against", "price_episodes", "round_to_increment"]


@dataclass(frozen=True)
class Episodes:
    per_employee: pd.DataFrame    # index employee_id: pto, loa (hundredths of an hour)
    case_number: pd.Series        # index employee_id: the case of the employee's first episode
    fmla_charges: pd.DataFrame    # employee_id, day, absence_period_key, hours_units


def round_to_increment(units: np.ndarray, increment_units: int, rounding: str) -> np.ndarray:
    """Hundredths rounded to the payroll increment: ``up`` = ceiling, ``nearest`` = halves up."""
    units = np.asarray(units, dtype=np.int64)
    steps = -(-units // increment_units) if rounding == "up" else divide(units, increment_units, "half_up")
    return steps * increment_units


def counts_against(plans: pd.Series, plan: str) -> np.ndarray:
    """Per row, whether a list column of plans (``Absence.plans``) names ``plan``; vectorized over rows."""
    arr = pa.array(plans, from_pandas=True)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not pa.types.is_list(arr.type) or len(arr) == 0:
        return np.zeros(len(plans), dtype=bool)
    flat = pc.equal(pc.list_flatten(arr).cast(pa.string()), plan).to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(arr).to_numpy()
    hit = np.zeros(len(arr), dtype=bool)
    np.logical_or.at(hit, parents[flat], True)
    return hit


def _empty(index: pd.Index) -> Episodes:
    return Episodes(pd.DataFrame({"pto": 0, "loa": 0}, index=index[:0]), pd.Series(dtype=object),
                    pd.DataFrame(columns=["employee_id", "day", "absence_period_key", "hours_units"]))


def price_episodes(absences: pd.DataFrame, leave_periods: pd.DataFrame, window: PayWindow, staff: pd.DataFrame,
                   policy: PayPolicy, pto_left: np.ndarray) -> Episodes:
    """Approved episodes dated inside ``window`` -> per-employee PTO/LOA hours and per-day FMLA charges."""
    if not len(absences):
        return _empty(staff.index)
    day = days_column(absences["absence_date"])
    keep = (absences["decision"].astype(str).to_numpy() == "APPROVED") & (day >= window.first_day) \
        & (day <= window.last_day) & absences["employee_id"].astype(str).isin(staff.index).to_numpy()
    ep = absences.loc[keep, ["employee_id", "absence_period_key", "episode_id"]].copy()
    if not len(ep):
        return _empty(staff.index)
    ep["employee_id"] = ep["employee_id"].astype(str)
    ep["day"] = day[keep]
    ep["taken"] = scaled_integers(absences.loc[keep, "hours"])
    ep["fmla"] = counts_against(absences.loc[keep, "plans"], "FMLA")
    inc = int(policy.hours.increment_hours * 100)
    ep["payroll"] = round_to_increment(ep["taken"].to_numpy(), inc, policy.hours.rounding)
    periods = leave_periods.drop_duplicates("absence_period_key").set_index(
        leave_periods.drop_duplicates("absence_period_key")["absence_period_key"].astype(str))
    keys = ep["absence_period_key"].astype(str)
    ep["case_number"] = periods["case_number"].reindex(keys).to_numpy(dtype=object)
    elected = periods["pto_election"].astype("boolean").reindex(keys).fillna(False).to_numpy(bool)
    mode = policy.pto_substitution
    ep["pto_ok"] = (mode == "required") | ((mode == "employee_election") & elected)
    daily = staff["daily_hours"].reindex(ep["employee_id"]).to_numpy(np.int64)
    ep["daily"] = daily
    per_day = ep.groupby(["employee_id", "day"], sort=True).agg(
        taken=("taken", "sum"), payroll=("payroll", "sum"), daily=("daily", "first"),
        pto_ok=("pto_ok", "any"), fmla=("fmla", "any"))
    keys = ep.sort_values(["employee_id", "day", "absence_period_key"]).drop_duplicates(["employee_id", "day"])
    per_day["key"] = keys.set_index(["employee_id", "day"])["absence_period_key"].reindex(per_day.index).to_numpy()
    per_day["charged"] = np.minimum(per_day["taken"], per_day["daily"])
    per_day["payroll"] = np.minimum(per_day["payroll"], per_day["daily"])
    per_day = per_day.reset_index()
    left = pd.Series(pto_left, index=staff.index).reindex(per_day["employee_id"]).to_numpy(np.int64)
    wanted = np.where(per_day["pto_ok"], per_day["payroll"], 0)
    used_before = per_day.assign(w=wanted).groupby("employee_id")["w"].cumsum().to_numpy() - wanted
    per_day["pto"] = np.clip(left - used_before, 0, wanted)
    per_day["loa"] = per_day["payroll"] - per_day["pto"]
    per_employee = per_day.groupby("employee_id")[["pto", "loa"]].sum()
    fmla = per_day.loc[per_day["fmla"], ["employee_id", "day", "key", "charged"]].rename(
        columns={"key": "absence_period_key", "charged": "hours_units"})
    case = ep.sort_values("day").drop_duplicates("employee_id").set_index("employee_id")["case_number"]
    return Episodes(per_employee, case, fmla.reset_index(drop=True))
