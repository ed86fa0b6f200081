"""Faults against the runner: one bad file (content or NAME) never stalls its feed; runs never migrate.

Verdicts pinned here:
- a leave file with ``UPDATED_AT`` hour 25, or an offset of +25:00, is quarantined on its own (ledger row,
  report, one alert) and the valid file after it still applies; the raw value appears in no report, ledger row,
  log line or summary; the next run finds the inbox drained (nothing fails first for ever);
- over a real sshd, a 250-byte remote file name is fetched under a short local name and posted (never a
  transient failure retried for ever); rejected, it is quarantined under a shortened folder name while the
  report keeps the name as received; a listed name that does not match the feed's pattern is left alone;
- the inbox is taken in business-date order, and a ``--file`` whose name carries no business date needs
  ``--date`` (a clear error, nothing posted);
- a run on a database that was never upgraded fails clearly (exit 1, ConfigError naming ``leavehub db
  upgrade``, no traceback, no Alembic lines) - two such runs at once included - and two concurrent
  ``leavehub db upgrade`` on a fresh database both succeed, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from fault_tools import bytes_under, leave_rows, stored_keys
from local_hubs import write_leave
from pg_databases import scratch_database
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.pipeline.quarantine import list_quarantine
from leavehub.pipeline.runner import run_feed
from leavehub.settings import REPO_ROOT

pytestmark = pytest.mark.timeout(180)

FEED = "harbor_leave.leave_periods"


def local_inbox(hub) -> Path:
    return hub.settings.local_exchange_dir / "harbor_leave" / "outbound"


@pytest.mark.parametrize("bad_stamp", ["2026-03-02T25:00:00Z", "2026-03-02T10:00:00+25:00"])
def test_an_out_of_range_timestamp_quarantines_that_file_and_the_next_file_applies(
        local_hub, harbor_leave_rows, bad_stamp, caplog, fault_measure):
    good_early = leave_rows(harbor_leave_rows, 3)
    bad = leave_rows(harbor_leave_rows, 3, skip=3)
    bad[1] = dict(bad[1], UPDATED_AT=bad_stamp)
    good_late = leave_rows(harbor_leave_rows, 3, skip=6)
    inbox = local_inbox(local_hub)
    write_leave(inbox, "HARBOR_LEAVE_20260304.csv", good_late)
    write_leave(inbox, "HARBOR_LEAVE_20260303.csv", bad)
    write_leave(inbox, "HARBOR_LEAVE_20260302.csv", good_early)
    caplog.set_level(logging.INFO)

    outcome = run_feed(FEED, settings=local_hub.settings)

    assert [(r.file, r.status) for r in outcome.receipts] == [
        ("HARBOR_LEAVE_20260302.csv", "APPLIED"), ("HARBOR_LEAVE_20260303.csv", "REJECTED"),
        ("HARBOR_LEAVE_20260304.csv", "APPLIED")], outcome.summary()
    store = local_hub.open_store()
    wanted = {r["ABSENCE_PERIOD_KEY"] for r in good_early + good_late}
    got = stored_keys(store)
    assert got == wanted, "the valid files apply in full; nothing of the bad file is stored"
    ledger = {e.file_name: e for e in store.ledger(vendor="harbor_leave")}
    assert ledger["HARBOR_LEAVE_20260303.csv"].status == "QUARANTINED"
    [entry] = list_quarantine(local_hub.settings.quarantine_dir)
    report = json.loads(entry.report.read_text(encoding="utf-8"))
    assert report["file"] == "HARBOR_LEAVE_20260303.csv" and report["errors"]
    alerts = [r for r in caplog.records if r.getMessage().startswith("ALERT")]
    assert len(alerts) == 1 and "HARBOR_LEAVE_20260303.csv" in alerts[0].getMessage(), "one alert per event"
    value = bad_stamp.split("T")[1]
    seen = [entry.report.read_text(encoding="utf-8"), json.dumps(ledger["HARBOR_LEAVE_20260303.csv"].errors),
            outcome.summary(), *(r.getMessage() for r in caplog.records)]
    assert not [text for text in seen if value in text], "the raw value must never be echoed"
    again = run_feed(FEED, settings=local_hub.settings)
    assert again.receipts == [] and not list(inbox.iterdir()), "the inbox is drained: nothing stalls the feed"
    fault_measure(records_lost=len(wanted - got), records_duplicated=0,
                  rejected_bytes=bytes_under(local_hub.settings.quarantine_dir))


def test_an_exception_no_reader_foresaw_quarantines_that_file_by_its_class_only(local_hub, harbor_leave_rows,
                                                                                 monkeypatch, caplog):
    """Whatever a parser may still throw for some content one day, the file boundary catches it."""
    from leavehub.mapping.compiler import InboundMapper

    real_apply = InboundMapper.apply

    def apply_choking_on_one_file(self, frame, **kwargs):
        if kwargs.get("business_date") == date(2026, 3, 3):
            raise ValueError("could not convert '123-45-6789' at row 2")  # a message quoting the value
        return real_apply(self, frame, **kwargs)

    monkeypatch.setattr(InboundMapper, "apply", apply_choking_on_one_file)
    inbox = local_inbox(local_hub)
    write_leave(inbox, "HARBOR_LEAVE_20260303.csv", leave_rows(harbor_leave_rows, 2))
    write_leave(inbox, "HARBOR_LEAVE_20260304.csv", leave_rows(harbor_leave_rows, 2, skip=2))
    caplog.set_level(logging.INFO)

    outcome = run_feed(FEED, settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["REJECTED", "APPLIED"], outcome.summary()
    [entry] = list_quarantine(local_hub.settings.quarantine_dir)
    report = json.loads(entry.report.read_text(encoding="utf-8"))
    assert "ValueError" in report["reason"]
    seen = [entry.report.read_text(encoding="utf-8"), outcome.summary(), *(r.getMessage() for r in caplog.records)]
    assert not [text for text in seen if "123-45-6789" in text], "an unforeseen exception's text is never echoed"


def test_the_inbox_takes_only_pattern_names_in_business_date_order(local_hub, harbor_leave_rows):
    inbox = local_inbox(local_hub)
    for n, day in enumerate(("20260305", "20260302", "20260304")):
        write_leave(inbox, f"HARBOR_LEAVE_{day}.csv", leave_rows(harbor_leave_rows, 1, skip=n))
    write_leave(inbox, "HARBOR_LEAVE_20261399.csv", leave_rows(harbor_leave_rows, 1, skip=5))  # no such date
    write_leave(inbox, "HARBOR_LEAVE_latest.csv", leave_rows(harbor_leave_rows, 1, skip=6))

    outcome = run_feed(FEED, settings=local_hub.settings)

    assert [r.file for r in outcome.receipts] == ["HARBOR_LEAVE_20260302.csv", "HARBOR_LEAVE_20260304.csv",
                                                  "HARBOR_LEAVE_20260305.csv"]
    assert sorted(outcome.skipped) == ["HARBOR_LEAVE_20261399.csv", "HARBOR_LEAVE_latest.csv"]
    assert sorted(p.name for p in inbox.iterdir()) == sorted(outcome.skipped), "strays are left where they are"


def test_a_file_whose_name_carries_no_business_date_needs_date(local_hub, harbor_leave_rows, tmp_path):
    rows = leave_rows(harbor_leave_rows, 2)
    odd = write_leave(tmp_path / "drop", "harbor leave export (2).csv", rows)

    refused = CliRunner().invoke(app, ["run", FEED, "--file", str(odd)], env=local_hub.env)

    assert refused.exit_code == 1 and "--date" in refused.output, refused.output
    assert local_hub.open_store().ledger() == [], "nothing is posted or ledgered"
    dated = CliRunner().invoke(app, ["run", FEED, "--file", str(odd), "--date", "2026-03-02"], env=local_hub.env)
    assert dated.exit_code == 0, dated.output
    [entry] = local_hub.open_store().ledger()
    assert (entry.status, str(entry.business_date)) == ("APPLIED", "2026-03-02")


# -- long names over a real sshd ---------------------------------------------------------------------------------


def long_name(day: str, total: int = 250) -> str:
    head, tail = "HARBOR_LEAVE_", f"_{day}.csv"
    return head + "X" * (total - len(head) - len(tail)) + tail


@pytest.mark.realpeer
def test_a_250_byte_remote_name_is_fetched_and_posted_and_a_rejected_one_is_quarantined(
        sftp_hub, sshd, harbor_leave_rows, fault_measure):
    remote = sshd.vendor_dir("harbor_leave") / "outbound"
    good, bad = leave_rows(harbor_leave_rows, 3), leave_rows(harbor_leave_rows, 3, skip=3)
    bad[0] = dict(bad[0], PERIOD_START="2026-13-45")
    good_name, bad_name = long_name("20260302"), long_name("20260303")
    assert len(good_name.encode()) == len(bad_name.encode()) == 250
    write_leave(remote, good_name, good)
    write_leave(remote, bad_name, bad)
    write_leave(remote, "HARBOR_LEAVE_" + "Y" * 236 + ".csv", good)  # matches the glob, not the pattern
    after = leave_rows(harbor_leave_rows, 2, skip=6)
    write_leave(remote, "HARBOR_LEAVE_b2_20260304.csv", after)

    outcome = run_feed(FEED, settings=sftp_hub.settings)

    assert [(r.file, r.status) for r in outcome.receipts] == [
        (good_name, "APPLIED"), (bad_name, "REJECTED"), ("HARBOR_LEAVE_b2_20260304.csv", "APPLIED")]
    store = sftp_hub.open_store()
    wanted = {r["ABSENCE_PERIOD_KEY"] for r in good + after}
    assert stored_keys(store) == wanted
    names = {e.file_name: e.status for e in store.ledger(vendor="harbor_leave")}
    assert names[good_name] == "APPLIED" and names[bad_name] == "QUARANTINED", "the ledger keeps full names"
    [entry] = list_quarantine(sftp_hub.settings.quarantine_dir)
    assert len(entry.folder.name.encode()) < 160 and len(entry.report.name.encode()) < 160
    assert json.loads(entry.report.read_text(encoding="utf-8"))["file"] == bad_name
    assert sorted(p.name for p in remote.iterdir()) == ["HARBOR_LEAVE_" + "Y" * 236 + ".csv"]
    archived = {p.name for p in (sshd.vendor_dir("harbor_leave") / "archive").iterdir()}
    assert {good_name, bad_name, "HARBOR_LEAVE_b2_20260304.csv"} <= archived
    fault_measure(records_lost=len(wanted - stored_keys(store)), records_duplicated=0,
                  rejected_bytes=bytes_under(sftp_hub.settings.quarantine_dir))


# -- the schema: runs check it, `leavehub db upgrade` migrates ---------------------------------------------------


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    code = "from leavehub.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False, cwd=REPO_ROOT)


def _concurrently(env: dict[str, str], *args: str) -> list[subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda _: _cli(env, *args), range(2)))


def test_runs_never_migrate_and_two_first_runs_or_upgrades_cannot_race(local_hub, harbor_leave_rows, tmp_path):
    """On the hub's backend (SQLite, PostgreSQL): a FRESH database of its own, never upgraded."""
    write_leave(local_inbox(local_hub), "HARBOR_LEAVE_20260302.csv", leave_rows(harbor_leave_rows, 2))
    env = {**local_hub.env, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}

    def attempt(url: str) -> None:
        fresh = {**env, "LEAVEHUB_DB_URL": url}
        for run in _concurrently(fresh, "run", FEED, "--date", "2026-03-02"):
            assert run.returncode == 1, run.stderr[-2000:]
            assert "leavehub db upgrade" in run.stderr and "Traceback" not in run.stderr, run.stderr[-2000:]
            assert "alembic" not in run.stderr.lower(), "a run never migrates (and prints no Alembic lines)"
        for upgrade in _concurrently(fresh, "db", "upgrade"):
            assert upgrade.returncode == 0, upgrade.stderr[-2000:]
        assert _cli(fresh, "db", "check").returncode == 0
        posted = _cli(fresh, "run", FEED, "--date", "2026-03-02")
        assert posted.returncode == 0 and "APPLIED" in posted.stdout, posted.stdout + posted.stderr[-2000:]
        assert "alembic" not in posted.stderr.lower(), "Alembic's INFO lines stay off a normal run"

    if local_hub.db_url.startswith("sqlite"):
        attempt(f"sqlite:///{tmp_path / 'fresh.db'}")
    else:
        with scratch_database("leavehub_fresh") as url:
            attempt(url)


def test_business_dates_are_read_from_the_name_not_today(local_hub, harbor_leave_rows):
    write_leave(local_inbox(local_hub), "HARBOR_LEAVE_20260302.csv", leave_rows(harbor_leave_rows, 1))
    outcome = run_feed(FEED, settings=local_hub.settings, business_date=None)
    assert [r.business_date for r in outcome.receipts] == [date(2026, 3, 2)]


def test_a_local_name_too_long_is_not_a_transient_failure_to_retry():
    import errno

    from connectors.transports.sftp import _is_transient

    assert not _is_transient(OSError(errno.ENAMETOOLONG, "File name too long"))
    assert _is_transient(OSError(errno.ECONNRESET, "Connection reset by peer"))
