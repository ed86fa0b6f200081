"""LedgerPay's inbound files reach the store: the pay calendar as pay periods, the register as register lines.

Files are written by hand here (the spec's columns), posted through ``run_feed`` like any vendor's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from leavehub.pipeline.runner import run_feed

CALENDAR = """CO_CODE,FREQUENCY,PERIOD_START,PERIOD_END,CHECK_DATE,PROCESSING_DEADLINE
NWD,B,2026-03-02,2026-03-15,2026-03-20,2026-03-18T17:00:00Z
NWD,B,2026-03-16,2026-03-29,2026-04-03,2026-04-01T17:00:00Z
"""
REGISTER = """CO_CODE,FILE_NO,PAY_PERIOD_START,PAY_PERIOD_END,CHECK_DATE,LINE_TYPE,CODE,HOURS,AMOUNT,BATCH_ID
NWD,W000001,2026-03-02,2026-03-15,2026-03-20,EARN,REG,80.00,3846.15,
NWD,W000002,2026-03-02,2026-03-15,2026-03-20,EARN,LOA,40.00,0.00,NWD2026032001
NWD,W000002,2026-03-02,2026-03-15,2026-03-20,EARN,REG,40.00,1923.08,NWD2026032001
NWD,W000002,2026-03-02,2026-03-15,2026-03-20,DED,MED,,0.00,NWD2026032001
"""


def drop(hub, name: str, text: str) -> Path:
    folder = hub.settings.local_exchange_dir / "ledgerpay" / "export"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_pay_calendar_lands_as_pay_periods_with_utc_deadlines(ledgerpay_hub):
    drop(ledgerpay_hub, "LEDGERPAY_CALENDAR_NWD_2026.csv", CALENDAR)

    outcome = run_feed("ledgerpay.pay_calendar", settings=ledgerpay_hub.settings)

    assert outcome.ok, outcome.summary()
    periods = ledgerpay_hub.open_store().current("pay_period").sort_values("period_start")
    assert list(periods["payroll_company_code"]) == ["NWD", "NWD"]
    assert list(periods["pay_frequency"]) == ["BIWEEKLY", "BIWEEKLY"]
    assert list(periods["check_date"]) == [date(2026, 3, 20), date(2026, 4, 3)]
    assert periods["processing_deadline"].iloc[0] == datetime(2026, 3, 18, 17, tzinfo=UTC)


def test_a_restated_register_replaces_lines_of_its_check_date_by_record_key(ledgerpay_hub):
    drop(ledgerpay_hub, "LEDGERPAY_REGISTER_NWD_20260320.csv", REGISTER)
    assert run_feed("ledgerpay.payroll_register", settings=ledgerpay_hub.settings).ok
    drop(ledgerpay_hub, "LEDGERPAY_REGISTER_NWD_20260321.csv",
         REGISTER.replace("EARN,REG,40.00,1923.08", "EARN,REG,40.00,1923.07"))

    outcome = run_feed("ledgerpay.payroll_register", settings=ledgerpay_hub.settings)

    assert outcome.ok, outcome.summary()
    lines = ledgerpay_hub.open_store().current("payroll_register_line")
    assert len(lines) == 4, "one version per record key (company, file, check, type, code, batch)"
    reg = lines.loc[(lines["payroll_file_number"] == "W000002") & (lines["code"] == "REG")]
    assert reg["amount"].tolist() == [Decimal("1923.07")]
    own = lines.loc[lines["payroll_file_number"] == "W000001"]
    assert own["batch_id"].isna().all(), "a line payroll made itself has no batch"


def test_a_register_is_a_snapshot_of_its_check_date_only(ledgerpay_hub):
    """A restated register drops W000002's MED line: that line closes; the next check date's lines stay."""
    next_check = REGISTER.replace("2026-03-02,2026-03-15,2026-03-20", "2026-03-16,2026-03-29,2026-04-03") \
        .replace("NWD20260320", "NWD20260403")
    drop(ledgerpay_hub, "LEDGERPAY_REGISTER_NWD_20260320.csv", REGISTER)
    drop(ledgerpay_hub, "LEDGERPAY_REGISTER_NWD_20260403.csv", next_check)
    assert run_feed("ledgerpay.payroll_register", settings=ledgerpay_hub.settings).ok
    restated = "\n".join(line for line in REGISTER.splitlines() if ",DED,MED," not in line) + "\n"
    drop(ledgerpay_hub, "LEDGERPAY_REGISTER_NWD_20260404.csv",
         restated)  # the 03-20 check restated, received a day after 04-03

    outcome = run_feed("ledgerpay.payroll_register", settings=ledgerpay_hub.settings)

    assert outcome.ok, outcome.summary()
    lines = ledgerpay_hub.open_store().current("payroll_register_line")
    per_check = lines.groupby(lines["check_date"].astype(str)).size().to_dict()
    assert per_check == {"2026-03-20": 3, "2026-04-03": 4}, "03-20 lost its MED line; 04-03 is untouched"
    first = lines.loc[lines["check_date"].astype(str) == "2026-03-20"]
    assert not ((first["line_type"] == "DED") & (first["code"] == "MED")).any()
