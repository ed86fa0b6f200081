"""Domain scenarios through vendor files: Northwind pages, Harbor leave files and the LedgerPay calendar go into
the store through their feeds, and out come LedgerPay pay-data lines (or the FMLA answer), written here by hand.

The employer policy is the scenario fixture's (tests/leavehub/rules/domain_scenarios.yaml, version 7), given to
the run as its policy.yaml. Expected lines are the fixture's, in LedgerPay's terms:
scenario 2 (E2, NY, 104,000.00 a year = 4,000.00 a period of 10 workdays, FMLA + STD from 2026-03-02, STD pays
1,200.00 a week after a 7-day elimination period): the first week is salary continuation at 100% (2,000.00), the
second week STD pays 1,200.00 and the employer tops up to 100% (800.00); regular pay stops (Cancel Pay Y, Reg
Earnings 0.00) and the STD week is 40.00 LOA hours. PTO never runs while STD pays.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.payrun.run import run_pay
from leavehub.pipeline.runner import run_feed
from leavehub.settings import REPO_ROOT

from .test_pay_run import CALENDAR, CHECK, LEAVE_HEADER, drop

FIXTURE = REPO_ROOT / "tests" / "leavehub" / "rules" / "domain_scenarios.yaml"
BEFORE_DEADLINE = datetime(2026, 3, 17, 12, tzinfo=UTC)


def worker(worker_id: str, state: str, rate: str, hire: str, nearby: int) -> dict:
    return {"id": worker_id, "ssn": "900-00-0001", "legal_name": {"first": "A", "middle": None, "last": "B"},
            "birth_date": "1980-01-01", "gender": "U",
            "home_address": {"line1": "1 Main", "line2": None, "city": "X", "state": state,
                             "postal_code": "10001"},
            "work_email": None,
            "employment": {"status": "active", "hire_date": hire, "adjusted_service_date": None,
                           "termination_date": None,
                           "worksite": {"id": "SITE-1", "state": state, "employees_within_75_miles": nearby},
                           "full_time": True, "flsa": "exempt", "scheduled_hours_per_week": "40.00",
                           "scheduled_days_per_week": 5,
                           "pay": {"basis": "salary", "rate": rate, "period": "year", "frequency": "biweekly"},
                           "key_employee": False, "spouse_worker_id": None, "union_code": None,
                           "supervisor_id": None, "payroll_file_number": f"F{worker_id}",
                           "payroll_company_code": "NWD"},
            "updated_at": "2026-03-01T08:00:00Z"}


@pytest.fixture
def hub(ledgerpay_hub, tmp_path, monkeypatch):
    shutil.copytree(REPO_ROOT / "mappings" / "northwind_hris", ledgerpay_hub.mappings / "northwind_hris")
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))["policy"]),
                      encoding="utf-8")
    monkeypatch.setenv("LEAVEHUB_POLICY", str(policy))
    drop(ledgerpay_hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", CALENDAR)
    assert run_feed("ledgerpay.pay_calendar", settings=ledgerpay_hub.settings).ok
    return ledgerpay_hub


def post_page(hub, tmp_path: Path, feed: str, records: list[dict]) -> None:
    page = tmp_path / f"{feed}.page.json"
    page.write_text(json.dumps({"data": records, "next_cursor": None}), encoding="utf-8")
    outcome = run_feed(f"northwind_hris.{feed}", files=[page], business_date=datetime(2026, 3, 1).date(),
                       settings=hub.settings)
    assert outcome.ok, outcome.summary()


def post_leave(hub, rows: list[str]) -> None:
    text = LEAVE_HEADER + "\n" + "\n".join(rows) + "\n"
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260301.csv", text)
    outcome = run_feed("harbor_leave.leave_periods", settings=hub.settings)
    assert outcome.ok, outcome.summary()


def import_lines(hub, name: str) -> list[dict[str, str]]:
    text = (hub.settings.local_exchange_dir / "ledgerpay" / "import" / name).read_text(encoding="utf-8")
    keep = ("File #", "Cancel Pay", "Reg Earnings", "Hours 3 Code", "Hours 3 Amount", "Earnings 3 Code",
            "Earnings 3 Amount")
    return [{k: row[k] for k in keep if row[k]} for row in csv.DictReader(io.StringIO(text, newline=""))]


def test_domain_scenario_2_std_salary_continuation_and_top_up_through_files(hub, tmp_path):
    post_page(hub, tmp_path, "workers", [worker("E2", "NY", "104000.00", "2020-01-06", 100)])
    post_page(hub, tmp_path, "time_off_balances",
              [{"worker_id": "E2", "policy": "PTO", "balance_hours": "120.00", "as_of": "2026-03-01"}])
    post_leave(hub, [
        "NTN-2,PL-2,E2,Serious Health Condition - Employee,Continuous,FMLA,Approved,2026-03-02,2026-05-29,"
        "2026-02-20,2026-02-25,2026-02-27,,,,,N,N,N,,N,2026-03-01T08:00:00Z",
        "NTN-2,STD-2,E2,Serious Health Condition - Employee,Continuous,STD,Approved,2026-03-02,2026-05-29,"
        "2026-02-20,2026-02-25,2026-02-27,,,,1200.00,N,N,N,,N,2026-03-01T08:00:00Z"])

    outcome = run_pay(hub.open_store(), hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert outcome.status == "SENT", outcome.reason
    assert sorted(import_lines(hub, outcome.file_name), key=lambda r: sorted(r.items())) == sorted([
        {"File #": "FE2", "Cancel Pay": "Y", "Reg Earnings": "0.00"},
        {"File #": "FE2", "Earnings 3 Code": "SCN", "Earnings 3 Amount": "2000.00"},
        {"File #": "FE2", "Earnings 3 Code": "STU", "Earnings 3 Amount": "800.00"},
        {"File #": "FE2", "Hours 3 Code": "LOA", "Hours 3 Amount": "40.00"},
    ], key=lambda r: sorted(r.items()))


def test_domain_scenario_10_not_eligible_for_hours_through_files(hub, tmp_path):
    post_page(hub, tmp_path, "workers", [worker("E10", "CA", "52000.00", "2020-01-06", 60)])
    post_page(hub, tmp_path, "hours_worked", [
        {"worker_id": "E10", "period_start": "2025-03-02", "period_end": "2026-02-28", "pay_code": "REG",
         "hours": "1220.00", "worked": True},
        {"worker_id": "E10", "period_start": "2025-03-02", "period_end": "2026-02-28", "pay_code": "PTO",
         "hours": "80.00", "worked": False}])
    post_leave(hub, ["NTN-10,PL-10,E10,Serious Health Condition - Employee,Continuous,FMLA,Pending,2026-03-02,"
                     "2026-03-27,2026-02-16,,2026-02-27,,,,,N,N,N,,N,2026-03-01T08:00:00Z"])

    result = CliRunner().invoke(app, ["fmla", "eligibility", "E10", "--on", "2026-03-02"])

    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "E10 on 2026-03-02: NOT ELIGIBLE - failed: HOURS" in out, "1,220 worked hours; the 80 PTO do not count"
    assert "hours_worked_12m: 1220.00" in out and "worksite_50_within_75: True" in out
    assert "leave: PL-10" in out
