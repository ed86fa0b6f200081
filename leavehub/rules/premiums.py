"""Deductions on unpaid checks (Block Ded, to arrears) and catch-up of arrears after return.

A check that pays nothing (regular pay, salary continuation, top-ups and PTO all zero while on leave) cannot
carry deductions: each enrolled plan's deduction is blocked and the employee's share goes to the premium
side as an arrears movement (``BLOCKED``, positive = owed), unless the employee revoked coverage for the
unpaid leave. A period spanning Jan 1 is bucketed by the policy: its start, its check date, or split by days
with each plan year's own rate (a Jan 1 rate change makes two buckets). After return, catch-up deducts the
outstanding arrears at most the policy's cap per check (per plan or one total; optionally counting the
regular deduction against the cap), and reports the ``RECOVERED`` movements.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.config.policy import PayPolicy
from leavehub.rules.lines import emit
from leavehub.rules.money import EPOCH, day_number, days_column, decimal_array, divide, scaled_integers
from leavehub.rules.schedule import PayWindow

__all__ = ["ARREARS_COLUMNS", "REVOCABLE", "blocked_deductions", "catch_up", "coverage_buckets", "expected_net"]

ARREARS_COLUMNS = ("employee_id", "plan_type", "deduction_code", "share", "entry_type", "coverage_start",
                   "coverage_end", "plan_year", "amount_cents", "check_date", "case_number", "premium_method",
                   "rule_version")

REVOCABLE = ("MEDICAL",)
"""What the leave's ``coverage_revoked`` drops for the unpaid leave: the medical coverage."""


def _no_arrears() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ARREARS_COLUMNS})


def coverage_buckets(window: PayWindow, policy: PayPolicy) -> list[tuple[int, int, int, int]]:
    """(first day, last day, rate day, plan year) of each bucket of the period."""
    first, last = window.first_day, window.last_day
    mode = policy.premiums.plan_year_bucket
    if window.period_start.year == window.period_end.year or mode != "split_by_days":
        year = window.check_date.year if mode == "check_date" else window.period_start.year
        rate_day = last if mode == "check_date" else first
        return [(first, last, rate_day, year)]
    jan1 = day_number(date(window.period_end.year, 1, 1))
    return [(first, jan1 - 1, first, window.period_start.year), (jan1, last, jan1, window.period_end.year)]


def _date(day: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + day)


def _in_force(enrollments: pd.DataFrame, day: int) -> pd.DataFrame:
    start = days_column(enrollments["effective_from"])
    end = days_column(enrollments["effective_to"])
    return enrollments.loc[(start <= day) & (end >= day)]


def blocked_deductions(enrollments: pd.DataFrame, leave_periods: pd.DataFrame, unpaid: np.ndarray,
                       window: PayWindow, policy: PayPolicy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Block Ded lines for ``unpaid`` employees' deductions, and the arrears movements they cause."""
    none = emit([], "BLOCK_DEDUCTION", "premiums.block", rule_version=None, explanation=None)
    if not len(enrollments) or not len(unpaid):
        return none, _no_arrears()
    mine = enrollments.loc[enrollments["employee_id"].astype(str).isin(set(unpaid))
                           & enrollments["deduction_code"].notna()]
    total_days = window.last_day - window.first_day + 1
    parts = []
    for first, last, rate_day, year in coverage_buckets(window, policy):  # one or two buckets, never per person
        rows = _in_force(mine, rate_day)
        if not len(rows):
            continue
        share = scaled_integers(rows["employee_premium_per_period"])
        amount = share if last - first + 1 == total_days else \
            divide(share * (last - first + 1), total_days, policy.money_rounding)
        parts.append(pd.DataFrame({
            "employee_id": rows["employee_id"].astype(str).to_numpy(), "plan_type": rows["plan_type"].astype(str),
            "deduction_code": rows["deduction_code"].astype(str), "coverage_start": _date(first),
            "coverage_end": _date(last), "plan_year": year, "amount_cents": amount}))
    if not parts:
        return none, _no_arrears()
    arrears = pd.concat(parts, ignore_index=True)
    leave = leave_periods.sort_values("period_start").drop_duplicates("employee_id", keep="last") \
        .set_index(leave_periods.sort_values("period_start").drop_duplicates("employee_id", keep="last")[
            "employee_id"].astype(str))
    revoked = leave["coverage_revoked"].astype("boolean").reindex(arrears["employee_id"]).fillna(False)
    medical = np.isin(arrears["plan_type"].to_numpy(dtype=object), REVOCABLE)
    arrears["case_number"] = leave["case_number"].reindex(arrears["employee_id"]).to_numpy(dtype=object)
    arrears["premium_method"] = leave["premium_method"].astype(str).reindex(arrears["employee_id"]).to_numpy()
    arrears["share"] = "EMPLOYEE"
    arrears["entry_type"] = "BLOCKED"
    arrears["check_date"] = window.check_date
    arrears["rule_version"] = policy.label
    keep_arrears = ~(revoked.to_numpy(bool) & medical) & (arrears["amount_cents"].to_numpy() > 0)
    codes = arrears.drop_duplicates(["employee_id", "deduction_code"])
    lines = emit(codes["employee_id"].to_numpy(dtype=object), "BLOCK_DEDUCTION", "premiums.block",
                 deduction_code=codes["deduction_code"].to_numpy(dtype=object),
                 case_number=codes["case_number"].to_numpy(dtype=object), rule_version=policy.label,
                 explanation="nothing is paid on this check: the deduction is not taken, "
                 "the share goes to arrears")
    return lines, arrears.loc[keep_arrears, list(ARREARS_COLUMNS)].reset_index(drop=True)


def expected_net(net_pay: pd.DataFrame, check_gross: pd.Series) -> pd.DataFrame:
    """The net a check being built is expected to pay (payroll computes it only when it runs): the net of the
    employee's latest paid check in the register (``net_pay``, ``gross_pay``), less whatever this check's gross
    (``check_gross``: employee id -> cents) falls short of that check's. A dollar of gross lost is taken as a
    dollar of net lost - taxes and percentage deductions fall with pay, so the real net is never lower - and a
    raise is not counted on; so catch-up keeps a check back at lower pay above the floor too."""
    if not len(net_pay) or "gross_pay" not in net_pay:
        return net_pay
    ids = net_pay["employee_id"].astype(str)
    now = check_gross.groupby(level=0).last().reindex(ids).to_numpy(dtype=float)
    gross = scaled_integers(net_pay["gross_pay"]).astype(float)
    short = np.where(np.isnan(now), 0, np.maximum(gross - now, 0)).astype(np.int64)
    cents = scaled_integers(net_pay["net_pay"]) - short
    return pd.DataFrame({"employee_id": ids.to_numpy(dtype=object),
                         "net_pay": pd.arrays.ArrowExtensionArray(decimal_array(cents))})


def catch_up(ledger: pd.DataFrame, enrollments: pd.DataFrame, paid: np.ndarray, window: PayWindow,
             policy: PayPolicy, net_pay: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Catch-up deductions for ``paid`` employees (at work, paid this check) with outstanding arrears, and
    refunds (negative adjustments, outside the cap) where a plan's ledger shows more collected than owed.

    ``net_pay`` (``employee_id, net_pay``: the net this check is expected to have, ``expected_net``) keeps the
    check's net at or above ``catch_up.net_pay_floor``: plans are caught up in plan order until the room above
    the floor is used. With a floor above zero and no known net, nothing is caught up (the floor cannot be
    proven); with a zero floor the cap alone applies.
    """
    none = emit([], "DEDUCTION_ADJUSTMENT", "premiums.catch_up", rule_version=None, explanation=None)
    if not len(ledger) or not len(paid):
        return none, _no_arrears()
    rows = ledger.loc[(ledger["share"].astype(str) == "EMPLOYEE")
                      & ledger["employee_id"].astype(str).isin(set(paid))].copy()
    rows["cents"] = scaled_integers(rows["amount"])
    owed = rows.groupby(["employee_id", "plan_type", "deduction_code"], as_index=False)["cents"].sum()
    owed = owed.loc[owed["cents"] != 0].sort_values(["employee_id", "plan_type"]).reset_index(drop=True)
    if not len(owed):
        return none, _no_arrears()
    rules = policy.premiums.catch_up
    cap = int(rules.cap_per_check * 100)
    regular = np.zeros(len(owed), np.int64)
    if rules.regular_deduction_counts and len(enrollments):
        now = _in_force(enrollments, window.first_day)
        per = pd.Series(scaled_integers(now["employee_premium_per_period"]),
                        index=now["employee_id"].astype(str) + "|" + now["deduction_code"].astype(str))
        per = per.groupby(level=0).sum()
        regular = per.reindex(owed["employee_id"].astype(str) + "|" + owed["deduction_code"].astype(str)) \
            .fillna(0).to_numpy(np.int64)
    owed_cents = owed["cents"].to_numpy(np.int64)
    due = np.maximum(owed_cents, 0)
    employee = owed["employee_id"].astype(str)
    if rules.cap_scope == "per_plan":
        take = np.clip(np.minimum(due, cap - regular), 0, None)
    else:  # one total cap per check, filled plan by plan in plan order
        room = cap - pd.Series(regular).groupby(employee).transform("sum").to_numpy()
        before = pd.Series(due).groupby(employee).cumsum().to_numpy() - due
        take = np.clip(room - before, 0, due)
    floor = int(rules.net_pay_floor * 100)
    if floor or net_pay is not None:  # never below the net pay floor: the room above it, plan by plan
        known = pd.Series(scaled_integers(net_pay["net_pay"]), index=net_pay["employee_id"].astype(str)) \
            if net_pay is not None and len(net_pay) else pd.Series(dtype=np.int64)
        known = known.groupby(level=0).last()
        net = known.reindex(employee).to_numpy(dtype=float)
        above = np.where(np.isnan(net), 0 if floor else np.inf, net - floor)
        before = pd.Series(take).groupby(employee).cumsum().to_numpy() - take
        take = np.clip(np.maximum(above, 0) - before, 0, take).astype(np.int64)
    refund = np.minimum(owed_cents, 0)  # more collected than owed: paid back, whatever the cap
    amount = take + refund
    lines = emit(owed["employee_id"].to_numpy(dtype=object), "DEDUCTION_ADJUSTMENT", "premiums.catch_up",
                 amount_cents=amount, deduction_code=owed["deduction_code"].to_numpy(dtype=object),
                 rule_version=policy.label, keep=amount != 0,
                 explanation=np.where(refund < 0, "refund of premium share collected beyond what was owed",
                                      f"catch-up of premium arrears, at most {rules.cap_per_check} per check "
                                      f"({rules.cap_scope}), net pay kept at or above {rules.net_pay_floor}"))
    moved = pd.DataFrame({
        "employee_id": owed["employee_id"].to_numpy(), "plan_type": owed["plan_type"].to_numpy(),
        "deduction_code": owed["deduction_code"].to_numpy(), "share": "EMPLOYEE",
        "entry_type": np.where(refund < 0, "REFUND", "RECOVERED"),
        "coverage_start": window.period_start, "coverage_end": window.period_end,
        "plan_year": window.check_date.year, "amount_cents": -amount, "check_date": window.check_date,
        "case_number": None, "premium_method": "CATCH_UP", "rule_version": policy.label})
    return lines, moved.loc[amount != 0].reset_index(drop=True)
