"""Every reference feed DAG run end to end by Airflow (``dag.test()`` on SQLite) against the simulators.

One sandbox for the module (OpenSSH sshd with Harbor's sealed files, the Northwind HRIS API, ~200 employees),
its ``AIRFLOW_CONN_*`` exported, LEAVEHUB_HOME in a temp folder (store: SQLite there; ``dag.test()`` runs each
task in this process, so one SQLite file is safe). The DAGs run in dependency order: the four HRIS pulls, the
Harbor census (asset-scheduled on three of them), then Harbor's three inbound feeds. Pinned here:

- each run succeeds, posts what the vendor served, sends the census, and publishes its asset with the business
  date (and the HRIS assets queue the census DAG, as its asset schedule says);
- re-running the same DAG runs changes no STATE: store contents, ledger rows (only DUPLICATE rows may be
  added), remote files' bytes, batch ids;
- a crash between the remote rename and the ledger write is retried by Airflow into exactly one SENT row and
  the same remote bytes (the outbox artifact is reused, not rebuilt);
- two workers claiming the same inbound file at once post it exactly once (one APPLIED, one DUPLICATE).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pg_databases import db_upgrade

from leavehub.settings import Settings

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
EMPLOYEES = 200
BUSINESS_DATE = date(2026, 12, 31)
LOGICAL_DATE = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
"""Fixed (and in the past) so that a second ``dag.test()`` with it is a re-run of the same DAG run."""

HRIS_FEEDS = ("workers", "hours_worked", "time_off_balances", "benefit_enrollments")
HARBOR_IN_FEEDS = ("leave_periods", "absences", "benefit_payments")
ORDER = (*(f"northwind_hris__{f}" for f in HRIS_FEEDS), "harbor_leave__eligibility",
         *(f"harbor_leave__{f}" for f in HARBOR_IN_FEEDS))
CENSUS_ASSETS = ("northwind_hris.workers", "northwind_hris.hours_worked", "northwind_hris.benefit_enrollments")
HARBOR_FOLDERS = ("inbound", "outbound", "archive")
FILE_PREFIX = {"leave_periods": "HARBOR_LEAVE_", "absences": "HARBOR_ABSENCE_", "benefit_payments": "HARBOR_PAY_"}


# --- fixtures and helpers -----------------------------------------------------------------------------


@dataclass
class DagRunResult:
    dag_id: str
    run_id: str
    state: str
    task_state: str
    try_number: int
    summary: dict[str, Any] | None


@dataclass
class Hub:
    stack: Any
    root: Path
    settings: Settings
    dags: dict[str, Any]
    served: dict[str, list[str]]
    """Harbor's files waiting in its outbound/ before any run, by feed."""
    first: dict[str, DagRunResult] = field(default_factory=dict)
    census_queue: set[str] = field(default_factory=set)
    """Assets queued for the census DAG right after the last HRIS pull it is scheduled on."""

    def store(self) -> Any:
        from leavehub.pipeline.runner import open_store

        return open_store(self.settings)

    def run(self, dag_id: str, *, logical_date: datetime = LOGICAL_DATE,
            business_date: date = BUSINESS_DATE) -> DagRunResult:
        return run_dag(self.dags[dag_id], logical_date=logical_date, business_date=business_date)


@dataclass
class SimpleRow:
    """What ``XComModel.deserialize_value`` reads: an object with a ``value``."""

    value: Any


def run_dag(dag: Any, *, logical_date: datetime, business_date: date) -> DagRunResult:
    """``dag.test()`` for one business date; logical date and run_after fixed, so the run id is too."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    run = dag.test(logical_date=logical_date, run_after=logical_date,
                   run_conf={"business_date": business_date.isoformat()})
    with create_session() as session:
        (ti,) = run.get_task_instances(session=session)
        value = session.scalar(select(XComModel.value).where(
            XComModel.dag_id == dag.dag_id, XComModel.run_id == run.run_id, XComModel.task_id == ti.task_id,
            XComModel.key == "return_value"))
        return DagRunResult(dag.dag_id, run.run_id, str(run.state), str(ti.state), ti.try_number,
                            XComModel.deserialize_value(SimpleRow(value)) if value is not None else None)


def asset_events() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(asset uri, source dag, source run, extra) of every asset event Airflow recorded, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(select(AssetModel.uri, AssetEvent.source_dag_id, AssetEvent.source_run_id,
                                      AssetEvent.extra).join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                               .order_by(AssetEvent.id)).all()
        return [(uri, dag_id, run_id, dict(extra or {})) for uri, dag_id, run_id, extra in rows]


def queued_asset_uris(target_dag_id: str) -> set[str]:
    """Assets whose events wait in Airflow's queue to trigger ``target_dag_id`` (its asset schedule)."""
    from airflow.models.asset import AssetDagRunQueue, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return set(session.scalars(select(AssetModel.uri).join(
            AssetDagRunQueue, AssetDagRunQueue.asset_id == AssetModel.id).where(
            AssetDagRunQueue.target_dag_id == target_dag_id)))


def sha256_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def remote_files(stack: Any) -> dict[str, str]:
    """SHA-256 of every file in Harbor's SFTP folders, by ``folder/name``."""
    return {f"{folder}/{name}": digest for folder in HARBOR_FOLDERS
            for name, digest in sha256_tree(stack.harbor_dir(folder)).items()}


@dataclass
class StoreState:
    current: dict[str, Any]
    ledger: list[Any]
    batches: list[dict[str, Any]]


def store_state(store: Any) -> StoreState:
    """Everything a re-run could change: current rows of every entity, the ledger, the outbound batches."""
    from sqlalchemy import select

    from leavehub.store.tables import OUTBOUND_BATCH, VERSIONED_ENTITIES

    with store.engine.connect() as connection:
        batches = [dict(row) for row in connection.execute(
            select(OUTBOUND_BATCH).order_by(OUTBOUND_BATCH.c.id)).mappings()]
    return StoreState(current={entity: store.current(entity) for entity in VERSIONED_ENTITIES},
                      ledger=sorted(store.ledger(), key=lambda e: e.id), batches=batches)


def register_unpaused(bag: Any) -> None:
    """Write the parsed DAGs to Airflow's DB as ``dag.test()`` does, unpaused: asset events queue only
    unpaused DAGs (the paused-at-creation default is bound when Airflow's models are first imported)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(list(bag.dags))).values(is_paused=False))


@pytest.fixture(scope="module")
def hub(airflow_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The simulators, their connections and a temp LEAVEHUB_HOME in the environment; the DAG folder parsed."""
    from airflow.dag_processing.dagbag import BundleDagBag

    from leavehub.store.pii import generate_key
    from sandbox.stack import SandboxStack

    for tool in ("sshd", "gpg", "ssh-keygen"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            pytest.skip(f"{tool} is not installed")
    root = tmp_path_factory.mktemp("dag_runs")
    stack = SandboxStack(root / "sandbox", employees=EMPLOYEES)
    try:
        stack.start()
    except (OSError, RuntimeError) as exc:
        pytest.skip(f"sandbox did not start: {exc}")
    try:
        with pytest.MonkeyPatch.context() as mp:
            for name, value in {**stack.env, "LEAVEHUB_HOME": str(root / "hub"),
                                "LEAVEHUB_PII_KEY": generate_key()}.items():
                mp.setenv(name, value)
            for name in ("LEAVEHUB_DB_URL", "LEAVEHUB_MAPPINGS", "LEAVEHUB_EMPLOYER"):
                mp.delenv(name, raising=False)
            db_upgrade(Settings.from_env().db_url)
            bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
            assert bag.import_errors == {}
            register_unpaused(bag)
            served = {feed: sorted(p.name for p in stack.harbor_dir("outbound").glob(f"{prefix}*"))
                      for feed, prefix in FILE_PREFIX.items()}
            yield Hub(stack=stack, root=root, settings=Settings.from_env(), dags=bag.dags, served=served)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def first_pass(hub: Hub) -> Hub:
    """Every DAG once, in dependency order, for BUSINESS_DATE."""
    for dag_id in ORDER:
        started = time.monotonic()
        hub.first[dag_id] = hub.run(dag_id)
        print(f"{dag_id}: {hub.first[dag_id].state} in {time.monotonic() - started:.1f} s")
        if dag_id == "northwind_hris__benefit_enrollments":  # the census DAG's asset schedule is satisfied
            hub.census_queue = queued_asset_uris("harbor_leave__eligibility")
    return hub


# --- each DAG run, end to end -------------------------------------------------------------------------


def test_every_feed_dag_run_succeeds_in_dependency_order(first_pass: Hub) -> None:
    assert list(first_pass.first) == list(ORDER)
    for run in first_pass.first.values():
        assert (run.state, run.task_state, run.try_number) == ("success", "success", 1), run


def test_hris_runs_post_every_pull_and_publish_their_assets(first_pass: Hub) -> None:
    store = first_pass.store()
    for feed in HRIS_FEEDS:
        (entry,) = store.ledger(vendor="northwind_hris", feed=feed)
        assert entry.status == "APPLIED" and entry.records_applied > 0, entry
        summary = first_pass.first[f"northwind_hris__{feed}"].summary
        assert summary == {"feed": f"northwind_hris.{feed}", "business_date": BUSINESS_DATE.isoformat(),
                           "files": {"APPLIED": 1}}
    assert len(store.current("employee")) == EMPLOYEES
    events = {(uri, dag): extra for uri, dag, _, extra in asset_events()}
    for feed in HRIS_FEEDS:
        extra = events[(f"x-leavehub://northwind_hris/{feed}", f"northwind_hris__{feed}")]
        assert extra["business_date"] == BUSINESS_DATE.isoformat()
    assert first_pass.census_queue == {f"x-leavehub://{a.replace('.', '/')}" for a in CENSUS_ASSETS}


def test_census_run_sends_one_sealed_file_and_records_its_batch(first_pass: Hub) -> None:
    store = first_pass.store()
    (sent,) = store.ledger(vendor="harbor_leave", feed="eligibility", status="SENT")
    assert sent.business_date == BUSINESS_DATE and sent.batch_id and sent.records_applied > 0
    remote = first_pass.stack.harbor_dir("inbound") / sent.file_name
    assert hashlib.sha256(remote.read_bytes()).hexdigest() == sent.sha256_received
    assert remote.read_bytes()[:1] != b"E"  # OpenPGP binary packets, not the plaintext header
    assert [p.name for p in first_pass.stack.harbor_dir("inbound").iterdir()] == [sent.file_name]  # no temp left
    summary = first_pass.first["harbor_leave__eligibility"].summary
    assert summary is not None
    assert (summary["status"], summary["file"], summary["batch_id"], summary["records"]) == (
        "SENT", sent.file_name, sent.batch_id, sent.records_applied)
    (event,) = [extra for uri, dag, _, extra in asset_events() if dag == "harbor_leave__eligibility"]
    assert event == summary
    assert not any((first_pass.settings.home / "outbox").rglob("*.pgp")), "outbox artifact left after SENT"


def test_harbor_runs_post_every_waiting_file_and_archive_it(first_pass: Hub) -> None:
    store = first_pass.store()
    outbound_left = {p.name for p in first_pass.stack.harbor_dir("outbound").iterdir()}
    archived = {p.name for p in first_pass.stack.harbor_dir("archive").iterdir()}
    for feed in HARBOR_IN_FEEDS:
        served = first_pass.served[feed]
        assert served, f"the sandbox served no {feed} files"
        entries = store.ledger(vendor="harbor_leave", feed=feed)
        assert sorted(e.file_name for e in entries) == served
        statuses = {e.status for e in entries}
        assert statuses <= {"APPLIED", "DUPLICATE"} and "APPLIED" in statuses, (feed, statuses)
        assert not set(served) & outbound_left and set(served) <= archived
        summary = first_pass.first[f"harbor_leave__{feed}"].summary
        assert summary is not None and summary["files"].get("APPLIED") == sum(
            e.status == "APPLIED" for e in entries)
    assert len(store.current("leave_period")) > 0 and len(store.current("benefit_payment")) > 0


# --- idempotency: state, not counts -------------------------------------------------------------------


def test_rerunning_the_same_dag_runs_changes_no_state(first_pass: Hub) -> None:
    import pandas as pd

    store = first_pass.store()
    before = store_state(store)
    remote_before = remote_files(first_pass.stack)
    events_before = asset_events()

    again = {dag_id: first_pass.run(dag_id) for dag_id in ORDER}

    for dag_id, run in again.items():
        assert run.run_id == first_pass.first[dag_id].run_id  # the same DAG run, run again
        assert run.state == "success", run
        # nothing new to post: the task skips, so downstream asset schedules are not triggered for nothing
        expected = "success" if dag_id == "harbor_leave__eligibility" else "skipped"
        assert run.task_state == expected, run
    census = again["harbor_leave__eligibility"].summary
    sent_first = first_pass.first["harbor_leave__eligibility"].summary
    assert census is not None and sent_first is not None and census["status"] == "ALREADY_SENT"
    assert {k: census[k] for k in ("file", "batch_id", "records", "business_date")} == {
        k: sent_first[k] for k in ("file", "batch_id", "records", "business_date")}

    after = store_state(store)
    for entity, frame in before.current.items():
        pd.testing.assert_frame_equal(after.current[entity], frame, obj=entity)
    assert after.batches == before.batches
    known = {e.id for e in before.ledger}
    assert [e for e in after.ledger if e.id in known] == before.ledger
    added = [e for e in after.ledger if e.id not in known]
    assert {e.feed for e in added} == set(HRIS_FEEDS)  # each HRIS pull is on record ...
    # ... as the same content again, or (workers, hours: only what changed since the last pull) with nothing new
    assert all((e.status == "DUPLICATE" and e.duplicate_of in known)
               or (e.status == "APPLIED" and e.feed in ("workers", "hours_worked") and e.records_applied == 0)
               for e in added), added
    assert remote_files(first_pass.stack) == remote_before
    new_events = [e for e in asset_events() if e not in events_before]
    assert [(uri, dag) for uri, dag, _, _ in new_events] == [
        ("x-leavehub://harbor_leave/eligibility", "harbor_leave__eligibility")]


# --- a crash after the rename, before the ledger write ------------------------------------------------


def test_crash_between_remote_rename_and_ledger_write_is_retried_into_one_send(
        first_pass: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    import leavehub.pipeline.outbound as outbound
    from leavehub.store.store import Store
    from schemas.errors import TransientError

    day = BUSINESS_DATE - timedelta(days=1)
    inbound = first_pass.stack.harbor_dir("inbound")
    remote_at_crash: dict[str, str] = {}
    send_calls: list[str] = []
    builds: list[str] = []
    real_record_send, real_build = Store.record_send, outbound._build_artifact

    def record_send_crashing_once(self: Any, batch_id: str, **kwargs: Any) -> int:
        send_calls.append(batch_id)
        if len(send_calls) == 1:  # the file is already renamed into place on Harbor's server
            remote_at_crash.update(sha256_tree(inbound))
            raise TransientError("worker lost its store connection after the upload")
        return real_record_send(self, batch_id, **kwargs)

    def counting_build(feed: Any, store: Any, business_date: date, batch: Any, outbox: Path, *args: Any) -> None:
        builds.append(outbox.name)
        real_build(feed, store, business_date, batch, outbox, *args)

    monkeypatch.setattr(Store, "record_send", record_send_crashing_once)
    monkeypatch.setattr(outbound, "_build_artifact", counting_build)
    dag = first_pass.dags["harbor_leave__eligibility"]
    monkeypatch.setattr(dag.get_task("send"), "retry_delay", timedelta(0))  # retry at once, not in 2 min

    run = run_dag(dag, logical_date=LOGICAL_DATE + timedelta(days=1), business_date=day)

    assert (run.state, run.task_state, run.try_number) == ("success", "success", 2), run
    assert len(send_calls) == 2 and send_calls[0] == send_calls[1]  # the retry resent the SAME batch
    assert len(builds) == 1  # ... from the outbox artifact built by the first try
    store = first_pass.store()
    (sent,) = store.ledger(vendor="harbor_leave", feed="eligibility", status="SENT", business_date=day)
    assert sent.batch_id == send_calls[0] and run.summary and run.summary["batch_id"] == sent.batch_id
    new_name = sent.file_name
    assert remote_at_crash.get(new_name) == sent.sha256_received, "the first try had not renamed the file"
    assert sha256_tree(inbound)[new_name] == remote_at_crash[new_name]  # bytes unchanged by the resend
    assert all(not n.startswith(".") for n in sha256_tree(inbound)), "temporary upload left behind"
    state = store_state(store)
    assert [b["status"] for b in state.batches if b["feed"] == "eligibility"] == ["SENT", "SENT"]
    assert not any((first_pass.settings.home / "outbox").rglob("*.pgp"))


def test_a_batch_built_on_one_worker_is_sent_from_another_with_the_same_bytes_once(
        first_pass: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """The built batch lives in the store, not a worker's LEAVEHUB_HOME: worker A builds and dies before the
    upload; worker B (another home, the same store) sends A's bytes, without rebuilding, exactly once."""
    import dataclasses

    from sqlalchemy import select

    import leavehub.pipeline.outbound as outbound
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.runner import open_store
    from leavehub.store.tables import OUTBOUND_ARTIFACT
    from schemas.errors import TransientError

    day = BUSINESS_DATE - timedelta(days=3)
    inbound = first_pass.stack.harbor_dir("inbound")
    before = sha256_tree(inbound)
    worker_a = first_pass.settings
    worker_b = dataclasses.replace(worker_a, home=first_pass.root / "worker_b")
    assert worker_b.db_url == worker_a.db_url and worker_b.home != worker_a.home

    def worker_dies(*args: Any, **kwargs: Any) -> Any:
        raise TransientError("worker A was lost after the build, before the upload")

    with monkeypatch.context() as crash:
        crash.setattr(outbound, "_deliver", worker_dies)
        with pytest.raises(TransientError):
            outbound.send_feed(load_feed("harbor_leave.eligibility", worker_a), store=open_store(worker_a),
                               business_date=day)
    store = open_store(worker_b)
    with store.engine.connect() as connection:
        [batch_id] = connection.execute(select(OUTBOUND_ARTIFACT.c.batch_id)).scalars().all()
    built = store.artifact(batch_id)
    assert built is not None and built.business_date == day
    assert sha256_tree(inbound) == before, "nothing reached the vendor from worker A"
    assert not [p for p in (worker_a.home / "outbox").rglob("*") if p.is_file()], "no batch state on A's disk"

    builds: list[str] = []
    real_build = outbound._build_artifact

    def counting_build(*args: Any) -> None:
        builds.append("build")
        real_build(*args)

    monkeypatch.setattr(outbound, "_build_artifact", counting_build)
    sent = outbound.send_feed(load_feed("harbor_leave.eligibility", worker_b), store=store, business_date=day)
    again = outbound.send_feed(load_feed("harbor_leave.eligibility", worker_b), store=store, business_date=day)

    arrived = {name: sha for name, sha in sha256_tree(inbound).items() if name not in before}
    assert arrived == {built.file_name: built.sha256_sent}, "the vendor received A's bytes, exactly once"
    assert hashlib.sha256(built.content).hexdigest() == built.sha256_sent
    assert builds == [] and sent.batch_id == batch_id and sent.sha256 == built.sha256_sent
    assert again.status == "ALREADY_SENT"
    (entry,) = store.ledger(vendor="harbor_leave", feed="eligibility", status="SENT", business_date=day)
    assert entry.sha256_received == built.sha256_sent and store.artifact(batch_id) is None


# --- two workers, one file ----------------------------------------------------------------------------


def test_same_inbound_file_claimed_by_two_workers_is_posted_once(
        first_pass: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import func, select

    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.inbound import receive_file
    from leavehub.store import Store
    from leavehub.store.tables import versions_table

    settings = first_pass.settings
    feed = load_feed("harbor_leave.leave_periods", settings)
    name = max(first_pass.served["leave_periods"],
               key=lambda n: (first_pass.stack.harbor_dir("archive") / n).stat().st_size)
    source = tmp_path / name
    shutil.copy2(first_pass.stack.harbor_dir("archive") / name, source)
    store = Store.open(f"sqlite:///{tmp_path / 'race.db'}")
    store.migrate()
    both_ready = threading.Barrier(2, timeout=60)
    real_intake = Store.intake

    def intake_together(self: Any, arrival: Any) -> Any:  # both workers claim in the same instant
        both_ready.wait()
        return real_intake(self, arrival)

    monkeypatch.setattr(Store, "intake", intake_together)

    def worker(_: int) -> Any:
        return receive_file(feed, source, store=store, business_date=None)

    with ThreadPoolExecutor(max_workers=2) as pool:
        receipts = list(pool.map(worker, range(2)))

    assert sorted(r.status for r in receipts) == ["APPLIED", "DUPLICATE"]
    applied = next(r for r in receipts if r.status == "APPLIED")
    assert applied.records.get("leave_period", 0) > 0
    rows = {e.status: e for e in store.ledger()}
    assert sorted(e.status for e in store.ledger()) == ["APPLIED", "DUPLICATE"]
    assert rows["DUPLICATE"].duplicate_of == rows["APPLIED"].id == applied.ledger_id
    versions = versions_table("leave_period")
    with store.engine.connect() as connection:
        by_file = dict(connection.execute(select(versions.c.source_file_id, func.count())
                                          .group_by(versions.c.source_file_id)).all())
    assert by_file == {applied.ledger_id: applied.records["leave_period"]}  # posted once, by the winner only
    store.dispose()


def test_reconcile_dag_run_by_hand_reconciles_its_day_and_writes_both_reports(first_pass: Hub) -> None:
    """A manual run (no register event, no check_date param) and no pay calendar in the store: the run of
    2026-11-02 (Los Angeles) reconciles that day. (The register-triggered run: tests/dags/test_pay_dags.py.)"""
    import re

    run = first_pass.run("leavehub__reconcile")
    assert (run.state, run.task_state) == ("success", "success"), run
    assert run.summary is not None and run.summary["check_date"] == "2026-11-02"
    workbook, html = Path(run.summary["workbook"]), Path(run.summary["html"])
    assert workbook.parent == first_pass.settings.home / "reports" and workbook.stat().st_size > 0
    assert not re.search(r"(?<!\d)\d{3}-?\d{2}-?\d{4}(?!\d)", html.read_text(encoding="utf-8"))
