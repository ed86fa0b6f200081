"""Malformed API pages against the real HRIS simulator process: the pull is rejected like a bad file.

Issue 12 item 5: a malformed JSON page, an HTML 200, ``data`` not a list or a cursor loop exited 2 with no ledger
row, no quarantine report and no alert; an empty pull the API answered properly was quarantined as "holds no
JSON". Now each bad page gives the pull a REJECTED (then QUARANTINED) ledger row, a quarantine report naming the
page, one alert, exit 2, nothing applied; an empty pull applies 0 records and succeeds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hris_fixture import CLIENT_ID, CLIENT_SECRET, running_simulator, write_dataset
from pg_databases import db_upgrade

from leavehub.settings import REPO_ROOT, Settings
from leavehub.store.pii import generate_key
from sandbox.hris_api import HrisSimulator

pytestmark = [pytest.mark.fault, pytest.mark.realpeer, pytest.mark.timeout(300)]

WORKERS, PAGE_SIZE = 30, 10  # three pages


@pytest.fixture(scope="module")
def hris(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HrisSimulator]:
    data = tmp_path_factory.mktemp("hris_pages")
    write_dataset(data, workers=WORKERS)
    with running_simulator(data) as sim:
        yield sim


@pytest.fixture
def hub(tmp_path: Path, hris: HrisSimulator) -> dict[str, str]:
    """A hub with only the Northwind HRIS vendor, pulling pages of 10 from the simulator."""
    mappings = tmp_path / "mappings"
    shutil.copytree(REPO_ROOT / "mappings" / "northwind_hris", mappings / "northwind_hris")
    vendor_file = mappings / "northwind_hris" / "vendor.yaml"
    vendor = yaml.safe_load(vendor_file.read_text(encoding="utf-8"))
    vendor["feeds"]["workers"]["endpoint"]["pagination"]["page_size"] = PAGE_SIZE
    vendor_file.write_text(yaml.safe_dump(vendor, sort_keys=False), encoding="utf-8")
    home = tmp_path / "home"
    connection = {"conn_type": "http", "host": hris.url, "login": CLIENT_ID, "password": CLIENT_SECRET,
                  "extra": {"token_path": "/oauth/token", "allow_insecure_http": True}}
    hris.set_faults(reset=True)
    return {**os.environ, "LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(mappings),
            "LEAVEHUB_DB_URL": db_upgrade(f"sqlite:///{tmp_path / 'leavehub.db'}"),
            "LEAVEHUB_PII_KEY": generate_key(), "AIRFLOW_CONN_NORTHWIND_HRIS_API": json.dumps(connection),
            "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200"}


def _run(env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from leavehub.cli import main; main()", "run",
                           "northwind_hris.workers", "--date", "2026-11-20", *options], capture_output=True,
                          text=True, env=env, timeout=240, check=False)


def _ledger(env: dict[str, str]) -> list:
    from leavehub.pipeline.runner import open_store

    store = open_store(Settings.from_env(env))
    try:
        return store.ledger(feed="workers")
    finally:
        store.dispose()


@pytest.mark.parametrize("bad_page", ["malformed", "html", "data_not_list", "cursor_loop"])
def test_a_bad_page_rejects_the_pull_with_ledger_row_report_alert_and_exit_2(
        bad_page: str, hub: dict[str, str], hris: HrisSimulator) -> None:
    hris.set_faults(bad_page=bad_page, bad_page_after=1)  # page 1 is fine, page 2 is broken
    result = _run(hub)
    out = result.stdout + result.stderr
    assert result.returncode == 2, out[-3000:]
    assert "Traceback" not in out
    rows = _ledger(hub)
    assert [r.status for r in rows] == ["QUARANTINED"], [(r.status, r.file_name) for r in rows]
    assert rows[0].records_applied == 0
    reports = list((Path(hub["LEAVEHUB_HOME"]) / "quarantine").rglob("*.errors.json"))
    assert len(reports) == 1, list((Path(hub["LEAVEHUB_HOME"]) / "quarantine").rglob("*"))
    report = reports[0].read_text(encoding="utf-8")
    assert "page 2" in report, report
    assert sum(1 for line in result.stderr.splitlines() if "ALERT" in line) == 1, result.stderr[-3000:]


def test_an_empty_pull_answered_properly_applies_zero_records_and_succeeds(
        hub: dict[str, str], hris: HrisSimulator) -> None:
    hris.set_faults(empty=True)
    result = _run(hub)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    rows = _ledger(hub)
    assert [r.status for r in rows] == ["APPLIED"] and rows[0].records_applied == 0
    assert not list((Path(hub["LEAVEHUB_HOME"]) / "quarantine").rglob("*.json"))


def test_the_same_simulator_without_faults_applies_every_worker(hub: dict[str, str], hris: HrisSimulator) -> None:
    result = _run(hub)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    rows = _ledger(hub)
    assert [r.status for r in rows] == ["APPLIED"] and rows[0].outcomes["employee"]["applied"] == WORKERS


def _canonical_sha256(records: list[dict]) -> str:
    """The pull's identity as the ledger keeps it: each record as sorted-key compact JSON, one per line."""
    import hashlib

    digest = hashlib.sha256()
    for record in records:
        digest.update(json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    return digest.hexdigest()


def test_a_pull_streams_into_the_store_and_the_same_content_again_is_a_duplicate(
        hub: dict[str, str], hris: HrisSimulator) -> None:
    assert _run(hub).returncode == 0
    assert _run(hub, "--whole").returncode == 0  # everyone again, not only what changed since the first pull
    rows = sorted(_ledger(hub), key=lambda r: r.id)
    assert [r.status for r in rows] == ["APPLIED", "DUPLICATE"] and rows[1].duplicate_of == rows[0].id
    served = [json.loads(line) for line in (hris.data_dir / "workers.jsonl").read_text().splitlines()]
    assert rows[0].sha256_received == rows[0].sha256_plaintext == _canonical_sha256(served)
    assert not list((Path(hub["LEAVEHUB_HOME"])).rglob("*.jsonl")), "no pull left on disk, sealed or not"


def test_a_pull_with_a_bad_value_on_its_first_page_is_quarantined_whole(
        tmp_path: Path, hub: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from leavehub.pipeline.quarantine import list_quarantine, open_quarantined

    monkeypatch.setenv("LEAVEHUB_PII_KEY", hub["LEAVEHUB_PII_KEY"])  # to read the sealed quarantine back

    data = tmp_path / "bad_value"
    data.mkdir()
    write_dataset(data, workers=WORKERS)
    lines = (data / "workers.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["birth_date"] = "1990-02-31"
    lines[0] = json.dumps(first)
    (data / "workers.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with running_simulator(data) as sim:
        connection = json.loads(hub["AIRFLOW_CONN_NORTHWIND_HRIS_API"])
        connection["host"] = sim.url
        result = _run({**hub, "AIRFLOW_CONN_NORTHWIND_HRIS_API": json.dumps(connection)})
        served_pages = sim.stats()["requests_workers"]
    assert result.returncode == 2, (result.stdout + result.stderr)[-3000:]
    assert served_pages == WORKERS // PAGE_SIZE + (1 if WORKERS % PAGE_SIZE else 0)
    rows = _ledger(hub)
    assert [r.status for r in rows] == ["QUARANTINED"] and rows[0].records_applied == 0
    [entry] = list_quarantine(Path(hub["LEAVEHUB_HOME"]) / "quarantine")
    report = json.loads(entry.report.read_text(encoding="utf-8"))
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(1, "birth_date")], report["errors"]
    with open_quarantined(entry) as kept:
        records = [json.loads(line) for line in kept.read().splitlines()]
    assert len(records) == WORKERS and records[0]["birth_date"] == "1990-02-31"
    assert rows[0].sha256_received == report["sha256_received"] == _canonical_sha256(records)


def test_a_later_pull_asks_only_for_the_workers_changed_since_the_last_pull_the_store_took(
        hub: dict[str, str], hris: HrisSimulator) -> None:
    """``updated_since: "{last_pull}"``: the first pull is whole; the next asks for what changed since the first
    one started, less the hour of overlap - nobody here (every worker was last updated in November)."""
    from datetime import UTC, datetime, timedelta

    assert _run(hub).returncode == 0
    first = _ledger(hub)[0]
    assert _run(hub).returncode == 0
    rows = sorted(_ledger(hub), key=lambda r: r.id)
    assert [r.status for r in rows] == ["APPLIED", "APPLIED"]
    assert rows[0].outcomes["employee"]["applied"] == WORKERS
    assert rows[1].records_read == 0, "nobody changed since: an empty pull, still on record (the 07:00 check)"
    since = (first.received_at.replace(tzinfo=first.received_at.tzinfo or UTC) - timedelta(hours=1))
    asked = [line for line in hris.log_text().splitlines() if "GET /v1/workers" in line]
    assert "updated_since" not in asked[0] and "updated_since=..." in asked[-1], asked
    served = [json.loads(line) for line in (hris.data_dir / "workers.jsonl").read_text().splitlines()]
    assert all(datetime.fromisoformat(w["updated_at"].replace("Z", "+00:00")) < since for w in served)


def test_last_pull_goes_by_when_a_pull_began_not_when_a_release_applied_it() -> None:
    """A pull rejected at 05:00 and released from quarantine at 15:00 was taken at 05:00: the next pull must
    ask for changes since the 06:00 pull that followed it, not since the release."""
    from datetime import UTC, date, datetime
    from types import SimpleNamespace

    from leavehub.pipeline.exchange import pull_name
    from leavehub.pipeline.runner import last_pull

    feed = SimpleNamespace(vendor=SimpleNamespace(vendor="northwind_hris"), name="workers")
    at = {hour: datetime(2026, 11, 20, hour, tzinfo=UTC) for hour in (5, 6, 15)}
    rows = [SimpleNamespace(file_name=pull_name(feed, date(2026, 11, 20), at[5]), received_at=at[15]),
            SimpleNamespace(file_name=pull_name(feed, date(2026, 11, 20), at[6]), received_at=at[6])]
    store = SimpleNamespace(ledger=lambda status, **_: rows if status == "APPLIED" else [])

    assert rows[0].file_name == "northwind_hris.workers.20261120.20261120T050000Z.jsonl"
    assert last_pull(store, feed) == at[6]


def test_an_hours_pull_is_whole_again_once_the_last_whole_pull_is_seven_days_old(
        hub: dict[str, str], hris: HrisSimulator) -> None:
    """Northwind's hours API cannot say what changed: a pull re-reads five weeks (``from``), and with
    ``whole_every_days: 7`` the pull is whole (no ``from``) when no whole pull is less than seven business days
    old, so a correction older than five weeks is read within a week."""
    days = ("2026-11-20", "2026-11-21", "2026-11-26", "2026-11-27")
    for day in days:
        done = subprocess.run([sys.executable, "-c", "from leavehub.cli import main; main()", "run",
                               "northwind_hris.hours_worked", "--date", day], capture_output=True, text=True,
                              env=hub, timeout=240, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    from leavehub.pipeline.runner import open_store

    store = open_store(Settings.from_env(hub))
    try:
        rows = sorted(store.ledger(feed="hours_worked"), key=lambda r: r.id)
    finally:
        store.dispose()
    assert [r.business_date.isoformat() for r in rows] == list(days)
    assert [r.file_name.endswith(".whole.jsonl") for r in rows] == [True, False, False, True]
    asked = [line for line in hris.log_text().splitlines() if "GET /v1/hours_worked" in line]
    firsts = [line for line in asked if "cursor=" not in line]
    assert ["from=" in line for line in firsts] == [False, True, True, False], firsts
    assert rows[0].records_read == WORKERS * 3 and rows[1].records_read < WORKERS * 3
