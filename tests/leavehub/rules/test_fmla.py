"""FMLA eligibility and entitlement rules beyond the domain scenarios: service spells and the 7-year break,
the worksite count on the notice date, re-determination per leave year and reason, leave-year methods,
military caregiver leave and the spouses' shared bonding limit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from leavehub.config.policy import FmlaPolicy
from leavehub.rules.fmla import determine_eligibility, fmla_balance, leave_year_starts
from leavehub.rules.money import day_number
from tests.leavehub.rules.scenarios import frame

CALENDAR = FmlaPolicy(entitlement_method="calendar_year")


def _hours(employee: str, worked: str = "1400.00") -> dict:
    return {"employee_id": employee, "period_start": date(2025, 3, 1), "period_end": date(2026, 2, 28),
            "pay_code": "REG", "hours": Decimal(worked), "worked": True}


def _leave(employee: str, key: str, start: date, reason: str = "OWN_HEALTH", notice: date | None = None) -> dict:
    return {"case_number": f"N-{key}", "absence_period_key": key, "employee_id": employee, "plan": "FMLA",
            "decision": "APPROVED", "reason_category": reason, "period_start": start, "period_end": start,
            "notice_date": notice}


def _determine(employment, hours, leaves, policy=CALENDAR) -> pd.DataFrame:
    return determine_eligibility(frame("employment", employment), frame("hours_worked", hours),
                                 frame("leave_period", leaves), policy).set_index("absence_period_key")


@pytest.mark.parametrize(("gap_years", "eligible"), [(3, True), (8, False)])
def test_service_need_not_be_consecutive_but_a_7_year_break_wipes_it(gap_years, eligible):
    rehired = date(2025, 11, 1)
    employment = [
        {"employee_id": "S", "effective_from": date(2025 - gap_years - 2, 1, 1), "status": "ACTIVE"},
        {"employee_id": "S", "effective_from": date(2025 - gap_years, 1, 1), "status": "TERMINATED"},
        {"employee_id": "S", "effective_from": rehired, "status": "ACTIVE"},
    ]
    got = _determine(employment, [_hours("S")], [_leave("S", "L", date(2026, 3, 2))]).loc["L"]
    assert got["eligible"] is eligible
    assert got["ineligibility_reasons"] == ([] if eligible else ["SERVICE"])


def test_worksite_size_is_taken_on_the_notice_date_not_the_leave_start():
    employment = [
        {"employee_id": "W", "effective_from": date(2020, 1, 1), "employees_within_75_miles": 40},
        {"employee_id": "W", "effective_from": date(2026, 2, 1), "employees_within_75_miles": 80},
    ]
    leaves = [_leave("W", "EARLY", date(2026, 3, 2), notice=date(2026, 1, 15)),
              _leave("W", "LATE", date(2026, 3, 2), reason="FAMILY_CARE", notice=date(2026, 2, 15))]
    got = _determine(employment, [_hours("W")], leaves)
    assert got.loc["EARLY", "ineligibility_reasons"] == ["WORKSITE"]
    assert got.loc["LATE", "eligible"] is True


def test_the_same_reason_in_the_same_leave_year_is_not_tested_again_but_a_new_reason_is():
    employment = [{"employee_id": "R", "effective_from": date(2020, 1, 1)}]
    hours = [{"employee_id": "R", "period_start": date(2025, 3, 2), "period_end": date(2026, 3, 1),
              "pay_code": "REG", "hours": Decimal("1300.00"), "worked": True}]
    leaves = [_leave("R", "FIRST", date(2026, 3, 2)),                      # 1,300 h in the 12 months: eligible
              _leave("R", "SAME", date(2026, 9, 1)),                       # same reason: keeps that answer
              _leave("R", "OTHER", date(2026, 9, 1), reason="BONDING")]    # new reason: only ~780 h now
    got = _determine(employment, hours, leaves)
    assert got.loc["FIRST", "eligible"] is True and got.loc["SAME", "eligible"] is True
    assert got.loc["SAME", "as_of"] == date(2026, 3, 2)
    assert got.loc["OTHER", "ineligibility_reasons"] == ["HOURS"]


def test_unknown_hours_leave_eligibility_open_rather_than_guessing():
    got = _determine([{"employee_id": "U", "effective_from": date(2020, 1, 1)}], [],
                     [_leave("U", "L", date(2026, 3, 2))]).loc["L"]
    assert got["eligible"] is None and got["ineligibility_reasons"] == []


def test_variable_schedule_entitlement_is_12_times_the_12_month_weekly_average():
    employment = [{"employee_id": "V", "effective_from": date(2020, 1, 1), "scheduled_hours_per_week": None}]
    hours = [{"employee_id": "V", "period_start": date(2025, 3, 2), "period_end": date(2026, 3, 1),
              "pay_code": "REG", "hours": Decimal("1560.00"), "worked": True},
             {"employee_id": "V", "period_start": date(2025, 3, 2), "period_end": date(2026, 3, 1),
              "pay_code": "PTO", "hours": Decimal("520.00"), "worked": False}]
    got = _determine(employment, hours, [_leave("V", "L", date(2026, 3, 2))]).loc["L"]
    assert got["entitlement_hours"] == Decimal("480.00")      # (1,560 + 520) / 52 = 40 h a week -> 480 h


@pytest.mark.parametrize(("method", "days", "starts"), [
    ("calendar_year", ["2026-03-02", "2026-12-31", "2027-01-01"], ["2026-01-01", "2026-01-01", "2027-01-01"]),
    ("rolling_forward", ["2026-03-02", "2027-03-01", "2027-03-02", "2027-08-01"],
     ["2026-03-02", "2026-03-02", "2027-03-02", "2027-03-02"]),
])
def test_leave_year_methods(method, days, starts):
    got = leave_year_starts(np.array(["E"] * len(days), dtype=object),
                            np.array([day_number(date.fromisoformat(d)) for d in days]),
                            FmlaPolicy(entitlement_method=method))
    assert list(got) == [day_number(date.fromisoformat(s)) for s in starts]


def test_rolling_years_of_one_employee_do_not_break_on_another_employee_already_placed():
    """A second round (E's second leave year) runs while F is placed: F's rows must not be dated "a year after
    never" (that overflowed pandas' date range and failed the census run)."""
    days = ["2026-03-02", "2027-04-01", "2026-05-01"]
    got = leave_year_starts(np.array(["E", "E", "F"], dtype=object),
                            np.array([day_number(date.fromisoformat(d)) for d in days]),
                            FmlaPolicy(entitlement_method="rolling_forward"))
    assert list(got) == [day_number(date.fromisoformat(d)) for d in days]


def test_fixed_year_starts_on_its_month_and_day():
    policy = FmlaPolicy(entitlement_method="fixed_year", fixed_year_start="07-01")
    got = leave_year_starts(np.array(["E", "E"], dtype=object),
                            np.array([day_number(date(2026, 6, 30)), day_number(date(2026, 7, 1))]), policy)
    assert list(got) == [day_number(date(2025, 7, 1)), day_number(date(2026, 7, 1))]


def _usage(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"employee_id": [r[0] for r in rows],
                         "day": [day_number(date.fromisoformat(r[1])) for r in rows],
                         "absence_period_key": [r[2] for r in rows], "hours_units": [r[3] for r in rows]})


def test_rolling_backward_counts_only_the_12_months_before_the_day_asked():
    elig = _determine([{"employee_id": "B", "effective_from": date(2020, 1, 1)}], [_hours("B")],
                      [_leave("B", "K", date(2025, 3, 2))]).reset_index()
    usage = _usage([("B", "2025-03-02", "K", 8000), ("B", "2025-09-01", "K", 4000)])
    got = fmla_balance(usage, elig, FmlaPolicy(entitlement_method="rolling_backward"), date(2026, 3, 15))
    assert got.iloc[0]["used_hours"] == Decimal("40.00") and got.iloc[0]["remaining_hours"] == Decimal("440.00")


def test_military_caregiver_leave_is_26_weeks_and_other_leave_stays_within_12():
    employment = [{"employee_id": "M", "effective_from": date(2020, 1, 1)}]
    leaves = [_leave("M", "CARE", date(2026, 1, 5), reason="MILITARY_CAREGIVER"),
              _leave("M", "OWN", date(2026, 1, 5))]
    elig = _determine(employment, [_hours("M")], leaves)
    assert elig.loc["CARE", "entitlement_hours"] == Decimal("1040.00")
    usage = _usage([("M", "2026-02-02", "CARE", 20 * 4000), ("M", "2026-06-01", "OWN", 4 * 4000)])
    got = fmla_balance(usage, elig.reset_index(), CALENDAR, date(2026, 7, 1)).iloc[0]
    assert got["caregiver_remaining_hours"] == Decimal("80.00")       # 26 - 20 - 4 weeks
    assert got["remaining_hours"] == Decimal("80.00")   # 12 - 4 for other reasons, but only 2 left of 26


def test_spouses_at_the_same_employer_share_one_12_week_limit_for_bonding():
    employment = [{"employee_id": "P1", "effective_from": date(2020, 1, 1)},
                  {"employee_id": "P2", "effective_from": date(2020, 1, 1)}]
    leaves = [_leave("P1", "B1", date(2026, 2, 2), reason="BONDING"),
              _leave("P2", "B2", date(2026, 2, 2), reason="BONDING")]
    elig = _determine(employment, [_hours("P1"), _hours("P2")], leaves).reset_index()
    usage = _usage([("P1", "2026-02-02", "B1", 7 * 4000), ("P2", "2026-02-02", "B2", 3 * 4000)])
    got = fmla_balance(usage, elig, CALENDAR, date(2026, 6, 1),
                       spouses=pd.Series({"P1": "P2", "P2": "P1"})).set_index("employee_id")
    assert got.loc["P1", "remaining_hours"] == Decimal("200.00")        # own entitlement: 12 - 7 weeks
    assert got.loc["P1", "bonding_remaining_hours"] == Decimal("80.00")  # shared: 12 - 7 - 3 weeks
    assert got.loc["P2", "bonding_remaining_hours"] == Decimal("80.00")
