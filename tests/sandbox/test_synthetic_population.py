"""The synthetic employer: deterministic, and shaped like a real mixed workforce with a year of leave."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache

import pytest

from sandbox.synthetic import SyntheticEmployer, generate_employer
from sandbox.synthetic.hris_records import endpoint_records


@lru_cache(maxsize=1)
def employer() -> SyntheticEmployer:
    started = time.perf_counter()
    emp = generate_employer()
    print(f"generate_employer(2000): {time.perf_counter() - started:.2f}s")
    return emp


def test_same_seed_gives_identical_records_and_another_seed_does_not() -> None:
    first, second = generate_employer(seed=11, employees=300), generate_employer(seed=11, employees=300)
    other = generate_employer(seed=12, employees=300)
    for endpoint in ("workers", "hours_worked", "benefit_enrollments", "time_off_balances"):
        assert endpoint_records(first, endpoint) == endpoint_records(second, endpoint)
    assert first.leave_periods == second.leave_periods and first.payments == second.payments
    assert endpoint_records(first, "workers") != endpoint_records(other, "workers")


def test_too_few_employees_for_the_scenarios_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_employer(employees=50)


def test_population_spans_states_pay_bases_and_schedules_in_plausible_shares() -> None:
    emp = employer()
    workers = emp.workers
    assert len(workers) == 2000
    assert {"CA", "NY", "NJ", "WA", "MA", "CO", "DE", "TX", "FL", "IL"} <= {w.work_state for w in workers}
    hourly = sum(w.pay_basis == "hourly" for w in workers) / len(workers)
    full_time = sum(w.full_time for w in workers) / len(workers)
    assert 0.50 <= hourly <= 0.75
    assert 0.70 <= full_time <= 0.90
    assert {"exempt", "non_exempt"} == {w.flsa for w in workers}
    assert all(w.flsa == "non_exempt" for w in workers if w.pay_basis == "hourly")
    assert 0 < sum(w.key_employee for w in workers) < 200
    assert sum(w.union_code is not None for w in workers) > 20
    assert {w.payroll_company_code for w in workers} == {"NWD", "NWT"}
    assert len({w.payroll_file_number for w in workers}) == 2000


def test_small_worksites_have_fewer_than_50_within_75_miles_and_large_ones_more() -> None:
    counts = {s.worksite_id: s.employees_within_75_miles for s in employer().worksites}
    assert counts["WILM-01"] < 50 and counts["MIAMI-01"] < 50 and counts["SPOKANE-01"] < 50
    assert counts["NYC-01"] == counts["NEWARK-01"] >= 50  # one metro across a state line


def test_people_are_fake_ssns_in_9xx_and_emails_at_example_com() -> None:
    workers = employer().workers
    assert all(w.ssn[0] == "9" and len(w.ssn) == 11 and w.ssn[3] == w.ssn[6] == "-" for w in workers)
    assert len({w.ssn for w in workers}) == len(workers)
    assert all(w.work_email.endswith("@example.com") for w in workers)


def test_spouses_point_at_each_other_and_supervisors_are_coworkers() -> None:
    emp = employer()
    by_id = {w.worker_id: w for w in emp.workers}
    spouses = [w for w in emp.workers if w.spouse_worker_id]
    assert spouses
    assert all(by_id[w.spouse_worker_id].spouse_worker_id == w.worker_id for w in spouses)  # type: ignore[index]
    supervised = [w for w in emp.workers if w.supervisor_id]
    assert len(supervised) > 1900
    assert all(w.supervisor_id in by_id and w.supervisor_id != w.worker_id for w in supervised)


def test_terminations_include_recent_and_older_and_statuses_follow() -> None:
    emp = employer()
    terms = [w for w in emp.workers if w.termination_date]
    recent = [w for w in terms if w.termination_date >= emp.as_of - timedelta(days=90)]  # type: ignore[operator]
    assert 30 <= len(recent) < len(terms)
    assert all(w.status == "terminated" for w in terms if w.termination_date <= emp.as_of)  # type: ignore[operator]
    assert Counter(w.status for w in emp.workers)["leave"] > 0


def test_enrollments_cover_every_plan_type_and_rates_rise_on_jan_1() -> None:
    emp = employer()
    assert {"MEDICAL", "DENTAL", "VISION", "STD", "LTD", "BASIC_LIFE"} <= {e.plan_type for e in emp.enrollments}
    assert {"EE", "ES", "EC", "FAM"} <= {e.tier for e in emp.enrollments}
    assert {"pre", "post"} == {e.tax for e in emp.enrollments}
    rows = [e for e in emp.enrollments if e.plan_type == "MEDICAL"]
    prior = {(e.worker_id, e.plan_code, e.tier): e for e in rows if e.effective_date.year == emp.year - 1
             and e.end_date is not None and e.end_date.month == 12 and e.end_date.day == 31}
    rises = [e for e in rows if e.effective_date == e.effective_date.replace(year=emp.year, month=1, day=1)
             and (e.worker_id, e.plan_code, e.tier) in prior]
    assert len(rises) > 500
    assert all(e.ee_premium_per_period > prior[(e.worker_id, e.plan_code, e.tier)].ee_premium_per_period
               for e in rises)


def test_hours_separate_worked_from_paid_codes_per_biweekly_period() -> None:
    emp = employer()
    codes = Counter(h.pay_code for h in emp.hours)
    assert {"REG", "OT", "PTO", "HOL", "SICK", "LOA"} <= set(codes)
    assert all(h.worked == (h.pay_code in ("REG", "OT")) for h in emp.hours)
    assert all((h.period_end - h.period_start).days == 13 for h in emp.hours[:5000])
    assert all(h.hours > 0 and h.hours == h.hours.quantize(Decimal("0.01")) for h in emp.hours[:5000])


def test_a_year_of_leave_has_every_kind_plan_and_decision() -> None:
    emp = employer()
    plans = {p.plan for p in emp.leave_periods}
    assert {"FMLA", "CFRA", "CA_PFL", "CA_SDI", "NY_PFL", "NY_DBL", "NJ_FLI", "WA_PFML", "MA_PFML", "CO_FAMLI",
            "DE_PFML", "STD", "LTD", "SALARY_CONT", "WC", "ADA", "USERRA"} <= plans
    assert {"Continuous", "Intermittent", "Reduced Schedule"} == {p.period_type for p in emp.leave_periods}
    assert {"Pending", "Approved", "Denied", "Cancelled", "Withdrawn", "Exhausted"} <= {
        p.decision for p in emp.leave_periods}
    assert {"Returned", "Resigned"} <= {p.rtw_outcome for p in emp.leave_periods}
    retro = [p for p in emp.leave_periods if p.decision == "Approved" and p.decision_date
             and p.decision_date > p.period_start + timedelta(days=14)]
    assert retro
    assert {"Standard", "Cancellation", "Overpayment", "Overpayment Recovery"} <= {
        p.txn_type for p in emp.payments}
    assert all(p.reverses_payment_key for p in emp.payments if p.txn_type in ("Cancellation",
                                                                            "Overpayment Recovery"))


def test_a_later_version_of_a_period_always_has_a_later_updated_at() -> None:
    last: dict[str, object] = {}
    for p in employer().leave_periods:
        previous = last.get(p.absence_period_key)
        assert previous is None or p.updated_at > previous.updated_at  # type: ignore[attr-defined]
        assert p.updated_at.date() < p.sent_on
        last[p.absence_period_key] = p
    corrected = Counter(p.absence_period_key for p in employer().leave_periods)
    assert max(corrected.values()) >= 3
