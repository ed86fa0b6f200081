"""A real multi-process Airflow 3 deployment on this machine, for the Celery deployment test.

What ``AirflowCluster`` starts, each as its own process (own session, so own process group) with its log in
``<home>/logs/<name>.log``:

    airflow db migrate                      once, against a PostgreSQL database of its own
    airflow scheduler                       CeleryExecutor, broker = Redis db index of its own
    airflow dag-processor                   parses every configured DAG bundle
    airflow api-server                      127.0.0.1:<free port>, 1 uvicorn worker (sized for 2 cores)
    airflow celery worker                   ONE worker, concurrency 2, no log-server port opened

Only the worker gets ``worker_env`` (vendor connections, the LeaveHub store URL) and a hostname callable of
its own, so a task instance whose ``hostname`` is ``worker_hostname`` provably ran under that worker.

``stop`` SIGTERMs every process group, SIGKILLs what is left after a grace period, drops the database and
flushes the Redis db; ``leftovers`` lists any process whose command line or environment still names the
cluster's AIRFLOW_HOME (the test asserts it is empty).

Example::

    with AirflowCluster(tmp, bundles={"dags-folder": Path("dags")}) as cluster:
        run_id = cluster.trigger("my_dag")
        assert cluster.wait_for_run("my_dag", run_id, timeout=120) == "success"
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import httpx
import psutil
import psycopg
import redis

__all__ = ["PG_ADMIN_DSN", "REDIS_URL", "AirflowCluster", "ClusterError", "free_port", "postgres_database"]

PG_ADMIN_DSN = os.environ.get("LEAVEHUB_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
"""Superuser DSN on the local PostgreSQL (trust auth); every database the test uses is created from it."""

REDIS_URL = os.environ.get("LEAVEHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
"""Celery broker: a Redis db index of the deployment test's own, FLUSHDB'd when the cluster stops."""

AIRFLOW = [sys.executable, "-m", "airflow"]
TERMINAL_RUN_STATES = frozenset({"success", "failed"})
HOSTNAME_MODULE = "leavehub_deploy_hostname"


class ClusterError(RuntimeError):
    """A cluster process died, a command failed or something did not become ready in time."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the usual small race is acceptable for a test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_url(dsn: str, database: str, driver: str) -> str:
    base = dsn.rsplit("/", 1)[0].split("://", 1)[1]
    return f"{driver}://{base}/{database}"


class postgres_database:
    """Create database ``name`` on the local server, drop it (forcing out stragglers) on exit."""

    def __init__(self, name: str, admin_dsn: str = PG_ADMIN_DSN) -> None:
        self.name, self.admin_dsn = name, admin_dsn

    def url(self, driver: str = "postgresql") -> str:
        return _pg_url(self.admin_dsn, self.name, driver)

    def create(self) -> Self:
        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def exists(self) -> bool:
        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)).fetchone()
        return row is not None

    def __enter__(self) -> Self:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.drop()


class AirflowCluster:
    """Scheduler + dag-processor + api-server + one Celery worker over PostgreSQL and Redis, all local."""

    USER = "leavehub"

    def __init__(self, root: Path, *, bundles: Mapping[str, Path], worker_env: Mapping[str, str] | None = None,
                 concurrency: int = 2, scheduled_runs: bool = False, redis_url: str = REDIS_URL,
                 admin_dsn: str = PG_ADMIN_DSN) -> None:
        self.root = Path(root).resolve()
        self.home = self.root / "airflow_home"
        self.logs = self.home / "logs"
        self.bundles = {name: Path(path).resolve() for name, path in bundles.items()}
        self.worker_env = dict(worker_env or {})
        self.concurrency = concurrency
        self.scheduled_runs = scheduled_runs
        self.redis_url = redis_url
        tag = secrets.token_hex(4)
        self.database = postgres_database(f"airflow_test_{tag}", admin_dsn)
        self.worker_hostname = f"leavehub-celery-worker-{tag}"
        self.port = free_port()
        self.log_server_port = free_port()  # configured for completeness; no component serves logs here
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(16)
        self._fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self._api_secret = secrets.token_urlsafe(32)
        self._jwt_secret = secrets.token_urlsafe(32)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.timings: dict[str, float] = {}
        self._token: str | None = None
        self._client: httpx.Client | None = None

    # -- configuration ---------------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment every Airflow component shares (the README / docker compose list)."""
        bundle_list = [{"name": name, "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                        "kwargs": {"path": str(path), "refresh_interval": 5}}
                       for name, path in self.bundles.items()]
        base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        return {
            **base,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(next(iter(self.bundles.values()))),
            "AIRFLOW__CORE__FERNET_KEY": self._fernet_key,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database.url("postgresql+psycopg"),
            "AIRFLOW__CELERY__BROKER_URL": self.redis_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": self.database.url("db+postgresql+psycopg"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": self._api_secret,
            "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundle_list),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.log_server_port),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            # Off in the test: unpausing a cron DAG would start a run for its latest tick beside ours.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(self.scheduled_runs),
            "PYTHONUNBUFFERED": "1",
        }

    def _worker_env(self) -> dict[str, str]:
        helper = self.home / "pythonpath"
        extra_path = os.pathsep.join(p for p in (str(helper), os.environ.get("PYTHONPATH", "")) if p)
        return {
            **self.env(),
            **self.worker_env,
            "PYTHONPATH": extra_path,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{HOSTNAME_MODULE}.worker_hostname",
            "LEAVEHUB_DEPLOY_WORKER_HOSTNAME": self.worker_hostname,
        }

    def _write_files(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({self.USER: self.password}))
        helper = self.home / "pythonpath"
        helper.mkdir(exist_ok=True)
        (helper / f"{HOSTNAME_MODULE}.py").write_text(
            '"""Hostname callable of the deployment test\'s Celery worker only."""\n'
            "import os\n\n\n"
            "def worker_hostname() -> str:\n"
            '    return os.environ["LEAVEHUB_DEPLOY_WORKER_HOSTNAME"]\n'
        )

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self, *, ready_timeout: float = 120) -> Self:
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_files()
        try:
            self.database.create()
            self._flush_redis()
            began = time.monotonic()
            self.run_cli(["db", "migrate"], name="db-migrate", timeout=180)
            self.timings["db_migrate_s"] = time.monotonic() - began
            began = time.monotonic()
            self.spawn("api-server", ["api-server", "--workers", "1"])
            self.spawn("scheduler", ["scheduler", "--skip-serve-logs"])
            self.spawn("dag-processor", ["dag-processor"])
            self.spawn("celery-worker", ["celery", "worker", "--concurrency", str(self.concurrency),
                                         "--skip-serve-logs", "--without-mingle", "--without-gossip"],
                       env=self._worker_env())
            self.wait_for_api(timeout=ready_timeout)
            self.timings["api_ready_s"] = time.monotonic() - began
        except BaseException:
            self.stop()
            raise
        return self

    def spawn(self, name: str, args: list[str], *, env: Mapping[str, str] | None = None) -> None:
        """Start ``airflow <args>`` in a new session (its own process group), output to logs/<name>.log."""
        log = (self.logs / f"{name}.log").open("ab")
        try:
            self.processes[name] = subprocess.Popen(
                [*AIRFLOW, *args], env=dict(env or self.env()), cwd=self.home, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()

    def run_cli(self, args: list[str], *, name: str, timeout: float) -> str:
        """Run ``airflow <args>`` to completion (bounded); its output goes to logs/<name>.log and is returned."""
        path = self.logs / f"{name}.log"
        with path.open("wb") as log:
            proc = subprocess.Popen([*AIRFLOW, *args], env=self.env(), cwd=self.home, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc, grace=5)
                raise ClusterError(f"airflow {' '.join(args)} took over {timeout:.0f}s; see {path}") from None
        output = path.read_text(errors="replace")
        if code != 0:
            raise ClusterError(f"airflow {' '.join(args)} exited {code}:\n{output[-4000:]}")
        return output

    def stop(self, *, grace: float = 20) -> None:
        """SIGTERM every process group, SIGKILL after ``grace`` s; drop the database; flush the Redis db."""
        errors = []
        for proc in self.processes.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.processes.values():
            _kill_group(proc, grace=5)
        # Anything that left its group (a task process, a uvicorn child) but still carries our home dies too.
        for stray in self.leftovers():
            try:
                stray.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(self.leftovers(), timeout=5)
        if self._client is not None:
            self._client.close()
            self._client = None
        try:
            self.database.drop()
        except Exception as exc:
            errors.append(f"dropping {self.database.name}: {exc}")
        try:
            self._flush_redis()
        except Exception as exc:
            errors.append(f"flushing {self.redis_url}: {exc}")
        if errors:
            raise ClusterError("; ".join(errors))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _flush_redis(self) -> None:
        client = redis.Redis.from_url(self.redis_url, socket_timeout=5)
        try:
            client.flushdb()
        finally:
            client.close()

    def leftovers(self) -> list[psutil.Process]:
        """Live processes of this cluster: in one of its process groups, descended from one of its processes,
        or naming its AIRFLOW_HOME in their command line or environment.

        All three, because none alone is enough: a process can leave its group (setsid), be re-parented to
        init when its parent dies, and setproctitle (the api-server uses it) overwrites what /proc shows of
        a process' command line and environment.
        """
        home, me = str(self.home), os.getpid()
        groups = {proc.pid for proc in self.processes.values()}
        found: dict[int, psutil.Process] = {}
        for pid in groups:
            try:
                for child in psutil.Process(pid).children(recursive=True):
                    found[child.pid] = child
            except psutil.Error:
                continue
        for proc in psutil.process_iter(["pid", "cmdline"]):
            pid = proc.info["pid"]
            if pid == me or pid in found:
                continue
            try:
                if os.getpgid(pid) in groups or home in " ".join(proc.info["cmdline"] or []) \
                        or proc.environ().get("AIRFLOW_HOME") == home:
                    found[pid] = proc
            except (psutil.Error, ProcessLookupError, PermissionError):
                continue
        return [proc for proc in found.values() if _alive(proc)]

    def listening(self) -> set[tuple[str, int]]:
        """(address, port) of every TCP socket a cluster process listens on: all must be on loopback."""
        found = set()
        for proc in self.leftovers():
            try:
                for conn in proc.net_connections(kind="inet"):
                    if conn.status == psutil.CONN_LISTEN:
                        found.add((conn.laddr.ip, conn.laddr.port))
            except psutil.Error:
                continue
        return found

    def check_alive(self) -> None:
        """Raise ClusterError naming any component that has exited, with the tail of its log."""
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise ClusterError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, chars: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else f"(no {path})"

    # -- REST API v2 -----------------------------------------------------------------------------------------

    def wait_for_api(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            try:
                if httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ClusterError(f"api-server not healthy after {timeout:.0f}s:\n{self.log_tail('api-server')}")
            time.sleep(1)

    def token(self) -> str:
        """A JWT for the REST API from the simple auth manager's ``POST /auth/token``."""
        if self._token is None:
            response = httpx.post(f"{self.base_url}/auth/token", timeout=15,
                                  json={"username": self.USER, "password": self.password})
            if response.status_code >= 300:
                raise ClusterError(f"POST /auth/token: {response.status_code} {response.text[:500]}")
            self._token = response.json()["access_token"]
        return self._token

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=f"{self.base_url}/api/v2", timeout=30,
                                        headers={"Authorization": f"Bearer {self.token()}"})
        return self._client

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        if response.status_code >= 300:
            raise ClusterError(f"{method} /api/v2{path}: {response.status_code} {response.text[:1000]}")
        return response.json() if response.content else None

    def wait_for_dag(self, dag_id: str, *, timeout: float) -> dict[str, Any]:
        """Wait until the dag-processor has serialized ``dag_id``; fail early on an import error of it."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            response = self.client.get(f"/dags/{dag_id}")
            if response.status_code == 200:
                return response.json()
            if time.monotonic() > deadline:
                errors = self.api("GET", "/importErrors").get("import_errors", [])
                raise ClusterError(f"DAG {dag_id} not parsed after {timeout:.0f}s; import errors: {errors}\n"
                                   f"{self.log_tail('dag-processor')}")
            time.sleep(1)

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        """Unpause ``dag_id`` and start a manual run through the REST API; returns the run id."""
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        run = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": dict(conf or {})})
        return run["dag_run_id"]

    def wait_for_run(self, dag_id: str, run_id: str, *, timeout: float) -> str:
        """Poll the run until it succeeds or fails (bounded); returns the final state."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in TERMINAL_RUN_STATES:
                return state
            if time.monotonic() > deadline:
                raise ClusterError(f"run {dag_id}/{run_id} still {state} after {timeout:.0f}s\n"
                                   f"{self.describe_run(dag_id, run_id)}")
            time.sleep(2)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        entry = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
                         params={"deserialize": True})
        return entry["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """The task's log as the API serves it (structured events), one line per event."""
        log = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
                       params={"full_content": True}, headers={"Accept": "application/json"})
        lines = []
        for event in log.get("content") or []:
            if isinstance(event, dict):
                extra = {k: v for k, v in event.items() if k not in {"timestamp", "event", "level", "logger"}}
                lines.append(f"{event.get('timestamp', '')} {event.get('level', '')} {event.get('event', '')}"
                             + (f" {extra}" if extra else ""))
            else:
                lines.append(str(event))
        return "\n".join(lines)

    def describe_run(self, dag_id: str, run_id: str) -> str:
        """Every task instance's state and log, then the tails of the component logs: for failure messages."""
        parts = []
        try:
            for ti in self.task_instances(dag_id, run_id):
                parts.append(f"--- {ti['task_id']}: state={ti['state']} hostname={ti.get('hostname')}")
                if ti.get("try_number"):
                    parts.append(self.task_log(dag_id, run_id, ti["task_id"], ti["try_number"])[-6000:])
        except Exception as exc:  # the description must not hide the original failure
            parts.append(f"(could not read task instances: {exc})")
        for name in self.processes:
            parts.append(f"--- {name}.log (tail)\n{self.log_tail(name, 2000)}")
        return "\n".join(parts)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_group(proc: subprocess.Popen[bytes], *, grace: float) -> None:
    """SIGKILL the process group of ``proc`` (its pgid is its pid: it was started in a new session)."""
    _signal_group(proc, signal.SIGKILL)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
