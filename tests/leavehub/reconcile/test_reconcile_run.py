"""`leavehub reconcile --check-date D` on a real SQLite store: the canonical records and the file ledger in,
both reports out, the exceptions kept; the next check date says since when an exception has been open."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from openpyxl import load_workbook
from pg_databases import scratch_database
from reconcile_frames import clean, replace
from sqlalchemy import insert
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.reconcile.compute import compute
from leavehub.reconcile.loader import check_date_for_run, load_inputs
from leavehub.store import FileArrival, Store, SupersedeRule
from leavehub.store.tables import X12_TRANSACTION_SET

KEYS = {"employment": ("employee_id", "effective_from"), "leave_periods": ("absence_period_key",),
        "benefit_payments": ("payment_key",)}
ENTITY = {"employment": "employment", "leave_periods": "leave_period", "benefit_payments": "benefit_payment"}


def _arrival(name: str, vendor: str, feed: str, day: date) -> FileArrival:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return FileArrival(vendor, feed, "inbound", name, 10, digest, digest, None, day, "full", "1.0.0", "1")


def load(store: Store, frames: dict[str, pd.DataFrame], day: date) -> None:
    for name, frame in frames.items():
        rows = frame.copy()
        rows["record_key"] = rows[list(KEYS[name])].astype(str).agg("|".join, axis=1)
        rows["_row"] = range(1, len(rows) + 1)
        if name != "employment":
            rows["updated_at"] = datetime(2026, 3, 1, tzinfo=UTC)
        typed = pa.Table.from_pandas(rows, preserve_index=False).to_pandas(types_mapper=pd.ArrowDtype)
        vendor = "northwind_hris" if name == "employment" else "harbor_leave"
        with store.intake(_arrival(f"{name}-{day}", vendor, name, day)) as intake:
            intake.stage(ENTITY[name], typed, SupersedeRule.FILE_DATE)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def home(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """LEAVEHUB_HOME in tmp_path and a migrated store (SQLite there, or a scratch PostgreSQL database);
    yields the store's URL."""
    monkeypatch.setenv("LEAVEHUB_HOME", str(tmp_path / "home"))
    with contextlib.ExitStack() as stack:
        if request.param == "postgres":
            url = stack.enter_context(scratch_database("leavehub_reconcile"))
            monkeypatch.setenv("LEAVEHUB_DB_URL", url)
        else:
            url = f"sqlite:///{tmp_path / 'home' / 'leavehub.db'}"
            monkeypatch.delenv("LEAVEHUB_DB_URL", raising=False)
        result = CliRunner().invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        yield url


def test_reconcile_command_writes_both_reports_and_carries_open_since(home: str, tmp_path: Path) -> None:
    store = Store.open(home)
    load(store, replace(clean(), "employment", "employee_id", "E1", status="ACTIVE"), date(2026, 3, 6))
    store.record_missing("harbor_leave", "leave_periods", date(2026, 3, 9))
    inputs = load_inputs(store, check_date=date(2026, 3, 13), weeks=8)
    assert len(inputs.leave_periods) == 5 and len(inputs.employment) == 6 and len(inputs.ledger) == 4
    # no pay calendar stored yet: a run with no check date and no register event reconciles its own day
    assert check_date_for_run(store, date(2026, 3, 13)) == date(2026, 3, 13)

    out = tmp_path / "reports"
    first = CliRunner().invoke(app, ["reconcile", "--check-date", "2026-03-13", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "1 exception(s), $1,000.00 at stake" in first.output
    assert str(out / "reconciliation-2026-03-13.xlsx") in first.output.replace("\n", "")
    book = load_workbook(out / "reconciliation-2026-03-13.xlsx")
    rows = list(book["LEAVE_NOT_IN_HRIS"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[5].date()) for r in rows] == [("E1", date(2026, 3, 13))]
    card = {r[1]: r for r in book["Vendor scorecard"].iter_rows(min_row=2, values_only=True)}
    assert card["leave_periods"][6] == 1  # the MISSING row of 2026-03-09
    assert "reconciliation-2026-03-13.html" in first.output.replace("\n", "")

    second = CliRunner().invoke(app, ["reconcile", "--check-date", "2026-03-27", "--out", str(out)])
    assert second.exit_code == 0, second.output
    rows = list(load_workbook(out / "reconciliation-2026-03-27.xlsx")["LEAVE_NOT_IN_HRIS"]
                .iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[5].date(), r[6].date()) for r in rows] == [("E1", date(2026, 3, 13), date(2026, 3, 27))]
    html = (out / "reconciliation-2026-03-27.html").read_text()
    assert 'data-label="2026-03-13" data-value="1"' in html and 'data-label="2026-03-27" data-value="1"' in html
    store.dispose()


def test_bad_check_date_is_refused(home: str) -> None:
    result = CliRunner().invoke(app, ["reconcile", "--check-date", "13/03/2026"])
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.output


def test_834_sets_in_the_store_reach_the_detector_and_the_scorecard(home: str) -> None:
    """Sets as the X12 side records them (x12_transaction_set): a rejected one not resent is an exception,
    the carrier's acceptance rate is on the scorecard."""
    store = Store.open(home)
    sent = store.record_missing("summit_mutual", "enrollment_change", date(2026, 3, 10))  # any ledger row
    rows = [("0001", 41, "REJECTED", date(2026, 3, 10), datetime(2026, 3, 10, 12, tzinfo=UTC)),
            ("0001", 42, "ACCEPTED", date(2026, 3, 9), datetime(2026, 3, 9, 12, tzinfo=UTC))]
    with store.engine.begin() as connection:
        connection.execute(insert(X12_TRANSACTION_SET), [
            {"vendor": "summit_mutual", "feed": "enrollment_change", "batch_id": f"B{n}", "file_id": sent,
             "business_date": day, "control_number": n, "set_control": st, "status": status, "sent_at": at,
             "acknowledged_at": at + timedelta(hours=2)} for st, n, status, day, at in rows])
    check = date(2026, 3, 13)
    inputs = load_inputs(store, check_date=check, weeks=8)
    result = compute(inputs, {}, check_date=check, weeks=8)
    found = result.exceptions
    assert list(found["exception_type"]) == ["X12_SET_NOT_RESENT"]
    assert "ISA 41" in found.iloc[0]["subject_key"] and "2026-03-10" in found.iloc[0]["reason"]
    card = result.scorecard.set_index(["vendor", "feed"]).loc[("summit_mutual", "enrollment_change")]
    assert (card["sets_acknowledged"], card["sets_accepted"], card["acceptance_pct"]) == (2, 1, 50.0)
    store.dispose()
