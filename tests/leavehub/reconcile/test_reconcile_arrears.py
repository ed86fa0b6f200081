"""Premium arrears aging and the 30-days-late list from a hand-built arrears frame (the premium rules' shape)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from leavehub.reconcile.arrears import AGING_BUCKETS, arrears_aging
from leavehub.rules.premiums import ARREARS_COLUMNS

CHECK = date(2026, 3, 13)


def arrears(*rows: tuple) -> pd.DataFrame:
    """(employee, entry_type, cents, check_date[, share[, premium method]]) -> ARREARS_COLUMNS rows."""
    out = []
    for employee, entry, cents, day, *rest in rows:
        share = rest[:1]
        method = rest[1] if len(rest) > 1 else "PAY_AS_YOU_GO"
        out.append({"employee_id": employee, "plan_type": "MEDICAL", "deduction_code": "MED", "share":
                    share[0] if share else "EMPLOYEE", "entry_type": entry, "coverage_start": day,
                    "coverage_end": day, "plan_year": day.year, "amount_cents": cents, "check_date": day,
                    "case_number": "C1", "premium_method": method, "rule_version": "t"})
    return pd.DataFrame(out, columns=list(ARREARS_COLUMNS))


def test_aging_buckets_and_fifo_recovery() -> None:
    frame = arrears(
        ("E1", "BLOCKED", 10_000, date(2025, 11, 28)),   # 105 days: 90+
        ("E1", "BLOCKED", 10_000, date(2026, 1, 9)),     # 63 days: 61-90
        ("E1", "BLOCKED", 10_000, date(2026, 2, 6)),     # 35 days: 31-60
        ("E1", "BLOCKED", 10_000, date(2026, 2, 27)),    # 14 days: 0-30
        ("E1", "RECOVERED", -12_500, date(2026, 3, 13)),  # pays the oldest first: 100 + 25 of the second
        ("E1", "BLOCKED", 99_999, date(2026, 3, 6), "EMPLOYER"),  # employer share: not aged
        ("E2", "BLOCKED", 5_000, date(2026, 2, 13)),     # exactly 28 days: not late
        ("E3", "BLOCKED", 7_000, date(2026, 2, 12)),     # 29 days: not late
        ("E3", "BLOCKED", 7_000, date(2026, 3, 27)),     # after the check date: not yet
        ("E4", "BLOCKED", 3_000, date(2025, 11, 28), "EMPLOYEE", "CATCH_UP"),  # the employer advances it
        ("E5", "BLOCKED", 2_000, date(2026, 2, 11), "EMPLOYEE", "PREPAY"),     # exactly 30 days: late
    )
    aging, late = arrears_aging(frame, check_date=CHECK)
    by = aging.set_index("employee_id")
    assert [int(by.loc["E1", b]) for b in AGING_BUCKETS] == [10_000, 10_000, 7_500, 0]
    assert int(by.loc["E1", "outstanding_cents"]) == 27_500
    assert [int(by.loc["E3", b]) for b in AGING_BUCKETS] == [7_000, 0, 0, 0]
    total = aging[list(AGING_BUCKETS)].to_numpy().sum()
    assert total == aging["outstanding_cents"].sum() == 27_500 + 5_000 + 7_000 + 3_000 + 2_000
    assert [int(by.loc["E4", b]) for b in AGING_BUCKETS] == [0, 0, 0, 3_000]
    assert list(late["employee_id"]) == ["E1", "E5"]
    assert late.loc[0, "amount_cents"] == 17_500 and late.loc[0, "exception_type"] == "PREMIUM_30_DAYS_LATE"
    assert "2026-01-09" in late.loc[0, "reason"] and "63 days" in late.loc[0, "reason"]


def test_fully_recovered_arrears_are_clean() -> None:
    frame = arrears(("E1", "BLOCKED", 10_000, date(2025, 11, 28)), ("E1", "RECOVERED", -10_000, date(2026, 1, 9)))
    aging, late = arrears_aging(frame, check_date=CHECK)
    assert aging.empty and late.empty


def test_no_arrears_at_all() -> None:
    aging, late = arrears_aging(arrears(), check_date=CHECK)
    assert aging.empty and late.empty
