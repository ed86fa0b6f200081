"""Harbor leave-period files end to end on local folders, on SQLite and on PostgreSQL.

Pinned: a file posts (ledger APPLIED, current view has the rows, the file is archived); the same content under
another name is a DUPLICATE that posts nothing; a corrected resend with a later UPDATED_AT supersedes and an older
one never wins; one bad row rejects the whole file (nothing stored, CLI exit code non-zero, the file sealed in
quarantine beside a report naming row, line, field, reason and value class - never the value); an empty CHANGE
file on each of two business days is APPLIED twice, not a duplicate.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from local_hubs import write_leave
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.pipeline.quarantine import SEALED_SUFFIX, QuarantineEntry, list_quarantine, open_quarantined
from leavehub.pipeline.runner import run_feed

pytestmark = pytest.mark.timeout(120)

FEED = "harbor_leave.leave_periods"


def distinct_periods(rows: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for row in rows:
        seen.setdefault(row["ABSENCE_PERIOD_KEY"], row)
        if len(seen) == n:
            break
    return list(seen.values())


def stamp(text: str, delta: timedelta) -> str:
    return (datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def inbox(hub) -> Path:
    return hub.settings.local_exchange_dir / "harbor_leave" / "outbound"


def test_a_leave_periods_file_posts_and_is_ledgered_applied(local_hub, harbor_leave_rows):
    rows = distinct_periods(harbor_leave_rows, 5)
    write_leave(inbox(local_hub), "HARBOR_LEAVE_20260302.csv", rows)

    outcome = run_feed(FEED, settings=local_hub.settings)

    assert outcome.ok, outcome.summary()
    [receipt] = outcome.receipts
    assert (receipt.status, receipt.records) == ("APPLIED", {"leave_period": 5})
    store = local_hub.open_store()
    [entry] = store.ledger(vendor="harbor_leave", feed="leave_periods")
    assert (entry.status, entry.file_name, entry.records_read) == ("APPLIED", "HARBOR_LEAVE_20260302.csv", 5)
    assert str(entry.business_date) == "2026-03-02"
    assert entry.direction == "inbound", "the ledger's direction vocabulary is inbound/outbound"
    current = store.current("leave_period").set_index("absence_period_key")
    assert sorted(current.index) == sorted(r["ABSENCE_PERIOD_KEY"] for r in rows)
    for row in rows:
        got = current.loc[row["ABSENCE_PERIOD_KEY"]]
        assert (got["case_number"], got["employee_id"]) == (row["CASE_NUMBER"], row["EMPLOYEE_ID"])
        assert got["decision"] == row["DECISION"].upper()
    assert not list(inbox(local_hub).iterdir()), "a posted file must leave the vendor's folder"
    archive = local_hub.settings.local_exchange_dir / "harbor_leave" / "archive"
    assert (archive / "HARBOR_LEAVE_20260302.csv.lhstg").is_file(), "archived sealed (see test_at_rest.py)"


def test_the_same_content_under_another_name_is_a_duplicate_and_posts_nothing(local_hub, harbor_leave_rows,
                                                                               tmp_path):
    rows = distinct_periods(harbor_leave_rows, 4)
    first = write_leave(tmp_path / "in", "HARBOR_LEAVE_20260302.csv", rows)
    again = tmp_path / "in" / "HARBOR_LEAVE_20260310.csv"
    again.write_bytes(first.read_bytes())

    run_feed(FEED, files=[first], settings=local_hub.settings)
    store = local_hub.open_store()
    before = store.current("leave_period")[["record_key", "version_id", "recorded_at"]]
    outcome = run_feed(FEED, files=[again], settings=local_hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "DUPLICATE" and receipt.records == {}
    dup, original = store.ledger(vendor="harbor_leave", feed="leave_periods")
    assert (dup.status, dup.file_name, dup.duplicate_of) == ("DUPLICATE", again.name, original.id)
    assert original.status == "APPLIED"
    after = store.current("leave_period")[["record_key", "version_id", "recorded_at"]]
    assert after.sort_values("record_key").reset_index(drop=True).equals(
        before.sort_values("record_key").reset_index(drop=True))


def test_a_corrected_resend_supersedes_and_an_older_one_never_wins(local_hub, harbor_leave_rows, tmp_path):
    [row] = [r for r in distinct_periods(harbor_leave_rows, 40) if r["DECISION"] != "Denied"][:1]
    corrected = dict(row, DECISION="Denied", UPDATED_AT=stamp(row["UPDATED_AT"], timedelta(hours=2)))
    stale = dict(row, DECISION="Withdrawn", UPDATED_AT=stamp(row["UPDATED_AT"], timedelta(hours=-2)))
    files = [write_leave(tmp_path, "HARBOR_LEAVE_20260302.csv", [row]),
             write_leave(tmp_path, "HARBOR_LEAVE_20260303.csv", [corrected]),
             write_leave(tmp_path, "HARBOR_LEAVE_20260304.csv", [stale])]  # later file, older UPDATED_AT
    store = local_hub.open_store()

    def decision() -> str:
        current = store.current("leave_period")
        mine = current[current["absence_period_key"] == row["ABSENCE_PERIOD_KEY"]]
        assert len(mine) == 1, "exactly one current version per absence period"
        return mine["decision"].iloc[0]

    run_feed(FEED, files=files[:1], settings=local_hub.settings)
    assert decision() == row["DECISION"].upper()
    run_feed(FEED, files=files[1:2], settings=local_hub.settings)
    assert decision() == "DENIED"
    outcome = run_feed(FEED, files=files[2:], settings=local_hub.settings)
    assert outcome.ok, outcome.summary()
    assert decision() == "DENIED", "a row with an older UPDATED_AT must never replace a newer one"


def test_one_bad_row_rejects_the_whole_file_and_quarantines_it_sealed(local_hub, harbor_leave_rows, tmp_path):
    rows = distinct_periods(harbor_leave_rows, 4)
    rows[2] = dict(rows[2], PERIOD_START="2026-13-45")
    bad = write_leave(tmp_path, "HARBOR_LEAVE_20260302.csv", rows)
    plaintext = bad.read_bytes()

    result = CliRunner().invoke(app, ["run", FEED, "--file", str(bad)], env=local_hub.env)

    assert result.exit_code != 0, result.output
    store = local_hub.open_store()
    assert store.current("leave_period").empty, "all or nothing: the three good rows must not be stored"
    entries = store.ledger(vendor="harbor_leave", feed="leave_periods")
    assert [e.status for e in entries] == ["QUARANTINED"], "one ledger row: rejected, then quarantined"
    [entry] = list_quarantine(local_hub.settings.quarantine_dir)
    kept = entry.kept_file.read_bytes()
    assert entry.kept_file.name.endswith(SEALED_SUFFIX)
    for clear in (b"CASE_NUMBER", rows[0]["CASE_NUMBER"].encode(), rows[0]["EMPLOYEE_ID"].encode(),
                  b"2026-13-45"):
        assert clear not in kept, "a plaintext arrival must be sealed in quarantine"
    with open_quarantined(QuarantineEntry(entry.folder, entry.kept_file, entry.report)) as sealed:
        assert sealed.read() == plaintext, "quarantine keeps the file as received"
    report_text = entry.report.read_text(encoding="utf-8")
    report = json.loads(report_text)
    assert report["feed"] == FEED and report["file"] == bad.name and report["kept_encrypted"] is True
    assert report["ledger_id"] == entries[0].id, "the report points at the ledger row that exists"
    [error] = report["errors"]
    assert (error["row"], error["line"], error["field"]) == (3, 4, "period_start")
    assert error["reason"] and error["value_class"]
    assert "2026-13-45" not in report_text, "the report names the value's class, never the value"


def test_an_empty_change_file_on_two_business_days_is_applied_twice(local_hub, tmp_path):
    monday = write_leave(tmp_path, "HARBOR_LEAVE_20260302.csv", [])
    tuesday = write_leave(tmp_path, "HARBOR_LEAVE_20260303.csv", [])
    monday_again = tmp_path / "again" / monday.name
    monday_again.parent.mkdir()
    monday_again.write_bytes(monday.read_bytes())

    outcome = run_feed(FEED, files=[monday, tuesday], settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["APPLIED", "APPLIED"], outcome.summary()
    store = local_hub.open_store()
    assert [(e.status, str(e.business_date)) for e in store.ledger(vendor="harbor_leave")] == [
        ("APPLIED", "2026-03-03"), ("APPLIED", "2026-03-02")]
    again = run_feed(FEED, files=[monday_again], settings=local_hub.settings)
    assert [r.status for r in again.receipts] == ["DUPLICATE"], "the same empty file for the same day is a resend"
    assert store.current("leave_period").empty
