"""After leave: did the employee return (29 CFR 825.213), the employer's premium share to recover, COBRA events.

The TPA's ``rtw_outcome`` on the FMLA leave periods of a case, and a termination in the employment record,
decide. The employee RETURNED when they came back and stayed 30 calendar days (a termination within 30 days
of ``rtw_date`` is a failure to return), or RETIRED (at the end of leave or within 30 days of return: counts
as returning). RESIGNED and TERMINATED are failures to return; NOT_RETURNED_HEALTH (a serious health
condition) and NOT_RETURNED_BEYOND_CONTROL (a spouse moved over 75 miles away, a layoff, a key-employee
denial) are too, but the employer may never recover its share for them.

On a recoverable failure the employer's share of the group health plans is recovered for the days nobody
paid: never for days paid by substituted PTO, a disability plan, salary continuation or workers' comp (the
pay engine's day-payer assignment, :func:`leavehub.rules.pay.unpaid_leave_days`), prorated by scheduled
workdays per coverage bucket. It is billed to the employee, and taken from final pay only where the work
state's ``final_pay_deductions`` row allows it (and the case carries the signed agreement the row asks for);
a state without a row bills. The employee's own share in arrears is recoverable either way (the ledger).

Who did not come back at all (no ``rtw_date``, or a termination before it) has a COBRA qualifying event
dated the last day of FMLA leave.

Example::

    outcomes = return_outcomes(leave_periods, employment)
    bills = employer_share_recovery(outcomes, inputs, calendar, history, tables)
    cobra = cobra_events(outcomes)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from leavehub.config.policy import PolicyHistory
from leavehub.config.rule_tables import RuleTables
from leavehub.rules.money import days_column, divide, scaled_integers
from leavehub.rules.pay import LeaveInputs, unpaid_leave_days
from leavehub.rules.premium_ledger import HEALTH_PLANS
from leavehub.rules.premiums import coverage_buckets
from leavehub.rules.schedule import PayWindow

__all__ = ["COBRA_COLUMNS", "OUTCOME_COLUMNS", "RECOVERY_COLUMNS", "cobra_events", "employer_share_recovery",
           "return_outcomes"]

OUTCOME_COLUMNS = ("employee_id", "case_number", "fmla_start", "fmla_end", "rtw_date", "rtw_outcome",
                   "termination_date", "returned", "employer_share_recoverable", "reason")
RECOVERY_COLUMNS = ("employee_id", "case_number", "plan_type", "coverage_start", "coverage_end", "plan_year",
                    "unpaid_days", "workdays", "amount_cents", "collection", "rule_version")
COBRA_COLUMNS = ("employee_id", "case_number", "event_date", "rtw_outcome")
RETURN_DAYS = 30
CITATION = "29 CFR 825.213"
_REASONS = {
    "RETURNED": (True, False, "returned and stayed 30 calendar days"),
    "RETIRED": (True, False, "retired: counts as returning"),
    "NOT_RETURNED_HEALTH": (False, False, "did not return: serious health condition (never recovered)"),
    "NOT_RETURNED_BEYOND_CONTROL": (False, False,
                                    "did not return: beyond the employee's control (never recovered)"),
    "RESIGNED": (False, True, "did not return: resigned"),
    "TERMINATED": (False, True, "did not return: terminated"),
}


def return_outcomes(leave_periods: pd.DataFrame, employment: pd.DataFrame) -> pd.DataFrame:
    """One row per FMLA case whose outcome the TPA reported (``OUTCOME_COLUMNS``)."""
    fmla = leave_periods.loc[(leave_periods["plan"].astype(str) == "FMLA") & leave_periods["rtw_outcome"].notna()]
    if not len(fmla):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTCOME_COLUMNS})
    f = pd.DataFrame({"employee_id": fmla["employee_id"].astype(str).to_numpy(),
                      "case_number": fmla["case_number"].astype(str).to_numpy(),
                      "first": days_column(fmla["period_start"]), "last": days_column(fmla["period_end"]),
                      "rtw": days_column(fmla["rtw_date"]), "outcome": fmla["rtw_outcome"].astype(str).to_numpy()})
    f = f.sort_values("last")
    case = f.groupby(["employee_id", "case_number"], as_index=False).agg(
        first=("first", "min"), last=("last", "max"), rtw=("rtw", "max"), outcome=("outcome", "last"))
    ended = employment.loc[employment["termination_date"].notna()] if len(employment) else employment
    term = pd.Series(days_column(ended["termination_date"]), index=ended["employee_id"].astype(str).to_numpy()) \
        if len(ended) else pd.Series(dtype=np.int64)
    term = term.groupby(level=0).max() if len(term) else term
    left = term.reindex(case["employee_id"]).to_numpy(dtype=float)
    left = np.where(np.isnan(left), np.inf, left)
    left = np.where(left >= case["first"].to_numpy(), left, np.inf)  # a termination before the leave is old news
    rtw = case["rtw"].to_numpy(np.int64)
    came_back = rtw < 2_000_000
    verdict = [_REASONS[o] for o in case["outcome"]]
    returned = np.array([v[0] for v in verdict])
    recoverable = np.array([v[1] for v in verdict])
    reason = np.array([v[2] for v in verdict], dtype=object)
    quit_early = (case["outcome"].to_numpy() == "RETURNED") & came_back & (left < rtw + RETURN_DAYS)
    returned = np.where(quit_early, False, returned)
    recoverable = np.where(quit_early, True, recoverable)
    reason = np.where(quit_early, "returned but left within 30 calendar days", reason)
    left_late = left >= rtw + RETURN_DAYS
    stayed = np.isin(case["outcome"].to_numpy(), ("RESIGNED", "TERMINATED")) & came_back & left_late
    returned = np.where(stayed, True, returned)
    recoverable = np.where(stayed, False, recoverable)
    reason = np.where(stayed, "returned and stayed 30 calendar days before leaving", reason)
    return pd.DataFrame({
        "employee_id": case["employee_id"], "case_number": case["case_number"],
        "fmla_start": [_date(d) for d in case["first"]], "fmla_end": [_date(d) for d in case["last"]],
        "rtw_date": [_date(d) if d < 2_000_000 else None for d in rtw], "rtw_outcome": case["outcome"],
        "termination_date": [_date(int(d)) if np.isfinite(d) else None for d in left], "returned": returned,
        "employer_share_recoverable": recoverable, "reason": reason})


def _date(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


def cobra_events(outcomes: pd.DataFrame) -> pd.DataFrame:
    """COBRA qualifying events for those who never came back: dated the last day of FMLA leave."""
    gone = outcomes.loc[(outcomes["rtw_outcome"] != "RETURNED") & outcomes["rtw_date"].isna()] \
        if len(outcomes) else outcomes
    return pd.DataFrame({"employee_id": gone["employee_id"].to_numpy(dtype=object),
                         "case_number": gone["case_number"].to_numpy(dtype=object),
                         "event_date": gone["fmla_end"].to_numpy(dtype=object),
                         "rtw_outcome": gone["rtw_outcome"].to_numpy(dtype=object)})


def employer_share_recovery(outcomes: pd.DataFrame, inputs: LeaveInputs, calendar: pd.DataFrame,
                            history: PolicyHistory, tables: RuleTables) -> pd.DataFrame:
    """The employer's health premium share to recover, per failing employee, plan and coverage bucket.

    ``calendar``: the pay periods (``period_start, period_end, check_date``); loops run over its periods
    (a few dozen), not over people."""
    owe = outcomes.loc[outcomes["employer_share_recoverable"].astype(bool)] if len(outcomes) else outcomes
    if not len(owe):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RECOVERY_COLUMNS})
    ids = set(owe["employee_id"])
    only = replace(inputs, **{name: getattr(inputs, name).loc[getattr(inputs, name)["employee_id"].astype(str)
                                                                 .isin(ids)]
                              for name in ("employment", "leave_periods", "enrollments", "time_off")})
    spans = owe.set_index("employee_id")
    first = pd.Series(days_column(spans["fmla_start"]), index=spans.index).groupby(level=0).min()
    last = pd.Series(days_column(spans["fmla_end"]), index=spans.index).groupby(level=0).max()
    enr = only.enrollments.loc[only.enrollments["plan_type"].astype(str).isin(HEALTH_PLANS)]
    parts = []
    for p in calendar.drop_duplicates("period_start").itertuples(index=False):
        window = PayWindow("", getattr(p, "pay_frequency", None) or "BIWEEKLY", p.period_start, p.period_end,
                           p.check_date)
        if not ((first <= window.last_day) & (last >= window.first_day)).any():
            continue
        days = unpaid_leave_days(only, window, history, tables)
        days = days.loc[days["unpaid_days"] > 0]
        policy = history.on(p.period_start)
        total = window.last_day - window.first_day + 1
        for b_first, b_last, rate_day, year in coverage_buckets(window, policy):
            live = enr.loc[(days_column(enr["effective_from"]) <= rate_day)
                           & (days_column(enr["effective_to"]) >= rate_day)
                           & enr["employee_id"].astype(str).isin(days.index)]
            if not len(live):
                continue
            emp = live["employee_id"].astype(str)
            share = scaled_integers(live["employer_premium_per_period"])
            share = share if b_last - b_first + 1 == total else \
                divide(share * (b_last - b_first + 1), total, policy.money_rounding)
            unpaid = days["unpaid_days"].reindex(emp).to_numpy(np.int64)
            work = days["workdays"].reindex(emp).to_numpy(np.int64)
            parts.append(pd.DataFrame({
                "employee_id": emp.to_numpy(), "plan_type": live["plan_type"].astype(str).to_numpy(),
                "coverage_start": _date(b_first), "coverage_end": _date(b_last), "plan_year": year,
                "unpaid_days": unpaid, "workdays": work,
                "amount_cents": divide(share * unpaid, np.maximum(work, 1), policy.money_rounding),
                "check_date": p.check_date}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RECOVERY_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.loc[out["amount_cents"] > 0]
    case = owe.drop_duplicates("employee_id", keep="last").set_index("employee_id")
    out["case_number"] = case["case_number"].reindex(out["employee_id"]).to_numpy()
    out["collection"], out["rule_version"] = _collection(out, only, case, tables)
    return out[list(RECOVERY_COLUMNS)].reset_index(drop=True)


def _collection(out: pd.DataFrame, inputs: LeaveInputs, case: pd.DataFrame, tables: RuleTables
                ) -> tuple[np.ndarray, np.ndarray]:
    """BILL, or FINAL_PAY_DEDUCTION where the work state's row allows it (and the case's signed agreement
    when the row asks for one); the rule version names the citation and the table row used."""
    emp = inputs.employment.sort_values("effective_from").drop_duplicates("employee_id", keep="last")
    state = pd.Series(emp["work_state"].astype(object).to_numpy(), index=emp["employee_id"].astype(str).to_numpy())
    lp = inputs.leave_periods
    agreed = lp.loc[lp["advance_agreement"].astype("boolean").fillna(False).to_numpy(bool), "employee_id"] \
        .astype(str).unique()
    collection, version = [], []
    for employee in out["employee_id"]:
        ended = case.loc[employee, "termination_date"] or case.loc[employee, "fmla_end"]
        row = tables.final_pay_deductions_on(ended).get(state.get(employee))
        allowed = row is not None and row.deduction_allowed == "Y" and (
            row.requires_signed_agreement == "N" or employee in agreed)
        collection.append("FINAL_PAY_DEDUCTION" if allowed else "BILL")
        version.append(f"{CITATION}; {row.table_version}" if row is not None else CITATION)
    return np.array(collection, dtype=object), np.array(version, dtype=object)


