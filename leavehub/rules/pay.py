"""Price one pay period: canonical frames + calendar window + policy + rule tables in, instruction frame out.

For every employee with leave in the period (all at once, in arrays) the engine decides, day by scheduled
day, who pays: workers' comp, a state plan or STD (the benefit; payroll may top it up), the STD elimination
period (salary continuation), salary continuation, a pending STD claim (provisional pay when the policy says
so), or nobody (unpaid: PTO substitution where the policy and the law allow, else LOA hours). Day counts
become amounts once per employee, so each amount is rounded once. Intermittent episodes become hours lines
(payroll rounding) and FMLA charges (exact). Memo lines, blocked deductions, catch-up and overpayment
recovery come from their own modules. The result names the policy and rule-table versions on every line.

Example::

    priced = price_period(inputs, window, load_policy(), load_rule_tables())
    priced.lines          # the instruction frame (see leavehub.rules.lines)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leavehub.config.policy import PayPolicy, PolicyHistory
from leavehub.config.rule_tables import RuleTables
from leavehub.rules import intermittent, overpayments, premiums, third_party, wages
from leavehub.rules.lines import emit, finish, gather, text_per_group
from leavehub.rules.money import RoundingMode, days_column, divide, from_day_numbers, scaled_integers
from leavehub.rules.schedule import PayWindow, explode_days, period_staff

__all__ = ["APPROVED", "LeaveInputs", "PricedPeriod", "percent_units", "price_period", "unpaid_leave_days"]

APPROVED = ("APPROVED", "CLOSED", "EXHAUSTED")
"""Decisions under which a plan covered its days (EXHAUSTED: it paid until ``period_end``)."""
PCT = 1_000_000  # a percent as int units of 1e-4 %: 100% = 1,000,000


def percent_units(value: Decimal | None) -> int:
    """A percent as integer units of 1e-4 % (the policy and tables carry at most 4 decimals)."""
    return int(Decimal(value) * 10_000) if value is not None else PCT


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class LeaveInputs:
    """The canonical frames one pricing reads (column names are the canonical models' fields).

    ``premium_history``: ``plan_type, plan_year, employer_paid, employee_pre_tax, employee_post_tax`` (the
    premium contributions behind third-party sick pay's taxable share). ``receivables``: outstanding
    overpayments (``employee_id, case_number, outstanding, recovery, cap_percent, cap_basis, rule_version``).
    ``average_weekly_wages``: ``employee_id, average_weekly_wage`` where the state's AWW is given as such.
    ``wages``: ``employee_id, check_date, amount``, the earnings lines payroll paid (the payroll register):
    what a state's AWW by quarters is worked out from (``leavehub.rules.wages``).
    ``net_pay``: ``employee_id, net_pay, gross_pay, disposable_pay``, the latest paid payroll register check
    (catch-up's floor; a cap on disposable earnings).
    """

    employment: pd.DataFrame
    leave_periods: pd.DataFrame
    absences: pd.DataFrame = field(default_factory=_empty)
    benefit_payments: pd.DataFrame = field(default_factory=_empty)
    enrollments: pd.DataFrame = field(default_factory=_empty)
    time_off: pd.DataFrame = field(default_factory=_empty)
    hours_worked: pd.DataFrame = field(default_factory=_empty)
    premium_history: pd.DataFrame = field(default_factory=_empty)
    premium_ledger: pd.DataFrame = field(default_factory=_empty)
    receivables: pd.DataFrame = field(default_factory=_empty)
    average_weekly_wages: pd.DataFrame = field(default_factory=_empty)
    net_pay: pd.DataFrame = field(default_factory=_empty)
    wages: pd.DataFrame = field(default_factory=_empty)


@dataclass(frozen=True)
class PricedPeriod:
    """What one pricing produced: instruction lines, premium arrears movements, FMLA charges, and per
    employee the scheduled pay and the gross this check pays (retro and recovery read them)."""

    window: PayWindow
    policy: PayPolicy
    lines: pd.DataFrame
    arrears: pd.DataFrame
    fmla_usage: pd.DataFrame
    pay: pd.DataFrame  # index employee_id: regular_pay, check_gross, work_state (cents)


def _pto_balances(time_off: pd.DataFrame, window: PayWindow, index: pd.Index) -> np.ndarray:
    """PTO hours (hundredths) as of the period start; a deficit counts as none."""
    if not len(time_off):
        return np.zeros(len(index), dtype=np.int64)
    rows = time_off.loc[(time_off["policy"].astype(str) == "PTO")
                        & (days_column(time_off["as_of"]) <= window.first_day)].copy()
    rows["_as_of"] = days_column(rows["as_of"])
    rows["_units"] = scaled_integers(rows["balance_hours"])
    latest = rows.sort_values("_as_of").drop_duplicates("employee_id", keep="last")
    units = pd.Series(latest["_units"].to_numpy(), index=latest["employee_id"].astype(str))
    return np.maximum(units.reindex(index).fillna(0).to_numpy(np.int64), 0)


def _only_employees_with_business(inputs: LeaveInputs) -> LeaveInputs:
    """Drop every row of employees with nothing to price (no leave, episode, payment, arrears or receivable):
    most of the workforce. Done with Arrow set membership before any per-row work."""
    sources = (inputs.leave_periods, inputs.absences, inputs.benefit_payments, inputs.premium_ledger,
               inputs.receivables)
    ids = [pa.array(f["employee_id"]).cast(pa.string()) for f in sources if len(f)]
    if not ids:
        wanted = pa.array([], pa.string())
    else:
        wanted = pc.unique(pa.chunked_array(ids).combine_chunks() if len(ids) > 1 else ids[0])

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        if not len(frame):
            return frame
        mask = pc.is_in(pa.array(frame["employee_id"]).cast(pa.string()), value_set=wanted)
        return frame.loc[np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)]

    return replace(inputs, employment=only(inputs.employment), enrollments=only(inputs.enrollments),
                   time_off=only(inputs.time_off), average_weekly_wages=only(inputs.average_weekly_wages),
                   net_pay=only(inputs.net_pay), wages=only(inputs.wages))


def _classify_days(periods: pd.DataFrame, window: PayWindow, staff: pd.DataFrame, policy: PayPolicy,
                   state_rules: dict) -> pd.DataFrame:
    """One row per (employee, scheduled workday on leave) with who pays it and the flags that matter."""
    needed = ["employee_id", "case_number", "absence_period_key", "plan", "decision", "period_start",
              "period_end", "weekly_benefit", "topup_agreement", "pto_election"]
    rows = explode_days(periods[needed], window, staff)
    plan = rows["plan"].astype(str).to_numpy()
    decision = rows["decision"].astype(str).to_numpy()
    approved = np.isin(decision, APPROVED)
    provisional = (decision == "PENDING") & (policy.pending_decision == "provisional_salary_continuation")
    is_std = plan == "STD"
    is_state = np.isin(plan, list(state_rules))
    rows["elim"] = is_std & (rows["day_of_leave"].to_numpy() < policy.std.elimination_days) \
        & (approved | provisional)
    rows["std_pays"] = np.isin(plan, ("STD", "LTD")) & approved & ~rows["elim"].to_numpy()
    rows["prov"] = is_std & provisional & ~rows["elim"].to_numpy()
    rows["state_pays"] = is_state & approved
    rows["wc"] = (plan == "WC") & approved
    rows["scn"] = (plan == "SALARY_CONT") & approved
    benefit = scaled_integers(rows["weekly_benefit"])
    rows["std_weekly"] = np.where(rows["std_pays"], benefit, 0)
    rows["state_weekly"] = np.where(rows["state_pays"], benefit, 0)
    agreed = rows["topup_agreement"].astype("boolean").fillna(False).to_numpy(bool)
    rows["std_agree"] = agreed & rows["std_pays"].to_numpy()
    rows["state_agree"] = agreed & rows["state_pays"].to_numpy()
    rows["elect"] = rows["pto_election"].astype("boolean").fillna(False).to_numpy(bool)
    may_not_force = np.isin(plan, [p for p, r in state_rules.items() if r.employer_may_require_pto == "N"])
    rows["no_forced_pto"] = is_state & approved & may_not_force
    rows["fmla"] = (plan == "FMLA") & approved
    rows["fmla_key"] = np.where(rows["fmla"], rows["absence_period_key"].astype(str).to_numpy(), "")
    rows["state_plan"] = np.where(rows["state_pays"], plan, "")
    rows["std_case"] = np.where(is_std | (plan == "LTD") | (plan == "SALARY_CONT"),
                                rows["case_number"].astype(str).to_numpy(), "")
    rows["state_case"] = np.where(rows["state_pays"], rows["case_number"].astype(str).to_numpy(), "")
    rows["case_number"] = rows["case_number"].astype(str).to_numpy()
    absent_calendar = rows.groupby("employee_id")["day"].nunique()
    work = rows.loc[rows["workday"].to_numpy()].copy()
    text = ("state_plan", "std_case", "state_case", "case_number", "fmla_key")
    labels = {}
    for name in text:  # min/max of text per group as sorted integer codes: the fast path, same order
        codes, labels[name] = pd.factorize(work[name].to_numpy(dtype=object), sort=True)
        work[name] = codes
    days = work.groupby(["employee_id", "day"], sort=True).agg(
        elim=("elim", "any"), std_pays=("std_pays", "any"), prov=("prov", "any"),
        state_pays=("state_pays", "any"), wc=("wc", "any"), scn=("scn", "any"),
        std_weekly=("std_weekly", "max"), state_weekly=("state_weekly", "max"),
        std_agree=("std_agree", "any"), state_agree=("state_agree", "any"), elect=("elect", "any"),
        no_forced_pto=("no_forced_pto", "any"), fmla=("fmla", "any"),
        state_plan=("state_plan", "max"), std_case=("std_case", "max"), state_case=("state_case", "max"),
        case_number=("case_number", "min"), fmla_key=("fmla_key", "max"),
    ).reset_index()
    for name in text:
        days[name] = np.asarray(labels[name], dtype=object)[days[name].to_numpy()] if len(days) else ""
    days.attrs["absent_calendar"] = absent_calendar
    benefit_day = days["state_pays"] | days["std_pays"]
    days["category"] = np.select(
        [days["wc"], benefit_day, days["elim"], days["scn"], days["prov"]],
        ["wc", "benefit", "elim", "scn", "prov"], default="unpaid")
    mode = policy.pto_substitution
    days["pto_ok"] = (days["category"] == "unpaid") & (mode != "never") & (
        days["elect"] | ((mode == "required") & ~days["no_forced_pto"]))
    return days


def price_period(inputs: LeaveInputs, window: PayWindow, history: PolicyHistory, tables: RuleTables
                 ) -> PricedPeriod:
    """All instruction lines for ``window`` (a retro re-price passes the ORIGINAL period's window)."""
    policy = history.on(window.period_start)
    mode = policy.money_rounding
    state_rules = tables.state_plans_on(window.period_start)
    label = policy.label
    inputs = _only_employees_with_business(inputs)
    staff = period_staff(inputs.employment, window, mode)
    idx = staff.index
    lp = inputs.leave_periods
    continuous = lp.loc[(lp["period_type"].astype(str) == "CONTINUOUS")
                        & lp["decision"].astype(str).isin((*APPROVED, "PENDING"))] if len(lp) else lp
    days = _classify_days(continuous, window, staff, policy, state_rules) if len(continuous) else None
    counts = pd.DataFrame(index=idx)
    if days is not None and len(days):
        cat = pd.crosstab(days["employee_id"], days["category"])
        for name in ("wc", "benefit", "elim", "scn", "prov", "unpaid"):
            counts[name] = cat[name].reindex(idx).fillna(0).astype(np.int64) if name in cat else 0
        counts["pto_days"] = days.loc[days["pto_ok"]].groupby("employee_id").size().reindex(idx).fillna(0)
        counts["absent_calendar"] = days.attrs["absent_calendar"].reindex(idx).fillna(0)
        counts["case_number"] = text_per_group(days, "employee_id", "case_number").reindex(idx)
        counts["std_case"] = text_per_group(days, "employee_id", "std_case", largest=True).reindex(idx)
    else:
        for name in ("wc", "benefit", "elim", "scn", "prov", "unpaid", "pto_days", "absent_calendar"):
            counts[name] = 0
        counts["case_number"] = None
        counts["std_case"] = ""
    counts = counts.fillna({"pto_days": 0, "absent_calendar": 0}).astype(
        {n: np.int64 for n in ("wc", "benefit", "elim", "scn", "prov", "unpaid", "pto_days", "absent_calendar")})
    pay = staff["period_pay"].to_numpy(np.int64)
    workdays = staff["workdays"].to_numpy(np.int64)
    daily = staff["daily_hours"].to_numpy(np.int64)
    absent = counts[["wc", "benefit", "elim", "scn", "prov", "unpaid"]].sum(axis=1).to_numpy(np.int64)
    balance = _pto_balances(inputs.time_off, window, idx)
    pto_cont = np.minimum(counts["pto_days"].to_numpy() * daily, balance)
    loa_cont = (counts["wc"] + counts["benefit"] + counts["unpaid"]).to_numpy() * daily - pto_cont

    episodes = intermittent.price_episodes(inputs.absences, lp, window, staff, policy, balance - pto_cont)
    ep = episodes.per_employee.reindex(idx).fillna(0).astype(np.int64)
    leave_hours_int = ep["pto"].to_numpy() + ep["loa"].to_numpy()

    if policy.proration_basis == "workdays":
        reg = divide(pay * (workdays - absent), workdays, mode)
    else:
        cal = staff["calendar_days"].to_numpy(np.int64)
        reg = divide(pay * (cal - counts["absent_calendar"].to_numpy()), cal, mode)
    reg = np.maximum(reg - divide(pay * leave_hours_int, staff["period_hours"].to_numpy(np.int64), mode), 0)
    touched = (absent > 0) | (leave_hours_int > 0)

    scn_pct = (counts["elim"].to_numpy() * percent_units(policy.std.salary_continuation_percent)
               + counts["scn"].to_numpy() * PCT
               + counts["prov"].to_numpy() * percent_units(policy.provisional_percent))
    scn = divide(pay * scn_pct, workdays * PCT, mode)
    topups = _top_ups(days, staff, policy, state_rules, _average_weekly_wages(inputs, state_rules, mode), label) \
        if days is not None and len(days) else None
    topup_total = topups.groupby("employee_id")["amount_cents"].sum().reindex(idx).fillna(0).to_numpy(np.int64) \
        if topups is not None and len(topups) else np.zeros(len(idx), np.int64)
    pto_total = pto_cont + ep["pto"].to_numpy()
    ids = idx.to_numpy(dtype=object)
    case = counts["case_number"].fillna(episodes.case_number.reindex(idx)).to_numpy(dtype=object)
    blocks = [
        emit(ids, "CANCEL_REGULAR_PAY", "unpaid_leave.cancel_pay", amount_cents=reg, case_number=case,
             rule_version=label, explanation=f"scheduled pay stopped; Reg Earnings pays the time worked "
             f"(prorated by {policy.proration_basis})", keep=touched),
        emit(ids, "HOURS", "unpaid_leave.loa_hours", hours_units=loa_cont + ep["loa"].to_numpy(),
             pay_code="UNPAID_LEAVE_HOURS", case_number=case, rule_version=label,
             explanation="leave hours payroll does not pay (memo)", keep=(loa_cont + ep["loa"].to_numpy()) > 0),
        emit(ids, "HOURS", "pto.substitution", hours_units=pto_total, pay_code="PTO_HOURS", case_number=case,
             rule_version=label, explanation=f"paid time off substituted ({policy.pto_substitution}); never "
             "while a disability, workers' comp or state plan pays", keep=pto_total > 0),
        emit(ids, "EARNINGS", "std.salary_continuation", amount_cents=scn, pay_code="SALARY_CONTINUATION",
             case_number=np.where(counts["std_case"].fillna("").to_numpy(dtype=object) != "",
                                  counts["std_case"].to_numpy(dtype=object), case),
             rule_version=label, explanation="salary continuation: STD elimination period, salary "
             "continuation plan, or provisional pay while a claim is pending", keep=scn > 0),
    ]
    if topups is not None:
        blocks.append(topups)
    gross = np.where(touched, reg + scn + topup_total, pay)  # PTO hours are paid on top by payroll
    unpaid_check = touched & (reg == 0) & (scn == 0) & (topup_total == 0) & (pto_total == 0)
    blocks.append(third_party.memo_lines(inputs.benefit_payments, lp, inputs.premium_history, window, policy,
                                         tables))
    block_lines, arrears = premiums.blocked_deductions(inputs.enrollments, lp, ids[unpaid_check], window,
                                                       policy)
    blocks.append(block_lines)
    at_work = ids[~touched & (pay > 0)]
    net = premiums.expected_net(inputs.net_pay, pd.Series(pay, index=idx)) if len(inputs.net_pay) else None
    catch_lines, recovered = premiums.catch_up(inputs.premium_ledger, inputs.enrollments, at_work, window, policy,
                                               net)
    blocks.append(catch_lines)
    blocks.append(overpayments.recovery_lines(inputs.receivables, pd.Series(gross, index=idx), window, policy,
                                              inputs.net_pay))
    frame = gather(blocks, window)
    usage = _fmla_usage(days, staff, episodes.fmla_charges)
    pay_frame = pd.DataFrame({"regular_pay": pay, "check_gross": gross,
                              "work_state": staff["work_state"].to_numpy()}, index=idx)
    return PricedPeriod(window, policy, finish(frame), pd.concat([arrears, recovered], ignore_index=True),
                        usage, pay_frame)


def _average_weekly_wages(inputs: LeaveInputs, state_rules: dict, mode: RoundingMode) -> pd.DataFrame:
    """``employee_id, plan, average_weekly_wage`` (cents), ``basis``: an AWW given as such first, then the
    state's definition worked out from the wages payroll paid; an employee on neither is absent (base wage)."""
    found = wages.state_average_weekly_wages(inputs.wages, inputs.leave_periods, inputs.employment, state_rules,
                                             mode)
    given = inputs.average_weekly_wages
    if not len(given):
        return found
    plans = [p for p, r in state_rules.items() if r.topup_cap == "aww"]
    ids = given["employee_id"].astype(str).to_numpy()
    stated = pd.DataFrame({"employee_id": np.repeat(ids, len(plans)), "plan": np.tile(plans, len(ids)),
                           "average_weekly_wage": np.repeat(scaled_integers(given["average_weekly_wage"]),
                                                            len(plans)),
                           "basis": "the AWW the feed gives"})
    return pd.concat([stated, found], ignore_index=True).drop_duplicates(["employee_id", "plan"])


def _top_ups(days: pd.DataFrame, staff: pd.DataFrame, policy: PayPolicy, state_rules: dict,
             aww_frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """Employer top-ups on benefit days: min(target share, 100% or the AWW) minus the benefit, never below 0.

    ``aww_frame`` (``employee_id, plan, average_weekly_wage, basis``) holds the AWWs known; the rest are capped
    at the base weekly wage."""
    ben = days.loc[days["category"] == "benefit"]
    if not len(ben):
        return emit([], "EARNINGS", "top_up", rule_version=None, explanation=None)
    keys = ["employee_id", "std_pays", "std_weekly", "state_weekly", "state_plan", "std_agree", "state_agree",
            "std_case", "state_case"]
    g = ben.groupby(keys, dropna=False).size().rename("n").reset_index()
    emp = g["employee_id"].astype(str)
    st = staff.loc[emp]
    mode = policy.money_rounding
    n = g["n"].to_numpy(np.int64)
    per_week = st["days_per_week"].to_numpy(np.int64)
    pay_for = divide(st["period_pay"].to_numpy(np.int64) * n, st["workdays"].to_numpy(np.int64), mode)
    benefit = divide((g["std_weekly"] + g["state_weekly"]).to_numpy(np.int64) * n, per_week, mode)
    std_day = g["std_pays"].to_numpy(bool)
    plan = np.where(std_day, "STD", g["state_plan"].to_numpy(dtype=object))
    choice = [policy.top_up_for(p) for p in plan]
    rule = [state_rules.get(p) for p in g["state_plan"]]
    target = np.array([percent_units(c.target_percent) if c else 0 for c in choice], dtype=np.int64)
    need_agree = np.array([(c is not None and c.requires_agreement)
                           or (r is not None and r.topup_requires != "none")
                           for c, r in zip(choice, rule, strict=True)], dtype=bool)
    allowed = np.array([c is not None and (r is None or r.topup_allowed == "Y")
                        for c, r in zip(choice, rule, strict=True)], dtype=bool)
    agreed = np.where(std_day, g["std_agree"], g["state_agree"]).astype(bool)
    aww_cap = np.array([r is not None and r.topup_cap == "aww" for r in rule], dtype=bool)
    aww = st["weekly_pay"].to_numpy(np.int64)
    basis = np.full(len(g), "the base weekly wage", dtype=object)
    if len(aww_frame):  # the state's AWW where known; else the base weekly wage
        keys = pd.MultiIndex.from_arrays([emp.to_numpy(), g["state_plan"].astype(str).to_numpy()])
        known = aww_frame.set_index(["employee_id", "plan"]).reindex(keys)
        found = known["average_weekly_wage"].notna().to_numpy()
        aww = np.where(found, known["average_weekly_wage"].fillna(0).to_numpy(np.int64), aww)
        basis = np.where(found, known["basis"].to_numpy(dtype=object), basis)
    cap = np.where(aww_cap, np.minimum(pay_for, divide(aww * n, per_week, mode)), pay_for)
    topup = np.maximum(np.minimum(divide(pay_for * target, PCT, mode), cap) - benefit, 0)
    topup = np.where(allowed & (agreed | ~need_agree), topup, 0)
    versions = np.array([f"{label}; {r.table_version}" if r is not None else label for r in rule], dtype=object)
    case = np.where(std_day, g["std_case"], g["state_case"])
    code = np.where(std_day, "STD_TOPUP", "STATE_PFL_TOPUP")
    note = np.where(aww_cap, [f"top-up of the plan's benefit to the policy's share of pay, benefit plus top-up "
                              f"capped at the average weekly wage ({a / 100:,.2f}: {b})"
                              for a, b in zip(aww, basis, strict=True)],
                    "top-up of the plan's benefit to the policy's share of pay, capped at 100%")
    out = pd.DataFrame({"employee_id": emp.to_numpy(dtype=object), "code": code, "case": case,
                        "version": versions, "topup": topup, "note": note})
    out = out.groupby(["employee_id", "code", "case", "version", "note"], as_index=False)["topup"].sum()
    return emit(out["employee_id"], "EARNINGS", "top_up", amount_cents=out["topup"].to_numpy(np.int64),
                pay_code=out["code"].to_numpy(dtype=object), case_number=out["case"].to_numpy(dtype=object),
                rule_version=out["version"].to_numpy(dtype=object), explanation=out["note"].to_numpy(dtype=object),
                keep=out["topup"].to_numpy() > 0)


def _fmla_usage(days: pd.DataFrame | None, staff: pd.DataFrame, episode_charges: pd.DataFrame) -> pd.DataFrame:
    """FMLA hours charged, per employee and day: a continuous day charges its scheduled hours, an episode
    exactly the hours taken (never more than the day's schedule)."""
    parts = [episode_charges]
    if days is not None and len(days):
        cont = days.loc[days["fmla"], ["employee_id", "day", "fmla_key"]].rename(
            columns={"fmla_key": "absence_period_key"})
        cont["hours_units"] = staff["daily_hours"].reindex(cont["employee_id"].astype(str)).to_numpy(np.int64)
        parts.append(cont)
    usage = pd.concat(parts, ignore_index=True)
    usage["absence_date"] = from_day_numbers(usage["day"].to_numpy(np.int64)).to_numpy()
    return usage


def unpaid_leave_days(inputs: LeaveInputs, window: PayWindow, history: PolicyHistory, tables: RuleTables
                      ) -> pd.DataFrame:
    """Per employee on continuous leave in ``window`` (index ``employee_id``): scheduled ``workdays`` and the
    ``unpaid_days`` nobody paid: not workers' comp, a benefit plan, salary continuation or substituted PTO
    (the same day-payer assignment and PTO balance as :func:`price_period`). 29 CFR 825.213 recovers the
    employer's premium share only for such days."""
    policy = history.on(window.period_start)
    lp = inputs.leave_periods
    continuous = lp.loc[(lp["period_type"].astype(str) == "CONTINUOUS")
                        & lp["decision"].astype(str).isin((*APPROVED, "PENDING"))] if len(lp) else lp
    out = pd.DataFrame({"workdays": pd.Series(dtype=np.int64), "unpaid_days": pd.Series(dtype=np.int64)})
    if not len(continuous):
        return out
    staff = period_staff(inputs.employment, window, policy.money_rounding)
    days = _classify_days(continuous, window, staff, policy, tables.state_plans_on(window.period_start))
    if not len(days):
        return out
    idx = staff.index
    unpaid = (days["category"] == "unpaid").groupby(days["employee_id"]).sum().reindex(idx).fillna(0)
    pto_days = days["pto_ok"].groupby(days["employee_id"]).sum().reindex(idx).fillna(0).to_numpy(np.int64)
    daily = np.maximum(staff["daily_hours"].to_numpy(np.int64), 1)
    pto_hours = np.minimum(pto_days * daily, _pto_balances(inputs.time_off, window, idx))
    pto_paid = -(-pto_hours // daily)  # a day partly paid by PTO counts as paid
    out = pd.DataFrame({"workdays": staff["workdays"].to_numpy(np.int64),
                        "unpaid_days": unpaid.to_numpy(np.int64) - pto_paid}, index=idx)
    return out.loc[days["employee_id"].astype(str).unique()]
