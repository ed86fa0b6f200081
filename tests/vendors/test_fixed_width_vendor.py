"""A fixed-width leave administrator added by configuration only (tests/vendors/data/meridian_leave), run
through the real pipeline: header and counted trailer, the detail record type, implied decimals, null words
of the layout and of a field, a code that means null, a constant inside concat, coalesce, the latest of two
columns, leave cases derived from their periods (min/max per group), a never-read diagnosis column, one
report shape for file- and row-level errors, and ``mapping check`` refusing what the layout lacks."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner
from vendor_hub import DATA, vendor_hub, vendor_hub_in_env

from leavehub.cli import app
from leavehub.pipeline.runner import run_feed

pytestmark = pytest.mark.timeout(240)

FEED = "meridian_leave.claims"
NAME = "MERIDIAN_CLAIMS_20261120.dat"
MARKERS = [f"MRKDX000{i}Z" for i in range(1, 5)]


def day_file() -> list[str]:
    return (DATA / "meridian_leave" / "samples" / NAME).read_text(encoding="utf-8").splitlines()


def write(folder: Path, lines: list[str], name: str = NAME) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return path


@pytest.fixture
def hub(tmp_path, monkeypatch):
    return vendor_hub_in_env(tmp_path, monkeypatch, "meridian_leave")


def by_key(frame, key):
    return {row[key]: row for row in frame.to_dict("records")}


def test_a_day_of_periods_applies_and_derives_one_case_per_case_number(hub, tmp_path):
    outcome = run_feed(FEED, files=[write(tmp_path / "in", day_file())], settings=hub.settings)

    assert outcome.ok and [r.status for r in outcome.receipts] == ["APPLIED"], outcome.summary()
    store = hub.open_store()
    periods = by_key(store.current("leave_period"), "absence_period_key")
    assert sorted(periods) == ["P000001001", "P000001002", "P000002001", "P000003001"]
    first, open_ended, pending, reduced = (periods[k] for k in sorted(periods))
    assert first["employee_id"] == "W00001234", "a constant inside concat"
    assert Decimal(str(first["weekly_benefit"])) == Decimal("1234.50"), "implied decimals"
    assert Decimal(str(reduced["weekly_benefit"])) == Decimal("0.07")
    assert open_ended["period_end"] is None or str(open_ended["period_end"]) in ("NaT", "<NA>", "None"), \
        "00000000 is the layout's null word"
    assert first["rtw_date"] == dt.date(2026, 11, 1) and pending["rtw_date"] == dt.date(2026, 12, 10), "coalesce"
    assert first["last_day_worked"] == dt.date(2026, 10, 1), "the latest of HR's and the claim's day"
    assert pending["reason_category"] is None and reduced["reason_category"] is None, \
        "UNKN is a code that means null; ---- is the field's null word"
    assert first["plan"] == "FMLA" and pending["plan"] == "CA_PFL" and pending["period_type"] == "INTERMITTENT"

    cases = by_key(store.current("leave_case"), "case_number")
    assert sorted(cases) == ["C000000101", "C000000102", "C000000103"]
    assert cases["C000000101"]["first_day_absent"] == dt.date(2026, 10, 1)
    assert cases["C000000101"]["last_day_absent"] == dt.date(2026, 10, 31), "max of the known ends"
    assert cases["C000000101"]["notice_date"] == dt.date(2026, 9, 15)
    assert cases["C000000101"]["employee_id"] == "W00001234"


def test_a_record_of_another_type_rejects_the_file_naming_its_line(hub, tmp_path):
    lines = day_file()
    lines[2] = "X" + lines[2][1:]  # a record type the layout does not declare, between header and trailer

    outcome = run_feed(FEED, files=[write(tmp_path / "in", lines)], settings=hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "REJECTED"
    assert hub.open_store().current("leave_period").empty, "all or nothing"
    [report] = hub.reports()
    assert report["error_count"] == 1 == len(report["errors"])
    [error] = report["errors"]
    assert (error["row"], error["line"]) == (2, 3)
    assert error["reason"] == "record type is not the detail prefix 'D'"


def test_a_trailer_count_rejection_reports_one_error_with_its_line_everywhere(hub, tmp_path, caplog):
    lines = day_file()
    lines[-1] = "T000000009".ljust(128)

    with caplog.at_level(logging.WARNING):
        outcome = run_feed(FEED, files=[write(tmp_path / "in", lines)], settings=hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "REJECTED" and receipt.errors == 1
    [report] = hub.reports()
    assert report["error_count"] == 1 == len(report["errors"]), "one shape: a file-level error is listed too"
    [error] = report["errors"]
    assert error["line"] == 6 and "count 9 does not match 4 data rows" in error["reason"]
    [entry] = hub.open_store().ledger(vendor="meridian_leave")
    assert [(e["line"], e["reason"]) for e in entry.errors] == [(6, error["reason"])]
    alerts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ALERT quarantined")]
    assert len(alerts) == 1 and "1 error(s)" in alerts[0]


def test_a_never_read_column_is_in_no_store_work_folder_log_preview_or_report(hub, tmp_path, caplog):
    good = day_file()
    bad = day_file()
    bad[3] = bad[3][:39] + "20261399" + bad[3][47:]  # a bad start date: the file is quarantined with a report
    drop = hub.settings.local_exchange_dir / "meridian_leave" / "outbound"
    write(drop, good)
    write(drop, bad, "MERIDIAN_CLAIMS_20261121.dat")

    with caplog.at_level(logging.DEBUG):
        outcome = run_feed(FEED, settings=hub.settings)
        preview = CliRunner().invoke(app, ["mapping", "preview", FEED, str(write(tmp_path / "p", bad)),
                                           "--rows", "50"])

    assert [r.status for r in outcome.receipts] == ["APPLIED", "REJECTED"], outcome.summary()
    assert "period_start" in preview.output, "the preview shows the bad row"
    seen = [caplog.text, preview.output, outcome.summary()]
    for path in hub.home.rglob("*"):
        if path.is_file():
            seen.append(path.read_bytes().decode("latin-1"))
    assert any("record_count" in text or "leave_period" in text for text in seen)
    for marker in MARKERS:
        for text in seen:
            assert marker not in text, "a never_read value reached the store, a log, a report or a preview"


def test_mapping_check_refuses_a_column_the_layout_lacks_and_names_a_misspelt_word(hub, tmp_path):
    folder = hub.mappings / "meridian_leave"
    mapping = folder / "claims.yaml"
    text = mapping.read_text(encoding="utf-8")

    mapping.write_text(text.replace("[{source: RTW_ACTUAL}", "[{source: RTW_ACTUALS}"), encoding="utf-8")
    result = CliRunner().invoke(app, ["mapping", "check", str(mapping)])
    assert result.exit_code != 0
    assert "column 'RTW_ACTUALS' is not in the layout's columns" in result.output
    line = next(i for i, text in enumerate(mapping.read_text().splitlines(), 1) if "RTW_ACTUALS" in text)
    assert f"claims.yaml:{line} " in result.output.replace("\n", "")

    mapping.write_text(text.replace("name: DIAGNOSIS", "name: DIAGNOSIS").replace(
        "      period_end: [{source: END}", "      rtw_outcome: [{source: DIAGNOSIS}]\n"
                                           "      period_end: [{source: END}"), encoding="utf-8")
    result = CliRunner().invoke(app, ["mapping", "check", str(mapping)])
    assert result.exit_code != 0 and "sensitive: never_read" in result.output

    mapping.write_text(text.replace("[{source: CASE_NO}, trim, required]", "[{source: CASE_NO}, trimm]", 1),
                       encoding="utf-8")
    result = CliRunner().invoke(app, ["mapping", "check", str(mapping)])
    assert result.exit_code != 0 and "unknown rule word 'trimm'" in result.output


@pytest.mark.realpeer
def test_the_vendor_runs_over_sftp_with_openpgp(tmp_path, monkeypatch):
    from sandbox.keys import generate_key_pair, vendor_seal
    from sandbox.sshd import SSHD, SshdServer

    if shutil.which(SSHD) is None and os.environ.get("CI", "").lower() != "true":
        pytest.skip("OpenSSH sshd not installed")
    if shutil.which("gpg") is None and os.environ.get("CI", "").lower() != "true":
        pytest.skip("gpg not installed")
    keys = tmp_path / "keys"
    ours, theirs = generate_key_pair(keys, "hub"), generate_key_pair(keys, "meridian_leave")
    plain = write(tmp_path / "plain", day_file())
    with SshdServer(tmp_path / "sshd", ["meridian_leave"]).start() as server:
        hub = vendor_hub(tmp_path, "meridian_leave", transport=None, extra_env={
            "AIRFLOW_CONN_MERIDIAN_LEAVE_SFTP": server.connection_uri("meridian_leave"),
            "AIRFLOW_CONN_MERIDIAN_LEAVE_PGP": json.dumps(
                {"conn_type": "generic", "extra": ours.connection_extra([theirs])})})
        for key, value in hub.env.items():
            monkeypatch.setenv(key, value)
        remote = server.vendor_dir("meridian_leave")
        for sub in ("outbound", "inbound", "archive"):
            (remote / sub).mkdir(exist_ok=True)
        vendor_seal(plain, remote / "outbound" / f"{NAME}.pgp", recipients=[ours], signer=theirs)

        outcome = run_feed(FEED, settings=hub.settings)

        assert [r.status for r in outcome.receipts] == ["APPLIED"], outcome.summary()
        assert [p.name for p in (remote / "archive").iterdir()] == [f"{NAME}.pgp"]
    store = hub.open_store()
    assert len(store.current("leave_period")) == 4 and len(store.current("leave_case")) == 3


def test_an_unseen_code_is_schema_drift_in_the_run_the_ledger_and_the_alert(hub, tmp_path, caplog):
    lines = day_file()
    lines[3] = lines[3][:35] + "SABB" + lines[3][39:]   # a reason Meridian started sending: read as PERSONAL
    lines[4] = lines[4][:35] + "SABB" + lines[4][39:]

    with caplog.at_level(logging.WARNING):
        outcome = run_feed(FEED, files=[write(tmp_path / "in", lines)], settings=hub.settings)

    [receipt] = outcome.receipts
    assert receipt.status == "APPLIED", outcome.summary()
    reason = "schema drift: code(s) not in table reason read as PERSONAL (2 row(s))"
    assert [(w.line, w.field, w.column, w.reason) for w in receipt.warnings] == [
        (4, "reason_category", "REASON", reason)]
    assert f"WARNING   {reason} (line 4)" in outcome.summary()
    [entry] = hub.open_store().ledger(vendor="meridian_leave")
    assert entry.status == "APPLIED"
    assert [(e["severity"], e["line"], e["reason"]) for e in entry.errors] == [("warning", 4, reason)]
    alerts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ALERT schema_drift")]
    assert len(alerts) == 1 and "1 schema drift warning(s)" in alerts[0]
    periods = hub.open_store().current("leave_period")
    assert sorted(periods["reason_category"].dropna()) == ["OWN_HEALTH", "OWN_HEALTH", "PERSONAL", "PERSONAL"]
