"""The Northwind leave-status write-back against the real HRIS simulator process (issue 9 item 8).

A hub (SQLite, and PostgreSQL) holds workers (a Northwind workers page posted as a file) and Harbor leave periods;
the feed ``northwind_hris.leave_status`` derives one update per worker on leave or back, POSTs only what changed
since the HRIS last accepted, each under an Idempotency-Key fixed when its batch is built. Pinned: the bodies sent
(written by hand from the leave periods), nothing resent when nothing changed, a change sends only that worker,
409 recorded SUPERSEDED (no alert), 422 REJECTED with field and reason and one alert (never resent unchanged),
503s retried, a lost answer replayed, a killed run or a run that gave up resumes with the SAME keys - and the
simulator, which counts applications per key, never applied any key twice.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hris_fixture import CLIENT_ID, CLIENT_SECRET, running_simulator, worker
from local_hubs import _truncate as truncate
from local_hubs import local_vendor_yaml
from pg_databases import db_upgrade

from leavehub.pipeline.runner import open_store, run_feed
from leavehub.settings import REPO_ROOT, Settings
from leavehub.store import writebacks
from leavehub.store.pii import generate_key
from sandbox.hris_api import HrisSimulator
from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, render_csv
from schemas.errors import TransientError

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(180)]

FEED = "northwind_hris.leave_status"
DAY = date(2026, 11, 20)
HIRED = [f"W{i:06d}" for i in range(1, 9)]  # the hub knows 8 workers ...
IN_HRIS = HIRED[:7]  # ... the HRIS only 7: W000008's update is refused (422 unknown_worker)


def period(key: str, worker_id: str, plan: str, start: str, *, case: str, end: str = "", rtw: str = "",
           outcome: str = "", pto: str = "", updated: str = "2026-11-19T10:00:00Z") -> dict[str, str]:
    row = dict.fromkeys(LEAVE_COLUMNS, "")
    row.update(CASE_NUMBER=case, ABSENCE_PERIOD_KEY=key, EMPLOYEE_ID=worker_id, PERIOD_TYPE="Continuous",
               PLAN=plan, DECISION="Approved", PERIOD_START=start, PERIOD_END=end, RTW_DATE=rtw,
               RTW_OUTCOME=outcome, PTO_ELECTION=pto, UPDATED_AT=updated)
    return row


PERIODS = [
    period("P1", "W000001", "FMLA", "2026-11-02", case="NTN-101", rtw="2026-12-14"),  # unpaid FMLA
    period("P2", "W000002", "FMLA", "2026-11-02", case="NTN-102"),  # FMLA, then STD pays from 11-09
    period("P3", "W000002", "STD", "2026-11-09", case="NTN-102", rtw="2027-01-04"),
    period("P4", "W000003", "CFRA", "2026-11-16", case="NTN-103", pto="Y"),  # state leave, PTO substituted
    period("P5", "W000004", "FMLA", "2026-10-01", case="NTN-104", end="2026-10-30", rtw="2026-11-02",
           outcome="Returned"),  # back at work
    period("P6", "W000005", "FMLA", "2026-12-07", case="NTN-105"),  # starts after the business date
    period("P7", "W000006", "FMLA", "2026-11-10", case="NTN-106"),
    period("P8", "W000008", "FMLA", "2026-11-03", case="NTN-108"),  # not a worker the HRIS knows
]

EXPECTED = {  # written by hand from PERIODS and the mapping's rules
    "W000001": {"worker_id": "W000001", "status": "on_leave", "leave_type": "FMLA", "paid": False,
                "effective_date": "2026-11-02", "expected_return_date": "2026-12-14", "source_case": "NTN-101"},
    "W000002": {"worker_id": "W000002", "status": "on_leave", "leave_type": "STD", "paid": True,
                "effective_date": "2026-11-09", "expected_return_date": "2027-01-04", "source_case": "NTN-102"},
    "W000003": {"worker_id": "W000003", "status": "on_leave", "leave_type": "STATE", "paid": True,
                "effective_date": "2026-11-16", "expected_return_date": None, "source_case": "NTN-103"},
    "W000004": {"worker_id": "W000004", "status": "active", "leave_type": None, "paid": False,
                "effective_date": "2026-11-02", "expected_return_date": None, "source_case": "NTN-104"},
    "W000006": {"worker_id": "W000006", "status": "on_leave", "leave_type": "FMLA", "paid": False,
                "effective_date": "2026-11-10", "expected_return_date": None, "source_case": "NTN-106"},
}


@pytest.fixture
def hris(tmp_path: Path) -> Iterator[HrisSimulator]:
    data = tmp_path / "hris"
    data.mkdir()
    import random

    rnd = random.Random(5)
    with (data / "workers.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(1, len(IN_HRIS) + 1):
            fh.write(json.dumps(worker(i, rnd)) + "\n")
    with running_simulator(data) as sim:
        yield sim


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub(request: pytest.FixtureRequest, tmp_path: Path, hris: HrisSimulator,
        monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Northwind (http, the simulator) and Harbor (local folders) on a store with workers and leave."""
    mappings = tmp_path / "mappings"
    shutil.copytree(REPO_ROOT / "mappings" / "northwind_hris", mappings / "northwind_hris")
    shutil.copytree(REPO_ROOT / "mappings" / "harbor_leave", mappings / "harbor_leave")
    harbor = local_vendor_yaml(REPO_ROOT / "mappings" / "harbor_leave" / "vendor.yaml")
    (mappings / "harbor_leave" / "vendor.yaml").write_text(yaml.safe_dump(harbor, sort_keys=False), "utf-8")
    connection = {"conn_type": "http", "host": hris.url, "login": CLIENT_ID, "password": CLIENT_SECRET,
                  "extra": {"token_path": "/oauth/token", "allow_insecure_http": True}}
    if request.param == "postgres":
        url = request.getfixturevalue("pipeline_pg_url")
        truncate(url)
    else:
        url = db_upgrade(f"sqlite:///{tmp_path / 'leavehub.db'}")
    env = {"LEAVEHUB_HOME": str(tmp_path / "home"), "LEAVEHUB_MAPPINGS": str(mappings), "LEAVEHUB_DB_URL": url,
           "LEAVEHUB_PII_KEY": generate_key(), "AIRFLOW_CONN_NORTHWIND_HRIS_API": json.dumps(connection)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env({**os.environ, **env})
    import random

    rnd = random.Random(5)
    page = tmp_path / "workers_page.json"
    page.write_text(json.dumps({"data": [worker(i, rnd) for i in range(1, len(HIRED) + 1)],
                                "next_cursor": None}), encoding="utf-8")
    assert run_feed("northwind_hris.workers", files=[page], business_date=DAY, settings=settings).ok
    post_leave(settings, tmp_path / "HARBOR_LEAVE_20261119.csv", PERIODS)
    return settings


def post_leave(settings: Settings, path: Path, rows: list[dict[str, str]]) -> None:
    path.write_bytes(render_csv(LEAVE_COLUMNS, ([row[c] for c in LEAVE_COLUMNS] for row in rows)))
    outcome = run_feed("harbor_leave.leave_periods", files=[path], settings=settings)
    assert outcome.ok, outcome.summary()


def stored(settings: Settings) -> list[writebacks.StoredUpdate]:
    store = open_store(settings)
    try:
        return writebacks.updates(store.engine, "northwind_hris", "leave_status")
    finally:
        store.dispose()


def applied_bodies(sim: HrisSimulator) -> dict[str, list[dict[str, Any]]]:
    by_worker: dict[str, list[dict[str, Any]]] = {}
    for update in sim.updates()["updates"]:
        body = {k: v for k, v in update.items() if k not in ("id", "key")}
        by_worker.setdefault(update["worker_id"], []).append(body)
    return by_worker


def assert_no_key_applied_twice(sim: HrisSimulator) -> None:
    seen = sim.updates()
    assert seen["applied_per_key"] and set(seen["applied_per_key"].values()) == {1}, seen["applied_per_key"]
    pairs = [(u["worker_id"], u["effective_date"]) for u in seen["updates"]]
    assert len(pairs) == len(set(pairs)), pairs


# -- what is sent -------------------------------------------------------------------------------------------------

def test_each_worker_on_leave_or_back_gets_one_update_with_the_hand_written_body(hub, hris, caplog) -> None:
    outcome = run_feed(FEED, business_date=DAY, settings=hub)
    sent = outcome.sent
    assert (sent.status, sent.applied, sent.superseded, sent.rejected) == ("SENT", 5, 0, 1), outcome.summary()
    assert applied_bodies(hris) == {w: [body] for w, body in EXPECTED.items()}
    rows = {u.employee_id: u for u in stored(hub)}
    assert {w: u.status for w, u in rows.items()} == {**dict.fromkeys(EXPECTED, "APPLIED"),
                                                      "W000008": "REJECTED"}
    assert rows["W000008"].errors == [{"field": "worker_id", "reason": "unknown_worker"}]
    assert rows["W000001"].vendor_ref and rows["W000001"].http_status == 201
    # the key was fixed when the batch was built, and it is the one the HRIS applied
    assert {u["key"] for u in hris.updates()["updates"]} == {rows[w].idempotency_key for w in EXPECTED}
    alerts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ALERT rejected_by_vendor")]
    assert len(alerts) == 1 and "worker_id" in alerts[0] and "NTN-108" not in alerts[0]
    store = open_store(hub)
    try:
        ledger = store.ledger(vendor="northwind_hris", feed="leave_status")
    finally:
        store.dispose()
    assert [(r.status, r.records_applied) for r in ledger] == [("SENT", 6)]
    assert_no_key_applied_twice(hris)


def test_nothing_changed_sends_nothing_and_a_change_sends_only_that_worker(hub, hris) -> None:
    run_feed(FEED, business_date=DAY, settings=hub)
    again = run_feed(FEED, business_date=DAY, settings=hub).sent
    assert (again.status, again.records) == ("NOTHING_TO_SEND", 0)  # the refused W000008 is not resent either
    # the TPA now knows W000006's return date
    post_leave(hub, hub.home / "HARBOR_LEAVE_20261120.csv",
               [period("P7", "W000006", "FMLA", "2026-11-10", case="NTN-106", rtw="2026-12-01",
                       updated="2026-11-20T10:00:00Z")])
    later = run_feed(FEED, business_date=date(2026, 11, 21), settings=hub).sent
    assert (later.applied, later.superseded, later.rejected) == (0, 1, 0)  # same worker and date: 409
    assert [u.status for u in stored(hub) if u.employee_id == "W000006"] == ["APPLIED", "SUPERSEDED"]
    # W000005's leave starts on 12-07: on that business date the HRIS hears of it, and only of it
    start = run_feed(FEED, business_date=date(2026, 12, 7), settings=hub).sent
    assert start.applied == 1
    assert applied_bodies(hris)["W000005"] == [{**EXPECTED["W000006"], "worker_id": "W000005",
                                                "effective_date": "2026-12-07", "source_case": "NTN-105"}]
    assert_no_key_applied_twice(hris)


def test_a_newer_update_keyed_in_at_the_hris_makes_ours_superseded_not_an_error(hub, hris, caplog) -> None:
    hris.enter_update("W000001", "2026-11-25")
    sent = run_feed(FEED, business_date=DAY, settings=hub).sent
    assert (sent.applied, sent.superseded) == (4, 1)
    assert {u.employee_id: u.status for u in stored(hub)}["W000001"] == "SUPERSEDED"
    alerts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ALERT")]
    assert len(alerts) == 1 and "superseded" in alerts[0] and "1 update(s) refused" in alerts[0]


# -- retries and crashes -------------------------------------------------------------------------------------

def test_503s_and_a_lost_answer_are_retried_under_the_same_key_and_applied_once(hub, hris) -> None:
    hris.set_faults(unavailable_next=3, drop_next=1)
    sent = run_feed(FEED, business_date=DAY, settings=hub).sent
    assert (sent.applied, sent.rejected) == (5, 1)
    stats = hris.stats()
    assert stats["status_503"] == 3 and stats["dropped"] == 1 and stats["replays"] >= 1
    assert_no_key_applied_twice(hris)


def test_a_run_that_gives_up_on_503s_resumes_with_the_same_keys(hub, hris) -> None:
    hris.set_faults(unavailable_next=1000)
    with pytest.raises(TransientError):
        run_feed(FEED, business_date=DAY, settings=hub)
    built = {u.employee_id: u.idempotency_key for u in stored(hub)}
    assert {u.status for u in stored(hub)} == {"PENDING"} and len(built) == 6
    hris.set_faults(reset=True)
    sent = run_feed(FEED, business_date=DAY, settings=hub).sent
    assert (sent.resumed, sent.applied, sent.rejected) == (6, 5, 1)
    assert {u.employee_id: u.idempotency_key for u in stored(hub)} == built
    assert_no_key_applied_twice(hris)


def test_a_client_killed_mid_batch_resumes_without_a_duplicate(hub, hris, tmp_path) -> None:
    hris.set_faults(delay_seconds=0.4)  # slow answers: the run is killed part way through the batch
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-c", "from leavehub.cli import main; main()", "run", FEED,
                             "--date", DAY.isoformat()], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(hris.updates()["updates"]) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    before = len(hris.updates()["updates"])
    assert 2 <= before < 5, before
    assert "PENDING" in {u.status for u in stored(hub)}
    hris.set_faults(reset=True)
    sent = run_feed(FEED, business_date=DAY, settings=hub).sent
    assert sent.resumed >= 1 and sent.rejected == 1
    assert {u.employee_id for u in stored(hub) if u.status == "APPLIED"} == set(EXPECTED)
    assert applied_bodies(hris) == {w: [body] for w, body in EXPECTED.items()}
    assert_no_key_applied_twice(hris)
