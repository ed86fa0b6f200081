"""The payroll register vs the pay instructions sent, against the LedgerPay simulator on a real sshd.

The pay run sends its batch, the simulator runs payroll with its error switches on and writes a manifest of
exactly what it got wrong, the register comes back through its feed, and the reconciliation must find exactly
the manifest's faults: no more, no fewer. A clean payroll reconciles to nothing. W1 is half the period on unpaid
FMLA (Cancel Pay with 1,000.00 for the time worked, 40.00 LOA hours); W2 is out the whole period with an STD
deduction enrolled, so payroll pays nothing and must not take the deduction (Block Ded).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from leavehub.reconcile.exceptions import EXCEPTION_TYPES
from leavehub.store.ledger import FileArrival
from tests.sandbox.test_ledgerpay_exchange import BEFORE_DEADLINE, CHECK, PERIOD, exchange  # noqa: F401

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(300)]

TYPE_OF = {"pay_not_cancelled": "REGULAR_PAY_NOT_CANCELLED", "blocked_deduction_taken": "BLOCKED_DEDUCTION_TAKEN",
           "amount_changed": "REGISTER_AMOUNT_MISMATCH", "line_dropped": "REGISTER_LINE_MISSING"}


def _arrival(feed: str, name: str) -> FileArrival:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return FileArrival("northwind_hris" if feed != "leave_periods" else "harbor_leave", feed, "inbound", name, 10,
                       digest, digest, None, date(2026, 3, 6), "change", "1.0.0", "1", 1)


def stage_w2(store) -> None:
    """W2: salaried like W1, on unpaid FMLA the whole period, enrolled in STD with a per-check deduction."""
    job = {"record_key": "W2", "_row": 1, "employee_id": "W2", "effective_from": date(2020, 1, 1),
           "status": "ACTIVE", "work_state": "TX", "scheduled_hours_per_week": Decimal("40.00"),
           "scheduled_days_per_week": 5, "pay_basis": "SALARY", "pay_rate": Decimal("52000.00"),
           "pay_frequency": "BIWEEKLY", "employees_within_75_miles": 100, "hire_date": date(2020, 1, 1)}
    with store.intake(_arrival("workers", "workers-w2.json")) as intake:
        intake.stage("employment", pd.DataFrame([job]), "updated_at")
    enrollment = {"record_key": "W2|STD", "_row": 1, "employee_id": "W2", "plan_type": "STD",
                  "deduction_code": "STD1", "employee_premium_per_period": Decimal("12.50"),
                  "employer_premium_per_period": Decimal("5.00"), "effective_from": date(2026, 1, 1)}
    with store.intake(_arrival("benefit_enrollments", "enrollments-w2.json")) as intake:
        intake.stage("enrollment", pd.DataFrame([enrollment]), "updated_at")
    leave = {"record_key": "AP-200-1", "_row": 1, "case_number": "NTN-200", "absence_period_key": "AP-200-1",
             "employee_id": "W2", "plan": "FMLA", "reason_category": "OWN_HEALTH", "period_type": "CONTINUOUS",
             "decision": "APPROVED", "period_start": date(2026, 3, 2), "period_end": date(2026, 4, 30),
             "notice_date": date(2026, 2, 20), "pto_election": False, "topup_agreement": False,
             "advance_agreement": False, "coverage_revoked": False,
             "updated_at": datetime(2026, 3, 6, 8, tzinfo=UTC)}
    with store.intake(_arrival("leave_periods", "HARBOR_LEAVE_W2.csv.pgp")) as intake:
        intake.stage("leave_period", pd.DataFrame([leave]), "updated_at")


def _payroll_and_reconcile(exchange, errors):  # noqa: F811
    from leavehub.payrun.run import run_pay
    from leavehub.pipeline.runner import run_feed
    from leavehub.reconcile.compute import compute
    from leavehub.reconcile.loader import load_inputs
    from sandbox.ledgerpay import PayrollErrors

    store, payroll, settings = exchange
    stage_w2(store)
    payroll.scheduled_pay["W2"] = "2000.00"
    payroll.deductions["W2"] = {"STD1": "12.50"}
    assert run_feed("ledgerpay.pay_calendar", settings=settings, store=store).ok
    assert run_pay(store, settings, "NWD", CHECK, now=BEFORE_DEADLINE).status == "SENT"
    payroll.errors = PayrollErrors(**errors)
    payroll.apply_imports()
    payroll.run_payroll("NWD", check_date=CHECK, period=PERIOD)
    assert run_feed("ledgerpay.payroll_register", settings=settings, store=store).ok
    manifest = json.loads((payroll.home.parent / "ledgerpay_manifest_NWD_20260320.json").read_text())
    inputs = load_inputs(store, check_date=CHECK, weeks=8, mappings_root=settings.mappings_root)
    found = compute(inputs, {}, check_date=CHECK, weeks=8).exceptions
    register_types = [name for name, kind in EXCEPTION_TYPES.items() if kind.area == "payroll register"]
    return manifest, found.loc[found["exception_type"].isin(register_types)], inputs


def test_a_clean_payroll_reconciles_to_no_register_exception(exchange):  # noqa: F811
    manifest, found, inputs = _payroll_and_reconcile(exchange, {})
    assert manifest["injected"] == []
    kinds = set(inputs.pay_sent["kind"])
    assert {"CANCEL_REGULAR_PAY", "HOURS", "BLOCK_DEDUCTION"} <= kinds, "every switch has a line to act on"
    assert len(inputs.register) >= 4
    assert found.empty, found.to_dict("records")


@pytest.mark.parametrize("errors", [
    {"ignore_cancel": 1, "take_blocked": 1, "drop_line": 1},
    {"change_amount": 1, "take_blocked": 1, "drop_line": 1},
    {"change_amount": 1, "drop_line": 2},
], ids=["not-cancelled", "amount-changed", "two-dropped"])
def test_the_reconciliation_finds_exactly_the_faults_payroll_injected(exchange, errors):  # noqa: F811
    manifest, found, _ = _payroll_and_reconcile(exchange, errors)
    injected = manifest["injected"]
    named = {"ignore_cancel": "pay_not_cancelled", "take_blocked": "blocked_deduction_taken",
             "change_amount": "amount_changed", "drop_line": "line_dropped"}
    assert sorted(i["error"] for i in injected) == sorted(named[k] for k, n in errors.items() for _ in range(n))
    expected = {(TYPE_OF[i["error"]], f"{i['batch_id']}/{i['file_no']}/{i['line_type']}/{i['code']}")
                for i in injected}
    assert set(zip(found["exception_type"], found["subject_key"], strict=True)) == expected
    assert len(found) == len(expected)
    money = dict(zip(found["exception_type"], found["amount_cents"], strict=True))
    assert money.get("REGISTER_AMOUNT_MISMATCH", 100) == 100, "the simulator adds 1.00"
    assert money.get("BLOCKED_DEDUCTION_TAKEN", 1250) == 1250, "the plan's deduction was taken"
    assert money.get("REGULAR_PAY_NOT_CANCELLED") in (None, 100000, 200000), "scheduled pay minus time worked"
