"""The operator commands end to end on SQLite: quarantine list/show/release, reprocess, backfill, check-arrivals.

They run through a typer app built exactly as the lead mounts them (``register(app)``), with alerts going to a
real webhook sink. A quarantined file's bad value ("Approve", an unknown decision code) must never be printed.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from leavehub.operations.commands import EXIT_FOUND, EXIT_REJECTED, register

pytestmark = pytest.mark.realpeer

FEED = "harbor_leave.absences"
BAD_VALUE = "Approve,"  # the typo'd decision code as it sits in the CSV row


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:
        """The leavehub root, as in leavehub/cli.py."""

    register(app)
    return app


@pytest.fixture
def hub(ops_hub: Any, webhook_sink: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    ops_hub.set_alerts({"type": "webhook", "url_env": "LH_OPS_HOOK", "retries": 0})
    monkeypatch.setenv("LH_OPS_HOOK", webhook_sink.url)
    monkeypatch.setenv("COLUMNS", "250")
    return ops_hub


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli(), list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def add_decision_code(hub: Any, vendor_code: str, canonical: str) -> None:
    codes = hub.mappings / "harbor_leave" / "codes.yaml"
    text = codes.read_text(encoding="utf-8")
    codes.write_text(text.replace("values: {Pending: PENDING,", f"values: {{{vendor_code}: {canonical}, "
                                  "Pending: PENDING,", 1), encoding="utf-8")


def test_reject_list_show_release_again_then_fix_and_release(hub: Any, webhook_sink: Any) -> None:
    bad = hub.absence_file(date(2026, 11, 20), decision="Approve")
    assert BAD_VALUE in bad.read_text(encoding="utf-8")
    posted = invoke("reprocess", FEED, "--file", str(bad))
    assert posted.exit_code == EXIT_REJECTED and "REJECTED" in posted.output
    [alert] = webhook_sink.bodies()
    assert (alert["kind"], alert["details"]["file"], alert["details"]["errors"]) == (
        "quarantined", bad.name, 1)
    [quarantined] = hub.store.ledger(status="QUARANTINED")

    listed = invoke("quarantine", "list")
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if bad.name in line)
    assert row.split()[1] == str(quarantined.id) and FEED in row and "whole file is rejected" in row
    assert row.rstrip(" │|").split()[-1] == "1"  # error count

    shown = invoke("quarantine", "show", str(quarantined.id))
    assert shown.exit_code == 0
    assert "decision" in shown.output and "unknown" in shown.output.lower() and "text(7)" in shown.output
    assert "Approve" not in listed.output + shown.output

    again = invoke("quarantine", "release", str(quarantined.id), "--reprocess")
    assert again.exit_code == EXIT_REJECTED and "rejected again" in again.output
    assert webhook_sink.bodies()[-1]["kind"] == "release_failed"
    [new_id] = [line.split()[1] for line in invoke("quarantine", "list").output.splitlines() if bad.name in line]
    assert new_id != str(quarantined.id)  # the old entry is archived as superseded by the new one

    add_decision_code(hub, "Approve", "APPROVED")
    released = invoke("quarantine", "release", new_id, "--reprocess")
    assert released.exit_code == 0 and released.output.startswith("applied:") and "absence=3" in released.output
    assert bad.name not in invoke("quarantine", "list").output
    [applied] = hub.store.ledger(status="APPLIED")
    assert (applied.file_name, applied.business_date) == (bad.name, date(2026, 11, 20))
    markers = sorted((hub.home / "quarantine-released").glob("*/*/release.json"))
    assert [json.loads(m.read_text())["outcome"] for m in markers] == ["rejected", "applied"]
    assert not list((hub.home / "work").rglob("*.csv")), "the unsealed plaintext must not outlive the release"


def test_release_without_reprocess_dismisses(hub: Any) -> None:
    bad = hub.absence_file(date(2026, 11, 21), decision="Approve")
    assert invoke("reprocess", FEED, "--file", str(bad)).exit_code == EXIT_REJECTED
    [entry] = [line.split()[1] for line in invoke("quarantine", "list").output.splitlines() if bad.name in line]
    dismissed = invoke("quarantine", "release", entry)
    assert dismissed.exit_code == 0 and dismissed.output.startswith("dismissed:")
    assert "0 file(s) in quarantine" in invoke("quarantine", "list").output
    assert hub.store.ledger(status="APPLIED") == []
    assert invoke("quarantine", "show", entry).exit_code == 1  # gone from the quarantine


def test_unknown_quarantine_id_is_an_error(hub: Any) -> None:
    result = invoke("quarantine", "show", "999")
    assert result.exit_code == 1 and "no quarantined file" in result.output


def test_check_arrivals_records_then_stays_quiet(hub: Any, webhook_sink: Any) -> None:
    hub.only_window(FEED)
    first = invoke("check-arrivals", "--now", "2026-11-20T09:30", "--lookback-days", "1")  # employer local time
    assert first.exit_code == EXIT_FOUND and "1 newly missing" in first.output and FEED in first.output
    assert [(r.feed, r.business_date) for r in hub.store.ledger(status="MISSING")] == [
        ("absences", date(2026, 11, 20))]
    second = invoke("check-arrivals", "--now", "2026-11-20T09:45", "--lookback-days", "1")
    assert second.exit_code == 0 and "0 newly missing" in second.output
    assert [b["kind"] for b in webhook_sink.bodies()] == ["missing_file"]
    assert invoke("check-arrivals", "--now", "yesterday").exit_code == 1


def test_backfill_outbound_sends_each_date_once_and_skips_sent_ones(hub: Any) -> None:
    from leavehub.pipeline.runner import run_feed

    run_feed("harbor_leave.eligibility", business_date=date(2026, 11, 18), settings=hub.settings, store=hub.store)
    result = invoke("backfill", "harbor_leave.eligibility", "--from", "2026-11-17", "--to", "2026-11-20")
    assert result.exit_code == 0, result.output
    statuses = {line.split()[1]: line.split()[3] for line in result.output.splitlines() if "2026-11-" in line
                and "backfill" not in line}
    assert statuses == {"2026-11-17": "sent", "2026-11-18": "already_sent", "2026-11-19": "sent",
                        "2026-11-20": "sent"}
    sent = hub.home / "exchange" / "harbor_leave" / "inbound"
    assert sorted(p.name for p in sent.iterdir()) == [f"HARBOR_ELIG_NWD_202611{d}.txt" for d in (17, 18, 19, 20)]
    assert len(hub.store.ledger(status="SENT")) == 4
    rerun = invoke("backfill", "harbor_leave.eligibility", "--from", "2026-11-17", "--to", "2026-11-20")
    assert rerun.exit_code == 0 and rerun.output.count("already_sent") == 4
    assert len(hub.store.ledger(status="SENT")) == 4


def test_backfill_inbound_files_drains_the_inbox_and_names_dates_without_a_file(hub: Any,
                                                                                  webhook_sink: Any) -> None:
    inbox = hub.home / "exchange" / "harbor_leave" / "outbound"  # the vendor's side: our inbound
    inbox.mkdir(parents=True)
    for path in (hub.absence_file(date(2026, 11, 17)), hub.absence_file(date(2026, 11, 18), decision="Approve")):
        path.replace(inbox / path.name)
    result = invoke("backfill", FEED, "--from", "2026-11-17", "--to", "2026-11-19")
    assert result.exit_code == EXIT_REJECTED
    assert "applied" in result.output and "rejected" in result.output
    assert "no file yet for 1 date(s): 2026-11-19" in result.output
    assert [b["kind"] for b in webhook_sink.bodies()] == ["quarantined"]
    assert list(inbox.iterdir()) == []  # fetched and archived, the rejected one safely in quarantine


def test_backfill_stops_at_the_first_failure_and_alerts(hub: Any, webhook_sink: Any) -> None:
    from leavehub.operations.backfill import backfill
    from leavehub.pipeline.runner import run_feed
    from schemas.errors import TransientError

    calls: list[date] = []

    def flaky(feed_id: str, **kw: Any) -> Any:
        calls.append(kw["business_date"])
        if kw["business_date"] == date(2026, 11, 18):
            raise TransientError("harbor_leave SFTP: connection reset")
        return run_feed(feed_id, **kw)

    result = backfill("harbor_leave.eligibility", date(2026, 11, 17), date(2026, 11, 20), settings=hub.settings,
                      store=hub.store, run=flaky)
    assert calls == [date(2026, 11, 17), date(2026, 11, 18)]
    assert [d.status for d in result.days] == ["sent", "failed"] and not result.ok
    [alert] = webhook_sink.bodies()
    assert (alert["kind"], alert["business_date"]) == ("backfill_failed", "2026-11-18")


@pytest.mark.parametrize(("start", "end", "needle"), [("2026-11-20", "2026-11-19", "before it starts"),
                                                      ("2020-01-01", "2026-01-01", "at most 366"),
                                                      ("2026-13-01", "2026-11-19", "not YYYY-MM-DD")])
def test_backfill_refuses_bad_ranges(hub: Any, start: str, end: str, needle: str) -> None:
    result = invoke("backfill", "harbor_leave.eligibility", "--from", start, "--to", end)
    assert result.exit_code == 1 and needle in result.output.replace("\n", " ")


def test_register_mounts_every_command_on_the_main_cli(tmp_path: Path) -> None:
    help_text = invoke("--help").output
    for name in ("quarantine", "reprocess", "backfill", "check-arrivals"):
        assert name in help_text
    assert "release" in invoke("quarantine", "--help").output
