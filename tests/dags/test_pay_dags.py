"""The pay-run DAG of a company code and the reconciliation after the register, run by Airflow (``dag.test()``).

A local hub (Harbor and LedgerPay on local folders, SQLite store) with a LedgerPay calendar written relative to
today: a check date whose processing deadline has passed, one whose deadline is tomorrow, and one a month away.
The DAGs are the factory's, from the hub's mappings and the repo's employer.yaml (company NWD, pay run lead 3
days, reconciliation after ``ledgerpay.payroll_register``). Pinned:

- the pay-run DAG sends the one check date whose deadline is near (a whole period of unpaid leave: Cancel Pay
  with Reg Earnings 0.00 and 80.00 LOA hours), leaves the others, and a second run finds it unchanged;
- the register feed's DAG publishes its asset with the register's check date, the reconciliation DAG is
  scheduled on that asset, and its task reconciles exactly that check date.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from local_hubs import add_vendor, local_hub, with_ledgerpay  # noqa: F401  (fixture)
from test_dag_runs import asset_events, run_dag

from leavehub.settings import REPO_ROOT

pytestmark = [pytest.mark.timeout(600), pytest.mark.parametrize("local_hub", ["sqlite"], indirect=True)]

LEAVE_HEADER = ("CASE_NUMBER,ABSENCE_PERIOD_KEY,EMPLOYEE_ID,LEAVE_REASON,PERIOD_TYPE,PLAN,DECISION,PERIOD_START,"
                "PERIOD_END,NOTICE_DATE,DECISION_DATE,LAST_DAY_WORKED,RTW_DATE,RTW_OUTCOME,REDUCED_HOURS_WEEK,"
                "WEEKLY_BENEFIT,PTO_ELECTION,TOPUP_AGREEMENT,ADVANCE_AGREEMENT,PREMIUM_METHOD,COVERAGE_REVOKED,"
                "UPDATED_AT")


def monday_weeks_ago(weeks: int) -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


def drop(root: Path, vendor: str, folder: str, name: str, text: str) -> None:
    target = root / "exchange" / vendor / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_text(text, encoding="utf-8")


def stage_employment(store: Any) -> None:
    from leavehub.store.ledger import FileArrival

    digest = hashlib.sha256(b"dag-employment-W1").hexdigest()
    arrival = FileArrival("northwind_hris", "workers", "inbound", "workers-page-1.json", 10, digest, digest, None,
                          date(2026, 1, 1), "full", "1.0.0", "1", 1)
    frame = pd.DataFrame([{"employee_id": "W1", "effective_from": date(2020, 1, 1), "status": "ACTIVE",
                           "work_state": "CA", "scheduled_hours_per_week": "40.00", "scheduled_days_per_week": 5,
                           "pay_basis": "SALARY", "pay_rate": "52000.00", "pay_frequency": "BIWEEKLY",
                           "employees_within_75_miles": 120, "record_key": "W1", "_row": 1}])
    with store.intake(arrival) as intake:
        intake.stage("employment", frame, "file_date")


@pytest.fixture
def pay_hub(local_hub: Any) -> dict[str, Any]:  # noqa: F811
    """The hub, its calendar (three check dates around today) and W1 on unpaid FMLA for the near period."""
    from leavehub_airflow.factory import build_feed_dags

    from leavehub.pipeline.runner import run_feed

    with_ledgerpay(add_vendor(local_hub, "northwind_hris"))
    now = datetime.now(UTC).replace(microsecond=0)
    near = monday_weeks_ago(2)  # a whole biweekly period ending yesterday-ish; its deadline is tomorrow
    periods = {"past": (near - timedelta(weeks=2), now - timedelta(days=10)),
               "near": (near, now + timedelta(days=1)),
               "later": (near + timedelta(weeks=2), now + timedelta(days=20))}
    rows = ["CO_CODE,FREQUENCY,PERIOD_START,PERIOD_END,CHECK_DATE,PROCESSING_DEADLINE"]
    checks = {}
    for name, (start, deadline) in periods.items():
        checks[name] = deadline.date() + timedelta(days=2)
        rows.append(f"NWD,B,{start},{start + timedelta(days=13)},{checks[name]},"
                    f"{deadline.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    home = local_hub.home
    drop(home, "ledgerpay", "export", f"LEDGERPAY_CALENDAR_NWD_{near:%Y}.csv", "\n".join(rows) + "\n")
    assert run_feed("ledgerpay.pay_calendar", settings=local_hub.settings).ok
    store = local_hub.open_store()
    stage_employment(store)
    drop(home, "harbor_leave", "outbound", f"HARBOR_LEAVE_{near:%Y%m%d}.csv", LEAVE_HEADER + "\n" + (
        f"NTN-1,AP-1,W1,Serious Health Condition - Employee,Continuous,FMLA,Approved,{near},"
        f"{near + timedelta(days=13)},{near},{near},{near},,,,,N,N,N,,N,{near}T08:00:00Z\n"))
    assert run_feed("harbor_leave.leave_periods", settings=local_hub.settings).ok
    built = build_feed_dags(local_hub.mappings, REPO_ROOT / "employer.yaml")
    assert built.errors == {}, built.errors
    return {"hub": local_hub, "store": store, "dags": built.dags, "checks": checks, "now": now}


def import_rows(hub: Any, name: str) -> list[dict[str, str]]:
    text = (hub.settings.local_exchange_dir / "ledgerpay" / "import" / name).read_text(encoding="utf-8")
    keep = ("Batch ID", "Batch Action", "File #", "Cancel Pay", "Reg Earnings", "Hours 3 Code", "Hours 3 Amount")
    return [{k: row[k] for k in keep if row[k]} for row in csv.DictReader(io.StringIO(text, newline=""))]


def test_the_pay_run_dag_sends_each_check_date_before_its_processing_deadline(airflow_home: Path,
                                                                              pay_hub: dict[str, Any]) -> None:
    dag = pay_hub["dags"]["leavehub__pay_run__NWD"]
    assert dag.timetable.expression == "0 * * * *" and str(dag.timetable.timezone) == "America/Los_Angeles"
    near = pay_hub["checks"]["near"]
    batch = f"NWD{near:%Y%m%d}01"

    first = run_dag(dag, logical_date=pay_hub["now"], business_date=near)

    assert (first.state, first.task_state) == ("success", "success"), first
    assert first.summary == {"company": "NWD", "checks": {near.isoformat(): {
        "status": "SENT", "batch_id": batch, "lines": 2}}}, "only the check date whose deadline is near"
    assert import_rows(pay_hub["hub"], f"PRNWDEPI_{batch}.csv") == [
        {"Batch ID": batch, "Batch Action": "NEW", "File #": "W1", "Cancel Pay": "Y", "Reg Earnings": "0.00"},
        {"Batch ID": batch, "Batch Action": "NEW", "File #": "W1", "Hours 3 Code": "LOA",
         "Hours 3 Amount": "80.00"},
    ]
    again = run_dag(dag, logical_date=pay_hub["now"] + timedelta(hours=1), business_date=near)
    assert again.summary["checks"] == {near.isoformat(): {"status": "UNCHANGED", "batch_id": batch, "lines": 2}}


def test_the_reconcile_dag_runs_on_the_register_of_a_check_date(airflow_home: Path,
                                                                pay_hub: dict[str, Any]) -> None:
    from leavehub_airflow.tasks import ReconcileOperator

    hub, dags = pay_hub["hub"], pay_hub["dags"]
    reconcile = dags["leavehub__reconcile"]
    assert [a.name for a in reconcile.timetable.asset_condition.objects] == ["ledgerpay.payroll_register"]
    check = pay_hub["checks"]["past"]
    drop(hub.home, "ledgerpay", "export", f"LEDGERPAY_REGISTER_NWD_{check:%Y%m%d}.csv",
         "CO_CODE,FILE_NO,PAY_PERIOD_START,PAY_PERIOD_END,CHECK_DATE,LINE_TYPE,CODE,HOURS,AMOUNT,BATCH_ID\n"
         f"NWD,W1,{check - timedelta(days=19)},{check - timedelta(days=6)},{check},EARN,REG,80.00,2000.00,\n")

    arrived = run_dag(dags["ledgerpay__payroll_register"], logical_date=pay_hub["now"], business_date=check)

    assert (arrived.state, arrived.task_state) == ("success", "success"), arrived
    [event] = [e for e in asset_events() if e[0] == "x-leavehub://ledgerpay/payroll_register"
               and e[2] == arrived.run_id]
    assert event[3]["business_date"] == check.isoformat(), "the event names the register's check date"

    class Event:
        extra = event[3]

    out = ReconcileOperator(task_id="reconcile").execute({
        "params": {}, "triggering_asset_events": {reconcile.timetable.asset_condition.objects[0]: [Event()]},
        "dag_run": None, "logical_date": None})

    assert out["check_date"] == check.isoformat(), "the register's check date, not the latest in the calendar"
    assert Path(out["workbook"]).is_file() and Path(out["html"]).is_file()
