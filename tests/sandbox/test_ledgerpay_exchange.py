"""The LedgerPay exchange end to end against real peers: OpenSSH sshd, gpg on both sides, the payroll simulator.

Calendar in (sealed by LedgerPay, over SFTP) -> pay run out (encrypted + signed import) -> the simulator applies
it and writes the register -> the register comes back in and the batch is ACKNOWLEDGED. After a clean payroll
the register's batch lines are the instructions sent, line for line, beside payroll's own withholding (TAX lines
without a Batch ID); with the error switches on, the manifest names exactly the lines payroll got wrong.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.leavehub.payrun.test_pay_run import EXPECTED, stage_employment
from tests.sandbox.vendor_exchange import vendor_exchange

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(300)]
CHECK, PERIOD = date(2026, 3, 20), (date(2026, 3, 2), date(2026, 3, 15))
PERIODS = [{"frequency": "BIWEEKLY", "period_start": date(2026, 3, 2), "period_end": date(2026, 3, 15),
            "check_date": CHECK, "deadline": datetime(2026, 3, 18, 17, tzinfo=UTC)},
           {"frequency": "BIWEEKLY", "period_start": date(2026, 3, 16), "period_end": date(2026, 3, 29),
            "check_date": date(2026, 4, 3), "deadline": datetime(2026, 4, 1, 17, tzinfo=UTC)}]
BEFORE_DEADLINE = datetime(2026, 3, 17, 12, tzinfo=UTC)


def stage_leave(store) -> None:
    import hashlib

    import pandas as pd

    from leavehub.store.ledger import FileArrival

    digest = hashlib.sha256(b"leave-W1").hexdigest()
    arrival = FileArrival("harbor_leave", "leave_periods", "inbound", "HARBOR_LEAVE_20260306.csv.pgp", 10, digest,
                          digest, None, date(2026, 3, 6), "change", "1.0.0", "1", 1)
    frame = pd.DataFrame([{
        "record_key": "AP-100-1", "_row": 1, "case_number": "NTN-100", "absence_period_key": "AP-100-1",
        "employee_id": "W1", "plan": "FMLA", "reason_category": "OWN_HEALTH", "period_type": "CONTINUOUS",
        "decision": "APPROVED", "period_start": date(2026, 3, 9), "period_end": date(2026, 3, 31),
        "notice_date": date(2026, 3, 1), "pto_election": False, "topup_agreement": False,
        "advance_agreement": False, "coverage_revoked": False, "updated_at": datetime(2026, 3, 6, 8, tzinfo=UTC)}])
    with store.intake(arrival) as intake:
        intake.stage("leave_period", frame, "updated_at")


@pytest.fixture
def exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sandbox.ledgerpay import LedgerPaySimulator

    with vendor_exchange(tmp_path, monkeypatch, "ledgerpay", "ledgerpay") as hub:
        stage_employment(hub.store)
        stage_leave(hub.store)
        payroll = LedgerPaySimulator(hub.sshd.vendor_dir("ledgerpay"), hub=hub.hub_key, ledgerpay=hub.vendor_key,
                                     scheduled_pay={"W1": "2000.00"})
        payroll.publish_calendar("NWD", 2026, PERIODS)
        yield hub.store, payroll, hub.settings


def _text(value) -> str:
    import pandas as pd

    return "" if value is None or value is pd.NA else str(value)


def _register(store) -> list[tuple]:
    lines = store.current("payroll_register_line")
    return sorted((r.payroll_file_number, r.line_type, r.code, _text(r.hours), _text(r.amount), _text(r.batch_id))
                  for r in lines.itertuples())


def test_after_a_clean_payroll_the_register_equals_the_instructions_line_for_line(exchange):
    from leavehub.payrun.run import plan_pay_run, run_pay
    from leavehub.pipeline.runner import run_feed

    store, payroll, settings = exchange
    assert run_feed("ledgerpay.pay_calendar", settings=settings, store=store).ok
    sent = run_pay(store, settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    assert (sent.status, sent.file_name) == ("SENT", "PRNWDEPI_NWD2026032001.csv.pgp")
    assert payroll.apply_imports() == [sent.file_name]
    payroll.run_payroll("NWD", check_date=CHECK, period=PERIOD)

    assert run_feed("ledgerpay.payroll_register", settings=settings, store=store).ok

    assert len(EXPECTED) == 2
    assert _register(store) == [("W1", "EARN", "LOA", "40.00", "0.00", "NWD2026032001"),
                                ("W1", "EARN", "REG", "", "1000.00", "NWD2026032001"),
                                # payroll's own withholding on the 1,000.00 it paid: 10%, 6.2%, 1.45%
                                ("W1", "TAX", "FIT", "", "100.00", ""), ("W1", "TAX", "MED", "", "14.50", ""),
                                ("W1", "TAX", "SS", "", "62.00", "")]
    manifest = json.loads((payroll.home.parent / "ledgerpay_manifest_NWD_20260320.json").read_text())
    assert manifest["injected"] == [] and manifest["batches"] == ["NWD2026032001"]
    again = plan_pay_run(store, settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    assert again.status == "UNCHANGED" and again.previous.status == "ACKNOWLEDGED"


def test_payroll_errors_are_injected_and_named_in_the_manifest(exchange):
    from leavehub.payrun.run import run_pay
    from leavehub.pipeline.runner import run_feed
    from sandbox.ledgerpay import PayrollErrors

    store, payroll, settings = exchange
    assert run_feed("ledgerpay.pay_calendar", settings=settings, store=store).ok
    run_pay(store, settings, "NWD", CHECK, now=BEFORE_DEADLINE)
    payroll.errors = PayrollErrors(ignore_cancel=1, drop_line=1)
    payroll.apply_imports()
    payroll.run_payroll("NWD", check_date=CHECK, period=PERIOD)
    assert run_feed("ledgerpay.payroll_register", settings=settings, store=store).ok

    manifest = json.loads((payroll.home.parent / "ledgerpay_manifest_NWD_20260320.json").read_text())
    assert [(i["error"], i["code"]) for i in manifest["injected"]] == [("pay_not_cancelled", "REG"),
                                                                       ("line_dropped", "LOA")]
    assert _register(store) == [("W1", "EARN", "REG", "", "2000.00", ""), ("W1", "TAX", "FIT", "", "200.00", ""),
                                ("W1", "TAX", "MED", "", "29.00", ""), ("W1", "TAX", "SS", "", "124.00", "")], \
        "the scheduled pay went out as payroll's own line (taxed as paid) and the LOA hours are missing"


def test_a_resent_identical_batch_is_a_duplicate_and_a_replace_after_processing_is_refused(exchange):
    from sandbox.ledgerpay import LedgerPaySimulator

    _, payroll, _ = exchange
    assert isinstance(payroll, LedgerPaySimulator)
    row = {"Co Code": "NWD", "Batch ID": "B1", "Batch Action": "NEW", "File #": "W1", "Pay #": "1",
           "Cancel Pay": "Y", "Reg Earnings": "1000.00", "Hours 3 Code": "", "Hours 3 Amount": "",
           "Earnings 3 Code": "", "Earnings 3 Amount": "", "Memo Code": "", "Memo Amount": "",
           "Adjust Ded Code": "", "Adjust Ded Amount": "", "Block Ded Code": ""}
    payroll._take("PRNWDEPI_B1.csv.pgp", [row])
    payroll._take("PRNWDEPI_B1.csv.pgp", [row])
    payroll._take("PRNWDEPI_B1.csv.pgp", [{**row, "Batch Action": "REPLACE", "Reg Earnings": "900.00"}])
    payroll.run_payroll("NWD", check_date=CHECK, period=PERIOD)
    payroll._take("PRNWDEPI_B1.csv.pgp", [{**row, "Batch Action": "REPLACE", "Reg Earnings": "800.00"}])
    assert [e["event"] for e in payroll.events] == ["refused_after_processing"]
    manifest = json.loads((payroll.home.parent / "ledgerpay_manifest_NWD_20260320.json").read_text())
    assert [e["event"] for e in manifest["events"]] == ["duplicate_ignored", "replaced"]
    assert payroll.processed["B1"][0]["Reg Earnings"] == "900.00"


def test_lines_of_one_code_in_one_batch_add_up_on_the_register():
    from sandbox.ledgerpay import _summed

    base = {"FILE_NO": "W1", "LINE_TYPE": "EARN", "CODE": "LOA", "BATCH_ID": "B1", "HOURS": "8.00",
            "AMOUNT": "0.00"}
    other = {**base, "CODE": "STU", "HOURS": "", "AMOUNT": "100.00"}
    assert _summed([base, {**base, "HOURS": "2.50"}, other, {**other, "BATCH_ID": "B2"}]) == [
        {**base, "HOURS": "10.50"}, other, {**other, "BATCH_ID": "B2"}]
