"""Retro corrections beyond the domain scenarios: a deduction blocked on a check the re-priced period pays."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from leavehub.config.policy import PolicyHistory
from leavehub.rules.overpayments import decide_recovery, recovery_lines
from leavehub.rules.pay import price_period
from leavehub.rules.retro import retro_diff
from tests.leavehub.rules.scenarios import TABLES, frame, inputs, line_set, policy, window

MEDICAL = [{"employee_id": "E4", "plan_type": "MEDICAL", "deduction_code": "MED",
            "employee_premium_per_period": Decimal("120.00"), "effective_from": date(2026, 1, 1)}]


def _history(choice: str) -> PolicyHistory:
    version = policy("4").versions[0]
    premiums = version.premiums.model_copy(update={"retro_blocked_deduction": choice})
    return PolicyHistory(versions=[version.model_copy(update={"premiums": premiums})])


@pytest.mark.parametrize(("choice", "collected"), [("collect_with_retro", True), ("leave_to_catch_up", False)])
def test_a_deduction_blocked_on_a_check_now_paid_is_collected_with_the_retro_only_when_the_policy_says(
        choice, collected):
    history = _history(choice)
    then = dataclasses.replace(inputs("4", "leave_periods_then"), enrollments=frame("enrollment", MEDICAL))
    now = dataclasses.replace(inputs("4", "leave_periods_now"), enrollments=frame("enrollment", MEDICAL))
    sent = price_period(then, window("P1"), history, TABLES)
    assert ("E4", "BLOCK_DEDUCTION", None, "MED", None, None, date(2026, 3, 2)) in line_set(sent.lines)
    fresh = price_period(now, window("P1"), history, TABLES)
    retro = retro_diff(fresh, sent.lines, None, window("P3"), now.leave_periods, TABLES, sent_arrears=sent.arrears)
    collect = ("E4", "DEDUCTION_ADJUSTMENT", None, "MED", None, "120.00", date(2026, 3, 2))
    assert (collect in line_set(retro.lines)) is collected
    assert (len(retro.arrears) == 1) is collected
    if collected:  # sent once, never again
        again = retro_diff(fresh, pd.concat([sent.lines, retro.lines]), None, window("P3"),
                           now.leave_periods, TABLES, sent_arrears=sent.arrears)
        assert again.lines.empty


def test_an_overpayment_in_a_state_capping_disposable_earnings_is_deducted_with_that_basis():
    owed = pd.DataFrame({"employee_id": ["A", "B"], "case_number": ["N-A", "N-B"],
                         "amount_cents": [10_000, 10_000], "work_state": ["WA", "NY"],
                         "rule_version": ["policy v7 (2025-01-01)"] * 2})
    leave = frame("leave_period", [
        {"case_number": c, "absence_period_key": f"K-{c}", "employee_id": e, "plan": "STD", "decision": "DENIED",
         "period_type": "CONTINUOUS", "period_start": date(2026, 3, 2), "advance_agreement": True,
         "updated_at": datetime(2026, 3, 1, tzinfo=UTC)}
        for e, c in (("A", "N-A"), ("B", "N-B"))])
    got = decide_recovery(owed, leave, window("P3"), policy("5").versions[0], TABLES).set_index("employee_id")
    assert (got.loc["A", "recovery"], got.loc["A", "cap_basis"], got.loc["A", "cap_percent"]) == \
        ("deduct", "disposable", Decimal("5"))
    assert "WA@" in got.loc["A", "rule_version"]
    assert (got.loc["B", "recovery"], got.loc["B", "cap_basis"]) == ("deduct", "gross")


def test_a_cap_on_disposable_earnings_is_estimated_from_the_last_paid_check_never_above_it():
    """This check pays 4,000.00 to each. The last paid checks: W1 earned 5,000.00 and kept 3,500.00 after taxes
    (70%: 2,800.00 now, below 3,500.00); W2 earned 2,000.00 and kept 1,800.00 (90% would be 3,600.00 now, but
    never more than the 1,800.00 known); W3 has no paid check in the register (nothing deducted yet); N1 is
    capped on gross (12.5% of 4,000.00)."""
    ids = ["W1", "W2", "W3", "N1"]
    owed = pd.DataFrame({"employee_id": ids, "case_number": [f"C-{e}" for e in ids],
                         "outstanding": [Decimal("3200.00")] * 4, "recovery": ["deduct"] * 4,
                         "cap_percent": [Decimal("5"), Decimal("5"), Decimal("5"), Decimal("12.5")],
                         "cap_basis": ["disposable", "disposable", "disposable", "gross"],
                         "rule_version": ["v"] * 4})
    register = pd.DataFrame({"employee_id": ["W1", "W2"], "net_pay": [Decimal("3300.00"), Decimal("1700.00")],
                             "gross_pay": [Decimal("5000.00"), Decimal("2000.00")],
                             "disposable_pay": [Decimal("3500.00"), Decimal("1800.00")]})
    gross = pd.Series([400_000] * 4, index=ids)
    lines = recovery_lines(owed, gross, window("P3"), policy("5").versions[0], register)
    assert dict(zip(lines["employee_id"], lines["amount_cents"], strict=True)) == \
        {"W1": 14_000, "W2": 9_000, "N1": 50_000}
    assert all("disposable" in t for t in lines.loc[lines["employee_id"] != "N1", "explanation"])
