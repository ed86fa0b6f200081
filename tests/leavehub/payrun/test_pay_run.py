"""A pay run end to end on a local hub: Harbor leave file + LedgerPay calendar in, a pay-data import out.

Employment is staged straight into the store (the HRIS feed is an HTTP pull, tested elsewhere); the leave period
and the calendar go through their vendor files. Expected import lines are worked out by hand:
W1 earns 52,000.00 a year, biweekly (2,000.00 a period), 40 h over 5 days; unpaid FMLA from Mon 2026-03-09
covers 5 of the period's 10 workdays (2026-03-02 - 03-15): Cancel Pay Y with Reg Earnings 1,000.00 for the 5
days worked, and 40.00 LOA hours.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from leavehub.payrun.import_file import IMPORT_COLUMNS
from leavehub.payrun.run import plan_pay_run, run_pay
from leavehub.pipeline.runner import run_feed
from leavehub.store.ledger import FileArrival

CHECK = date(2026, 3, 20)
BEFORE_DEADLINE = datetime(2026, 3, 17, 12, tzinfo=UTC)
NEXT_CHECK, BEFORE_NEXT = date(2026, 4, 3), datetime(2026, 3, 31, tzinfo=UTC)
CALENDAR = """CO_CODE,FREQUENCY,PERIOD_START,PERIOD_END,CHECK_DATE,PROCESSING_DEADLINE
NWD,B,2026-03-02,2026-03-15,2026-03-20,2026-03-18T17:00:00Z
NWD,B,2026-03-16,2026-03-29,2026-04-03,2026-04-01T17:00:00Z
"""
LEAVE_HEADER = ("CASE_NUMBER,ABSENCE_PERIOD_KEY,EMPLOYEE_ID,LEAVE_REASON,PERIOD_TYPE,PLAN,DECISION,PERIOD_START,"
                "PERIOD_END,NOTICE_DATE,DECISION_DATE,LAST_DAY_WORKED,RTW_DATE,RTW_OUTCOME,REDUCED_HOURS_WEEK,"
                "WEEKLY_BENEFIT,PTO_ELECTION,TOPUP_AGREEMENT,ADVANCE_AGREEMENT,PREMIUM_METHOD,COVERAGE_REVOKED,"
                "UPDATED_AT")


def leave_row(start: str, end: str, stamp: str) -> str:
    return (f"NTN-100,AP-100-1,W1,Serious Health Condition - Employee,Continuous,FMLA,Approved,{start},{end},"
            f"2026-03-01,2026-03-05,{start},,,,,N,N,N,,N,{stamp}")


def drop(hub, vendor: str, folder: str, name: str, text: str) -> None:
    target = hub.settings.local_exchange_dir / vendor / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_text(text, encoding="utf-8")


def stage_employment(store, employee: str = "W1") -> None:
    digest = hashlib.sha256(f"employment-{employee}".encode()).hexdigest()
    arrival = FileArrival("northwind_hris", "workers", "inbound", f"workers-{employee}.json", 10, digest, digest,
                          None, date(2026, 3, 1), "change", "1.0.0", "1", 1)
    frame = pd.DataFrame([{
        "record_key": employee, "_row": 1, "employee_id": employee, "effective_from": date(2020, 1, 1),
        "status": "ACTIVE",
        "work_state": "TX", "scheduled_hours_per_week": Decimal("40.00"), "scheduled_days_per_week": 5,
        "pay_basis": "SALARY", "pay_rate": Decimal("52000.00"), "pay_frequency": "BIWEEKLY",
        "employees_within_75_miles": 100, "hire_date": date(2020, 1, 1)}])
    with store.intake(arrival) as intake:
        intake.stage("employment", frame, "updated_at")


@pytest.fixture
def hub(ledgerpay_hub):
    store = ledgerpay_hub.open_store()
    stage_employment(store)
    drop(ledgerpay_hub, "ledgerpay", "export", "LEDGERPAY_CALENDAR_NWD_2026.csv", CALENDAR)
    assert run_feed("ledgerpay.pay_calendar", settings=ledgerpay_hub.settings).ok
    drop(ledgerpay_hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260306.csv",
         LEAVE_HEADER + "\n" + leave_row("2026-03-09", "2026-03-31", "2026-03-06T08:00:00Z") + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=ledgerpay_hub.settings).ok
    ledgerpay_hub.store = store
    return ledgerpay_hub


def sent_rows(hub, name: str) -> list[dict[str, str]]:
    path = hub.settings.local_exchange_dir / "ledgerpay" / "import" / name
    text = path.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == ",".join(IMPORT_COLUMNS), "the spec's columns, in order"
    return [{k: v for k, v in row.items() if v} for row in csv.DictReader(io.StringIO(text, newline=""))]


EXPECTED = [
    {"Co Code": "NWD", "Batch ID": "NWD2026032001", "Batch Action": "NEW", "File #": "W1", "Pay #": "1",
     "Cancel Pay": "Y", "Reg Earnings": "1000.00"},
    {"Co Code": "NWD", "Batch ID": "NWD2026032001", "Batch Action": "NEW", "File #": "W1", "Pay #": "1",
     "Hours 3 Code": "LOA", "Hours 3 Amount": "40.00"},
]


def test_a_pay_run_sends_the_hand_worked_lines_and_rerunning_sends_nothing(hub):
    outcome = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert (outcome.status, outcome.batch_id, outcome.file_name) == ("SENT", "NWD2026032001",
                                                                     "PRNWDEPI_NWD2026032001.csv")
    assert sent_rows(hub, outcome.file_name) == EXPECTED
    [entry] = hub.store.ledger(vendor="ledgerpay", status="SENT")
    assert (entry.status, entry.file_name, str(entry.business_date)) == ("SENT", outcome.file_name, "2026-03-20")

    again = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    assert (again.status, again.batch_id) == ("UNCHANGED", "NWD2026032001")
    assert len(hub.store.ledger(vendor="ledgerpay", status="SENT")) == 1


def test_preview_explains_every_line_with_rule_case_period_and_versions(hub):
    plan = plan_pay_run(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert (plan.status, plan.batch_id, plan.action) == ("TO_SEND", "NWD2026032001", "NEW")
    assert [line["kind"] for line in plan.lines] == ["CANCEL_REGULAR_PAY", "HOURS"]
    for line in plan.lines:
        assert line["rule"] and line["explanation"] and "policy v" in line["rule_version"]
        assert (line["original_period_start"], line["original_period_end"]) == ("2026-03-02", "2026-03-15")
    assert plan.lines[1]["case_number"] == "NTN-100"


def test_a_changed_decision_before_processing_replaces_the_batch_under_its_id(hub):
    run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260307.csv",
         LEAVE_HEADER + "\n" + leave_row("2026-03-11", "2026-03-31", "2026-03-07T08:00:00Z") + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok

    outcome = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert (outcome.status, outcome.batch_id) == ("SENT", "NWD2026032001")
    rows = sent_rows(hub, outcome.file_name)
    assert [r["Batch Action"] for r in rows] == ["REPLACE", "REPLACE"]
    assert rows[0]["Reg Earnings"] == "1400.00" and rows[1]["Hours 3 Amount"] == "24.00", "7 of 10 days worked"


def test_past_the_deadline_nothing_goes_out_without_the_override(hub):
    late = datetime(2026, 3, 18, 17, tzinfo=UTC)

    refused = run_pay(hub.store, hub.settings, "NWD", CHECK, now=late)

    assert refused.status == "REFUSED_DEADLINE" and "--override-deadline" in refused.reason
    assert not hub.store.ledger(vendor="ledgerpay", status="SENT")
    forced = run_pay(hub.store, hub.settings, "NWD", CHECK, now=late, override_deadline=True)
    assert (forced.status, forced.batch_id) == ("SENT", "NWD2026032001")


def test_a_processed_batch_is_acknowledged_and_never_replaced(hub):
    run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    drop(hub, "ledgerpay", "export", "LEDGERPAY_REGISTER_NWD_20260320.csv",
         "CO_CODE,FILE_NO,PAY_PERIOD_START,PAY_PERIOD_END,CHECK_DATE,LINE_TYPE,CODE,HOURS,AMOUNT,BATCH_ID\n"
         "NWD,W1,2026-03-02,2026-03-15,2026-03-20,EARN,REG,40.00,1000.00,NWD2026032001\n"
         "NWD,W1,2026-03-02,2026-03-15,2026-03-20,EARN,LOA,40.00,0.00,NWD2026032001\n")
    assert run_feed("ledgerpay.payroll_register", settings=hub.settings).ok
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260307.csv",
         LEAVE_HEADER + "\n" + leave_row("2026-03-11", "2026-03-31", "2026-03-07T08:00:00Z") + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok

    refused = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert (refused.status, refused.batch_id) == ("REFUSED_PROCESSED", "NWD2026032001")
    next_check = run_pay(hub.store, hub.settings, "NWD", date(2026, 4, 3), now=datetime(2026, 3, 31, tzinfo=UTC))
    assert (next_check.status, next_check.batch_id) == ("SENT", "NWD2026040301")
    retro = [r for r in sent_rows(hub, next_check.file_name) if r.get("Earnings 3 Code") == "RTA"]
    assert retro == [{"Co Code": "NWD", "Batch ID": "NWD2026040301", "Batch Action": "NEW", "File #": "W1",
                      "Pay #": "1", "Earnings 3 Code": "RTA", "Earnings 3 Amount": "400.00"}], \
        "the 2 days now worked in the paid period come back as retro pay on the next check"


def test_the_pay_book_is_in_the_store_so_a_retry_on_another_worker_resends_the_same_batch(hub, tmp_path):
    import dataclasses

    from leavehub.payrun.book import PayBatch, PayBook

    plan = plan_pay_run(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    book = PayBook(hub.store)
    book.save(PayBatch(plan.batch_id, "NWD", CHECK.isoformat(), "2026-03-02", "2026-03-15", "NEW", "BUILT",
                       plan.lines))  # worker A built the batch, then died before sending it
    worker_b = dataclasses.replace(hub.settings, home=tmp_path / "worker_b")

    retried = run_pay(hub.store, worker_b, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert (retried.status, retried.batch_id) == ("SENT", "NWD2026032001"), "the Batch ID built on worker A"
    sent = (worker_b.local_exchange_dir / "ledgerpay" / "import" / retried.file_name).read_text(encoding="utf-8")
    assert [{k: v for k, v in row.items() if v} for row in csv.DictReader(io.StringIO(sent))] == EXPECTED
    [batch] = book.batches("NWD", CHECK)
    assert (batch.status, batch.sends, batch.file_name) == ("SENT", 1, retried.file_name)
    assert [line["kind"] for line in batch.lines] == ["CANCEL_REGULAR_PAY", "HOURS"]
    again = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    assert (again.status, again.batch_id) == ("UNCHANGED", "NWD2026032001"), "worker A sees what B sent"
    assert not any((home / "payrun").exists() for home in (hub.settings.home, worker_b.home)), \
        "no pay book on a worker's disk"


def test_retro_reprices_only_the_people_whose_inputs_changed_since_the_last_batch(hub):
    """Unchanged inputs price the same lines, so a run re-prices earlier periods only for the employees with a
    version recorded after the latest earlier batch's watermark - and its lines are exactly a full re-price's."""
    from sqlalchemy import update

    from leavehub.payrun.inputs import inputs_watermark
    from leavehub.store.tables import PAY_BATCH

    stage_employment(hub.store, "W2")
    w2 = leave_row("2026-03-09", "2026-03-31", "2026-03-06T09:00:00Z").replace("NTN-100,AP-100-1,W1,",
                                                                                 "NTN-200,AP-200-1,W2,")
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260306.csv", LEAVE_HEADER + "\n" + w2 + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok
    first = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    assert first.status == "SENT" and first.lines == 4, "both employees on the first check"
    unchanged = plan_pay_run(hub.store, hub.settings, "NWD", NEXT_CHECK, now=BEFORE_NEXT)
    assert unchanged.repriced == 0, "nothing was recorded after the first batch: no earlier period is re-priced"

    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260307.csv",
         LEAVE_HEADER + "\n" + leave_row("2026-03-11", "2026-03-31", "2026-03-07T08:00:00Z") + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok
    narrow = plan_pay_run(hub.store, hub.settings, "NWD", NEXT_CHECK, now=BEFORE_NEXT)
    assert narrow.repriced == 1, "W1's decision changed; W2's inputs did not"
    assert [(line["employee_id"], line["rule"]) for line in narrow.lines if line["rule"].startswith("retro:")] \
        == [("W1", "retro:CANCEL_REGULAR_PAY:"), ("W1", "retro:HOURS:UNPAID_LEAVE_HOURS")], "2 more days worked"
    assert {line["employee_id"] for line in narrow.lines if line["original_period_start"] == "2026-03-16"} \
        == {"W1", "W2"}, "this check's own period is priced for everyone on leave in it"

    with hub.store.engine.begin() as connection:  # the batch as an earlier release left it: no watermark
        connection.execute(update(PAY_BATCH).values(inputs_watermark=None))
    full = plan_pay_run(hub.store, hub.settings, "NWD", NEXT_CHECK, now=BEFORE_NEXT)
    assert full.repriced is None, "no watermark: every earlier period is re-priced for everyone"
    assert narrow.lines == full.lines and narrow.receivables == full.receivables

    with hub.store.engine.begin() as connection:  # priced under another policy, rule tables or premium history
        connection.execute(update(PAY_BATCH).values(inputs_watermark=inputs_watermark(hub.store),
                                                    rules_digest="0" * 64))
    assert plan_pay_run(hub.store, hub.settings, "NWD", NEXT_CHECK, now=BEFORE_NEXT).repriced is None, \
        "priced with other rules: everyone"


def test_a_sent_batch_is_never_replaced_once_a_later_checks_batch_went_out(hub):
    """The later check's retro lines were diffed against this batch as sent: replacing it too would pay the
    change twice. The change waits for the next check, as retro lines."""
    run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    assert run_pay(hub.store, hub.settings, "NWD", NEXT_CHECK, now=BEFORE_DEADLINE).status == "SENT"
    drop(hub, "harbor_leave", "outbound", "HARBOR_LEAVE_20260307.csv",
         LEAVE_HEADER + "\n" + leave_row("2026-03-11", "2026-03-31", "2026-03-07T08:00:00Z") + "\n")
    assert run_feed("harbor_leave.leave_periods", settings=hub.settings).ok

    refused = run_pay(hub.store, hub.settings, "NWD", CHECK, now=BEFORE_DEADLINE)

    assert (refused.status, refused.batch_id) == ("REFUSED_LATER_CHECK", "NWD2026032001")
    assert "NWD2026040301" in refused.reason and not (hub.settings.local_exchange_dir / "ledgerpay" / "import" /
                                                       "PRNWDEPI_NWD2026032001.csv").read_text().count("REPLACE")
