"""The demo: the main job end to end on one machine, on embedded defaults, through Airflow.

Starts the simulators (sshd for Harbor Leave's SFTP, the Northwind HRIS API), generates a synthetic employer
(about 2,000 employees and a year of leave), then runs every reference feed DAG in dependency order with
``dag.test()`` (Airflow on SQLite, every task in this one driver process): pull the HRIS (workers, hours worked,
PTO balances, enrollments), send Harbor the eligibility census (encrypted and signed, over SFTP), and post
Harbor's leave periods, absences and benefit payments (verified before parsing). A second pass shows
idempotency: nothing new is posted or sent (the pulls are DUPLICATEs - the workers pull asks only for what changed
since the last one and finds nothing new - Harbor's folder is empty, the census for the day is ALREADY_SENT).
Then one pay period runs (``sandbox/pay_demo.py``): LedgerPay's calendar in, the pay-data import out to the
payroll simulator, its register back, and three employees' lines with their explanations.
``--direct`` runs the same feeds without Airflow (``run_feed`` in order).

Everything lives under ``var/demo``: ``airflow/`` is the demo's own AIRFLOW_HOME (SQLite, migrated on the first
run and reused after), everything else (simulators, store, quarantine, outbox) is replaced by each run, so the
demo can run twice in a row.

Example::

    python -m sandbox.demo --employees 2000          # through Airflow
    python -m sandbox.demo --direct                  # the engine alone
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from leavehub.settings import REPO_ROOT, Settings
from sandbox.pay_demo import run_pay_period
from sandbox.stack import SandboxStack

ORDER = (
    "northwind_hris.workers",
    "northwind_hris.hours_worked",
    "northwind_hris.time_off_balances",
    "northwind_hris.benefit_enrollments",
    "harbor_leave.eligibility",
    "harbor_leave.leave_periods",
    "harbor_leave.absences",
    "harbor_leave.benefit_payments",
    "northwind_hris.leave_status",  # leave status back to the HRIS, from the leave periods just posted
)
DAGS = REPO_ROOT / "dags"
AIRFLOW_DIR = "airflow"
"""The demo's AIRFLOW_HOME under the demo folder: kept (and its migration reused) from one run to the next."""
MIGRATED_MARKER = ".leavehub-migrated"
PASSES = ("first pass", "second pass (idempotency: nothing new)")


@dataclass
class Step:
    """One feed run of one pass: how it ended, what it did, how long it took."""

    feed: str
    ok: bool
    detail: str
    seconds: float
    records_sent: int | None = None


Runner = Callable[[str, int], Step]
"""(feed id, pass index) -> Step."""


def run_demo(home: Path, *, employees: int, seed: int = 7, year: int = 2026, direct: bool = False,
             console: Console | None = None) -> bool:
    """Run the demo under ``home``; True when every run succeeded and the second pass changed nothing."""
    console = console or Console(width=120)
    t0 = time.monotonic()
    _fresh_home(home)
    os.environ.update({"LEAVEHUB_HOME": str(home), "LEAVEHUB_ENV": "sandbox"})
    for name in ("LEAVEHUB_DB_URL", "LEAVEHUB_MAPPINGS", "LEAVEHUB_EMPLOYER"):
        os.environ.pop(name, None)
    with _db_upgrade() as store_ready:  # its own process, while Airflow and the simulators start
        business_date = date(year, 12, 31)
        if not direct:
            _prepare_airflow(home / AIRFLOW_DIR, console)
        with console.status("starting simulators and generating the synthetic employer"), \
                SandboxStack(home / "sandbox", employees=employees, seed=seed, year=year) as stack:
            store_ready(console)  # before any feed runs
            os.environ.update(stack.env)
            console.print(f"[green]simulators up[/] after {time.monotonic() - t0:.1f} s: {stack.describe()}")
            settings = Settings.from_env()
            runner = _direct_runner(settings, business_date) if direct else _airflow_runner(business_date)
            steps: list[list[Step]] = []
            before_second: tuple[set[int], dict[str, str]] = (set(), {})
            for index, title in enumerate(PASSES):
                console.rule(f"{title} - {'run_feed, no Airflow' if direct else 'Airflow dag.test() on SQLite'}")
                if index == 1:
                    before_second = (_posted_or_sent(settings), _remote_files(stack))
                steps.append([])
                for feed_id in ORDER:
                    step = runner(feed_id, index)
                    steps[-1].append(step)
                    colour = "green" if step.ok else "red"
                    console.print(f"  {feed_id:<38} [{colour}]{step.detail}[/]  [dim]{step.seconds:.1f} s[/]")
            new_rows = _posted_or_sent(settings) - before_second[0]
            remote_same = _remote_files(stack) == before_second[1]
            census = sorted(stack.harbor_dir("inbound").glob("*.pgp"))
            _summary(console, settings, steps, census, home, direct=direct)
            _reconcile(console, settings, business_date)
            console.rule("a pay period: LedgerPay calendar in, pay data out, register back")
            paid = run_pay_period(stack, settings, console, year=year)
    idempotent = not new_rows and remote_same
    if idempotent:
        console.print("[green]second pass: nothing new posted or sent[/] (ledger and Harbor's files unchanged)")
    else:
        console.print(f"[red]second pass changed state:[/] new ledger rows {sorted(new_rows)}, "
                      f"Harbor's files {'unchanged' if remote_same else 'CHANGED'}")
    ok = idempotent and paid and all(s.ok for p in steps for s in p)
    console.print(f"[bold {'green' if ok else 'red'}]demo finished[/] in {time.monotonic() - t0:.0f} s")
    return ok


@contextlib.contextmanager
def _db_upgrade() -> Iterator[Callable[[Console], None]]:
    """``leavehub db upgrade`` as a deploy runs it (feed runs never migrate the store), in a process of its own
    that works while the caller goes on; the yielded function waits for it (SystemExit when it failed)."""
    proc = subprocess.Popen([sys.executable, "-c", "from leavehub.cli import main; main()", "db", "upgrade"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait(console: Console) -> None:
        try:
            out, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            raise SystemExit("leavehub db upgrade did not finish in 300 s") from None
        if proc.returncode != 0:
            raise SystemExit(f"leavehub db upgrade failed: {err[-2000:]}")
        console.print(f"[green]leavehub db upgrade[/]: {out.strip()}")

    try:
        yield wait
    finally:
        if proc.poll() is None:  # the caller failed first (or the upgrade hung): leave no process behind
            proc.kill()
            proc.communicate()


def _fresh_home(home: Path) -> None:
    """Replace the previous demo's files, keeping its Airflow home (and so its migrated database)."""
    home.mkdir(parents=True, exist_ok=True)
    for child in home.iterdir():
        if child.name == AIRFLOW_DIR:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


# --- through Airflow ----------------------------------------------------------------------------------


def _prepare_airflow(airflow_home: Path, console: Console) -> None:
    """Point Airflow at the demo's own home (before anything imports it) and migrate its SQLite DB once."""
    if "airflow" in sys.modules:
        raise RuntimeError("the demo must configure Airflow before it is imported")
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",  # one machine: the SQLite store is allowed
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
    })
    if str(DAGS) not in sys.path:
        sys.path.append(str(DAGS))  # as the dag-processor's bundle does: leavehub_airflow beside the DAG file
    import airflow
    from airflow.utils import db

    marker = airflow_home / MIGRATED_MARKER
    if marker.is_file() and marker.read_text().strip() == airflow.__version__ \
            and (airflow_home / "airflow.db").is_file():
        console.print(f"airflow home {airflow_home}: reusing the migrated database")
        return
    started = time.monotonic()
    with console.status("migrating the demo's Airflow database (first run only)"):
        db.upgradedb()
    marker.write_text(airflow.__version__ + "\n")
    console.print(f"airflow home {airflow_home}: database migrated in {time.monotonic() - started:.1f} s")


def _airflow_runner(business_date: date) -> Runner:
    """Each feed's DAG through ``dag.test()``; pass N runs at a logical date of its own, same business date."""
    from airflow.dag_processing.dagbag import BundleDagBag

    # Library deprecations Airflow raises at every dag.test() (its bundle walk, its in-process API client) are
    # noise in a demo; set here, after Airflow has initialised (it installs its own warning handling).
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    if bag.import_errors:
        raise RuntimeError(f"the DAG folder does not parse: {bag.import_errors}")
    first = datetime(business_date.year, business_date.month, business_date.day, 14, 0, tzinfo=UTC)

    def run(feed_id: str, index: int) -> Step:
        dag = bag.dags[feed_id.replace(".", "__", 1)]
        started = time.monotonic()
        logical = first + timedelta(hours=index)
        dag_run = dag.test(logical_date=logical, run_after=logical,
                           run_conf={"business_date": business_date.isoformat()})
        task_state, summary = _task_result(dag, dag_run)
        seconds = time.monotonic() - started
        ok = str(dag_run.state) == "success" and task_state in {"success", "skipped"}
        if task_state == "skipped":
            return Step(feed_id, ok, "skipped: nothing new to post", seconds)
        if summary and "file" in summary:
            detail = (f"{summary['status']:<12} {summary['file']} ({summary['records']} rows, "
                      f"batch {summary.get('batch_id', '?')[:8]})")
            records = summary["records"] if summary["status"] == "SENT" else None
            return Step(feed_id, ok, detail, seconds, records_sent=records)
        files = ", ".join(f"{k}={v}" for k, v in sorted((summary or {}).get("files", {}).items()))
        return Step(feed_id, ok, f"{task_state:<12} {files}", seconds)

    return run


def _task_result(dag: Any, dag_run: Any) -> tuple[str, dict[str, Any] | None]:
    """The feed task's final state and its XCom summary (None when it returned nothing)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        (ti,) = dag_run.get_task_instances(session=session)
        value = session.scalar(select(XComModel.value).where(
            XComModel.dag_id == dag.dag_id, XComModel.run_id == dag_run.run_id, XComModel.task_id == ti.task_id,
            XComModel.key == "return_value"))
        state = str(ti.state)
    if value is None:
        return state, None

    @dataclass
    class _Row:
        value: Any

    return state, XComModel.deserialize_value(_Row(value))


# --- without Airflow ----------------------------------------------------------------------------------


def _direct_runner(settings: Settings, business_date: date) -> Runner:
    from leavehub.pipeline.runner import run_feed

    def run(feed_id: str, _index: int) -> Step:
        started = time.monotonic()
        outcome = run_feed(feed_id, business_date=business_date, settings=settings)
        seconds = time.monotonic() - started
        if outcome.sent:
            sent = outcome.sent
            records = sent.records if sent.status == "SENT" else None
            return Step(feed_id, True, f"{sent.status:<12} {sent.file} ({sent.records} rows)", seconds, records)
        statuses = Counter(r.status for r in outcome.receipts)
        detail = ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())) or "no files waiting"
        return Step(feed_id, outcome.ok, detail, seconds)

    return run


# --- what happened ------------------------------------------------------------------------------------


def _posted_or_sent(settings: Settings) -> set[int]:
    """Ledger ids of every row that posted, sent or rejected something: DUPLICATE rows change no state, nor do
    APPLIED rows that wrote no version (a pull of what changed since the last one, all of it unchanged)."""
    from leavehub.pipeline.runner import open_store

    store = open_store(settings)
    try:
        return {e.id for e in store.ledger()
                if e.status != "DUPLICATE" and not (e.status == "APPLIED" and e.records_applied == 0)}
    finally:
        store.dispose()


def _remote_files(stack: SandboxStack) -> dict[str, str]:
    """SHA-256 of every file in Harbor's SFTP folders."""
    found = {}
    for folder in ("inbound", "outbound", "archive"):
        for path in sorted(stack.harbor_dir(folder).iterdir()):
            if path.is_file():
                found[f"{folder}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _reconcile(console: Console, settings: Settings, check_date: date) -> None:
    """The reconciliation of the demo's last day (what `leavehub reconcile --check-date D` does): both reports."""
    from leavehub.config.vendor import load_vendors
    from leavehub.pipeline.runner import open_store
    from leavehub.reconcile.run import run_reconciliation

    store = open_store(settings)
    try:
        files = run_reconciliation(store, load_vendors(settings.mappings_root), check_date=check_date,
                                   out_dir=settings.home / "reports",
                                   weeks=settings.employer.reconciliation.scorecard_weeks,
                                   mappings_root=settings.mappings_root)
    finally:
        store.dispose()
    console.print(f"reconciled:  {check_date.isoformat()}: {files.exceptions} exception(s), "
                  f"${files.amount_cents / 100:,.2f} at stake")
    console.print(f"  workbook:  {files.workbook}")
    console.print(f"  html:      {files.html}")


def _summary(console: Console, settings: Settings, steps: list[list[Step]], census: list[Path], home: Path,
             *, direct: bool) -> None:
    """What was exchanged (from the ledger, both passes), and where everything is."""
    from leavehub.pipeline.runner import open_store

    store = open_store(settings)
    try:
        entries = store.ledger()
    finally:
        store.dispose()
    sent_records = {s.feed: s.records_sent for p in steps for s in p if s.records_sent is not None}
    table = Table("feed", "applied / sent", "duplicates", "rejected", "records posted / sent",
                  title="What was exchanged (both passes, from the ledger)")
    for feed_id in ORDER:
        vendor, feed = feed_id.split(".", 1)
        status = Counter(e.status for e in entries if e.vendor == vendor and e.feed == feed)
        posted = sum(e.records_applied for e in entries
                     if e.vendor == vendor and e.feed == feed and e.status == "APPLIED")
        table.add_row(feed_id, str(status["APPLIED"] + status["SENT"]), str(status["DUPLICATE"]),
                      str(status["REJECTED"] + status["QUARANTINED"]), str(sent_records.get(feed_id, posted)))
    console.print(table)
    console.print(f"store:       {settings.db_url}")
    console.print(f"census sent: {', '.join(str(p) for p in census) or 'none'}")
    console.print(f"quarantine:  {settings.quarantine_dir}")
    if not direct:
        console.print(f"airflow:     AIRFLOW_HOME={home / AIRFLOW_DIR} (DAG runs, task instances, asset events)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", type=Path, default=REPO_ROOT / "var" / "demo")
    parser.add_argument("--direct", action="store_true", help="run the feeds with run_feed, without Airflow")
    args = parser.parse_args(argv)
    ok = run_demo(args.home.resolve(), employees=args.employees, seed=args.seed, direct=args.direct)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
