"""The average weekly wage by the state's definition, from the wages payroll paid (worked by hand)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from leavehub.rules.wages import quarter_index, quarter_label, state_average_weekly_wages
from tests.leavehub.rules.scenarios import TABLES

RULES = TABLES.state_plans_on(date(2026, 3, 2))


def checks(employee: str, first: date, last: date, amount: str, every: int = 14) -> list[dict]:
    out, day = [], first
    while day <= last:
        out.append({"employee_id": employee, "check_date": day, "amount": Decimal(amount)})
        day += timedelta(days=every)
    return out


def leave(employee: str, plan: str, start: date, case: str | None = None) -> dict:
    return {"employee_id": employee, "plan": plan, "case_number": case or f"C-{employee}", "period_start": start}


def employment(*rows: tuple[str, date]) -> pd.DataFrame:
    return pd.DataFrame([{"employee_id": e, "hire_date": h} for e, h in rows])


def test_quarters_are_calendar_quarters():
    days = np.array([(d - date(1970, 1, 1)).days for d in (date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 1),
                                                           date(2025, 12, 31), date(2026, 1, 1))])
    assert [quarter_label(int(q)) for q in quarter_index(days)] == ["2025Q1", "2025Q1", "2025Q2", "2025Q4",
                                                                     "2026Q1"]


def test_massachusetts_takes_the_two_highest_of_the_last_four_completed_quarters_over_26():
    """Biweekly checks of 3,600.00 through 2025 (from Jan 3): Q1 and Q3 hold 7 checks (25,200.00), Q2 and Q4
    hold 6. A leave from 2026-03-02 (2026Q1) looks at 2025Q1-2025Q4: (25,200.00 + 25,200.00) / 26 = 1,938.46."""
    wages = pd.DataFrame(checks("MA1", date(2025, 1, 3), date(2025, 12, 31), "3600.00")
                         + checks("MA1", date(2026, 1, 2), date(2026, 2, 27), "9999.00"))  # not completed
    got = state_average_weekly_wages(wages, pd.DataFrame([leave("MA1", "MA_PFML", date(2026, 3, 2))]),
                                     employment(("MA1", date(2019, 5, 1))), RULES, "half_up")
    assert got[["employee_id", "plan", "average_weekly_wage"]].values.tolist() == [["MA1", "MA_PFML", 193_846]]
    assert got["basis"].iloc[0] == ("highest 2 quarters of 2025Q1-2025Q4 in the payroll register: "
                                    "50,400.00 / 26")


def test_colorado_uses_its_base_period_the_first_four_of_the_last_five_completed_quarters():
    """A leave from 2026-03-02: the last five completed quarters are 2024Q4-2025Q4, the base period 2024Q4-2025Q3.
    Monthly checks: 2024Q4 3 x 5,000.00, 2025Q1-Q3 3 x 4,000.00, 2025Q4 3 x 9,000.00 (outside the base period):
    (15,000.00 + 12,000.00) / 26 = 1,038.46."""
    rows = [{"employee_id": "CO1", "check_date": date(y, m, 28), "amount": Decimal(a)}
            for (y, m), a in [((2024, m), "5000.00") for m in (10, 11, 12)]
            + [((2025, m), "4000.00") for m in range(1, 10)] + [((2025, m), "9000.00") for m in (10, 11, 12)]]
    leaves = pd.DataFrame([leave("CO1", "CO_FAMLI", date(2026, 3, 2))])
    got = state_average_weekly_wages(pd.DataFrame(rows), leaves, employment(("CO1", date(2018, 1, 1))), RULES,
                                     "half_up")
    assert got[["employee_id", "average_weekly_wage"]].values.tolist() == [["CO1", 103_846]]
    assert "2024Q4-2025Q3" in got["basis"].iloc[0]


def test_the_leave_start_is_the_cases_first_and_the_register_must_reach_back():
    """LATE: the register starts 2025-06-06, after 2025Q1 began (its wages before are unseen): no AWW, the base
    wage applies. NEW: hired 2025-08-04, first check 2025-08-15: covered; Q3 holds 4 checks (Aug 15 - Sep 26) and
    Q4 6 (Oct 10 - Dec 19): (6 + 4) x 2,000.00 / 26 = 769.23. CASE: a second leave period of the same case
    starting in 2026Q2 keeps the case's 2026Q1 start."""
    wages = pd.DataFrame(checks("LATE", date(2025, 6, 6), date(2025, 12, 31), "3000.00")
                         + checks("NEW", date(2025, 8, 15), date(2025, 12, 31), "2000.00")
                         + checks("CASE", date(2024, 1, 5), date(2026, 6, 30), "1000.00"))
    leaves = pd.DataFrame([leave("LATE", "MA_PFML", date(2026, 3, 2)), leave("NEW", "MA_PFML", date(2026, 3, 2)),
                           leave("CASE", "MA_PFML", date(2026, 3, 2), "C1"),
                           leave("CASE", "MA_PFML", date(2026, 5, 4), "C1")])
    hires = employment(("LATE", date(2010, 1, 1)), ("NEW", date(2025, 8, 4)), ("CASE", date(2010, 1, 1)))
    got = state_average_weekly_wages(wages, leaves, hires, RULES, "half_up").set_index("employee_id")
    assert "LATE" not in got.index
    new_checks = len(checks("NEW", date(2025, 8, 15), date(2025, 12, 31), "0"))
    assert new_checks == 10 and got.loc["NEW", "average_weekly_wage"] == 76_923
    assert "2025Q1-2025Q4" in got.loc["CASE", "basis"]
    assert got.loc["CASE", "average_weekly_wage"] == 53_846  # 2025: Q1 7 + Q3 7 checks of 1,000.00 -> 14,000 / 26


def test_no_state_plan_by_quarters_no_awws():
    wages = pd.DataFrame(checks("CA1", date(2025, 1, 3), date(2025, 12, 31), "3600.00"))
    got = state_average_weekly_wages(wages, pd.DataFrame([leave("CA1", "CA_PFL", date(2026, 3, 2))]),
                                     employment(("CA1", date(2019, 5, 1))), RULES, "half_up")
    assert got.empty
