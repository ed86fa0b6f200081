"""The people: workers, spouses, supervisors, benefit enrollments and time-off balances.

Everything is drawn from one ``random.Random`` in a fixed order, so the same seed gives the same people.
The population is deliberately mixed: several states and worksites (three small sites under 50 employees
within 75 miles), hourly and salaried, full and part time, exempt and non-exempt, key employees, married
couples at the same employer, union members, rehires, and terminations both recent and older.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sandbox.synthetic.calendar import money
from sandbox.synthetic.model import Address, Enrollment, TimeOffBalance, Worker, Worksite
from sandbox.synthetic.reference import (
    COMPANY_CODE_BY_STATE,
    DEDUCTION_CODES,
    DEFAULT_COMPANY_CODE,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    HEALTH_CARRIERS,
    HEALTH_RATES,
    LAST_NAMES,
    LIFE_RATE_PER_1000,
    LTD_RATE,
    MIDDLE_INITIALS,
    RATE_RISE,
    STD_RATE,
    STREETS,
    UNION_CODES,
    WORKSITES,
)

KEY_EMPLOYEE_SALARY = Decimal("185000")  # roughly the top 10% of pay (29 CFR 825.217)
_SCHEDULES_PT = ((Decimal("20.00"), 4), (Decimal("24.00"), 3), (Decimal("30.00"), 5))


def build_worksites() -> list[Worksite]:
    return [Worksite(site_id, state, city, metro) for site_id, state, city, metro, _, _ in WORKSITES]


def build_workers(rng: random.Random, count: int, as_of: date, sites: list[Worksite]) -> list[Worker]:
    """Draw ``count`` workers, then pair spouses and assign supervisors and key employees."""
    weights = [share for *_, share in WORKSITES]
    zips = {site_id: prefix for site_id, _, _, _, prefix, _ in WORKSITES}
    used_ssns: set[str] = set()
    used_emails: set[str] = set()
    workers: list[Worker] = []
    for index in range(1, count + 1):
        site = rng.choices(sites, weights=weights)[0]
        workers.append(_draw_worker(rng, index, as_of, site, zips[site.worksite_id], used_ssns, used_emails))
    _pair_spouses(rng, workers)
    _assign_supervisors(rng, workers)
    return workers


def _draw_ssn(rng: random.Random, used: set[str]) -> str:
    while True:
        ssn = f"{rng.randint(900, 998)}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if ssn not in used:
            used.add(ssn)
            return ssn


def _draw_worker(
    rng: random.Random, index: int, as_of: date, site: Worksite, zip_prefix: str,
    used_ssns: set[str], used_emails: set[str],
) -> Worker:
    gender = rng.choices(("F", "M", "X", "U"), weights=(48, 48, 2, 2))[0]
    names = FIRST_NAMES_F if gender == "F" else FIRST_NAMES_M if gender == "M" else FIRST_NAMES_F + FIRST_NAMES_M
    first, last = rng.choice(names), rng.choice(LAST_NAMES)
    middle = rng.choice(MIDDLE_INITIALS) if rng.random() < 0.3 else None
    email = f"{first}.{last}".lower()
    suffix = 1
    while f"{email}@example.com" in used_emails:
        suffix += 1
        email = f"{first}.{last}{suffix}".lower()
    used_emails.add(f"{email}@example.com")

    birth = as_of - timedelta(days=rng.randint(20 * 365, 66 * 365))
    hire = as_of - timedelta(days=int(rng.expovariate(1 / 2200)) % (25 * 365) + 20)
    adjusted = None
    if rng.random() < 0.05:  # a rehire: service before the break still counts (under 7 years)
        adjusted = hire - timedelta(days=rng.randint(400, 2000))
    termination = None
    roll = rng.random()
    if roll < 0.045:
        termination = as_of - timedelta(days=rng.randint(1, 89))
    elif roll < 0.09:
        termination = as_of - timedelta(days=rng.randint(91, 700))
    if termination is not None and termination <= hire:
        termination = None

    full_time = rng.random() < 0.8
    if full_time:
        hours, days = (Decimal("40.00"), 5) if rng.random() < 0.9 else (Decimal("37.50"), 5)
    else:
        hours, days = rng.choice(_SCHEDULES_PT)
    salaried = full_time and rng.random() < 0.45
    if salaried:
        rate = Decimal(rng.randrange(90, 440) * 500)
        flsa = "exempt" if rng.random() < 0.9 else "non_exempt"
    else:
        rate = Decimal(rng.randrange(70, 260)) / 4
        flsa = "non_exempt"
    union = None
    if not salaried and site.state in {"CA", "NY", "NJ", "IL", "WA"} and rng.random() < 0.3:
        union = rng.choice(UNION_CODES)

    home_state, city, prefix = site.state, site.city, zip_prefix
    if site.worksite_id == "NYC-01" and rng.random() < 0.15:
        home_state, city, prefix = "NJ", "Jersey City", "073"
    address = Address(
        line1=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        line2=f"Apt {rng.randint(1, 40)}" if rng.random() < 0.2 else None,
        city=city, state=home_state, postal_code=f"{prefix}{rng.randint(1, 99):02d}",
    )
    stamp = datetime.combine(as_of - timedelta(days=rng.randint(0, 300)), time(8, rng.randint(0, 59)), UTC)
    return Worker(
        worker_id=f"W{index:06d}", ssn=_draw_ssn(rng, used_ssns), first_name=first, middle_name=middle,
        last_name=last, birth_date=birth, gender=gender, home_address=address,
        work_email=f"{email}@example.com", status="active", hire_date=hire, adjusted_service_date=adjusted,
        termination_date=termination, worksite=site, full_time=full_time, flsa=flsa,
        scheduled_hours_per_week=hours, scheduled_days_per_week=days,
        pay_basis="salary" if salaried else "hourly", pay_rate=rate,
        key_employee=salaried and rate >= KEY_EMPLOYEE_SALARY, spouse_worker_id=None, union_code=union,
        supervisor_id=None, payroll_file_number=f"{index + 4000:06d}",
        payroll_company_code=COMPANY_CODE_BY_STATE.get(site.state, DEFAULT_COMPANY_CODE), updated_at=stamp,
    )


def _pair_spouses(rng: random.Random, workers: list[Worker]) -> None:
    """About 2% of workers are married to a co-worker in the same metro: shared address, often a name."""
    by_metro: dict[str, list[Worker]] = {}
    for w in workers:
        by_metro.setdefault(w.worksite.metro, []).append(w)
    for metro in sorted(by_metro):
        pool = by_metro[metro]
        for _ in range(max(0, len(pool) // 100)):
            a, b = rng.sample(pool, 2)
            if a.spouse_worker_id or b.spouse_worker_id:
                continue
            a.spouse_worker_id, b.spouse_worker_id = b.worker_id, a.worker_id
            b.home_address = Address(a.home_address.line1, a.home_address.line2, a.home_address.city,
                                     a.home_address.state, a.home_address.postal_code)
            if rng.random() < 0.6:
                b.last_name = a.last_name


def _assign_supervisors(rng: random.Random, workers: list[Worker]) -> None:
    """Managers are a site's best-paid salaried staff; site heads report to the company head (no manager)."""
    by_site: dict[str, list[Worker]] = {}
    for w in workers:
        by_site.setdefault(w.worksite.worksite_id, []).append(w)
    heads: list[Worker] = []
    for site_id in sorted(by_site):
        staff = by_site[site_id]
        salaried = sorted((w for w in staff if w.pay_basis == "salary"), key=lambda w: (-w.pay_rate, w.worker_id))
        managers = salaried[: max(1, len(staff) // 12)]
        if not managers:
            continue
        heads.append(managers[0])
        for w in staff:
            if w is managers[0]:
                continue
            if w in managers:
                w.supervisor_id = managers[0].worker_id
            else:
                w.supervisor_id = rng.choice(managers).worker_id
    if heads:
        chief = max(heads, key=lambda w: (w.pay_rate, w.worker_id))
        for head in heads:
            if head is not chief:
                head.supervisor_id = chief.worker_id


# --- enrollments and balances -----------------------------------------------------------------------


def _coverage_start(worker: Worker) -> date:
    hire = worker.hire_date
    return hire if hire.day == 1 else date(hire.year + hire.month // 12, hire.month % 12 + 1, 1)


def _coverage_end(worker: Worker) -> date | None:
    term = worker.termination_date
    if term is None:
        return None
    return date(term.year + term.month // 12, term.month % 12 + 1, 1) - timedelta(days=1)


def plan_year_spans(worker: Worker, first_year: int, year: int) -> list[tuple[int, date, date | None]]:
    """(plan year, effective, end) for each plan year the worker is covered in, first_year..year."""
    start, stop = _coverage_start(worker), _coverage_end(worker)
    spans: list[tuple[int, date, date | None]] = []
    for plan_year in range(first_year, year + 1):
        effective = max(date(plan_year, 1, 1), start)
        end = date(plan_year, 12, 31) if plan_year < year else None
        if stop is not None and (end is None or stop < end):
            end = stop
        if end is not None and end < effective:
            continue
        spans.append((plan_year, effective, end))
    return spans


def build_enrollments(rng: random.Random, workers: list[Worker], year: int) -> list[Enrollment]:
    """Medical, dental, vision, STD, LTD and basic life per worker, one row per plan year (rates rise Jan 1)."""
    rows: list[Enrollment] = []
    for w in workers:
        rows.extend(enrollments_for(rng, w, year))
    return rows


def enrollments_for(
    rng: random.Random, worker: Worker, year: int, *, std_split: str | None = None, first_year: int | None = None,
) -> list[Enrollment]:
    """One worker's enrollments. ``std_split``: 'employer', 'employee_post' or 'shared_post' (50/50)."""
    spans = plan_year_spans(worker, first_year or year - 1, year)
    tier = "EE" if worker.spouse_worker_id else rng.choices(("EE", "ES", "EC", "FAM"), (45, 20, 15, 20))[0]
    medical = rng.choice(("MED-PPO", "MED-PPO", "MED-HDHP")) if rng.random() < 0.85 else None
    dental = "DEN-STD" if rng.random() < 0.75 else None
    vision = "VIS-STD" if rng.random() < 0.6 else None
    std = worker.full_time and (std_split is not None or rng.random() < 0.92)
    ltd = worker.full_time and rng.random() < 0.85
    if std_split is None:  # a given split also means: enrolled
        std_split = "employer" if rng.random() < 0.7 else "employee_post"
    salary = worker.annual_pay
    rows: list[Enrollment] = []
    for plan_year, effective, end in spans:
        current = plan_year == year
        rise = RATE_RISE ** (plan_year - (year - 1)) if plan_year >= year - 1 else Decimal(1)

        def add(plan_type: str, carrier: str, code: str, tier_: str, ee: Decimal, er: Decimal, tax: str,
                coverage: Decimal | None = None, benefit_salary: Decimal | None = None,
                effective: date = effective, end: date | None = end) -> None:
            rows.append(Enrollment(worker.worker_id, plan_type, carrier, code, tier_, coverage, benefit_salary,
                                   money(ee), money(er), tax, DEDUCTION_CODES[plan_type], effective, end))

        for plan_type, code in (("MEDICAL", medical), ("DENTAL", dental), ("VISION", vision)):
            if code is not None:
                ee, er = HEALTH_RATES[code][tier]
                add(plan_type, HEALTH_CARRIERS[plan_type], code, tier, ee * rise, er * rise, "pre")
        biweekly_salary = salary / 26
        if std:
            premium = biweekly_salary * STD_RATE[1 if current else 0]
            ee, er, tax = {
                "employer": (Decimal(0), premium, "pre"),
                "employee_post": (premium, Decimal(0), "post"),
                "shared_post": (premium / 2, premium / 2, "post"),
            }[std_split]
            add("STD", "summit", "STD-60", "EE", ee, er, tax, None, salary)
        if ltd:
            add("LTD", "summit", "LTD-60", "EE", Decimal(0), biweekly_salary * LTD_RATE[1 if current else 0],
                "pre", None, salary)
        if worker.full_time:
            coverage = min(Decimal(-(-int(salary) // 1000) * 1000), Decimal(200000))
            life_premium = coverage / 1000 * LIFE_RATE_PER_1000[1 if current else 0]
            add("BASIC_LIFE", "summit", "LIFE-1X", "EE", Decimal(0), life_premium, "post",
                coverage.quantize(Decimal("0.01")))
    return rows


def build_balances(rng: random.Random, workers: list[Worker], as_of: date) -> list[TimeOffBalance]:
    """PTO for most; union members keep separate VACATION and SICK banks. Terminated workers have none."""
    rows: list[TimeOffBalance] = []
    for w in workers:
        if w.termination_date is not None and w.termination_date <= as_of:
            continue
        if w.union_code:
            rows.append(TimeOffBalance(w.worker_id, "SICK", Decimal(rng.randrange(0, 257)) / 4, as_of))
            rows.append(TimeOffBalance(w.worker_id, "VACATION", Decimal(rng.randrange(0, 481)) / 4, as_of))
        else:
            rows.append(TimeOffBalance(w.worker_id, "PTO", Decimal(rng.randrange(0, 641)) / 4, as_of))
    return rows
