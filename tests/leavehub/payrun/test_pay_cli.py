"""``leavehub pay preview|run`` and ``leavehub fmla balance|eligibility`` on the local hub of test_pay_run."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pandas as pd
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.store.ledger import FileArrival

from .test_pay_run import hub  # noqa: F401  (the fixture)

runner = CliRunner()


def test_pay_preview_prints_each_line_with_rule_case_period_and_versions(hub):  # noqa: F811
    result = runner.invoke(app, ["pay", "preview", "--company", "NWD", "--check-date", "2026-03-20"])

    assert result.exit_code == 0, result.output
    out = result.output
    assert "W1 UNPAID_LEAVE_HOURS" not in out and "W1 HOURS UNPAID_LEAVE_HOURS hours 40.00 | case NTN-100" in out
    assert "W1 CANCEL_REGULAR_PAY  amount 1000.00" in out and "UNPAID_LEAVE_HOURS" in out and "NTN-100" in out
    assert "2026-03-02 - 2026-03-15" in out and "policy v" in out
    assert "2 line(s); earlier periods re-priced for everyone; REFUSED_DEADLINE: the processing deadline" in out, \
        "nothing was sent before (everyone); today is past March 2026's deadline"
    assert not hub.store.ledger(vendor="ledgerpay", status="SENT"), "a preview sends nothing"


def test_pay_run_past_the_deadline_exits_2_and_the_override_sends(hub):  # noqa: F811
    refused = runner.invoke(app, ["pay", "run", "--company", "NWD", "--check-date", "2026-03-20"])
    assert refused.exit_code == 2 and "REFUSED_DEADLINE" in refused.output  # today is past March 2026

    sent = runner.invoke(app, ["pay", "run", "--company", "NWD", "--check-date", "2026-03-20",
                               "--override-deadline"])
    assert sent.exit_code == 0 and "SENT batch NWD2026032001 PRNWDEPI_NWD2026032001.csv (2 line(s))" in sent.output


def test_a_check_date_the_calendar_lacks_is_named(hub):  # noqa: F811
    result = runner.invoke(app, ["pay", "preview", "--company", "NWD", "--check-date", "2026-03-27"])
    assert result.exit_code == 1 and "check date 2026-03-27" in " ".join(result.output.split())


def _stage_hours(store, hours: str) -> None:
    digest = hashlib.sha256(f"hours-{hours}".encode()).hexdigest()
    arrival = FileArrival("northwind_hris", "hours_worked", "inbound", "hours-page-1.json", 10, digest, digest,
                          None, date(2026, 3, 1), "change", "1.0.0", "1", 1)
    frame = pd.DataFrame([{"record_key": "W1|2025-03-01|2026-02-28|REG", "_row": 1, "employee_id": "W1",
                           "period_start": date(2025, 3, 1), "period_end": date(2026, 2, 28), "pay_code": "REG",
                           "hours": Decimal(hours), "worked": True}])
    with store.intake(arrival) as intake:
        intake.stage("hours_worked", frame, "file_date")


def test_fmla_eligibility_names_the_failed_test(hub):  # noqa: F811
    _stage_hours(hub.store, "1000.00")

    result = runner.invoke(app, ["fmla", "eligibility", "W1", "--on", "2026-03-09"])

    assert result.exit_code == 0, result.output
    assert "W1 on 2026-03-09: NOT ELIGIBLE - failed: HOURS" in result.output


def test_fmla_balance_charges_the_hours_taken(hub):  # noqa: F811
    _stage_hours(hub.store, "2080.00")

    result = runner.invoke(app, ["fmla", "balance", "W1", "--on", "2026-03-20"])

    assert result.exit_code == 0, result.output
    # 2026-03-09 .. 03-20: 10 workdays x 8 h charged; 12 weeks x 40 h entitled
    assert "entitlement_hours: 480.00" in result.output
    assert "used_hours: 80.00" in result.output and "remaining_hours: 400.00" in result.output
