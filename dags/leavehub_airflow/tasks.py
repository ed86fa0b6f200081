"""What a LeaveHub feed task does when it runs, and how Airflow treats its failures.

One task per feed run (a ``FeedRunOperator``), on purpose: the inbound steps (fetch -> decrypt/verify ->
read/map/validate -> store -> archive) and the outbound steps (build -> write -> encrypt -> send -> record) each
run inside ONE task, so a staged file or its plaintext never has to travel from one worker host to another.
The engine call is ``leavehub.pipeline.runner.run_feed``; it is imported inside the callables (pandas,
paramiko, SQLAlchemy and gnupg load on the worker at run time, never when the dag-processor parses the file).

Failures follow the exception class (schemas/errors.py), not string matching:

    TransientError                       retry, with exponential backoff (retry_delay doubling, capped)
    RejectedInput, ConfigError,          fail at once: the file is quarantined / the config is wrong,
    DuplicateInput                       a retry cannot help
    anything else                        Airflow's standard retries (an OSError or dropped DB link may pass)

The engine returns outcomes as values (``leavehub.pipeline.outcome``); this module alone turns them into a
task state: a rejected file fails the task (``RejectedInput``, no retry), nothing new applied skips it, anything
else succeeds and publishes the feed's asset event. Each event alerts once: the run has already alerted every
rejected file with its report, so ``alert_on_failure`` (called once a task has failed for good) alerts only
failures the run did not report itself (configuration, transport, store).

Example::

    resolve_business_date(requested=None, logical_date=None, event_extras=[{"business_date": "2026-03-02"}],
                          run_start=None, time_zone="America/Los_Angeles")   # date(2026, 3, 2)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from airflow.sdk import BaseOperator, ExceptionRetryPolicy, RetryAction, RetryRule

from leavehub.settings import Settings
from leavehub_airflow.assets import feed_asset
from schemas.errors import ConfigError, DuplicateInput, LeaveHubError, RejectedInput, TransientError

__all__ = [
    "LOCAL_EXECUTORS",
    "RETRY_POLICY",
    "TASK_ARGS",
    "FeedRunOperator",
    "PayRunOperator",
    "ReconcileOperator",
    "alert_on_failure",
    "executor_names",
    "receive_task",
    "require_shared_store",
    "resolve_business_date",
    "send_task",
]

log = logging.getLogger(__name__)

LOCAL_EXECUTORS = frozenset({"LocalExecutor", "SequentialExecutor"})
"""Executors whose tasks all run on this one machine, where a SQLite store file is safe."""

RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=[RejectedInput, ConfigError, DuplicateInput],
            action=RetryAction.FAIL,
            reason="input rejected or configuration wrong: retrying cannot help",
        ),
        RetryRule(
            exception=TransientError,
            action=RetryAction.RETRY,
            reason="transient peer or network failure: retry with backoff",
        ),
    ],
    default=RetryAction.DEFAULT,
)


def airflow_connection(conn_id: str) -> Any:
    """Resolve a vendor.yaml connection id through Airflow (``Connection.get``: its secrets backends, the
    metadata database, or ``AIRFLOW_CONN_*``), adapted to LeaveHub's own Connection type."""
    from airflow.sdk import Connection

    from leavehub.pipeline.exchange import connection_from

    return connection_from(Connection.get(conn_id))


def alert_on_failure(context: Mapping[str, Any]) -> None:
    """Called once when a feed task has failed for good (after its retries): raise the alarm.

    The alert goes to the employer's channel (webhook, e-mail or log; ``leavehub.alerts``). Only
    LeaveHub's own errors have their message included: they are written to carry where and why, never a PII
    value; for any other exception only the class is named, since its text may quote a record.
    """
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    if isinstance(exc, RejectedInput):  # the run alerted each rejected file already, with its report
        log.error("LEAVEHUB feed task failed on rejected input (alerted per file): dag=%s task=%s run=%s: %s",
                  getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?"), getattr(ti, "run_id", "?"), exc)
        return
    if isinstance(exc, LeaveHubError):
        what = f"{type(exc).__name__}: {exc}"
    else:
        what = type(exc).__name__ if exc is not None else "unknown error"
    log.error(
        "LEAVEHUB ALERT feed task failed: dag=%s task=%s run=%s try=%s error=%s",
        getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?"), getattr(ti, "run_id", "?"),
        getattr(ti, "try_number", "?"), what,
    )
    from leavehub.alerts import Alert, send_alert

    dag_id = str(getattr(ti, "dag_id", "?"))
    send_alert(Alert(kind="task_failed", feed=dag_id.replace("__", ".", 1), business_date=None,
                     summary=f"feed task failed for good: {what}",
                     details={"run_id": str(getattr(ti, "run_id", "?")),
                              "try": str(getattr(ti, "try_number", "?"))}))


TASK_ARGS: dict[str, Any] = {
    "retries": 4,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(hours=1),
    "retry_policy": RETRY_POLICY,
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": [alert_on_failure],
}
"""Task settings every feed task shares: 2, 4, 8, 16 min between tries of a transient failure, at most 1 h."""


# --- which store may be used --------------------------------------------------------------------------


def executor_names(setting: str) -> set[str]:
    """Class names of the executors in Airflow's ``[core] executor`` setting.

    Airflow 3 accepts a comma list, full class paths and ``alias:path`` entries:
    ``"LocalExecutor,my_alias:my.pkg.CeleryExecutor"`` -> ``{"LocalExecutor", "CeleryExecutor"}``.
    """
    names = set()
    for entry in setting.split(","):
        entry = entry.strip()
        if entry:
            names.add(entry.rsplit(":", 1)[-1].rsplit(".", 1)[-1])
    return names


def require_shared_store(db_url: str, executor: str | None) -> None:
    """Refuse a SQLite store when tasks may run on more than one worker host.

    A SQLite file is local to one machine: with Celery or Kubernetes workers each host would write its own
    store and the ledger's exactly-once guarantee would silently break. An unset executor means Airflow's
    default (LocalExecutor). The URL is never echoed (it may carry a password).
    """
    scheme = db_url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme != "sqlite":
        return
    names = executor_names(executor or "LocalExecutor")
    if not names <= LOCAL_EXECUTORS:
        raise ConfigError(
            f"LEAVEHUB_DB_URL points at SQLite, but the Airflow executor ({', '.join(sorted(names))}) can run "
            "tasks on several hosts; set LEAVEHUB_DB_URL to a PostgreSQL URL shared by all workers",
            key_path="LEAVEHUB_DB_URL",
        )


def _configured_executor() -> str | None:
    env = os.environ.get("AIRFLOW__CORE__EXECUTOR")
    if env:
        return env
    from airflow.sdk import conf

    return conf.get("core", "executor", fallback=None)


# --- which business day a run is about ----------------------------------------------------------------


def resolve_business_date(*, requested: str | None, logical_date: datetime | None,
                          event_extras: Iterable[Mapping[str, Any] | None], run_start: datetime | None,
                          time_zone: str) -> date:
    """The business date of a run, first that applies:

    1. ``requested`` - the ``business_date`` param of a manual run (re-running a given day);
    2. the latest ``business_date`` in the triggering asset events' extras (asset-triggered runs have no
       logical date; the upstream feed stamped the day its data is about);
    3. the logical date, as a date in the employer's time zone (cron runs; 06:30 UTC is still yesterday in
       Los Angeles);
    4. the run's start, in the employer's time zone; failing all, now.
    """
    zone = ZoneInfo(time_zone)
    if requested:
        try:
            return date.fromisoformat(str(requested))
        except ValueError:
            raise ConfigError("param business_date must be an ISO date (YYYY-MM-DD)",
                              key_path="params.business_date") from None
    stamped = []
    for extra in event_extras:
        value = (extra or {}).get("business_date")
        if value is None:
            continue
        try:
            stamped.append(date.fromisoformat(str(value)))
        except ValueError:
            log.warning("ignoring a triggering asset event whose business_date is not an ISO date")
    if stamped:
        return max(stamped)
    moment = logical_date or run_start or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def _event_extras(context: Mapping[str, Any]) -> list[Mapping[str, Any] | None]:
    events = context.get("triggering_asset_events") or {}
    return [getattr(event, "extra", None) for asset in events for event in events[asset]]


def _run_business_date(context: Mapping[str, Any], settings: Settings) -> date:
    dag_run = context.get("dag_run")
    params = context.get("params") or {}
    return resolve_business_date(
        requested=params.get("business_date"),
        logical_date=context.get("logical_date") or getattr(dag_run, "logical_date", None),
        event_extras=_event_extras(context),
        run_start=getattr(dag_run, "start_date", None) or getattr(dag_run, "run_after", None),
        time_zone=settings.employer.time_zone,
    )


def _prepare(feed_id: str, context: Mapping[str, Any]) -> tuple[Settings, date]:
    settings = Settings.from_env()
    require_shared_store(settings.db_url, _configured_executor())
    business_date = _run_business_date(context, settings)
    log.info("%s: business date %s", feed_id, business_date.isoformat())
    return settings, business_date


def _publish(context: Mapping[str, Any], feed_id: str, extra: dict[str, Any]) -> None:
    context["outlet_events"][feed_asset(feed_id)].extra = extra


# --- the task callables -------------------------------------------------------------------------------


def receive_task(feed_id: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Inbound: take every file waiting for ``feed_id`` through the whole pipeline, in this one task.

    Each file is all or nothing on its own; a rejected file is quarantined (and alerted by the run) and the
    others still post. Then: any file rejected -> RejectedInput (fail, no retry, no second alert); nothing new in
    the store (duplicates, or files and pulls whose records were all unchanged) -> skipped (no asset event, so
    feeds scheduled on this one do not run for nothing); else the asset event carries the latest business date
    posted.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from leavehub.pipeline.runner import run_feed

    settings, business_date = _prepare(feed_id, context)
    outcome = run_feed(feed_id, business_date=business_date, settings=settings, connections=airflow_connection)
    log.info("%s", outcome.summary())
    counts: dict[str, int] = {}
    for receipt in outcome.receipts:
        counts[receipt.status] = counts.get(receipt.status, 0) + 1
    rejected = [r.file for r in outcome.rejected]
    if rejected:
        raise RejectedInput(f"{len(rejected)} of {len(outcome.receipts)} file(s) rejected and quarantined: "
                            f"{', '.join(name[:80] for name in rejected)}")
    changed = outcome.changed
    if not changed:  # duplicates, or pulls whose records were all unchanged (a delta pull with nothing new)
        raise AirflowSkipException(f"{feed_id}: nothing new ({counts.get('DUPLICATE', 0)} duplicate(s), "
                                   f"{counts.get('APPLIED', 0)} applied without a change)")
    posted = max((r.business_date for r in changed if r.business_date), default=business_date)
    summary = {"feed": feed_id, "business_date": posted.isoformat(), "files": counts}
    _publish(context, feed_id, summary)
    return summary


def send_task(feed_id: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Outbound: build, write, encrypt, send and record the batch for the run's business date, in one task.

    The batch gets its id and control numbers when built, so a retry after a transient failure resends the
    same batch rather than a new one (status ALREADY_SENT when the first try had got it through).
    """
    from leavehub.pipeline.runner import run_feed

    settings, business_date = _prepare(feed_id, context)
    outcome = run_feed(feed_id, business_date=business_date, settings=settings, connections=airflow_connection)
    log.info("%s", outcome.summary())
    sent = outcome.sent
    if sent is None:
        raise ConfigError(f"{feed_id} is not an outbound feed (run_feed sent nothing)")
    summary = {"feed": feed_id, "business_date": sent.business_date.isoformat(), "file": sent.file,
               "records": sent.records, "status": getattr(sent, "status", "SENT")}
    batch_id = getattr(sent, "batch_id", None)
    if batch_id is not None:
        summary["batch_id"] = str(batch_id)
    _publish(context, feed_id, summary)
    return summary


class FeedRunOperator(BaseOperator):
    """The one task of a feed DAG: ``receive_task`` (direction "in") or ``send_task`` ("out") for ``feed_id``.

    A small operator of our own rather than ``@task``: the TaskFlow decorator pulls in the standard provider's
    PythonOperator module at every parse (about 0.2 s), and a feed task needs nothing of it. The return value
    (a summary without PII) goes to XCom as usual.
    """

    ui_color = "#e8f1fb"

    def __init__(self, *, feed_id: str, direction: Literal["in", "out"], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if direction not in ("in", "out"):
            raise ValueError(f"direction must be 'in' or 'out', not {direction!r}")
        self.feed_id = feed_id
        self.direction = direction

    def execute(self, context: Any) -> dict[str, Any]:
        run = receive_task if self.direction == "in" else send_task
        return run(self.feed_id, context)


class ArrivalCheckOperator(BaseOperator):
    """The watchman: record (once) and alert every overdue inbound file and every hole in a CHANGE sequence.

    Runs ``leavehub.operations`` checks against the ledger; a late file shows there as MISSING.
    """

    ui_color = "#fdf1e0"

    def execute(self, context: Any) -> dict[str, Any]:
        from leavehub.config.vendor import load_vendors
        from leavehub.operations.arrivals import check_acknowledgements, check_arrivals
        from leavehub.operations.sequence import check_sequences
        from leavehub.pipeline.runner import open_store

        settings = Settings.from_env()
        require_shared_store(settings.db_url, _configured_executor())
        vendors = load_vendors(settings.mappings_root)
        store = open_store(settings)
        now = datetime.now(UTC)
        missing = check_arrivals(store, vendors, now, settings=settings)
        gaps = check_sequences(store, vendors, now, settings=settings)
        unanswered = check_acknowledgements(store, vendors, now, settings=settings)
        return {"missing": len(missing), "sequence_gaps": len(gaps), "not_acknowledged": len(unanswered)}



class PayRunOperator(BaseOperator):
    """The pay-run DAG's one task: send ``company``'s pay data for every check date whose processing deadline is
    ahead and at most ``lead_days`` away (``leavehub.payrun.run.run_due``), or for param ``check_date``.

    Each check date's outcome is a value: SENT, UNCHANGED (already sent, nothing changed), NOTHING_TO_PAY,
    REFUSED_PROCESSED (payroll processed it: the change rides a later check as retro lines), REFUSED_LATER_CHECK
    (a later check's batch already went out, diffed against this one) - all succeed; only
    an error fails the task. The summary (no PII) goes to XCom.
    """

    ui_color = "#fbf3e8"

    def __init__(self, *, company: str, lead_days: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.company = company
        self.lead_days = lead_days

    def execute(self, context: Any) -> dict[str, Any]:
        from leavehub.payrun.run import run_due, run_pay
        from leavehub.pipeline.runner import open_store

        settings = Settings.from_env()
        require_shared_store(settings.db_url, _configured_executor())
        store = open_store(settings)
        params = context.get("params") or {}
        if params.get("check_date"):
            day = resolve_business_date(requested=params["check_date"], logical_date=None, event_extras=[],
                                        run_start=None, time_zone=settings.employer.time_zone)
            outcomes = {day: run_pay(store, settings, self.company, day, connections=airflow_connection)}
        else:
            outcomes = run_due(store, settings, self.company, lead=timedelta(days=self.lead_days),
                               connections=airflow_connection)
        summary = {"company": self.company,
                   "checks": {d.isoformat(): {"status": o.status, "batch_id": o.batch_id, "lines": o.lines}
                              for d, o in outcomes.items()}}
        log.info("pay run %s: %s", self.company, summary["checks"] or "no check date due")
        return summary


class ReconcileOperator(BaseOperator):
    """The reconciliation DAG's one task: reconcile a check date and write both reports (``leavehub.reconcile``).

    The check date: param ``check_date``; else the business date of the triggering payroll-register asset event
    (the register's check date); else (a manual run) the latest pay-calendar check date in the store on or
    before the run day (employer time zone), else the run day.
    """

    ui_color = "#eaf5ea"

    def execute(self, context: Any) -> dict[str, Any]:
        from leavehub.config.vendor import load_vendors
        from leavehub.pipeline.runner import open_store
        from leavehub.reconcile.loader import check_date_for_run
        from leavehub.reconcile.run import run_reconciliation

        settings = Settings.from_env()
        require_shared_store(settings.db_url, _configured_executor())
        employer = settings.employer
        store = open_store(settings)
        if (context.get("params") or {}).get("check_date") or _event_extras(context):
            check_date = _run_business_date({**context, "params": {
                "business_date": (context.get("params") or {}).get("check_date")}}, settings)
        else:
            check_date = check_date_for_run(store, _run_business_date({**context, "params": {}}, settings))
        log.info("reconciling check date %s", check_date.isoformat())
        files = run_reconciliation(store, load_vendors(settings.mappings_root), check_date=check_date,
                                   out_dir=settings.home / "reports",
                                   weeks=employer.reconciliation.scorecard_weeks,
                                   mappings_root=settings.mappings_root)
        return {"check_date": check_date.isoformat(), **files.summary()}
