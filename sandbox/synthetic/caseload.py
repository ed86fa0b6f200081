"""A year of ordinary leave for the whole population: every kind docs/domain.md names, as Harbor decides it.

Each case draws a reason, a shape (continuous, intermittent, reduced schedule) and the plans that run
concurrently for the work state (FMLA, CFRA/CA_PDL, the state medical or family program, STD after a 7-day
elimination, LTD after 180 days, WC, USERRA, ADA). Decisions vary on purpose: approvals, denials (FMLA for
the ineligible), withdrawals, cancellations, retroactive approvals, extensions sent as corrected versions,
exhaustion, and every return-to-work outcome. The TPA's FMLA decision here is an approximation from the
schedule and service; the hub decides eligibility itself from hours worked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sandbox.synthetic.calendar import money, workdays
from sandbox.synthetic.leave import LeaveBook
from sandbox.synthetic.model import Enrollment, LeavePeriodVersion, Worker
from sandbox.synthetic.reference import (
    LTD_BENEFIT_PCT,
    LTD_MONTHLY_MAX,
    NY_DBL_WEEKLY_MAX,
    STATE_PLANS,
    STD_BENEFIT_PCT,
    STD_WEEKLY_MAX,
)

ONE_DAY = timedelta(days=1)
REASONS = (
    ("Serious Health Condition - Employee", 35), ("Pregnancy/Maternity", 8), ("Child Bonding", 15),
    ("Care for a Family Member", 18), ("Military Exigency Family", 2), ("Military Caregiver", 1),
    ("Work Related", 6), ("Personal", 2), ("ADA", 3),
)
OUTCOMES = (("Returned", 88), ("Resigned", 4), ("Terminated", 2), ("Retired", 1),
            ("Not Returned - Health", 3), ("Not Returned - Beyond Control", 2))
EPISODE_HOURS = tuple(Decimal(h) for h in ("1.00", "1.50", "2.00", "2.40", "3.00", "4.00", "6.00", "8.00"))
STATE_TAXABLE_PCT = {"CA_SDI": 0, "NJ_TDI": 50, "NY_DBL": 100, "WC": 0, "LTD": 100}


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a worker's enrollments mean for leave pay: STD/LTD enrolled and STD taxable share."""

    std_taxable_pct: int | None
    ltd: bool


def coverage_by_worker(enrollments: list[Enrollment], year: int) -> dict[str, Coverage]:
    """STD taxable share from who pays the premium: employer or pre-tax 100, post-tax employee 0, 50/50 50."""
    std: dict[str, int] = {}
    ltd: set[str] = set()
    for e in enrollments:
        if e.plan_type == "STD" and (e.end_date is None or e.end_date.year >= year):
            if e.tax == "pre" or e.ee_premium_per_period == 0:
                std[e.worker_id] = 100
            elif e.er_premium_per_period == 0:
                std[e.worker_id] = 0
            else:
                std[e.worker_id] = int(e.er_premium_per_period * 100 / (e.er_premium_per_period
                                                                       + e.ee_premium_per_period))
        elif e.plan_type == "LTD":
            ltd.add(e.worker_id)
    return {wid: Coverage(std.get(wid), wid in ltd) for wid in sorted(set(std) | ltd)}


def weekly_benefit(worker: Worker, plan: str) -> Decimal | None:
    """The plan's weekly benefit from the worker's weekly pay (synthetic rates, see reference.py)."""
    weekly = worker.weekly_pay
    if plan == "STD":
        return money(min(weekly * STD_BENEFIT_PCT, STD_WEEKLY_MAX))
    if plan == "NY_DBL":
        return money(min(weekly / 2, NY_DBL_WEEKLY_MAX))
    if plan == "WC":
        return money(min(weekly * 2 / 3, Decimal("1200.00")))
    for medical, family, pct, cap in STATE_PLANS.values():
        if plan in (medical, family):
            return money(min(weekly * pct, cap))
    return None


def fmla_likely_eligible(worker: Worker, start: date) -> bool:
    """The TPA's quick view: 12 months of service, a schedule that reaches 1,250 hours, a 50/75 worksite."""
    service_from = worker.adjusted_service_date or worker.hire_date
    hours = worker.scheduled_hours_per_week * 52 * Decimal("0.92")
    return ((start - service_from).days >= 365 and hours >= 1250
            and worker.worksite.employees_within_75_miles >= 50)


def state_plan(worker: Worker, reason: str) -> str | None:
    plans = STATE_PLANS.get(worker.work_state)
    if plans is None:
        return None
    medical, family, _, _ = plans
    if reason in ("Serious Health Condition - Employee", "Pregnancy/Maternity"):
        return medical
    if reason in ("Child Bonding", "Care for a Family Member", "Military Exigency Family"):
        return family
    return None


def report_episodes(
    book: LeaveBook, rng: random.Random, worker: Worker, period: LeavePeriodVersion, plans: tuple[str, ...],
) -> None:
    """Intermittent: about one episode every three weeks. Reduced schedule: the weekly hours not worked."""
    daily = worker.scheduled_hours_per_week / worker.scheduled_days_per_week
    days = workdays(period.period_start, min(period.period_end, book.as_of), worker.scheduled_days_per_week)
    if period.period_type == "Reduced Schedule":
        reduced = period.reduced_hours_week or worker.scheduled_hours_per_week
        off = worker.scheduled_hours_per_week - reduced
        for day in days:
            if day.weekday() == 0 and off > 0:
                book.episode(period, day, money(min(off, daily)), plans, reported_after_days=rng.randint(1, 6))
        return
    for day in days:
        if rng.random() >= 0.07:
            continue
        hours = min(rng.choice(EPISODE_HOURS), daily)
        roll = rng.random()
        if roll < 0.05:
            first = book.episode(period, day, hours, plans, "Pending", rng.randint(1, 3))
            if first is not None:
                book.resend_episode(first, day + timedelta(days=rng.randint(4, 15)), decision="Approved")
        elif roll < 0.08:
            book.episode(period, day, hours, plans, "Denied", rng.randint(1, 3))
        elif roll < 0.10:
            first = book.episode(period, day, hours, plans, "Approved", rng.randint(1, 3))
            if first is not None:  # the employee corrected the hours reported
                book.resend_episode(first, day + timedelta(days=rng.randint(3, 10)),
                                    hours=money(max(Decimal("0.50"), hours - Decimal("0.50"))))
        else:
            book.episode(period, day, hours, plans, "Approved", rng.randint(1, 3))


def plant_caseload(
    book: LeaveBook, rng: random.Random, workers: list[Worker], coverage: dict[str, Coverage],
    year: int, skip: set[str],
) -> None:
    """Give about one worker in seven a leave case this year (a few two), in worker order."""
    for worker in workers:
        if worker.worker_id in skip:
            continue
        for _ in range(2 if rng.random() < 0.02 else 1 if rng.random() < 0.14 else 0):
            start = date(year, 1, 5) + timedelta(days=rng.randint(-25, 340))
            ends_by = worker.termination_date or book.as_of
            if start <= worker.hire_date + timedelta(days=30) or start >= ends_by:
                continue
            reason = rng.choices([r for r, _ in REASONS], [w for _, w in REASONS])[0]
            if reason == "Pregnancy/Maternity" and worker.gender != "F":
                reason = "Serious Health Condition - Employee"
            _plant_case(book, rng, worker, coverage.get(worker.worker_id), reason, start)
    _plant_long_disability(book, rng, workers, coverage, year, skip)


def _shape(rng: random.Random, reason: str) -> tuple[str, int]:
    """(period type, length in days) for a reason."""
    if reason in ("Military Exigency Family",):
        return "Intermittent", rng.randint(60, 240)
    if reason == "ADA":
        return "Reduced Schedule", rng.randint(28, 120)
    if reason == "Care for a Family Member":
        return (("Intermittent", rng.randint(60, 300)) if rng.random() < 0.6 else
                ("Continuous", 7 * rng.randint(1, 6)))
    if reason == "Serious Health Condition - Employee":
        roll = rng.random()
        if roll < 0.15:
            return "Intermittent", rng.randint(60, 300)
        if roll < 0.25:
            return "Reduced Schedule", rng.randint(28, 90)
        return "Continuous", rng.choice((5, 10, 14, 21, 28, 42, 56, 70, 84, 98, 112))
    lengths = {"Pregnancy/Maternity": (42, 84), "Child Bonding": (28, 84), "Military Caregiver": (42, 182),
               "Work Related": (14, 84), "Personal": (14, 140)}
    low, high = lengths[reason]
    return "Continuous", rng.randint(low, high)


def _plant_case(
    book: LeaveBook, rng: random.Random, worker: Worker, cover: Coverage | None, reason: str, start: date,
) -> None:
    period_type, length = _shape(rng, reason)
    end = start + timedelta(days=length - 1)
    notice = start - timedelta(days=rng.randint(0, 30)) if rng.random() < 0.85 else start + ONE_DAY * 2
    retro = rng.random() < 0.08
    decided = start + timedelta(days=rng.randint(20, 60)) if retro else notice + timedelta(days=rng.randint(3, 14))
    fate = rng.random()
    outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
    extension = timedelta(weeks=rng.randint(1, 3)) if period_type == "Continuous" and rng.random() < 0.12 else None
    harbor_reason = "Serious Health Condition - Employee" if reason == "ADA" else reason

    paid_plans: list[str] = []
    plans: list[tuple[str, date, date, str]] = []  # plan, start, end, decision
    eligible = fmla_likely_eligible(worker, start)
    if reason == "Personal":
        plans.append(("USERRA", start, end, "Approved"))
    elif reason == "ADA":
        plans.append(("ADA", start, end, "Approved"))
    else:
        fmla_weeks = 26 if reason == "Military Caregiver" else 12
        fmla_end = min(end, start + timedelta(weeks=fmla_weeks) - ONE_DAY)
        plans.append(("FMLA", start, fmla_end, "Approved" if eligible else "Denied"))
        if worker.work_state == "CA" and reason != "Work Related":
            plan = "CA_PDL" if reason == "Pregnancy/Maternity" else "CFRA"
            plans.append((plan, start, fmla_end, "Approved" if eligible or plan == "CA_PDL" else "Denied"))
    state = state_plan(worker, reason)
    if state:
        plans.append((state, start, end, "Approved" if rng.random() < 0.95 else "Denied"))
        paid_plans.append(state)
    if (reason in ("Serious Health Condition - Employee", "Pregnancy/Maternity") and period_type == "Continuous"
            and cover is not None and cover.std_taxable_pct is not None and length > 7):
        plans.append(("STD", start + timedelta(days=7), end, "Approved" if rng.random() < 0.95 else "Denied"))
        paid_plans.append("STD")
    if reason == "Work Related":
        plans.append(("WC", start, end, "Approved"))
        paid_plans.append("WC")

    unpaid = not paid_plans
    pto = rng.random() < (0.3 if unpaid else 0.1)
    method = "Payroll" if not unpaid or pto else rng.choices(
        ("Catch Up", "Pay As You Go", "Prepay", "Payroll"), (50, 25, 10, 15))[0]
    common = dict(pto_election=pto, topup_agreement=not unpaid and rng.random() < 0.3,
                  advance_agreement=rng.random() < 0.2, premium_method=method,
                  coverage_revoked=unpaid and rng.random() < 0.06)
    case = book.open_case()
    concurrent = tuple(p for p, _, _, d in plans if d == "Approved" and p not in ("STD", "WC", "CA_SDI"))
    for plan, p_start, p_end, decision in plans:
        benefit = weekly_benefit(worker, plan) if plan in paid_plans else None
        extra: dict = {"weekly_benefit": benefit}
        if period_type == "Reduced Schedule":
            extra["reduced_hours_week"] = money(worker.scheduled_hours_per_week / 2)
        draft = book.draft(case, worker, harbor_reason, period_type if plan != "STD" else "Continuous", plan,
                           p_start, p_end, notice, **common, **extra)
        if fate < 0.03:  # withdrawn before a decision
            book.send(book.send(draft, notice), notice + timedelta(days=2), decision="Withdrawn",
                      decision_date=notice + timedelta(days=2))
            continue
        if fate < 0.05:  # approved, then cancelled: the leave never happened
            current = book.lifecycle(draft, decision="Approved", decision_date=decided, rtw_outcome=None)
            book.send(current, decided + timedelta(days=3), decision="Cancelled")
            continue
        final_end = p_end + extension if extension and p_end == end else p_end
        current = book.send(draft, notice)
        current = book.send(current, decided, decision=decision, decision_date=decided)
        if decision != "Approved":
            continue
        if extension and p_end == end:
            current = book.send(current, max(decided, p_end - timedelta(days=5)), period_end=final_end)
        if plan == "FMLA" and final_end < end:
            current = book.send(current, final_end, decision="Exhausted")
        elif period_type == "Continuous" or plan == "STD":
            book.send(current, final_end + timedelta(days=rng.randint(1, 5)), rtw_date=final_end + ONE_DAY,
                      rtw_outcome=outcome)
        if plan in ("FMLA", "CFRA", "ADA", "USERRA") or plan == state:
            if period_type != "Continuous" and plan in concurrent and plan == concurrent[0]:
                report_episodes(book, rng, worker, current, concurrent)
        if plan in paid_plans:
            _pay(book, worker, current, cover, plan, final_end)
    if fate >= 0.05 and outcome != "Returned" and period_type == "Continuous":
        leave_end = end + (extension or timedelta(0))
        if leave_end + timedelta(days=3) <= book.as_of and worker.termination_date is None:
            worker.termination_date = leave_end + timedelta(days=rng.randint(1, 3))


def _pay(book: LeaveBook, worker: Worker, period: LeavePeriodVersion, cover: Coverage | None, plan: str,
         end: date) -> None:
    """Weekly payments with the odd exception: a reissued check, an overpayment and its recovery, an
    employer reimbursement (CA SDI for wages the employer advanced), zero-dollar weeks (DE primary payor)."""
    if plan == "STD":
        pct = cover.std_taxable_pct if cover and cover.std_taxable_pct is not None else 100
    else:
        pct = STATE_TAXABLE_PCT.get(plan, -1)
        if pct < 0:
            return  # family programs and WA/MA/CO/DE are paid by the state, not reported through Harbor
    weekly = period.weekly_benefit or Decimal(0)
    rng = book.rng
    if plan == "STD" and worker.work_state == "DE":  # DE Paid Leave pays first; STD offsets it
        weekly = max(Decimal(0), weekly - (weekly_benefit(worker, "DE_PFML") or Decimal(0)))
    if plan == "CA_SDI" and rng.random() < 0.3:
        first_week = min(period.period_start + timedelta(days=6), end)
        book.payment(period, worker, period.period_start, first_week, weekly, 0, txn_type="Employer Reimbursement")
        if first_week >= end:
            return
        rows = book.pay_weekly(period, worker, weekly, pct, start=first_week + ONE_DAY, end=end)
    elif weekly == 0:
        rows = []
        day = period.period_start
        while day <= end:
            week_end = min(day + timedelta(days=6), end)
            if book.payment(period, worker, day, week_end, Decimal(0), pct, txn_type="Zero Dollar") is None:
                break
            day = week_end + ONE_DAY
        return
    else:
        rows = book.pay_weekly(period, worker, weekly, pct, end=end)
    roll = rng.random()
    if len(rows) >= 3 and roll < 0.2:  # a cancelled check, reissued under a new key
        cancelled = book.cancel(rows[1], period, worker)
        if cancelled is not None:
            book.payment(period, worker, rows[1].period_start, rows[1].period_end, rows[1].gross, pct,
                         paid_on=cancelled.payment_date + timedelta(days=2))
    elif len(rows) >= 2 and roll < 0.3:  # paid a week past the return: overpayment, then recovered
        last = rows[-1]
        over = book.payment(period, worker, last.period_start, last.period_end, -last.gross, pct,
                            txn_type="Overpayment", paid_on=last.payment_date + timedelta(weeks=2))
        if over is not None:
            book.payment(period, worker, last.period_start, last.period_end, last.gross, 0,
                         txn_type="Overpayment Recovery", paid_on=over.payment_date + timedelta(weeks=4),
                         reverses=over.payment_key)


def _plant_long_disability(
    book: LeaveBook, rng: random.Random, workers: list[Worker], coverage: dict[str, Coverage], year: int,
    skip: set[str],
) -> None:
    """A few long disabilities from the prior summer: FMLA exhausted, 26 weeks of STD, then LTD monthly."""
    candidates = [w for w in workers if w.worker_id not in skip and w.termination_date is None
                  and coverage.get(w.worker_id, Coverage(None, False)).ltd
                  and coverage[w.worker_id].std_taxable_pct is not None]
    for worker in candidates[:: max(1, len(candidates) // 4)][:4]:
        start = date(year - 1, 6, 1) + timedelta(days=rng.randint(0, 60))
        if start <= worker.hire_date + timedelta(days=365):
            continue
        case = book.open_case()
        notice = start - timedelta(days=rng.randint(1, 10))
        reason, cover = "Serious Health Condition - Employee", coverage[worker.worker_id]
        std_end, ltd_end = start + timedelta(days=7 + 182 - 1), date(year + 1, 12, 31)
        fmla = book.draft(case, worker, reason, "Continuous", "FMLA", start, start + timedelta(weeks=12) - ONE_DAY,
                          notice, premium_method="Payroll")
        fmla = book.lifecycle(fmla, decision="Approved", decision_date=notice + timedelta(days=7),
                              rtw_outcome=None)
        book.send(fmla, fmla.period_end, decision="Exhausted")
        std = book.draft(case, worker, reason, "Continuous", "STD", start + timedelta(days=7), std_end, notice,
                         weekly_benefit=weekly_benefit(worker, "STD"), premium_method="Payroll")
        std = book.lifecycle(std, decision="Approved", decision_date=notice + timedelta(days=9), rtw_outcome=None)
        book.send(std, std_end, decision="Exhausted")
        book.pay_weekly(std, worker, std.weekly_benefit or Decimal(0), cover.std_taxable_pct or 0)
        monthly = money(min(worker.annual_pay / 12 * LTD_BENEFIT_PCT, LTD_MONTHLY_MAX))
        ltd = book.draft(case, worker, reason, "Continuous", "LTD", std_end + ONE_DAY, ltd_end,
                         std_end - timedelta(days=60), weekly_benefit=money(monthly * 12 / 52),
                         premium_method="Payroll")
        ltd = book.lifecycle(ltd, decision="Approved", decision_date=std_end - timedelta(days=10))
        book.pay_monthly(ltd, worker, monthly, STATE_TAXABLE_PCT["LTD"])
