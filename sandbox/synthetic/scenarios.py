"""docs/domain.md's twelve scenarios, planted as named people and cases a test can find by number.

Each planter shapes a worker to the facts the scenario turns on (state, pay, schedule, enrollments, hours)
and books the case Harbor would send; ``Scenario.details`` names every number a test should check, so
the oracle and the expectation live side by side. Scenario workers are kept out of the random caseload.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sandbox.synthetic.calendar import next_business_day
from sandbox.synthetic.caseload import Coverage
from sandbox.synthetic.leave import LeaveBook
from sandbox.synthetic.model import Enrollment, HoursLine, PayPeriod, Scenario, Worker, Worksite
from sandbox.synthetic.workforce import enrollments_for

D = Decimal
ONE_DAY = timedelta(days=1)
OWN_HEALTH = "Serious Health Condition - Employee"

# role -> (worksite, pay basis, annual salary or hourly rate, weekly hours, days, STD premium split)
ROLES: dict[str, tuple[str, str, str, str, int, str | None]] = {
    "s1": ("DALLAS-01", "salary", "83200", "40.00", 5, "employer"),
    "s2": ("DALLAS-01", "salary", "104000", "40.00", 5, "employer"),
    "s3": ("CHICAGO-01", "hourly", "30.00", "40.00", 5, "employer"),
    "s3_30h": ("CHICAGO-01", "hourly", "26.00", "30.00", 5, None),
    "s4": ("AUSTIN-01", "hourly", "27.50", "40.00", 5, None),
    "s5": ("NYC-01", "salary", "78000", "40.00", 5, "employer"),
    "s5_wa": ("SEATTLE-01", "salary", "78000", "40.00", 5, "employer"),
    "s6": ("LA-01", "salary", "91000", "40.00", 5, None),
    "s6_ma": ("BOSTON-01", "hourly", "35.00", "40.00", 5, None),
    "s7": ("DENVER-01", "salary", "96200", "40.00", 5, "employer"),
    "s8": ("DALLAS-01", "hourly", "28.00", "40.00", 5, None),
    "s9": ("AUSTIN-01", "salary", "72800", "40.00", 5, "employer"),
    "s10": ("CHICAGO-01", "hourly", "22.00", "25.00", 5, None),
    "s11": ("DALLAS-01", "hourly", "25.00", "40.00", 5, None),
    "s12": ("CHICAGO-01", "salary", "78000", "40.00", 5, "shared_post"),
}


@dataclass(slots=True)
class ScenarioPlant:
    """What planting needs and what it leaves behind (hours the scenarios fix, the scenario list)."""

    book: LeaveBook
    rng: random.Random
    year: int
    periods: list[PayPeriod]
    coverage: dict[str, Coverage]
    cast: dict[str, Worker]
    hours_overrides: dict[str, dict[date, list[HoursLine]]] = field(default_factory=dict)
    scenarios: list[Scenario] = field(default_factory=list)

    def period_from(self, day: date) -> PayPeriod:
        """The first pay period starting on or after ``day``."""
        return next(p for p in self.periods if p.start >= day)

    def monday_from(self, day: date) -> date:
        return day + timedelta(days=(7 - day.weekday()) % 7)


def cast_workers(workers: list[Worker], sites: list[Worksite], as_of: date) -> dict[str, Worker]:
    """Pick long-serving, unmarried, non-key workers in order and shape them to each role."""
    by_id = {s.worksite_id: s for s in sites}
    pool = (w for w in workers if w.termination_date is None and w.spouse_worker_id is None
            and not w.key_employee and w.hire_date <= as_of - timedelta(days=6 * 365))
    cast: dict[str, Worker] = {}
    for role, (site, basis, rate, hours, days, _) in ROLES.items():
        w = next(pool)
        w.worksite, w.pay_basis, w.pay_rate = by_id[site], basis, D(rate)  # type: ignore[assignment]
        w.scheduled_hours_per_week, w.scheduled_days_per_week = D(hours), days
        w.full_time = D(hours) >= 30 and role != "s3_30h"
        w.flsa = "exempt" if basis == "salary" else "non_exempt"
        w.union_code, w.adjusted_service_date = None, None
        w.payroll_company_code = "NWT" if w.worksite.state in ("TX", "FL") else "NWD"
        w.home_address.state, w.home_address.city = w.worksite.state, w.worksite.city
        if role in ("s6", "s6_ma"):
            w.gender = "F"
        cast[role] = w
    return cast


def cast_enrollments(rng: random.Random, cast: dict[str, Worker], year: int) -> dict[str, list[Enrollment]]:
    """Scenario enrollments: STD paid as the role says since year-3; scenario 1 pays $120 medical per check."""
    out: dict[str, list[Enrollment]] = {}
    for role, worker in cast.items():
        split = ROLES[role][5]
        rows = enrollments_for(rng, worker, year, std_split=split, first_year=year - 3 if split else None)
        if role in ("s1", "s8"):
            rows = [r for r in rows if r.plan_type != "MEDICAL"]
            prior, current = (D("112.00"), D("448.00")), (D("120.00"), D("480.00"))
            for eff, end, (ee, er) in ((date(year - 1, 1, 1), date(year - 1, 12, 31), prior),
                                       (date(year, 1, 1), None, current)):
                rows.append(Enrollment(worker.worker_id, "MEDICAL", "bluepeak", "MED-PPO", "EE", None, None,
                                       ee, er, "pre", "MED", eff, end))
        out[worker.worker_id] = rows
    return out


def plant_scenarios(plant: ScenarioPlant) -> list[Scenario]:
    planters: list[Callable[[ScenarioPlant], Scenario]] = [
        _s1, _s2, _s3, _s4, _s5, _s6, _s7, _s8, _s9, _s10, _s11, _s12]
    plant.scenarios = [planter(plant) for planter in planters]
    return plant.scenarios


def _continuous(plant: ScenarioPlant, w: Worker, reason: str, plans: list[tuple[str, date, date, dict]],
                notice: date, decided: date, rtw: date | None, outcome: str | None = "Returned",
                **common: object) -> tuple[str, dict[str, str]]:
    """Book one case of concurrent continuous plans; returns (case number, plan -> period key)."""
    book = plant.book
    case = book.open_case()
    keys: dict[str, str] = {}
    for plan, start, end, extra in plans:
        draft = book.draft(case, w, reason, "Continuous", plan, start, end, notice, **common, **extra)
        book.lifecycle(draft, decision="Approved", decision_date=decided, rtw_outcome=outcome, rtw_date=rtw)
        keys[plan] = draft.absence_period_key
    return case, keys


def _s1(plant: ScenarioPlant) -> Scenario:
    w = plant.cast["s1"]
    first = plant.period_from(date(plant.year, 3, 1))
    start, end = first.start, first.start + timedelta(days=41)
    rtw = end + timedelta(days=2)
    case, keys = _continuous(plant, w, "Care for a Family Member", [("FMLA", start, end, {})],
                             start - timedelta(days=30), start - timedelta(days=25), rtw,
                             premium_method="Catch Up")
    return Scenario(1, "Unpaid FMLA 6 weeks, medical catch-up", w.worker_id, case,
                    "three whole biweekly periods unpaid; $120 medical EE share blocked each check; $360 arrears "
                    "by return; recovered at most the cap per check; ER share not recoverable (30+ day return)",
                    {"period_key": keys["FMLA"], "leave_start": start.isoformat(), "leave_end": end.isoformat(),
                     "rtw_date": rtw.isoformat(), "medical_ee_per_period": "120.00", "unpaid_periods": "3",
                     "expected_arrears": "360.00", "premium_method": "Catch Up"})


def _s2(plant: ScenarioPlant) -> Scenario:
    w = plant.cast["s2"]
    start = plant.monday_from(date(plant.year, 4, 1))
    end, elim_end = start + timedelta(days=55), start + timedelta(days=6)
    notice = start - timedelta(days=14)
    case, keys = _continuous(plant, w, OWN_HEALTH, [
        ("FMLA", start, end, {}),
        ("SALARY_CONT", start, elim_end, {"weekly_benefit": D("2000.00")}),
        ("STD", elim_end + ONE_DAY, end, {"weekly_benefit": D("1200.00")}),
    ], notice, notice + timedelta(days=5), end + ONE_DAY, topup_agreement=True)
    std = plant.book.latest_version(keys["STD"])
    plant.book.pay_weekly(std, w, D("1200.00"), 100)
    return Scenario(2, "STD with salary continuation and top-up", w.worker_id, case,
                    "$2,000/week salary; 7-day elimination paid 100% by salary continuation; STD 60% = $1,200; "
                    "employer top-up $800/week; no forced PTO",
                    {"weekly_salary": "2000.00", "std_weekly_benefit": "1200.00", "topup_weekly": "800.00",
                     "elimination_start": start.isoformat(), "elimination_end": elim_end.isoformat(),
                     "std_key": keys["STD"], "std_taxable_pct": "100"})


def _intermittent(plant: ScenarioPlant, w: Worker, episodes: list[tuple[date, str]]) -> tuple[str, str, list[str]]:
    book = plant.book
    case = book.open_case()
    start, end = date(plant.year, 2, 2), date(plant.year, 12, 31)
    notice = start - timedelta(days=10)
    draft = book.draft(case, w, "Care for a Family Member", "Intermittent", "FMLA", start, end, notice,
                       pto_election=True)
    current = book.lifecycle(draft, decision="Approved", decision_date=notice + timedelta(days=6))
    ids = []
    for day, hours in episodes:
        row = book.episode(current, day, D(hours), ("FMLA",), "Approved", 1)
        if row is not None:
            ids.append(row.episode_id)
    return case, draft.absence_period_key, ids


def _s3(plant: ScenarioPlant) -> Scenario:
    w, pt = plant.cast["s3"], plant.cast["s3_30h"]
    tuesday = plant.monday_from(date(plant.year, 3, 9)) + ONE_DAY
    case, key, ids = _intermittent(plant, w, [(tuesday, "2.40"), (tuesday + timedelta(days=14), "4.00"),
                                              (tuesday + timedelta(days=36), "8.00")])
    pt_case, pt_key, _ = _intermittent(plant, pt, [(tuesday + ONE_DAY, "3.00")])
    return Scenario(3, "Intermittent 2.4 h episode, 0.25 h payroll increment", w.worker_id, case,
                    "2.4 h charged to FMLA; 2.5 h PTO on the payroll line (round up to 0.25 h); entitlement 480 h "
                    "at 40 h/week and 360 h for the 30 h/week related worker",
                    {"period_key": key, "episode_id": ids[0], "episode_date": tuesday.isoformat(),
                     "episode_hours": "2.40", "payroll_hours": "2.50", "entitlement_hours": "480.00",
                     "related_employee_id": pt.worker_id, "related_case_number": pt_case,
                     "related_entitlement_hours": "360.00", "related_period_key": pt_key})


def _s4(plant: ScenarioPlant) -> Scenario:
    w = plant.cast["s4"]
    start = plant.monday_from(date(plant.year, 5, 4))
    end, decided = start + timedelta(days=18), start + timedelta(days=42)
    case, keys = _continuous(plant, w, OWN_HEALTH, [("FMLA", start, end, {})], start + timedelta(days=2),
                             decided, end + timedelta(days=3))
    closed = [p.check_date.isoformat() for p in plant.periods if p.start <= end and p.end >= start]
    return Scenario(4, "Retroactive approval after payroll closed", w.worker_id, case,
                    "approved after the checks for the leave were paid: retro lines tied to the original periods; "
                    "FMLA balance charged from the original dates",
                    {"period_key": keys["FMLA"], "leave_start": start.isoformat(), "leave_end": end.isoformat(),
                     "decision_date": decided.isoformat(), "closed_check_dates": ";".join(closed)})


def _provisional_then_denied(plant: ScenarioPlant, w: Worker, advance: bool) -> tuple[str, dict[str, str]]:
    book = plant.book
    start = plant.monday_from(date(plant.year, 6, 1))
    end, notice, denied = start + timedelta(days=20), start - timedelta(days=3), start + timedelta(days=24)
    case = book.open_case()
    keys = {}
    for plan, benefit in (("FMLA", None), ("SALARY_CONT", w.weekly_pay), ("STD", None)):
        p_start = start + timedelta(days=7) if plan == "STD" else start
        draft = book.draft(case, w, OWN_HEALTH, "Continuous", plan, p_start, end, notice,
                           weekly_benefit=benefit, advance_agreement=advance)
        keys[plan] = draft.absence_period_key
        if plan == "FMLA":
            book.lifecycle(draft, decision="Approved", decision_date=notice + timedelta(days=2),
                           rtw_date=end + ONE_DAY)
        elif plan == "SALARY_CONT":  # provisional pay pending the STD decision, withdrawn when STD is denied
            current = book.send(book.send(draft, notice), notice + ONE_DAY, decision="Approved",
                                decision_date=notice + ONE_DAY)
            book.send(current, denied, decision="Denied", decision_date=denied)
        else:
            book.send(book.send(draft, notice), denied, decision="Denied", decision_date=denied)
    return case, keys


def _s5(plant: ScenarioPlant) -> Scenario:
    w, wa = plant.cast["s5"], plant.cast["s5_wa"]
    case, keys = _provisional_then_denied(plant, w, advance=True)
    wa_case, _ = _provisional_then_denied(plant, wa, advance=False)
    return Scenario(5, "STD denied after provisional salary continuation", w.worker_id, case,
                    "three weeks of provisional pay become an overpayment receivable; NY allows the deduction "
                    "with the signed advance agreement; the WA related worker has none: billed",
                    {"std_key": keys["STD"], "salary_cont_key": keys["SALARY_CONT"], "work_state": "NY",
                     "advance_agreement": "Y", "provisional_weekly": str(w.weekly_pay),
                     "related_employee_id": wa.worker_id, "related_case_number": wa_case,
                     "related_work_state": "WA", "related_advance_agreement": "N"})


def _s6(plant: ScenarioPlant) -> Scenario:
    w, ma = plant.cast["s6"], plant.cast["s6_ma"]
    start = plant.monday_from(date(plant.year, 6, 8))
    end, notice = start + timedelta(days=55), start - timedelta(days=30)
    case, keys = _continuous(plant, w, "Child Bonding", [
        ("FMLA", start, end, {}), ("CFRA", start, end, {}),
        ("CA_PFL", start, end, {"weekly_benefit": D("1225.00")}),
    ], notice, notice + timedelta(days=7), end + ONE_DAY, topup_agreement=True)
    ma_case, ma_keys = _continuous(plant, ma, "Child Bonding", [
        ("FMLA", start, end, {}), ("MA_PFML", start, end, {"weekly_benefit": D("1120.00")}),
    ], notice, notice + timedelta(days=7), end + ONE_DAY, topup_agreement=True, pto_election=True)
    return Scenario(6, "CA bonding on PFL; MA PFML top-off when elected", w.worker_id, case,
                    "no forced PTO; top-up to 100% only with policy + agreement; MA top-off only because elected, "
                    "capped at the average weekly wage",
                    {"pfl_key": keys["CA_PFL"], "weekly_wage": "1750.00", "pfl_weekly_benefit": "1225.00",
                     "related_employee_id": ma.worker_id, "related_case_number": ma_case,
                     "related_pfml_key": ma_keys["MA_PFML"], "related_weekly_wage": "1400.00",
                     "related_weekly_benefit": "1120.00"})


def _s7(plant: ScenarioPlant) -> Scenario:
    w, book = plant.cast["s7"], plant.book
    start = plant.monday_from(date(plant.year, 7, 6))
    end, notice = start + timedelta(days=41), start - timedelta(days=10)
    corrected_end = end + timedelta(days=14)
    case = book.open_case()
    keys, first_sent = {}, None
    for plan, p_start, benefit in (("FMLA", start, None), ("CO_FAMLI", start, D("1324.43")),
                                   ("STD", start + timedelta(days=7), D("1110.00"))):
        draft = book.draft(case, w, OWN_HEALTH, "Continuous", plan, p_start, end, notice, weekly_benefit=benefit)
        current = book.send(book.send(draft, notice), notice + timedelta(days=3), decision="Approved",
                            decision_date=notice + timedelta(days=3))
        first_sent = current.sent_on
        current = book.send(current, start + timedelta(days=20), period_end=corrected_end)  # corrected resend
        book.send(current, corrected_end + timedelta(days=2), rtw_date=corrected_end + ONE_DAY,
                  rtw_outcome="Returned")
        keys[plan] = draft.absence_period_key
    std = book.latest_version(keys["STD"])
    paid = book.pay_weekly(std, w, D("1110.00"), 100)
    cancelled = book.cancel(paid[1], std, w)
    assert cancelled is not None
    reissued = book.payment(std, w, paid[1].period_start, paid[1].period_end, paid[1].gross, 100,
                            paid_on=cancelled.payment_date + timedelta(days=2))
    assert reissued is not None and first_sent is not None
    return Scenario(7, "Duplicate file, corrected resend, cancellation", w.worker_id, case,
                    "the same LEAVE file content arrives twice (second is a DUPLICATE); the period end is "
                    "corrected by a later row with the same key; a cancelled payment is a new row",
                    {"corrected_key": keys["FMLA"], "original_end": end.isoformat(),
                     "corrected_end": corrected_end.isoformat(), "cancelled_payment_key": paid[1].payment_key,
                     "cancellation_key": cancelled.payment_key, "reissue_key": reissued.payment_key,
                     "duplicated_leave_file_date": first_sent.isoformat()})


def _s8(plant: ScenarioPlant) -> Scenario:
    w = plant.cast["s8"]
    start, end = date(plant.year - 1, 12, 10), date(plant.year, 2, 20)
    rtw = next_business_day(end + ONE_DAY)
    case, keys = _continuous(plant, w, OWN_HEALTH, [("FMLA", start, end, {})], date(plant.year - 1, 12, 3),
                             date(plant.year - 1, 12, 8), rtw, premium_method="Catch Up")
    spanning = next(p for p in plant.periods if p.start < date(plant.year, 1, 1) <= p.end)
    return Scenario(8, "Leave across Jan 1 with a rate rise", w.worker_id, case,
                    "arrears in two plan-year buckets at their own rates; the period spanning Jan 1 splits; "
                    "calendar-year entitlement resets and eligibility is determined again for the new year",
                    {"period_key": keys["FMLA"], "leave_start": start.isoformat(), "leave_end": end.isoformat(),
                     "spanning_period_start": spanning.start.isoformat(),
                     "spanning_period_end": spanning.end.isoformat(),
                     "medical_ee_prior_year": "112.00", "medical_ee_current_year": "120.00"})


def _s9(plant: ScenarioPlant) -> Scenario:
    w = plant.cast["s9"]
    start = plant.monday_from(date(plant.year, 5, 4))
    end, std_start, std_end = start + timedelta(days=55), start + timedelta(days=7), start + timedelta(days=27)
    rtw = end + ONE_DAY
    case, keys = _continuous(plant, w, OWN_HEALTH, [
        ("FMLA", start, end, {}), ("STD", std_start, std_end, {"weekly_benefit": D("840.00")}),
    ], start - timedelta(days=20), start - timedelta(days=14), rtw, pto_election=True,
        premium_method="Catch Up")
    std = plant.book.latest_version(keys["STD"])
    plant.book.pay_weekly(std, w, D("840.00"), 100)
    w.termination_date = rtw + timedelta(days=20)
    return Scenario(9, "Returns, then resigns after 20 days", w.worker_id, case,
                    "fewer than 30 days back: ER share of health premiums for the unpaid weeks recoverable by "
                    "invoice (not a final-pay deduction); the PTO week and the STD weeks are excluded",
                    {"period_key": keys["FMLA"], "pto_week_start": start.isoformat(),
                     "std_start": std_start.isoformat(), "std_end": std_end.isoformat(),
                     "unpaid_start": (std_end + ONE_DAY).isoformat(), "unpaid_end": end.isoformat(),
                     "rtw_date": rtw.isoformat(), "termination_date": w.termination_date.isoformat()})


def _s10(plant: ScenarioPlant) -> Scenario:
    w, book = plant.cast["s10"], plant.book
    leave = plant.period_from(date(plant.year, 6, 1))
    index = plant.periods.index(leave)
    lookback, gap = plant.periods[index - 26:index], plant.periods[index - 28:index - 26]
    fixed: dict[date, list[HoursLine]] = {p.start: [] for p in gap}  # no hours at all just before
    for n, p in enumerate(lookback):
        worked, pto = (D("10.00"), D("40.00")) if n in (5, 17) else (D("50.00"), None)
        fixed[p.start] = [HoursLine(w.worker_id, p.start, p.end, "REG", worked, True)]
        if pto:
            fixed[p.start].append(HoursLine(w.worker_id, p.start, p.end, "PTO", pto, False))
    plant.hours_overrides[w.worker_id] = fixed
    w.hire_date = leave.start - timedelta(days=4 * 365)
    case = book.open_case()
    notice = leave.start - timedelta(days=15)
    draft = book.draft(case, w, OWN_HEALTH, "Continuous", "FMLA", leave.start, leave.start + timedelta(days=27),
                       notice)
    book.lifecycle(draft, decision="Denied", decision_date=notice + timedelta(days=5))
    return Scenario(10, "1,300 paid hours, 1,220 worked: not eligible (HOURS)", w.worker_id, case,
                    "26 biweekly periods before the leave: 1,300 paid hours of which 80 PTO; service (hired 4 "
                    "years before) and worksite (50/75) pass; no hours at all in the 4 weeks before those",
                    {"period_key": draft.absence_period_key, "leave_start": leave.start.isoformat(),
                     "lookback_start": lookback[0].start.isoformat(), "lookback_end": lookback[-1].end.isoformat(),
                     "paid_hours": "1300.00", "pto_hours": "80.00", "worked_hours": "1220.00",
                     "ineligibility_reason": "HOURS"})


def _s11(plant: ScenarioPlant) -> Scenario:
    w = plant.cast["s11"]
    start = plant.monday_from(date(plant.year, 8, 3))
    end = start + timedelta(days=41)
    case, keys = _continuous(plant, w, "Work Related", [
        ("FMLA", start, end, {}), ("WC", start, end, {"weekly_benefit": D("666.67")}),
    ], start, start + timedelta(days=5), end + ONE_DAY, premium_method="Catch Up")
    wc = plant.book.latest_version(keys["WC"])
    paid = plant.book.pay_weekly(wc, w, D("666.67"), 0)
    return Scenario(11, "Workers' comp with FMLA", w.worker_id, case,
                    "WC runs with FMLA; no forced PTO; WC payments carry no FICA and are not third-party sick "
                    "pay; the employee share goes to arrears (Catch Up)",
                    {"wc_key": keys["WC"], "fmla_key": keys["FMLA"], "wc_weekly_benefit": "666.67",
                     "wc_payment_keys": ";".join(p.payment_key for p in paid)})


def _s12(plant: ScenarioPlant) -> Scenario:
    w = plant.cast["s12"]
    start = plant.monday_from(date(plant.year, 9, 7))
    end = start + timedelta(days=41)
    case, keys = _continuous(plant, w, OWN_HEALTH, [
        ("FMLA", start, end, {}), ("STD", start + timedelta(days=7), end, {"weekly_benefit": D("900.00")}),
    ], start - timedelta(days=10), start - timedelta(days=4), end + ONE_DAY)
    std = plant.book.latest_version(keys["STD"])
    paid = plant.book.pay_weekly(std, w, D("900.00"), 50)
    return Scenario(12, "STD premium 50/50, employee half after tax", w.worker_id, case,
                    "premium split 50/50 over the prior three policy years, employee half post-tax: 50% of each "
                    "payment taxable, 50% reported as W-2 box 12 code J; memo lines to payroll",
                    {"std_key": keys["STD"], "std_taxable_pct": "50", "weekly_benefit": "900.00",
                     "payment_keys": ";".join(p.payment_key for p in paid),
                     "enrollment_since": date(plant.year - 3, 1, 1).isoformat()})


