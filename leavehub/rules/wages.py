"""The average weekly wage (AWW) a state caps top-ups at, by the state's own definition, from the wages paid.

Massachusetts and Colorado let the employer top up their benefit only so far that benefit plus top-up stay within
the employee's AWW. Each state defines the AWW; the state plan table names the definition (``aww_definition``):

- ``highest_2_of_last_4_quarters`` (MA, 458 CMR 2.02): the wages of the two highest quarters among the last
  four completed calendar quarters before the quarter the leave starts in, divided by 26;
- ``highest_2_of_base_period`` (CO, C.R.S. 8-13.3-503(2)): the same over the base period, the first four of the
  last five completed calendar quarters;
- ``base_weekly_wage``: the employee's base pay per week (the pay rate), what every definition falls back to.

Wages are what payroll paid: the payroll register's ``EARN`` lines (``MEMO`` lines are third-party pay), in the
quarter of their check date. The leave start is the earliest start of the state plan's leave periods in the
case. The register must reach back over the quarters: an employee's AWW is worked out only when their earliest
check in the register falls within 35 days of the first quarter's start, or of their hire date when they were
hired inside the quarters; otherwise the hub cannot see every wage and the base weekly wage applies.

Example::

    aww = state_average_weekly_wages(wages, leave_periods, employment, state_rules, "half_up")
    # employee_id, plan, average_weekly_wage (cents), basis ("highest 2 of 2025Q1-2025Q4: 24,050.00 / 26")
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from leavehub.config.rule_tables import StatePlanRule
from leavehub.rules.money import RoundingMode, days_column, divide, scaled_integers

__all__ = ["QUARTER_DEFINITIONS", "quarter_index", "quarter_label", "state_average_weekly_wages", "wage_plans"]

QUARTER_DEFINITIONS = {"highest_2_of_last_4_quarters": (4, 0), "highest_2_of_base_period": (4, 1)}
"""definition -> (quarters considered, most recent completed quarters skipped); the two highest count, / 26."""
_HIGHEST, _WEEKS, _REACH_DAYS = 2, 26, 35
_EPOCH = np.datetime64("1970-01-01", "D")


def wage_plans(state_plans: Iterable[StatePlanRule]) -> frozenset[str]:
    """The state plans whose AWW is worked out from wages by quarters (any table row, any date): the people on
    them are the ones whose earnings history a pay run reads."""
    return frozenset(r.plan.value for r in state_plans
                     if r.topup_cap == "aww" and r.aww_definition in QUARTER_DEFINITIONS)


def quarter_index(days: np.ndarray) -> np.ndarray:
    """Day numbers (days since 1970-01-01) -> calendar quarter numbers (year * 4 + quarter - 1)."""
    months = (_EPOCH + np.asarray(days, dtype=np.int64)).astype("datetime64[M]").astype(np.int64)
    return (months + 1970 * 12) // 3


def _quarter_start(quarters: np.ndarray) -> np.ndarray:
    months = np.asarray(quarters, dtype=np.int64) * 3 - 1970 * 12
    return (months.astype("datetime64[M]").astype("datetime64[D]") - _EPOCH).astype(np.int64)


def quarter_label(quarter: int) -> str:
    return f"{quarter // 4}Q{quarter % 4 + 1}"


def state_average_weekly_wages(wages: pd.DataFrame, leave_periods: pd.DataFrame, employment: pd.DataFrame,
                               state_rules: dict[str, StatePlanRule], mode: RoundingMode) -> pd.DataFrame:
    """``employee_id, plan, average_weekly_wage`` (cents) and ``basis`` (how it was found) for each employee on a
    state plan whose AWW definition is by quarters, where the register reaches back far enough.

    ``wages``: ``employee_id, check_date, amount`` (the earnings lines payroll paid, ``register_wages``)."""
    out = pd.DataFrame({"employee_id": pd.Series(dtype=object), "plan": pd.Series(dtype=object),
                        "average_weekly_wage": pd.Series(dtype=np.int64), "basis": pd.Series(dtype=object)})
    by_quarters = {p: QUARTER_DEFINITIONS[r.aww_definition] for p, r in state_rules.items()
                   if r.topup_cap == "aww" and r.aww_definition in QUARTER_DEFINITIONS}
    if not by_quarters or not len(leave_periods) or not len(wages):
        return out
    leaves = leave_periods.loc[leave_periods["plan"].astype(str).isin(by_quarters)]
    if not len(leaves):
        return out
    leaves = pd.DataFrame({"employee_id": leaves["employee_id"].astype(str).to_numpy(),
                           "plan": leaves["plan"].astype(str).to_numpy(),
                           "case_number": leaves["case_number"].astype(str).to_numpy(),
                           "start": days_column(leaves["period_start"])})
    cases = leaves.groupby(["employee_id", "plan", "case_number"], as_index=False)["start"].min()
    cases = cases.sort_values("start").drop_duplicates(["employee_id", "plan"], keep="last")
    considered = cases["plan"].map(lambda p: by_quarters[p][0]).to_numpy(np.int64)
    skipped = cases["plan"].map(lambda p: by_quarters[p][1]).to_numpy(np.int64)
    cases["last_q"] = quarter_index(cases["start"].to_numpy()) - 1 - skipped
    cases["first_q"] = cases["last_q"] - considered + 1

    paid = pd.DataFrame({"employee_id": wages["employee_id"].astype(str).to_numpy(),
                         "day": days_column(wages["check_date"]), "cents": scaled_integers(wages["amount"])})
    earliest = paid.groupby("employee_id")["day"].min()
    hired = _hire_days(employment)
    first_day = _quarter_start(cases["first_q"].to_numpy())
    hire = hired.reindex(cases["employee_id"]).to_numpy(dtype=float)
    since = np.where(~np.isnan(hire) & (hire > first_day), hire, first_day)
    seen_from = earliest.reindex(cases["employee_id"]).to_numpy(dtype=float)
    cases = cases.loc[~np.isnan(seen_from) & (seen_from <= since + _REACH_DAYS)]
    if not len(cases):
        return out

    paid["q"] = quarter_index(paid["day"].to_numpy())
    quarters = paid.groupby(["employee_id", "q"], as_index=False)["cents"].sum()
    inside = cases[["employee_id", "plan", "first_q", "last_q"]].merge(quarters, on="employee_id", how="left")
    inside = inside.loc[(inside["q"] >= inside["first_q"]) & (inside["q"] <= inside["last_q"])]
    top = inside.sort_values("cents", ascending=False).groupby(["employee_id", "plan"]).head(_HIGHEST)
    total = top.groupby(["employee_id", "plan"])["cents"].sum()
    cases = cases.set_index(["employee_id", "plan"])
    cents = total.reindex(cases.index).fillna(0).to_numpy(np.int64)
    aww = divide(cents, np.full(len(cents), _WEEKS, np.int64), mode)
    basis = [f"highest {_HIGHEST} quarters of {quarter_label(int(a))}-{quarter_label(int(b))} in the payroll "
             f"register: {c / 100:,.2f} / {_WEEKS}"
             for a, b, c in zip(cases["first_q"], cases["last_q"], cents, strict=True)]
    return pd.DataFrame({"employee_id": cases.index.get_level_values(0).to_numpy(dtype=object),
                         "plan": cases.index.get_level_values(1).to_numpy(dtype=object),
                         "average_weekly_wage": aww, "basis": np.asarray(basis, dtype=object)})


def _hire_days(employment: pd.DataFrame) -> pd.Series:
    """Per employee, the day number of the latest hire date on record (NaN where none)."""
    if not len(employment) or "hire_date" not in employment:
        return pd.Series(dtype=float)
    rows = employment.loc[employment["hire_date"].notna()]
    if not len(rows):
        return pd.Series(dtype=float)
    days = pd.Series(days_column(rows["hire_date"]).astype(float), index=rows["employee_id"].astype(str))
    return days.groupby(level=0).max()

