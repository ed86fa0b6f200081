"""Build one Airflow DAG per vendor feed from ``mappings/*/vendor.yaml``: a vendor is data, its DAGs follow.

A hand-written factory rather than dag-factory: a vendor.yaml already says everything a feed DAG needs
(direction, schedule, role), so the mapping from config to DAG is a screenful of code we can read and test,
with no second YAML dialect.

From employer.yaml: ``leavehub__pay_run__<CO>`` per payroll company code (on ``payroll.pay_run.cron``, sending
each check date whose processing deadline is near) and ``leavehub__reconcile`` (on the asset of the payroll
register feed named by ``reconciliation.after``: a check date is reconciled when its register arrives).

Per feed ``<vendor>.<feed>``:

- dag_id ``<vendor>__<feed>``, tags ``[<vendor>, inbound|outbound, <role>]``;
- one task, ``receive`` (inbound) or ``send`` (outbound), whose outlet is the feed's asset;
- schedule from vendor.yaml: ``cron`` -> CronTriggerTimetable in the feed's time zone; ``asset`` -> the
  named feeds' assets (all of them must have updated); ``pay_calendar`` -> the pay-calendar event's asset;
  none -> manual runs only;
- ``max_active_runs=1``: two runs of one feed would race for the same inbox files or batch numbers.

A broken vendor folder does not take the others down: its error is logged and raised as a
``VendorConfigWarning`` (Airflow records warnings raised while a DAG file is parsed, and tests fail on
them), and every good vendor still gets its DAGs. A missing mappings root is an import error of the DAG file
- a deploy without vendors is wrong, and Airflow shows import errors loudly.

Example::

    built = build_feed_dags(Path("mappings"))
    built.dags["harbor_leave__leave_periods"].tags      # ["harbor_leave", "inbound", "tpa"]
    built.errors                                        # {} when every vendor folder is sound
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Asset, CronTriggerTimetable, Param

from leavehub.config.employer import load_employer
from leavehub.config.vendor import (
    AssetSchedule,
    CronSchedule,
    FeedSpec,
    PayCalendarSchedule,
    VendorConfig,
    load_vendors,
)
from leavehub_airflow.assets import CALENDAR_NAMESPACE, feed_asset, pay_calendar_asset
from leavehub_airflow.tasks import (
    TASK_ARGS,
    ArrivalCheckOperator,
    FeedRunOperator,
    PayRunOperator,
    ReconcileOperator,
)
from schemas.errors import ConfigError

__all__ = ["DIRECTION_TAGS", "PAY_RUN_DAG_PREFIX", "RECONCILE_DAG_ID", "START_DATE", "FeedDags",
           "VendorConfigWarning", "build_feed_dags", "feed_dag", "pay_run_dag", "reconcile_dag"]

log = logging.getLogger(__name__)

START_DATE = datetime(2025, 1, 1, tzinfo=UTC)
"""Fixed, in the past: with catchup off it only marks when the schedule may begin."""

DIRECTION_TAGS = {"in": "inbound", "out": "outbound"}
TASK_IDS = {"in": "receive", "out": "send"}


class VendorConfigWarning(UserWarning):
    """A vendor folder under mappings/ is broken; its feeds have no DAGs until it is fixed."""


@dataclass
class FeedDags:
    """The DAGs built from a mappings root, and what could not be built (vendor or feed -> reason)."""

    dags: dict[str, DAG] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


Schedule = CronTriggerTimetable | list[Asset] | None


def feed_schedule(spec: FeedSpec) -> Schedule:
    """The Airflow schedule of a feed, from its vendor.yaml ``schedule`` section."""
    match spec.schedule:
        case CronSchedule(cron=cron, timezone=zone):
            return CronTriggerTimetable(cron, timezone=zone)
        case AssetSchedule(assets=refs):
            return [feed_asset(ref) for ref in refs]
        case PayCalendarSchedule(event=event, offset_days=offset):
            return [pay_calendar_asset(event, offset)]
        case None:
            return None
    raise TypeError(f"unhandled schedule type {type(spec.schedule).__name__}")


def _doc(vendor: VendorConfig, feed_name: str, spec: FeedSpec) -> str:
    lines = [f"### {vendor.name}: `{vendor.vendor}.{feed_name}` ({DIRECTION_TAGS[spec.direction]})", ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    lines += [f"- format: {spec.format}, {spec.file_kind} file, mapping `{spec.mapping}`",
              f"- transport: {vendor.transport.type}",
              "- trigger with param `business_date` (YYYY-MM-DD) to re-run a given business day"]
    return "\n".join(lines)


def feed_dag(vendor: VendorConfig, feed_name: str, spec: FeedSpec) -> DAG:
    """The DAG of one feed: one task running the whole inbound or outbound pipeline on one worker."""
    feed_id = f"{vendor.vendor}.{feed_name}"
    direction = spec.direction
    with DAG(
        dag_id=f"{vendor.vendor}__{feed_name}",
        schedule=feed_schedule(spec),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        auto_register=False,  # only complete DAGs are published, via the DAG file's globals
        dagrun_timeout=timedelta(hours=6),
        tags=[vendor.vendor, DIRECTION_TAGS[direction], vendor.role],
        description=(spec.description or f"{vendor.name} {feed_name}").strip().splitlines()[0][:200],
        doc_md=_doc(vendor, feed_name, spec),
        params={
            "business_date": Param(None, type=["null", "string"], format="date",
                                   description="Business day to run for (YYYY-MM-DD); empty = from the "
                                               "schedule or the triggering feed"),
        },
    ) as dag:
        FeedRunOperator(task_id=TASK_IDS[direction], feed_id=feed_id, direction=direction,
                        outlets=[feed_asset(feed_id)], **TASK_ARGS)
    return dag


ARRIVALS_DAG_ID = "leavehub__check_arrivals"


def arrivals_dag() -> DAG:
    """Every 15 minutes: late or missing files (ledger MISSING + alert) and change-file sequence gaps."""
    with DAG(
        dag_id=ARRIVALS_DAG_ID,
        schedule=CronTriggerTimetable("*/15 * * * *", timezone="UTC"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        auto_register=False,
        tags=["leavehub", "operations"],
        description="Record and alert overdue inbound files and gaps in change-file sequences",
    ) as dag:
        ArrivalCheckOperator(task_id="check", **TASK_ARGS)
    return dag


RECONCILE_DAG_ID = "leavehub__reconcile"


def reconcile_dag(after_feed: str) -> DAG:
    """The reconciliation of a check date, run when its payroll register has arrived: scheduled on the asset
    of employer.yaml's ``reconciliation.after`` feed (the register), whose event carries the check date as its
    business date. Param ``check_date`` re-runs a given one.
    """
    with DAG(
        dag_id=RECONCILE_DAG_ID,
        schedule=[feed_asset(after_feed)],
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        auto_register=False,
        tags=["leavehub", "reconciliation"],
        description="Reconcile a check date when its payroll register arrives: register vs pay sent, leave vs "
                    "HRIS, benefit payments, 834 acks, arrears, vendor scorecard; XLSX and HTML reports",
        params={"check_date": Param(None, type=["null", "string"], format="date",
                                    description="Check date to reconcile (YYYY-MM-DD); empty = the register's")},
    ) as dag:
        ReconcileOperator(task_id="reconcile", **TASK_ARGS)
    return dag


PAY_RUN_DAG_PREFIX = "leavehub__pay_run__"


def pay_run_dag(company: str, cron: str, time_zone: str, lead_days: int) -> DAG:
    """The pay run of one payroll company code, against its pay calendar: on employer.yaml's
    ``payroll.pay_run.cron`` it sends the pay data of every check date whose processing deadline is ahead and
    at most ``lead_days`` away (a changed period is replaced while payroll has not processed it; an unchanged
    one is left alone). Param ``check_date`` runs one check date by hand."""
    with DAG(
        dag_id=f"{PAY_RUN_DAG_PREFIX}{company}",
        schedule=CronTriggerTimetable(cron, timezone=time_zone),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        auto_register=False,
        tags=["leavehub", "payroll", company],
        description=f"Send company {company}'s LedgerPay pay data for each check date before its processing "
                    "deadline",
        params={"check_date": Param(None, type=["null", "string"], format="date",
                                    description="Check date to run (YYYY-MM-DD); empty = every check date "
                                                "whose deadline is near")},
    ) as dag:
        PayRunOperator(task_id="pay_run", company=company, lead_days=lead_days, **TASK_ARGS)
    return dag


def _employer_dags(employer_file: Path, found: Any, built: FeedDags) -> None:
    """The reconciliation DAG and one pay-run DAG per company code, from employer.yaml."""
    try:
        employer = load_employer(employer_file)
    except ConfigError as exc:
        built.errors["employer"] = str(exc)
        return
    vendor, _, feed = employer.reconciliation.after.partition(".")
    spec = found.vendors[vendor].feeds.get(feed) if vendor in found.vendors else None
    if spec is None or spec.direction != "in":
        built.errors["employer"] = (f"reconciliation.after names {employer.reconciliation.after}, which is not an "
                                    "inbound feed of a vendor under the mappings root")
    else:
        built.dags[RECONCILE_DAG_ID] = reconcile_dag(employer.reconciliation.after)
    schedule = employer.payroll.pay_run
    for company in employer.payroll.company_codes:
        dag = pay_run_dag(company, schedule.cron, employer.time_zone, schedule.lead_days)
        built.dags[dag.dag_id] = dag


def build_feed_dags(mappings_root: Path, employer_file: Path | None = None) -> FeedDags:
    """Every feed DAG under ``mappings_root`` (and, given ``employer_file``, the reconciliation DAG and a pay-run
    DAG per payroll company code); broken vendors are logged, warned about and listed in errors.

    vendor.yaml is loaded with its mapping files checked for existence (a stat each, no read): a feed whose
    mapping file is missing could not run, so its vendor is reported rather than given DAGs that fail nightly.
    """
    root = Path(mappings_root)
    if not root.is_dir():
        raise ConfigError("mappings root not found (set LEAVEHUB_MAPPINGS)", file=str(root))
    found = load_vendors(root, check_mappings=True)
    built = FeedDags()
    for name, error in sorted(found.errors.items()):
        built.errors[name] = str(error)
    for name, vendor in sorted(found.vendors.items()):
        if name == CALENDAR_NAMESPACE:
            built.errors[name] = f"vendor name {name!r} is reserved for pay-calendar assets"
            continue
        for feed_name, spec in vendor.feeds.items():
            try:
                dag = feed_dag(vendor, feed_name, spec)
            except Exception as exc:  # one bad feed must not hide the vendor's other feeds
                built.errors[f"{name}.{feed_name}"] = f"{type(exc).__name__}: {exc}"
                continue
            built.dags[dag.dag_id] = dag
    if any(spec.direction == "in" and getattr(spec, "arrival", None) is not None
           for vendor in found.vendors.values() for spec in vendor.feeds.values()):
        built.dags[ARRIVALS_DAG_ID] = arrivals_dag()
    if employer_file is not None:
        _employer_dags(employer_file, found, built)
    for key, message in sorted(built.errors.items()):
        log.error("LeaveHub vendor %s has no DAGs: %s", key, message)
        warnings.warn(f"LeaveHub vendor {key} has no DAGs: {message}", VendorConfigWarning, stacklevel=2)
    return built
