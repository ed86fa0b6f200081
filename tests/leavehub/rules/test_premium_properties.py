"""The premium identity, always: for random leave histories (several leaves, revocations, methods), rate changes
on Jan 1 (periods split by days across it), blocked checks, partial payments, catch-up, refunds, write-offs and
register deductions, every bucket has due = deducted + recovered + waived + outstanding, and nothing collected
is lost or counted twice."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leavehub.rules.premium_ledger import premium_ledger
from tests.leavehub.rules.frames import canonical_frame
from tests.leavehub.rules.scenarios import frame, policy

START = date(2025, 11, 3)  # a Monday: ten biweekly periods run across Jan 1, 2026
CALENDAR = pd.DataFrame([{"period_start": START + timedelta(days=14 * i),
                          "period_end": START + timedelta(days=14 * i + 13),
                          "check_date": START + timedelta(days=14 * i + 18)} for i in range(10)])
METHODS = (None, "PAYROLL", "PREPAY", "PAY_AS_YOU_GO", "CATCH_UP")
PLANS = (("MEDICAL", "MED"), ("DENTAL", "DEN"), ("SUPP_LIFE", "SUPL"))
KINDS = ("RECOVERED", "EMPLOYEE_PAYMENT", "REFUND", "WRITTEN_OFF")

employee = st.fixed_dictionaries({
    "leaves": st.lists(st.tuples(st.integers(0, 130), st.integers(1, 80), st.sampled_from(METHODS), st.booleans()),
                       min_size=1, max_size=3),
    "plans": st.lists(st.tuples(st.sampled_from(range(len(PLANS))), st.integers(0, 300_00), st.integers(0, 300_00),
                                st.booleans()), min_size=1, max_size=3, unique_by=lambda p: p[0]),
    "blocked_share": st.floats(0, 1),
    "payments": st.lists(st.tuples(st.sampled_from(KINDS), st.integers(1, 500_00)), max_size=6),
    "register": st.booleans(),
    "seed": st.integers(0, 2**16),
})
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RECORDED = datetime(2026, 6, 1, tzinfo=UTC)


def _money(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _inputs(people: list[dict]):
    enrollments, leaves = [], []
    for n, p in enumerate(people):
        eid = f"E{n}"
        for plan, before, after, change in p["plans"]:
            plan_type, code = PLANS[plan]
            base = {"employee_id": eid, "plan_type": plan_type, "deduction_code": code}
            if change:  # the rate changes on Jan 1: two enrollment versions
                enrollments.append({**base, "employee_premium_per_period": _money(before),
                                    "effective_from": date(2025, 1, 1), "effective_to": date(2025, 12, 31)})
                enrollments.append({**base, "employee_premium_per_period": _money(after),
                                    "effective_from": date(2026, 1, 1)})
            else:
                enrollments.append({**base, "employee_premium_per_period": _money(before),
                                    "effective_from": date(2025, 1, 1)})
        for k, (offset, days, method, revoked) in enumerate(p["leaves"]):
            first = START + timedelta(days=offset)
            leaves.append({"case_number": f"C{n}", "absence_period_key": f"{eid}-{k}", "employee_id": eid,
                           "plan": "FMLA", "decision": "APPROVED", "period_start": first,
                           "period_end": first + timedelta(days=days), "premium_method": method,
                           "coverage_revoked": revoked})
    return frame("enrollment", enrollments), frame("leave_period", leaves)


def _history(people: list[dict], expected: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
    """Blocked buckets (as the engine records them), partial payments per plan, register deductions."""
    moves, register, collected = [], [], {}
    for n, p in enumerate(people):
        rng = random.Random(p["seed"])
        mine = expected.loc[expected["employee_id"] == f"E{n}"]
        checks = sorted(set(mine["check_date"]))
        unpaid_checks = {c for c in checks if rng.random() < p["blocked_share"]}  # a check pays nothing, or pays
        for r in mine.itertuples():
            unpaid = r.check_date in unpaid_checks
            if unpaid and r.due > 0:
                moves.append({"employee_id": r.employee_id, "plan_type": r.plan_type,
                              "deduction_code": r.deduction_code, "share": "EMPLOYEE", "entry_type": "BLOCKED",
                              "coverage_start": r.coverage_start, "coverage_end": r.coverage_end,
                              "plan_year": int(r.plan_year), "check_date": r.check_date, "amount": _money(r.due)})
            if p["register"] and not unpaid:  # payroll took the share, or part of it
                register.append({"employee_id": r.employee_id, "deduction_code": r.deduction_code,
                                 "check_date": r.check_date, "amount": _money(rng.randint(0, int(r.due)))})
        plans = mine[["plan_type", "deduction_code"]].drop_duplicates().values.tolist()
        for kind, cents in p["payments"]:
            if not plans:
                break
            plan_type, code = plans[rng.randrange(len(plans))]
            sign = 1 if kind == "REFUND" else -1
            moves.append({"employee_id": f"E{n}", "plan_type": plan_type, "deduction_code": code,
                          "share": "EMPLOYEE", "entry_type": kind, "coverage_start": date(2026, 5, 1),
                          "coverage_end": date(2026, 5, 14), "plan_year": 2026, "check_date": date(2026, 5, 22),
                          "amount": _money(sign * cents)})
            key = (f"E{n}", plan_type, code, "WRITTEN_OFF" if kind == "WRITTEN_OFF" else "COLLECTED")
            collected[key] = collected.get(key, 0) - sign * cents
    entries = canonical_frame("premium_ledger_entry", [{**m, "entry_id": f"M{i}", "recorded_at": RECORDED}
                                                       for i, m in enumerate(moves)])
    reg = pd.DataFrame(register, columns=["employee_id", "deduction_code", "check_date", "amount"])
    if len(reg):
        reg["amount"] = reg["amount"].astype(object)
    return entries, (reg if any(p["register"] for p in people) else None), collected


@given(st.lists(employee, min_size=1, max_size=4))
@SETTINGS
def test_every_bucket_balances_and_nothing_collected_is_lost(people):
    enrollments, leaves = _inputs(people)
    history = policy("8")
    empty = canonical_frame("premium_ledger_entry", [])
    expected = premium_ledger(enrollments, leaves, CALENDAR, empty, history, as_of=date(2026, 6, 1))
    moves, register, collected = _history(people, expected)
    shuffled = moves.sample(frac=1, random_state=1).reset_index(drop=True)
    ledger = premium_ledger(enrollments, leaves, CALENDAR, shuffled, history, as_of=date(2026, 6, 1),
                            register=register)
    money = ["due", "deducted", "recovered", "waived", "outstanding"]
    values = ledger[money].to_numpy(np.int64)
    assert (values[:, 0] == values[:, 1:].sum(axis=1)).all()        # the identity, bucket by bucket
    assert len(ledger) == len(expected)                               # the same buckets, whatever was paid
    assert (ledger["due"].to_numpy() == expected["due"].to_numpy()).all()
    # a bucket spanning Jan 1 is split: each half has its own plan year
    assert (pd.to_datetime(ledger["coverage_start"]).dt.year == ledger["plan_year"]).all()
    plan = ["employee_id", "plan_type", "deduction_code"]
    sums = ledger.groupby(plan)[["recovered", "waived"]].sum()
    revoked_part = ledger.loc[ledger["coverage_revoked"]].assign(rest=lambda f: f["due"] - f["deducted"]) \
        .groupby(plan)["rest"].sum()
    for (eid, plan_type, code), row in sums.iterrows():
        assert row["recovered"] == collected.get((eid, plan_type, code, "COLLECTED"), 0)
        assert row["waived"] == collected.get((eid, plan_type, code, "WRITTEN_OFF"), 0) + \
            revoked_part.get((eid, plan_type, code), 0)
    # only the newest bucket of a plan may go below zero (a credit); the others are filled, never overfilled
    newest = ~ledger.duplicated(plan, keep="last")
    older = ledger.loc[~newest]
    assert (older["recovered"] >= 0).all() and (older["outstanding"] >= 0).all()
    assert (older["recovered"] + older["waived"] <= older["due"] - older["deducted"]).all()
    key = ["employee_id", "plan_type", "deduction_code", "coverage_start", "plan_year"]
    blocked = moves.loc[moves["entry_type"] == "BLOCKED"].assign(
        cents=lambda f: [int(a * 100) for a in f["amount"]], plan_year=lambda f: f["plan_year"].astype(int))
    got = ledger.merge(blocked[[*key, "cents"]], on=key, how="left").fillna({"cents": 0})
    if register is None:  # without a register, payroll took what was not blocked (nothing, if revoked)
        want = np.where(got["coverage_revoked"], 0, got["due"] - got["cents"])
        assert (got["deducted"].to_numpy() == want).all()
    else:                 # with one, exactly what it shows for the check, never on a blocked bucket
        assert ledger["deducted"].sum() == sum(int(a * 100) for a in register["amount"])
        assert (got.loc[got["cents"] > 0, "deducted"] == 0).all()
