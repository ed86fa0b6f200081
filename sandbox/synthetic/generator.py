"""``generate_employer``: one seeded, deterministic synthetic employer with a year of leave.

Same seed, same arguments -> the same employer, and therefore byte-identical vendor files: one
``random.Random(seed)`` drives everything in a fixed order, nothing reads the clock or global random state,
and no set or dict is iterated in hash order. The data year is ``year`` (as of Dec 31); the history reaches
into the prior years where leave rules look back (12 months of hours, prior plan-year rates, three policy
years of STD premiums for scenario 12).

Example::

    emp = generate_employer(seed=7, employees=2000, year=2026)
    emp.scenario(10).employee_id
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from sandbox.synthetic.calendar import next_business_day, pay_periods
from sandbox.synthetic.caseload import coverage_by_worker, plant_caseload
from sandbox.synthetic.hours import build_hours, leave_days
from sandbox.synthetic.leave import LeaveBook
from sandbox.synthetic.model import Enrollment, LeavePeriodVersion, Resend, SyntheticEmployer, Worker, Worksite
from sandbox.synthetic.scenarios import ScenarioPlant, cast_enrollments, cast_workers, plant_scenarios
from sandbox.synthetic.workforce import build_balances, build_enrollments, build_workers, build_worksites

CLIENT_ID = "NWD001"
MIN_EMPLOYEES = 200  # the scenarios need a few dozen long-serving workers at the large sites


def generate_employer(seed: int = 7, employees: int = 2000, year: int = 2026) -> SyntheticEmployer:
    """Build the employer: people, pay calendar, hours, enrollments, balances, leave, payments, scenarios."""
    if employees < MIN_EMPLOYEES:
        raise ValueError(f"employees must be at least {MIN_EMPLOYEES} to hold the twelve scenarios")
    rng = random.Random(seed)
    as_of = date(year, 12, 31)
    sites = build_worksites()
    workers = build_workers(rng, employees, as_of, sites)
    count_within_75_miles(sites, workers, as_of)
    cast = cast_workers(workers, sites, as_of)

    enrollments = build_enrollments(rng, [w for w in workers if w not in cast.values()], year)
    for rows in cast_enrollments(rng, cast, year).values():
        enrollments.extend(rows)
    coverage = coverage_by_worker(enrollments, year)

    periods = pay_periods(year)
    book = LeaveBook(rng, as_of)
    plant = ScenarioPlant(book=book, rng=rng, year=year, periods=periods, coverage=coverage, cast=cast)
    scenarios = plant_scenarios(plant)
    plant_caseload(book, rng, workers, coverage, year, skip={w.worker_id for w in cast.values()})

    taken = leave_days(book.periods, book.absences)
    hours = build_hours(rng, workers, periods, as_of, taken, plant.hours_overrides)
    _set_status(workers, book.periods, as_of)
    enrollments = _end_coverage_at_termination(enrollments, {w.worker_id: w for w in workers})
    enrollments.sort(key=lambda e: (e.worker_id, e.plan_type, e.effective_date))
    leave_rows = book.periods
    resend_on = scenarios[6].details["duplicated_leave_file_date"]
    return SyntheticEmployer(
        seed=seed, year=year, as_of=as_of, client_id=CLIENT_ID, worksites=sites, workers=workers,
        pay_periods=periods, hours=hours, enrollments=enrollments, balances=build_balances(rng, workers, as_of),
        leave_periods=leave_rows, absences=book.absences, payments=book.payments, scenarios=scenarios,
        resends=[_quiet_resend(leave_rows, date.fromisoformat(resend_on), as_of)],
    )


def count_within_75_miles(sites: list[Worksite], workers: list[Worker], as_of: date) -> None:
    """Headcount of employed workers at every site of the same metro (all sites of a metro are close)."""
    by_metro: dict[str, int] = {}
    for w in workers:
        if w.termination_date is None or w.termination_date > as_of:
            by_metro[w.worksite.metro] = by_metro.get(w.worksite.metro, 0) + 1
    for site in sites:
        site.employees_within_75_miles = by_metro.get(site.metro, 0)


def _set_status(workers: list[Worker], periods: list[LeavePeriodVersion], as_of: date) -> None:
    """terminated by the termination date, leave while an approved continuous period covers ``as_of``."""
    latest: dict[str, LeavePeriodVersion] = {}
    for p in periods:
        latest[p.absence_period_key] = p
    on_leave = {p.employee_id for p in latest.values()
                if p.decision in ("Approved", "Exhausted") and p.period_type == "Continuous"
                and p.period_start <= as_of <= p.period_end and p.rtw_date is None}
    for w in workers:
        if w.termination_date is not None and w.termination_date <= as_of:
            w.status = "terminated"
        elif w.worker_id in on_leave:
            w.status = "leave"
        else:
            w.status = "active"


def _end_coverage_at_termination(rows: list[Enrollment], workers: dict[str, Worker]) -> list[Enrollment]:
    """Coverage ends on the last day of the month of termination (terminations decided late are applied here)."""
    out: list[Enrollment] = []
    for e in rows:
        term = workers[e.worker_id].termination_date
        if term is None:
            out.append(e)
            continue
        stop = date(term.year + term.month // 12, term.month % 12 + 1, 1) - timedelta(days=1)
        if e.effective_date > stop:
            continue
        out.append(e if e.end_date is not None and e.end_date <= stop else replace(e, end_date=stop))
    return out


def _quiet_resend(rows: list[LeavePeriodVersion], original: date, as_of: date) -> Resend:
    """Scenario 7's duplicate: the original LEAVE file again, on the next business date with no leave rows."""
    busy = {r.sent_on for r in rows}
    day = next_business_day(original + timedelta(days=1))
    while day in busy and day <= as_of:
        day = next_business_day(day + timedelta(days=1))
    return Resend(kind="LEAVE", original_date=original, resend_date=day)
