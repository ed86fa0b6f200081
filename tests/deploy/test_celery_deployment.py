"""The path past one machine, proven: a LeaveHub feed DAG runs on a real CeleryExecutor deployment.

One real Airflow 3 deployment on this machine (see ``airflow_cluster.py``): a PostgreSQL metadata database of
the test's own, Redis as the Celery broker, and the scheduler, dag-processor, api-server and ONE Celery worker
as separate processes. Two DAG bundles: the project's ``dags/`` folder and a one-task probe DAG the test
writes. The sandbox simulators (SandboxStack) are the vendors; the LeaveHub store is a PostgreSQL database of
the test's own, exported - with the vendor connections - to the worker only.

Both DAGs are triggered through the REST API v2 with a JWT from ``/auth/token`` and polled to the end. That
each task ran inside the Celery worker the test started is shown two ways:

- the worker alone has a hostname callable returning a name nobody else uses, and each task instance's
  ``hostname`` (reported by the task process itself) is that name;
- the probe task returns its process' parent chain, which passes through the worker's pid and not the
  scheduler's.

Every listening socket of the deployment is on 127.0.0.1. Then every process is stopped, and no process
naming the AIRFLOW_HOME, no database and no broker key remain.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from airflow_cluster import PG_ADMIN_DSN, REDIS_URL, AirflowCluster, postgres_database
from pg_databases import db_upgrade

from sandbox.stack import SandboxStack

pytestmark = [pytest.mark.realpeer, pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
PROJECT_DAGS = ROOT / "dags"
REFERENCE_DAG = "northwind_hris__workers"
"""The lightest reference exchange: one HTTP pull from the HRIS simulator, no SFTP or OpenPGP."""
REFERENCE_TASK = "receive"
PROBE_DAG = "leavehub_celery_probe"
PROBE_TASK = "where_am_i"

PROBE_DAG_SOURCE = f'''\
"""Probe: returns the pid and parent chain of the process the task ran in."""
from datetime import datetime

from airflow.sdk import dag, task


@dag(dag_id="{PROBE_DAG}", schedule=None, start_date=datetime(2025, 1, 1), catchup=False)
def leavehub_celery_probe():
    @task(task_id="{PROBE_TASK}")
    def where_am_i():
        import os

        import psutil

        return {{"pid": os.getpid(), "ancestors": [p.pid for p in psutil.Process().parents()]}}

    where_am_i()


leavehub_celery_probe()
'''


def _require_peers() -> None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=5):
            pass
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
        if client.dbsize():
            pytest.skip(f"Redis db {REDIS_URL} is not empty: it belongs to someone else here")
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        client.close()


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[AirflowCluster, postgres_database]]:
    """Simulators + LeaveHub store database + the whole Airflow deployment; torn down in reverse order."""
    _require_peers()
    probe_dags = tmp_path / "probe_dags"
    probe_dags.mkdir()
    (probe_dags / "leavehub_celery_probe.py").write_text(PROBE_DAG_SOURCE)
    store_db = postgres_database(f"leavehub_deploy_{os.urandom(4).hex()}")
    with SandboxStack(tmp_path / "sandbox", employees=200) as stack, store_db:
        worker_env = {
            **stack.env,
            "LEAVEHUB_HOME": str(tmp_path / "leavehub_home"),
            "LEAVEHUB_DB_URL": db_upgrade(store_db.url("postgresql+psycopg")),
        }
        cluster = AirflowCluster(tmp_path, bundles={"leavehub": PROJECT_DAGS, "deploy-probe": probe_dags},
                                 worker_env=worker_env, concurrency=2)
        try:
            yield cluster.start(), store_db
        finally:
            cluster.stop()
    assert not store_db.exists()


def test_feed_dag_runs_on_the_celery_worker_of_a_real_deployment(
        deployment: tuple[AirflowCluster, postgres_database]) -> None:
    cluster, store_db = deployment
    began = time.monotonic()
    worker_pid = cluster.processes["celery-worker"].pid
    scheduler_pid = cluster.processes["scheduler"].pid

    for dag_id in (PROBE_DAG, REFERENCE_DAG):
        dag = cluster.wait_for_dag(dag_id, timeout=90)
        assert dag["dag_id"] == dag_id
    cluster.timings["dags_parsed_s"] = time.monotonic() - began

    runs = {dag_id: cluster.trigger(dag_id) for dag_id in (PROBE_DAG, REFERENCE_DAG)}
    started = time.monotonic()
    for dag_id, run_id in runs.items():
        state = cluster.wait_for_run(dag_id, run_id, timeout=150)
        assert state == "success", f"{dag_id} run {state}:\n{cluster.describe_run(dag_id, run_id)}"
    cluster.timings["runs_done_s"] = time.monotonic() - started

    # 1. Every task instance reports the hostname only the Celery worker's environment produces.
    for dag_id, run_id in runs.items():
        for ti in cluster.task_instances(dag_id, run_id):
            assert ti["state"] == "success", cluster.describe_run(dag_id, run_id)
            assert ti["hostname"] == cluster.worker_hostname, (dag_id, ti["task_id"], ti["hostname"])
            assert ti["hostname"] != socket.getfqdn()

    # 2. The probe task's process descends from the worker process, not from the scheduler.
    probe = cluster.xcom(PROBE_DAG, runs[PROBE_DAG], PROBE_TASK)
    assert worker_pid in probe["ancestors"], (worker_pid, probe)
    assert scheduler_pid not in probe["ancestors"], (scheduler_pid, probe)
    assert probe["pid"] not in {p.pid for p in cluster.processes.values()}

    # 3. The reference exchange really exchanged: one HRIS pull applied, in the PostgreSQL LeaveHub store.
    summary = cluster.xcom(REFERENCE_DAG, runs[REFERENCE_DAG], REFERENCE_TASK)
    assert summary["feed"] == "northwind_hris.workers"
    assert summary["files"] == {"APPLIED": 1}, summary
    with psycopg.connect(store_db.url(), connect_timeout=10) as conn:
        ledger = conn.execute("SELECT vendor, feed, status, records_applied FROM file_ledger").fetchall()
    assert [(v, f, s) for v, f, s, _ in ledger] == [("northwind_hris", "workers", "APPLIED")]
    assert ledger[0][3] > 0

    # 4. The deployment listens on loopback only: the api-server's port, nothing else reachable.
    listening = cluster.listening()
    assert ("127.0.0.1", cluster.port) in listening
    assert {ip for ip, _ in listening} == {"127.0.0.1"}, listening

    # 5. Stopping leaves nothing behind: no process naming the AIRFLOW_HOME, no database, no broker keys.
    stopping = time.monotonic()
    cluster.stop()
    cluster.timings["stop_s"] = time.monotonic() - stopping
    assert cluster.leftovers() == []
    assert all(proc.poll() is not None for proc in cluster.processes.values())
    assert not cluster.database.exists()
    broker = redis.Redis.from_url(cluster.redis_url, socket_timeout=5)
    try:
        assert broker.dbsize() == 0
    finally:
        broker.close()
    print("\ncelery deployment timings (s): "
          + ", ".join(f"{k}={v:.1f}" for k, v in cluster.timings.items()))

