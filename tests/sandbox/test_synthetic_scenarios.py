"""Every docs/domain.md scenario is planted with the facts that make it that scenario."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from sandbox.synthetic import SyntheticEmployer, generate_employer
from sandbox.synthetic.model import LeavePeriodVersion

D = Decimal


@lru_cache(maxsize=1)
def employer() -> SyntheticEmployer:
    return generate_employer()


def current(emp: SyntheticEmployer, case: str) -> dict[str, LeavePeriodVersion]:
    """plan -> latest version of the case's periods."""
    return {p.plan: p for p in emp.latest_periods(case).values()}


def test_all_twelve_scenarios_are_findable_with_their_own_people_and_cases() -> None:
    emp = employer()
    assert [s.number for s in emp.scenarios] == list(range(1, 13))
    assert len({s.employee_id for s in emp.scenarios}) == 12
    for s in emp.scenarios:
        assert emp.worker(s.employee_id)
        assert emp.case_periods(s.case_number), s.number
        assert all(p.employee_id == s.employee_id for p in emp.case_periods(s.case_number))


def test_scenario_1_three_whole_unpaid_periods_with_120_medical_catch_up() -> None:
    emp = employer()
    s = emp.scenario(1)
    fmla = current(emp, s.case_number)
    assert set(fmla) == {"FMLA"}
    p = fmla["FMLA"]
    covered = [pp for pp in emp.pay_periods if p.period_start <= pp.start and pp.end <= p.period_end]
    assert len(covered) == 3 and covered[0].start == p.period_start and covered[-1].end == p.period_end
    assert (p.decision, p.premium_method, p.coverage_revoked, p.pto_election) == ("Approved", "Catch Up", False,
                                                                                 False)
    medical = [e for e in emp.enrollments if e.worker_id == s.employee_id and e.plan_type == "MEDICAL"
               and e.effective_date.year == emp.year]
    assert [e.ee_premium_per_period for e in medical] == [D("120.00")]
    worker = emp.worker(s.employee_id)
    assert worker.termination_date is None and p.rtw_outcome == "Returned"
    assert s.details["expected_arrears"] == "360.00"


def test_scenario_2_salary_2000_week_seven_day_elimination_then_std_1200() -> None:
    emp = employer()
    s = emp.scenario(2)
    w, plans = emp.worker(s.employee_id), current(emp, s.case_number)
    assert w.weekly_pay == D("2000.00") and w.pay_basis == "salary"
    cont, std = plans["SALARY_CONT"], plans["STD"]
    assert (cont.period_end - cont.period_start).days == 6 and cont.weekly_benefit == D("2000.00")
    assert std.period_start == cont.period_end + timedelta(days=1)
    assert std.weekly_benefit == D("1200.00") == w.weekly_pay * D("0.60")
    assert std.topup_agreement and not std.pto_election
    paid = [p for p in emp.payments if p.case_number == s.case_number]
    assert paid and all(p.gross == D("1200.00") and p.taxable_pct == 100 for p in paid[:-1])


def test_scenario_3_a_2_4_hour_episode_for_a_40_hour_worker_and_a_30_hour_peer() -> None:
    emp = employer()
    s = emp.scenario(3)
    episode = next(a for a in emp.absences if a.episode_id == s.details["episode_id"])
    assert episode.hours == D("2.40") and episode.plans == ("FMLA",) and episode.decision == "Approved"
    assert episode.absence_period_key == s.details["period_key"]
    assert emp.worker(s.employee_id).scheduled_hours_per_week == D("40.00")
    peer = emp.worker(s.details["related_employee_id"])
    assert peer.scheduled_hours_per_week == D("30.00")
    assert current(emp, s.details["related_case_number"])["FMLA"].period_type == "Intermittent"
    assert current(emp, s.case_number)["FMLA"].pto_election


def test_scenario_4_approval_arrives_after_the_leave_checks_were_paid() -> None:
    emp = employer()
    s = emp.scenario(4)
    versions = [p for p in emp.case_periods(s.case_number)]
    assert versions[0].decision == "Pending"
    approved = next(p for p in versions if p.decision == "Approved")
    closed = [date.fromisoformat(d) for d in s.details["closed_check_dates"].split(";")]
    assert closed and approved.sent_on > max(closed)
    assert approved.period_start == date.fromisoformat(s.details["leave_start"])


def test_scenario_5_std_denied_after_provisional_pay_with_and_without_advance_agreement() -> None:
    emp = employer()
    s = emp.scenario(5)
    plans = current(emp, s.case_number)
    assert plans["STD"].decision == "Denied" and plans["SALARY_CONT"].decision == "Denied"
    history = [p.decision for p in emp.case_periods(s.case_number) if p.plan == "SALARY_CONT"]
    assert "Approved" in history and history[-1] == "Denied"
    assert plans["STD"].advance_agreement and emp.worker(s.employee_id).work_state == "NY"
    related = current(emp, s.details["related_case_number"])
    assert not related["STD"].advance_agreement and related["STD"].decision == "Denied"
    assert emp.worker(s.details["related_employee_id"]).work_state == "WA"


def test_scenario_6_ca_bonding_on_pfl_and_ma_top_off_only_when_elected() -> None:
    emp = employer()
    s = emp.scenario(6)
    plans = current(emp, s.case_number)
    assert {"FMLA", "CFRA", "CA_PFL"} == set(plans)
    pfl = plans["CA_PFL"]
    assert pfl.leave_reason == "Child Bonding" and not pfl.pto_election and pfl.topup_agreement
    assert pfl.weekly_benefit < emp.worker(s.employee_id).weekly_pay  # type: ignore[operator]
    ma = current(emp, s.details["related_case_number"])["MA_PFML"]
    assert ma.pto_election and ma.topup_agreement
    assert ma.weekly_benefit <= emp.worker(s.details["related_employee_id"]).weekly_pay  # type: ignore[operator]


def test_scenario_7_corrected_resend_and_cancellation_are_new_rows() -> None:
    emp = employer()
    s = emp.scenario(7)
    versions = [p for p in emp.case_periods(s.case_number) if p.absence_period_key == s.details["corrected_key"]]
    ends = [p.period_end.isoformat() for p in versions]
    assert s.details["original_end"] in ends and ends[-1] == s.details["corrected_end"]
    assert versions[-1].updated_at > versions[0].updated_at
    cancel = next(p for p in emp.payments if p.payment_key == s.details["cancellation_key"])
    original = next(p for p in emp.payments if p.payment_key == s.details["cancelled_payment_key"])
    assert cancel.txn_type == "Cancellation" and cancel.reverses_payment_key == original.payment_key
    assert cancel.gross == -original.gross
    assert emp.resends[0].original_date.isoformat() == s.details["duplicated_leave_file_date"]


def test_scenario_8_leave_from_dec_10_to_feb_20_across_a_rate_rise() -> None:
    emp = employer()
    s = emp.scenario(8)
    p = current(emp, s.case_number)["FMLA"]
    assert (p.period_start, p.period_end) == (date(emp.year - 1, 12, 10), date(emp.year, 2, 20))
    medical = sorted((e for e in emp.enrollments if e.worker_id == s.employee_id and e.plan_type == "MEDICAL"),
                     key=lambda e: e.effective_date)
    assert [e.ee_premium_per_period for e in medical] == [D("112.00"), D("120.00")]
    assert medical[1].effective_date == date(emp.year, 1, 1)
    start, end = date.fromisoformat(s.details["spanning_period_start"]), date.fromisoformat(
        s.details["spanning_period_end"])
    assert start < date(emp.year, 1, 1) <= end


def test_scenario_9_returns_then_resigns_twenty_days_later() -> None:
    emp = employer()
    s = emp.scenario(9)
    plans = current(emp, s.case_number)
    worker = emp.worker(s.employee_id)
    assert plans["FMLA"].rtw_date is not None and worker.termination_date is not None
    assert (worker.termination_date - plans["FMLA"].rtw_date).days == 20
    assert worker.status == "terminated" and plans["FMLA"].pto_election
    assert [p for p in emp.payments if p.case_number == s.case_number and p.plan == "STD"]


def test_scenario_10_thirteen_hundred_paid_hours_of_which_eighty_pto() -> None:
    emp = employer()
    s = emp.scenario(10)
    start = date.fromisoformat(s.details["leave_start"])
    window = [h for h in emp.hours_of(s.employee_id) if h.period_end < start
              and h.period_end >= start - timedelta(days=366)]
    worked = sum((h.hours for h in window if h.worked), D(0))
    pto = sum((h.hours for h in window if h.pay_code == "PTO"), D(0))
    paid = sum((h.hours for h in window), D(0))
    assert (paid, pto, worked) == (D("1300.00"), D("80.00"), D("1220.00"))
    worker = emp.worker(s.employee_id)
    assert (start - worker.hire_date).days >= 365 and worker.worksite.employees_within_75_miles >= 50
    assert current(emp, s.case_number)["FMLA"].decision == "Denied"


def test_scenario_11_workers_comp_payments_carry_no_fica_and_run_with_fmla() -> None:
    emp = employer()
    s = emp.scenario(11)
    plans = current(emp, s.case_number)
    assert {"FMLA", "WC"} == set(plans) and plans["WC"].leave_reason == "Work Related"
    assert plans["WC"].premium_method == "Catch Up" and not plans["WC"].pto_election
    paid = [p for p in emp.payments if p.case_number == s.case_number]
    assert paid and all(p.ss_ee == p.med_ee == D(0) and p.taxable_pct == 0 for p in paid)


def test_scenario_12_std_premium_split_50_50_post_tax_makes_half_of_each_payment_taxable() -> None:
    emp = employer()
    s = emp.scenario(12)
    std = [e for e in emp.enrollments if e.worker_id == s.employee_id and e.plan_type == "STD"]
    assert min(e.effective_date for e in std) == date(emp.year - 3, 1, 1)
    assert all(e.tax == "post" and abs(e.ee_premium_per_period - e.er_premium_per_period) <= D("0.01")
               for e in std)
    paid = [p for p in emp.payments if p.case_number == s.case_number]
    assert paid and all(p.taxable_pct == 50 and p.nontaxable == p.gross / 2 for p in paid if p.gross == 900)
