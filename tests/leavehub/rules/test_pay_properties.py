"""Properties of the pay engine over generated leave: capped pay never passes its cap, pricing is repeatable,
and a retro diff applied to what was sent is exactly a fresh pricing."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leavehub.rules.pay import price_period
from leavehub.rules.retro import comparable, effects, retro_diff
from tests.leavehub.rules.scenarios import TABLES, frame, inputs, policy, window

PLANS = ("STD", "CA_PFL", "MA_PFML", "NY_PFL", "WC", "SALARY_CONT")
DECISIONS = ("APPROVED", "PENDING", "DENIED")
STATES = {"STD": "NY", "CA_PFL": "CA", "MA_PFML": "MA", "NY_PFL": "NY", "WC": "CA", "SALARY_CONT": "WA"}

leave = st.fixed_dictionaries({
    "plan": st.sampled_from(PLANS),
    "decision": st.sampled_from(DECISIONS),
    "fmla": st.sampled_from(DECISIONS),
    "start": st.integers(min_value=-10, max_value=12),
    "days": st.integers(min_value=1, max_value=40),
    "salary": st.integers(min_value=20_000, max_value=400_000),
    "benefit": st.integers(min_value=0, max_value=3_000_00),
    "agreement": st.booleans(),
    "election": st.booleans(),
    "pto": st.integers(min_value=0, max_value=120),
})
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _inputs(cases: list[dict], decisions: list[tuple[str, str]] | None = None):
    first = date(2026, 3, 2)
    employment, periods, pto = [], [], []
    for i, c in enumerate(cases):
        emp = f"H{i}"
        start = first + timedelta(days=c["start"])
        end = start + timedelta(days=c["days"] - 1)
        employment.append({"employee_id": emp, "work_state": STATES[c["plan"]],
                           "pay_rate": Decimal(c["salary"]).quantize(Decimal("0.01"))})
        common = {"employee_id": emp, "case_number": f"N{i}", "reason_category": "OWN_HEALTH",
                  "period_start": start, "period_end": end, "pto_election": c["election"],
                  "topup_agreement": c["agreement"], "advance_agreement": c["agreement"]}
        decision, fmla = decisions[i] if decisions else (c["decision"], c["fmla"])
        periods.append({**common, "absence_period_key": f"A{i}", "plan": c["plan"], "decision": decision,
                        "weekly_benefit": Decimal(c["benefit"]) / 100})
        periods.append({**common, "absence_period_key": f"F{i}", "plan": "FMLA", "decision": fmla})
        pto.append({"employee_id": emp, "policy": "PTO", "balance_hours": Decimal(c["pto"]), "as_of": first})
    base = inputs("2")
    return dataclasses.replace(base, employment=frame("employment", employment),
                               leave_periods=frame("leave_period", periods),
                               time_off=frame("time_off_balance", pto))


def _cents(values: pd.Series) -> pd.Series:
    return values.map(lambda v: int(Decimal(v) * 100) if pd.notna(v) else 0)


@SETTINGS
@given(st.lists(leave, min_size=1, max_size=6))
def test_pay_with_a_top_up_never_exceeds_100_percent_or_the_aww(cases):
    data = _inputs(cases)
    priced = price_period(data, window("P1"), policy("6"), TABLES)
    lines = priced.lines
    paid = lines.loc[lines["kind"].isin(["CANCEL_REGULAR_PAY", "EARNINGS"])]
    per_employee = _cents(paid["amount"]).groupby(paid["employee_id"]).sum()
    regular = priced.pay["regular_pay"]
    for i, c in enumerate(cases):
        emp = f"H{i}"
        if emp not in per_employee.index:
            continue
        mine = lines.loc[lines["employee_id"] == emp]
        topped = mine.loc[mine["pay_code"].isin(["STD_TOPUP", "STATE_PFL_TOPUP"])]
        if topped.empty:
            continue
        # whatever payroll pays plus the benefit for the benefit days never passes the scheduled pay; STD
        # pays no benefit in its elimination period (the first 7 calendar days of the leave, policy.yaml's
        # std.elimination_days), when payroll pays salary continuation instead
        waiting = 7 if c["plan"] == "STD" else 0
        benefit_days = sum(1 for d in range(14) if waiting <= d - c["start"] < c["days"] and d % 7 < 5)
        benefit = c["benefit"] * benefit_days // 5
        assert per_employee[emp] + benefit <= regular[emp] + 1, (c, per_employee[emp], benefit)


@SETTINGS
@given(st.lists(leave, min_size=1, max_size=6))
def test_pricing_unchanged_input_again_gives_the_same_lines_and_no_retro(cases):
    data = _inputs(cases)
    history = policy("5")
    first = price_period(data, window("P1"), history, TABLES)
    again = price_period(data, window("P1"), history, TABLES)
    pd.testing.assert_frame_equal(first.lines, again.lines)
    retro = retro_diff(again, first.lines, None, window("P3"), data.leave_periods, TABLES)
    assert retro.lines.empty and retro.receivables.empty


@SETTINGS
@given(st.lists(st.tuples(leave, st.sampled_from(DECISIONS), st.sampled_from(DECISIONS)), min_size=1, max_size=6))
def test_a_retro_diff_applied_to_what_was_sent_equals_a_fresh_pricing(changes):
    cases = [c for c, _, _ in changes]
    history = policy("5")
    then = _inputs(cases)
    now = _inputs(cases, [(d, f) for _, d, f in changes])
    sent = price_period(then, window("P1"), history, TABLES)
    fresh = price_period(now, window("P1"), history, TABLES)
    retro = retro_diff(fresh, sent.lines, None, window("P3"), now.leave_periods, TABLES)
    receivables = retro.receivables
    applied = effects(pd.concat([sent.lines, retro.lines], ignore_index=True), receivables)
    applied, expected = comparable(applied, effects(fresh.lines), fresh.pay["regular_pay"])
    key = ["employee_id", "kind", "pay_code", "deduction_code", "case_number"]

    def norm(f: pd.DataFrame) -> pd.DataFrame:
        f = f.groupby(key, as_index=False)[["hours_units", "amount_cents"]].sum()
        f = f.loc[(f["hours_units"] != 0) | (f["amount_cents"] != 0) | (f["kind"] == "CANCEL_REGULAR_PAY")]
        return f.sort_values(key, na_position="first").reset_index(drop=True).astype(object)

    pd.testing.assert_frame_equal(norm(applied), norm(expected), check_dtype=False)
    # and the diff of the corrected state against the fresh one is empty
    booked = receivables
    again = retro_diff(fresh, pd.concat([sent.lines, retro.lines], ignore_index=True), booked, window("P3"),
                       now.leave_periods, TABLES)
    assert again.lines.empty and again.receivables.empty
