"""What a pay run reads of the payroll register: each person's latest check that paid earnings (not the whole
history), on SQLite and PostgreSQL, the same however many file numbers go in one statement."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from leavehub.payrun import inputs
from leavehub.payrun.inputs import leave_inputs, register_reads
from leavehub.store.ledger import FileArrival

CHECK = date(2026, 3, 20)


def _stage(store, entity: str, table: pa.Table, key: list[str]) -> None:
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    parts = [frame[c].astype(str).fillna("") for c in key]
    frame = frame.assign(record_key=parts[0].str.cat(parts[1:], sep="|").to_numpy(),
                         _row=range(1, len(frame) + 1))
    digest = hashlib.sha256(entity.encode()).hexdigest()
    with store.intake(FileArrival("test", entity, "inbound", f"{entity}.csv", 1, digest, digest, None,
                                  date(2026, 3, 1), "full", "1.0.0", "1", len(frame))) as intake:
        intake.stage(entity, frame, "file_date")


def _register(rows: list[tuple[str, date, str, str, str]]) -> pa.Table:
    return pa.table({
        "payroll_company_code": ["NWD"] * len(rows), "payroll_file_number": [r[0] for r in rows],
        "check_date": pa.array([r[1] for r in rows], pa.date32()), "line_type": [r[2] for r in rows],
        "code": [r[3] for r in rows], "amount": pa.array([Decimal(r[4]) for r in rows], pa.decimal128(14, 2)),
        "batch_id": pa.nulls(len(rows), pa.string())})


@pytest.mark.parametrize("chunk", [1, 5_000])
def test_a_run_reads_each_persons_latest_paid_check_only(ledgerpay_hub, monkeypatch, chunk):
    """F1 was paid on both checks: its net is the 2026-03-06 check's (2,000.00 - 300.00). F2's 03-06 check paid
    nothing (unpaid leave: Reg Earnings 0.00), so its latest paid check is 02-20's (1,500.00 - 100.00). The 03-20
    check is the one being built: never read. F3 has no register line: unknown."""
    monkeypatch.setattr(inputs, "IN_CHUNK", chunk)
    store = ledgerpay_hub.open_store()
    people = ["W1", "W2", "W3"]
    _stage(store, "identity_link", pa.table({
        "employee_id": people, "effective_from": pa.array([date(2020, 1, 1)] * 3, pa.date32()),
        "payroll_company_code": ["NWD"] * 3, "payroll_file_number": ["F1", "F2", "F3"]}),
        ["employee_id", "effective_from"])
    feb, mar, now = date(2026, 2, 20), date(2026, 3, 6), CHECK
    _stage(store, "payroll_register_line", _register([
        ("F1", feb, "EARN", "REG", "2000.00"), ("F1", feb, "TAX", "FIT", "250.00"),
        ("F1", mar, "EARN", "REG", "2000.00"), ("F1", mar, "TAX", "FIT", "300.00"),
        ("F1", now, "EARN", "REG", "9999.00"),
        ("F2", feb, "EARN", "REG", "1500.00"), ("F2", feb, "TAX", "FIT", "100.00"),
        ("F2", mar, "EARN", "REG", "0.00"), ("F2", mar, "EARN", "LOA", "0.00"),
    ]), ["payroll_company_code", "payroll_file_number", "check_date", "line_type", "code", "batch_id"])

    got = leave_inputs(store, "NWD", people, CHECK, wage_plans={"MA_PFML"}).net_pay.set_index("employee_id")

    assert {e: (str(r.net_pay), str(r.gross_pay), str(r.disposable_pay)) for e, r in got.iterrows()} == {
        "W1": ("1700.00", "2000.00", "1700.00"), "W2": ("1400.00", "1500.00", "1400.00")}
    with store.engine.connect() as connection:
        lines, earnings = register_reads(connection, "NWD", CHECK, people, {"MA_PFML"})
    read = set(zip(lines["payroll_file_number"], lines["check_date"].astype(str), lines["line_type"], strict=True))
    assert read == {("F1", "2026-03-06", "EARN"), ("F1", "2026-03-06", "TAX"), ("F2", "2026-02-20", "EARN"),
                    ("F2", "2026-02-20", "TAX")}, "only each person's latest paid check, never the history"
    assert earnings.empty, "nobody is on a state plan whose AWW is by quarters"
