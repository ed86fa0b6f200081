"""Build one Airflow DAG per vendor feed from ``mappings/*/vendor.yaml``: a vendor is data, its DAGs follow.

A hand-written factory rather than dag-factory: a vendor.yaml already says everything a feed DAG needs
(direction, schedule, role), so the mapping from config to DAG is a screenful of code we can read and test,
with no second YAML dialect.

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
from leavehub_airflow.tasks import TASK_ARGS, ArrivalCheckOperator, FeedRunOperator, ReconcileOperator
from schemas.errors import ConfigError

__all__ = ["DIRECTION_TAGS", "RECONCILE_DAG_ID", "START_DATE", "FeedDags", "VendorConfigWarning",
           "build_feed_dags", "feed_dag", "reconcile_dag"]

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


def reconcile_dag(cron: str, time_zone: str) -> DAG:
    """The reconciliation after each check date, on employer.yaml's ``reconciliation.cron``.

    A cron, not the pay calendar: nothing publishes the pay-calendar assets yet. The task reconciles the
    latest check date of the pay calendar in the store on or before the run day, or (no calendar stored) the
    day ``check_date_lag_days`` before it; param ``check_date`` re-runs a given one.
    """
    with DAG(
        dag_id=RECONCILE_DAG_ID,
        schedule=CronTriggerTimetable(cron, timezone=time_zone),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        auto_register=False,
        tags=["leavehub", "reconciliation"],
        description="Reconcile a check date: leave vs HRIS, benefit payments, 834 acknowledgements, arrears, "
                    "vendor scorecard; writes the XLSX and HTML reports",
        params={"check_date": Param(None, type=["null", "string"], format="date",
                                    description="Check date to reconcile (YYYY-MM-DD); empty = from the run")},
    ) as dag:
        ReconcileOperator(task_id="reconcile", **TASK_ARGS)
    return dag


def build_feed_dags(mappings_root: Path, employer_file: Path | None = None) -> FeedDags:
    """Every feed DAG under ``mappings_root`` (and, given ``employer_file``, the reconciliation DAG); broken
    vendors are logged, warned about and listed in errors.

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
        try:
            employer = load_employer(employer_file)
            built.dags[RECONCILE_DAG_ID] = reconcile_dag(employer.reconciliation.cron, employer.time_zone)
        except ConfigError as exc:
            built.errors["employer"] = str(exc)
    for key, message in sorted(built.errors.items()):
        log.error("LeaveHub vendor %s has no DAGs: %s", key, message)
        warnings.warn(f"LeaveHub vendor {key} has no DAGs: {message}", VendorConfigWarning, stacklevel=2)
    return built
