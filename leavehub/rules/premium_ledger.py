"""The premium ledger during leave: per employee, plan, coverage period and plan year, what fell due and where
it went.

A BUCKET is one coverage period (a pay period of the calendar the employee was on leave in) of one enrolled
plan, cut at Jan 1 the way the policy buckets a period that spans it (``premiums.plan_year_bucket``), so a Jan
1 rate change makes two buckets, each at its own plan year's rate. Per bucket, in integer cents::

    due = deducted + recovered + waived + outstanding        (always; ``outstanding`` < 0 is a credit)

- ``due``: the employee's share per period in the enrollment in force for the bucket (prorated by days for a
  split period), exactly what the pay engine blocks for that bucket;
- ``deducted``: what payroll took for it: the payroll register's deductions for the bucket's check when the
  register is given (a check carrying two buckets fills them in order); without a register, the due less
  what the engine recorded as ``BLOCKED`` for that bucket;
- ``waived``: the whole undeducted medical share when the employee revoked coverage for the unpaid leave
  (coverage dropped, nothing owed; the pay engine records no arrears for it either), plus ``WRITTEN_OFF``;
- ``recovered``: catch-up deductions (``RECOVERED``) and direct payments (``EMPLOYEE_PAYMENT``, prepay or
  pay-as-you-go), less ``REFUND``; these movements are per plan, not per bucket, and are applied to the oldest
  bucket first, never beyond what a bucket still owes (an excess stays on the newest bucket as a credit).

``days_late`` (29 CFR 825.212): a bucket still owed by an employee who pays directly (prepay, pay-as-you-go)
is late from its check date; under catch-up the employer advances the share, so nothing is late.

Example::

    ledger = premium_ledger(enrollments, leave_periods, calendar, movements, history, as_of=date(2026, 5, 1))
    late = thirty_days_late(ledger, as_of=date(2026, 5, 1))
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from leavehub.config.policy import PolicyHistory
from leavehub.rules.money import EPOCH, day_number, days_column, divide, scaled_integers
from leavehub.rules.premiums import REVOCABLE, coverage_buckets
from leavehub.rules.schedule import PayWindow

__all__ = ["BUCKET_KEY", "HEALTH_PLANS", "LATE_COLUMNS", "LEDGER_COLUMNS", "premium_ledger", "thirty_days_late"]

BUCKET_KEY = ("employee_id", "plan_type", "deduction_code", "coverage_start", "plan_year")
LEDGER_COLUMNS = (*BUCKET_KEY, "coverage_end", "check_date", "premium_method", "coverage_revoked", "due",
                  "deducted", "recovered", "waived", "outstanding", "days_late")
LATE_COLUMNS = ("employee_id", "plan_type", "oldest_check_date", "days_late", "amount_late", "notice_date",
                "coverage_may_end")
HEALTH_PLANS = ("MEDICAL", "DENTAL", "VISION")
"""Group health plans: the ones whose employer share 825.213 recovers."""
ON_LEAVE = ("APPROVED", "CLOSED", "EXHAUSTED", "PENDING")
COLLECTED = {"RECOVERED": 1, "EMPLOYEE_PAYMENT": 1, "REFUND": 1}   # -amount is what was collected
DIRECT_PAY = ("PREPAY", "PAY_AS_YOU_GO")
LATE_AFTER_DAYS = 30
NOTICE_DAYS = 15


def _day(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def _calendar_buckets(calendar: pd.DataFrame, history: PolicyHistory) -> pd.DataFrame:
    """Every bucket of every pay period of the calendar: a loop over periods (a few dozen), never people."""
    rows = []
    for p in calendar.drop_duplicates("period_start").itertuples(index=False):
        window = PayWindow("", "", p.period_start, p.period_end, p.check_date)
        policy = history.on(p.period_start)
        total = window.last_day - window.first_day + 1
        for first, last, rate_day, year in coverage_buckets(window, policy):
            rows.append((window.first_day, window.last_day, day_number(p.check_date), first, last, rate_day, year,
                         last - first + 1, total, policy.money_rounding))
    return pd.DataFrame(rows, columns=["p_first", "p_last", "check_day", "first", "last", "rate_day", "plan_year",
                                       "days", "period_days", "rounding"])


def _leave_spans(leave_periods: pd.DataFrame) -> pd.DataFrame:
    """Per employee: the continuous leave periods (first/last day), method and revocation, for overlap tests."""
    lp = leave_periods.loc[(leave_periods["period_type"].astype(str) == "CONTINUOUS")
                           & leave_periods["decision"].astype(str).isin(ON_LEAVE)]
    return pd.DataFrame({
        "employee_id": lp["employee_id"].astype(str).to_numpy(), "l_first": days_column(lp["period_start"]),
        "l_last": days_column(lp["period_end"]),
        "premium_method": lp["premium_method"].astype(object).where(lp["premium_method"].notna(), None).to_numpy(),
        "revoked": lp["coverage_revoked"].astype("boolean").fillna(False).to_numpy(bool)})


def _expected_buckets(enrollments: pd.DataFrame, leave_periods: pd.DataFrame, calendar: pd.DataFrame,
                      history: PolicyHistory) -> pd.DataFrame:
    """The buckets the leave spans, with the enrollment rate in force on each bucket's rate day."""
    spans = _leave_spans(leave_periods)
    cal = _calendar_buckets(calendar, history)
    if not len(spans) or not len(cal) or not len(enrollments):
        return pd.DataFrame()
    on_leave = spans.merge(cal, how="cross")
    on_leave = on_leave.loc[(on_leave["l_first"] <= on_leave["last"]) & (on_leave["l_last"] >= on_leave["first"])]
    # one row per employee and bucket: the latest leave period that names a method wins (concurrent FMLA,
    # STD or WC periods often carry it on one of them only); coverage revoked on any of them is revoked
    on_leave = on_leave.sort_values("l_first", kind="stable")
    keys = ["employee_id", "first"]
    chosen = on_leave.groupby(keys, sort=False).agg(premium_method=("premium_method", "last"),
                                                    revoked=("revoked", "max"))
    on_leave = on_leave.drop(columns=["premium_method", "revoked"]).drop_duplicates(keys, keep="last") \
        .join(chosen, on=keys)
    enr = enrollments.loc[enrollments["deduction_code"].notna()]
    enr = pd.DataFrame({"employee_id": enr["employee_id"].astype(str).to_numpy(),
                        "plan_type": enr["plan_type"].astype(str).to_numpy(),
                        "deduction_code": enr["deduction_code"].astype(str).to_numpy(),
                        "e_from": days_column(enr["effective_from"]), "e_to": days_column(enr["effective_to"]),
                        "rate": scaled_integers(enr["employee_premium_per_period"])})
    b = on_leave.merge(enr, on="employee_id")
    b = b.loc[(b["e_from"] <= b["rate_day"]) & (b["e_to"] >= b["rate_day"])].copy()
    due = b["rate"].to_numpy(np.int64).copy()
    split = (b["days"] != b["period_days"]).to_numpy()
    for mode in pd.unique(b.loc[split, "rounding"]):  # one division per rounding mode, rounded once
        rows = split & (b["rounding"].to_numpy() == mode)
        days, period_days = b["days"].to_numpy(np.int64), b["period_days"].to_numpy(np.int64)
        due[rows] = divide(due[rows] * days[rows], period_days[rows], mode)
    b["due"] = due
    return b[["employee_id", "plan_type", "deduction_code", "first", "last", "plan_year", "check_day",
              "premium_method", "revoked", "due"]].reset_index(drop=True)


def _movements(movements: pd.DataFrame) -> pd.DataFrame:
    if not len(movements):
        return pd.DataFrame(columns=["employee_id", "plan_type", "deduction_code", "entry_type", "first",
                                     "plan_year", "last", "check_day", "cents"])
    m = movements.loc[movements["share"].astype(str) == "EMPLOYEE"]
    return pd.DataFrame({
        "employee_id": m["employee_id"].astype(str).to_numpy(),
        "plan_type": m["plan_type"].astype(str).to_numpy(),
        "deduction_code": m["deduction_code"].astype(str).to_numpy(),
        "entry_type": m["entry_type"].astype(str).to_numpy(), "first": days_column(m["coverage_start"]),
        "last": days_column(m["coverage_end"]), "plan_year": m["plan_year"].astype("int64").to_numpy(),
        "check_day": days_column(m["check_date"]), "cents": scaled_integers(m["amount"])})


def _fill_oldest_first(buckets: pd.DataFrame, room: np.ndarray, pool: pd.Series) -> np.ndarray:
    """Spread each plan's pooled amount over its buckets oldest first, at most ``room`` each; what is left
    over (or a negative pool) lands on the newest bucket, so nothing is lost."""
    plan = buckets["employee_id"] + "|" + buckets["plan_type"] + "|" + buckets["deduction_code"]
    total = pool.reindex(plan).fillna(0).to_numpy(np.int64)
    room = np.maximum(room, 0)
    before = pd.Series(room).groupby(plan.to_numpy()).cumsum().to_numpy() - room
    take = np.clip(np.maximum(total, 0) - before, 0, room)
    newest = ~plan.duplicated(keep="last").to_numpy()
    rest = total - pd.Series(take).groupby(plan.to_numpy()).transform("sum").to_numpy()
    return take + np.where(newest, rest, 0)


def premium_ledger(enrollments: pd.DataFrame, leave_periods: pd.DataFrame, calendar: pd.DataFrame,
                   movements: pd.DataFrame, history: PolicyHistory, *, as_of: date,
                   register: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per bucket (``LEDGER_COLUMNS``, money in int64 cents), sorted by employee, plan and coverage.

    ``calendar``: pay periods (``period_start, period_end, check_date``); ``movements``: premium ledger
    entries; ``register``: the payroll register's deductions as ``employee_id, deduction_code, check_date,
    amount`` (file numbers already resolved to employees), or None when there is none yet.
    """
    mv = _movements(movements)
    b = _expected_buckets(enrollments, leave_periods, calendar, history)
    blocked = mv.loc[mv["entry_type"] == "BLOCKED"].groupby(
        ["employee_id", "plan_type", "deduction_code", "first", "plan_year"], as_index=False).agg(
        blocked=("cents", "sum"), last=("last", "max"), check_day=("check_day", "max"))
    keys = ["employee_id", "plan_type", "deduction_code", "first", "plan_year"]
    if len(b):
        b = b.merge(blocked[[*keys, "blocked"]], on=keys, how="left")
        orphans = blocked.merge(b[keys], on=keys, how="left", indicator=True)
        orphans = orphans.loc[orphans["_merge"] == "left_only"].drop(columns="_merge")
    else:
        orphans = blocked
    if len(orphans):  # a blocked bucket the calendar or leave no longer shows: kept, due = what was blocked
        orphans = orphans.assign(premium_method=None, revoked=False, due=orphans["blocked"])
        b = pd.concat([b, orphans], ignore_index=True) if len(b) else orphans
    if not len(b):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LEDGER_COLUMNS})
    b["blocked"] = b["blocked"].fillna(0).astype(np.int64)
    b = b.sort_values(["employee_id", "plan_type", "deduction_code", "first"]).reset_index(drop=True)
    due = b["due"].to_numpy(np.int64)
    revoked = b["revoked"].to_numpy(bool) & b["plan_type"].isin(REVOCABLE).to_numpy()
    if register is None:
        deducted = np.where(revoked, 0, due - b["blocked"].to_numpy(np.int64))
    else:
        taken = pd.DataFrame({"employee_id": register["employee_id"].astype(str).to_numpy(),
                              "deduction_code": register["deduction_code"].astype(str).to_numpy(),
                              "check_day": days_column(register["check_date"]),
                              "cents": scaled_integers(register["amount"])})
        taken = taken.groupby(["employee_id", "deduction_code", "check_day"])["cents"].sum()
        pool = pd.Series(taken.to_numpy(), index=[f"{e}|{c}|{d}" for e, c, d in taken.index])
        deducted = _per_check(b, due, pool)
    waived = np.where(revoked, due - deducted, 0)
    plan = mv["employee_id"] + "|" + mv["plan_type"] + "|" + mv["deduction_code"]
    collected = -mv["cents"].where(mv["entry_type"].isin(COLLECTED), 0)
    recovered = _fill_oldest_first(b, due - deducted - waived, collected.groupby(plan.to_numpy()).sum())
    written_off = -mv["cents"].where(mv["entry_type"] == "WRITTEN_OFF", 0)
    waived = waived + _fill_oldest_first(b, due - deducted - waived - recovered,
                                         written_off.groupby(plan.to_numpy()).sum())
    outstanding = due - deducted - recovered - waived
    direct = b["premium_method"].isin(DIRECT_PAY).to_numpy()
    late = np.where(direct & (outstanding > 0), np.maximum(day_number(as_of) - b["check_day"].to_numpy(), 0), 0)
    return pd.DataFrame({
        "employee_id": b["employee_id"], "plan_type": b["plan_type"], "deduction_code": b["deduction_code"],
        "coverage_start": [_day(d) for d in b["first"]], "plan_year": b["plan_year"].astype(np.int64),
        "coverage_end": [_day(d) for d in b["last"]], "check_date": [_day(d) for d in b["check_day"]],
        "premium_method": b["premium_method"], "coverage_revoked": revoked, "due": due, "deducted": deducted,
        "recovered": recovered, "waived": waived, "outstanding": outstanding, "days_late": late.astype(np.int64)})


def _per_check(b: pd.DataFrame, due: np.ndarray, pool: pd.Series) -> np.ndarray:
    """Register deductions of one check over that check's buckets (one, or two across Jan 1), in order."""
    per_check = b.assign(plan_type="", deduction_code=b["deduction_code"] + "|" + b["check_day"].astype(str))
    return _fill_oldest_first(per_check, due, pool.rename(lambda k: k.replace("|", "||", 1)))


def thirty_days_late(ledger: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """Employees and plans with a share 30+ days late (29 CFR 825.212): the written notice goes out now and
    coverage may end no earlier than 15 days after it. One row per employee and plan (``LATE_COLUMNS``)."""
    late = ledger.loc[ledger["days_late"] >= LATE_AFTER_DAYS]
    if not len(late):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LATE_COLUMNS})
    out = late.groupby(["employee_id", "plan_type"], as_index=False).agg(
        oldest_check_date=("check_date", "min"), days_late=("days_late", "max"),
        amount_late=("outstanding", "sum"))
    out["notice_date"] = as_of
    out["coverage_may_end"] = as_of + timedelta(days=NOTICE_DAYS)
    return out[list(LATE_COLUMNS)]
