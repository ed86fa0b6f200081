"""The DAG folder parses like the dag-processor parses it: one DAG per vendor feed, right schedules and tags.

Airflow reads its config when first imported, so AIRFLOW_HOME points at a temp folder before any airflow
import (the fixtures import airflow lazily). No metadata database is needed: DagBag parsing and DAG
serialization are pure; ``dag.test()`` (which needs ``airflow db migrate``) is left to the integration suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
MAPPINGS = ROOT / "mappings"
DAG_FILE = DAGS / "leavehub_dags.py"
REQUIRED_VENDORS = {"harbor_leave", "northwind_hris"}
HEAVY = ("pandas", "pyarrow", "paramiko", "requests", "sqlalchemy", "gnupg")

HARBOR = """\
version: 1
vendor: harbor_leave
name: Harbor Leave
role: tpa
transport: {type: sftp, connection_id: harbor_sftp, inbound_dir: /outbound/, outbound_dir: /inbound/}
feeds:
  leave_periods:
    direction: in
    format: delimited
    mapping: leave_periods.yaml
    file_pattern: "HARBOR_LEAVE_{date:%Y%m%d}.csv.pgp"
    file_kind: change
    record_key: [ABSENCE_PERIOD_KEY]
    supersede: {rule: updated_at, column: UPDATED_AT}
    schedule: {type: cron, cron: "30 6 * * *", timezone: America/New_York}
  eligibility:
    direction: out
    format: delimited
    mapping: eligibility.yaml
    file_pattern: "HARBOR_ELIG_{date:%Y%m%d}.txt.pgp"
    file_kind: full
    schedule: {type: asset, assets: [northwind_hris.workers]}
"""

NORTHWIND = """\
version: 1
vendor: northwind_hris
name: Northwind HRIS
role: hris
transport: {type: http, connection_id: northwind_api, token_path: /oauth/token}
feeds:
  workers:
    direction: in
    format: json
    mapping: workers.yaml
    file_kind: change
    record_key: [id]
    supersede: {rule: updated_at, column: updated_at}
    endpoint: {path: /v1/workers}
    schedule: {type: cron, cron: "@daily", timezone: America/Los_Angeles}
"""

LEDGERPAY = """\
version: 1
vendor: ledgerpay
name: LedgerPay
role: payroll
transport: {type: local, inbound_dir: export, outbound_dir: import}
feeds:
  pay_data:
    direction: out
    format: delimited
    mapping: pay_data.yaml
    file_pattern: "PR_{date:%Y%m%d}.csv"
    file_kind: change
    schedule: {type: pay_calendar, event: pay_date, offset_days: -2}
  payroll_register:
    direction: in
    format: delimited
    mapping: payroll_register.yaml
    file_pattern: "LEDGERPAY_REGISTER_{company}_{date:%Y%m%d}.csv"
    file_kind: full
    record_key: [CO_CODE, FILE_NO, CHECK_DATE, LINE_TYPE, CODE, BATCH_ID]
    supersede: {rule: full_snapshot, scope: [payroll_company_code, check_date]}
    schedule: {type: cron, cron: "0 8 * * *", timezone: UTC}
"""


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throwaway AIRFLOW_HOME (airflow writes airflow.cfg there on first import); dags folder on sys.path."""
    home = tmp_path_factory.mktemp("airflow_home")
    saved = {k: os.environ.get(k) for k in ("AIRFLOW_HOME", "AIRFLOW__CORE__LOAD_EXAMPLES",
                                            "AIRFLOW__CORE__DAGS_FOLDER")}
    os.environ.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False",
                      AIRFLOW__CORE__DAGS_FOLDER=str(DAGS))
    if str(DAGS) not in sys.path:
        sys.path.append(str(DAGS))  # as the dag-processor's BundleDagBag does
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def parse_dags(mappings: Path) -> Any:
    """Parse the DAG folder as the dag-processor does (BundleDagBag), with LEAVEHUB_MAPPINGS = ``mappings``."""
    from airflow.dag_processing.dagbag import BundleDagBag

    saved = os.environ.get("LEAVEHUB_MAPPINGS")
    os.environ["LEAVEHUB_MAPPINGS"] = str(mappings)
    try:
        return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    finally:
        if saved is None:
            os.environ.pop("LEAVEHUB_MAPPINGS", None)
        else:
            os.environ["LEAVEHUB_MAPPINGS"] = saved


@pytest.fixture(scope="module")
def real_bag(airflow_home: Path) -> Any:
    return parse_dags(MAPPINGS)


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """harbor_leave, northwind_hris and ledgerpay as written here: one schedule of each kind."""
    root = tmp_path_factory.mktemp("mappings")
    for text in (HARBOR, NORTHWIND, LEDGERPAY):
        write_vendor(root, text)
    return root


@pytest.fixture(scope="module", params=["real", "sample"])
def bag_and_root(request: pytest.FixtureRequest, airflow_home: Path, sample_root: Path) -> tuple[Any, Path]:
    """The structural checks run on the repo's mappings/ AND on the samples (so they bite even if mappings/
    is still empty)."""
    if request.param == "real":
        return request.getfixturevalue("real_bag"), MAPPINGS
    return parse_dags(sample_root), sample_root


def vendor_docs(root: Path) -> dict[str, dict[str, Any]]:
    """vendor.yaml of every vendor folder, read with plain YAML: an oracle independent of the factory."""
    return {p.parent.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(root.glob("*/vendor.yaml")) if not p.parent.name.startswith((".", "_"))}


def write_vendor(root: Path, text: str) -> None:
    doc = yaml.safe_load(text)
    folder = root / doc["vendor"]
    folder.mkdir(parents=True)
    (folder / "vendor.yaml").write_text(text, encoding="utf-8")
    for feed in doc["feeds"].values():
        (folder / feed["mapping"]).write_text("# mapping\n", encoding="utf-8")


def vendor_warnings(bag: Any) -> list[str]:
    return [w for ws in bag.captured_warnings.values() for w in ws if "VendorConfigWarning" in w]


# --- the real mappings/ folder ------------------------------------------------------------------------


EMPLOYER = yaml.safe_load((ROOT / "employer.yaml").read_text(encoding="utf-8"))
PAY_RUN_DAGS = {f"leavehub__pay_run__{code}" for code in EMPLOYER["payroll"]["company_codes"]}


def ops_dags(docs: dict[str, Any]) -> set[str]:
    """The watchman DAG exists whenever an inbound feed declares an arrival window; employer.yaml adds the
    reconciliation and one pay run per company code."""
    windows = any(spec.get("direction") == "in" and spec.get("arrival") for doc in docs.values()
                  for spec in doc["feeds"].values())
    return ({"leavehub__check_arrivals"} if windows else set()) | {"leavehub__reconcile"} | PAY_RUN_DAGS


def test_reconciliation_dag_runs_when_the_register_named_in_employer_yaml_arrives(real_bag: Any) -> None:
    """Scheduled on the asset of employer.yaml's ``reconciliation.after`` feed (the payroll register)."""
    dag = real_bag.dags["leavehub__reconcile"]
    after = EMPLOYER["reconciliation"]["after"]
    assert [(a.name, a.uri) for a in dag.timetable.asset_condition.objects] == [
        (after, f"x-leavehub://{after.replace('.', '/')}")]
    assert [t.task_id for t in dag.tasks] == ["reconcile"] and "check_date" in dag.params


def test_a_pay_run_dag_per_company_code_on_employer_yaml_cron(real_bag: Any) -> None:
    schedule = EMPLOYER["payroll"]["pay_run"]
    for code in EMPLOYER["payroll"]["company_codes"]:
        dag = real_bag.dags[f"leavehub__pay_run__{code}"]
        assert dag.timetable.expression == schedule["cron"]
        assert str(dag.timetable.timezone) == EMPLOYER["time_zone"]
        (task,) = dag.tasks
        assert (task.task_id, task.company, task.lead_days) == ("pay_run", code, schedule["lead_days"])
        assert "check_date" in dag.params and dag.max_active_runs == 1 and not dag.catchup


def test_arrival_windows_get_a_watchman_dag_every_15_minutes(real_bag: Any) -> None:
    dag = real_bag.dags["leavehub__check_arrivals"]
    assert dag.timetable.expression == "*/15 * * * *"
    assert [t.task_id for t in dag.tasks] == ["check"]


def test_real_mappings_parse_without_import_errors_or_vendor_warnings(real_bag: Any) -> None:
    assert real_bag.import_errors == {}
    assert vendor_warnings(real_bag) == []
    # .airflowignore keeps the helper package out: the dag-processor parses the one DAG file only
    assert [Path(p).name for p in real_bag.file_last_changed] == [DAG_FILE.name]


def test_one_dag_per_feed_of_every_vendor_yaml(real_bag: Any) -> None:
    docs = vendor_docs(MAPPINGS)
    assert set(docs) >= REQUIRED_VENDORS, f"mappings/ lacks vendors {sorted(REQUIRED_VENDORS - set(docs))}"
    expected = {f"{vendor}__{feed}" for vendor, doc in docs.items() for feed in doc["feeds"]}
    assert set(real_bag.dag_ids) == expected | ops_dags(docs)


def test_the_leave_status_write_back_gets_its_dag_from_the_factory_after_the_leave_periods(real_bag: Any) -> None:
    dag = real_bag.dags["northwind_hris__leave_status"]
    assert set(dag.tags) == {"northwind_hris", "outbound", "hris"}
    assert [t.task_id for t in dag.tasks] == ["send"]
    assert [a.name for a in dag.timetable.asset_condition.objects] == ["harbor_leave.leave_periods"]


def test_tags_name_vendor_direction_and_role(bag_and_root: tuple[Any, Path]) -> None:
    real_bag, root = bag_and_root
    assert real_bag.import_errors == {} and vendor_warnings(real_bag) == []
    docs = vendor_docs(root)
    assert set(real_bag.dag_ids) == {f"{v}__{f}" for v, doc in docs.items() for f in doc["feeds"]} | ops_dags(docs)
    for vendor, doc in vendor_docs(root).items():
        for feed, spec in doc["feeds"].items():
            dag = real_bag.dags[f"{vendor}__{feed}"]
            direction = {"in": "inbound", "out": "outbound"}[spec["direction"]]
            assert set(dag.tags) == {vendor, direction, doc["role"]}, dag.dag_id


def test_schedules_follow_vendor_yaml(bag_and_root: tuple[Any, Path]) -> None:
    real_bag, root = bag_and_root
    for vendor, doc in vendor_docs(root).items():
        for feed, spec in doc["feeds"].items():
            assert_schedule(real_bag.dags[f"{vendor}__{feed}"], spec.get("schedule"))


def test_feed_task_is_one_step_publishing_the_feed_asset_with_retry_policy(
        bag_and_root: tuple[Any, Path]) -> None:
    from leavehub_airflow.tasks import RETRY_POLICY, alert_on_failure

    real_bag, _ = bag_and_root
    for dag in real_bag.dags.values():
        if dag.dag_id.startswith("leavehub__"):
            continue
        vendor, feed = dag.dag_id.split("__")
        (step,) = dag.tasks
        assert step.task_id in {"receive", "send"}
        assert [(a.name, a.uri) for a in step.outlets] == [(f"{vendor}.{feed}", f"x-leavehub://{vendor}/{feed}")]
        assert step.retry_policy is RETRY_POLICY
        assert step.retry_exponential_backoff == 2.0 and step.retries >= 1
        assert alert_on_failure in step.on_failure_callback
        assert dag.max_active_runs == 1 and not dag.catchup


def test_dags_serialize_as_the_dag_processor_stores_them(bag_and_root: tuple[Any, Path]) -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    real_bag, _ = bag_and_root
    for dag in real_bag.dags.values():
        data = DagSerialization.to_dict(dag)
        task_data = data["dag"]["tasks"][0]["__var"]
        # the policy and callback objects stay on the worker (which re-parses the file); flags are stored
        assert task_data["has_retry_policy"] and task_data["has_on_failure_callback"], dag.dag_id
        assert task_data["retry_exponential_backoff"] == 2.0, dag.dag_id


def assert_schedule(dag: Any, schedule: dict[str, Any] | None) -> None:
    from airflow.sdk import AssetAll, CronTriggerTimetable

    timetable = dag.timetable
    if schedule is None:
        assert not timetable.can_be_scheduled, dag.dag_id
    elif schedule["type"] == "cron":
        want = CronTriggerTimetable(schedule["cron"], timezone=schedule["timezone"])
        assert isinstance(timetable, CronTriggerTimetable), dag.dag_id
        assert (timetable.expression, str(timetable.timezone)) == (want.expression, schedule["timezone"])
    elif schedule["type"] == "asset":
        condition = timetable.asset_condition
        assert isinstance(condition, AssetAll), dag.dag_id
        assert sorted(a.name for a in condition.objects) == sorted(schedule["assets"])
    elif schedule["type"] == "pay_calendar":
        names = [a.name for a in timetable.asset_condition.objects]
        offset = schedule.get("offset_days", 0)
        assert names == [f"calendar.{schedule['event']}" + (f"{offset:+d}d" if offset else "")], dag.dag_id
    else:
        pytest.fail(f"unknown schedule type {schedule['type']}")


# --- a temp mappings root: every schedule kind, and a broken vendor -----------------------------------


def test_sample_vendors_get_cron_asset_and_pay_calendar_schedules(airflow_home: Path,
                                                                  sample_root: Path) -> None:
    bag = parse_dags(sample_root)
    assert bag.import_errors == {} and vendor_warnings(bag) == []
    assert set(bag.dag_ids) == {"harbor_leave__leave_periods", "harbor_leave__eligibility",
                                "northwind_hris__workers", "ledgerpay__pay_data", "ledgerpay__payroll_register",
                                "leavehub__reconcile", *PAY_RUN_DAGS}
    assert str(bag.dags["northwind_hris__workers"].timetable.timezone) == "America/Los_Angeles"
    assert [a.name for a in bag.dags["harbor_leave__eligibility"].timetable.asset_condition.objects] == [
        "northwind_hris.workers"]
    pay = bag.dags["ledgerpay__pay_data"].timetable.asset_condition.objects[0]
    assert pay.uri == "x-leavehub://calendar/pay_date?offset_days=-2"


def test_broken_vendor_folder_keeps_other_dags_and_reports_the_error(airflow_home: Path, tmp_path: Path) -> None:
    write_vendor(tmp_path, HARBOR)
    write_vendor(tmp_path, NORTHWIND)
    broken = tmp_path / "summit_mutual"
    broken.mkdir()
    (broken / "vendor.yaml").write_text("version: 1\nvendor: summit_mutual\nrole: insurer\n", encoding="utf-8")
    (tmp_path / "stray_folder").mkdir()  # a vendor folder without vendor.yaml is an error too

    bag = parse_dags(tmp_path)

    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"harbor_leave__leave_periods", "harbor_leave__eligibility",
                                "northwind_hris__workers", *PAY_RUN_DAGS}
    reported = vendor_warnings(bag)
    assert any("summit_mutual" in w for w in reported), reported
    assert any("stray_folder" in w for w in reported), reported
    assert any("reconciliation.after names ledgerpay.payroll_register" in w for w in reported), \
        "no register feed to run the reconciliation after: said, not silently dropped"


def test_missing_mappings_root_is_an_import_error(airflow_home: Path, tmp_path: Path) -> None:
    bag = parse_dags(tmp_path / "nowhere")
    assert not bag.dags
    (error,) = bag.import_errors.values()
    assert "mappings root not found" in error


def test_dag_file_imports_nothing_heavy(airflow_home: Path, sample_root: Path) -> None:
    """In a cold interpreter, as a worker parses the file: nothing heavy beyond what airflow.sdk loads itself."""
    code = textwrap.dedent(f"""
        import importlib.util, sys
        sys.path.append({str(DAGS)!r})
        import airflow.sdk
        baseline = {{m for m in {HEAVY!r} if m in sys.modules}}  # airflow itself loads SQLAlchemy
        spec = importlib.util.spec_from_file_location("leavehub_dags_probe", {str(DAG_FILE)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert len([k for k in vars(module) if "__" in k and not k.startswith("_")]) == 7  # + reconcile, pay run
        print(",".join(m for m in {HEAVY!r} if m in sys.modules and m not in baseline))
    """)
    env = {**os.environ, "LEAVEHUB_MAPPINGS": str(sample_root)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180,
                         check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), f"heavy modules at parse: {out.stdout}"


# --- run-time rules, without a scheduler --------------------------------------------------------------


def test_retry_policy_follows_the_exception_class(airflow_home: Path) -> None:
    from airflow.sdk import RetryAction
    from leavehub_airflow.tasks import RETRY_POLICY

    from schemas.errors import ConfigError, DuplicateInput, SignatureError, TransientError, ValidationFailed

    def action(exc: BaseException) -> RetryAction:
        return RETRY_POLICY.evaluate(exc, try_number=1, max_tries=5).action

    assert action(TransientError("sftp reset")) is RetryAction.RETRY
    assert action(SignatureError("bad signature")) is RetryAction.FAIL
    assert action(ValidationFailed("3 rows bad")) is RetryAction.FAIL
    assert action(ConfigError("unknown key")) is RetryAction.FAIL
    assert action(DuplicateInput("seen")) is RetryAction.FAIL
    assert action(OSError("disk")) is RetryAction.DEFAULT


def test_business_date_precedence(airflow_home: Path) -> None:
    from leavehub_airflow.tasks import resolve_business_date

    la = "America/Los_Angeles"
    six_thirty_utc = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    common: dict[str, Any] = {"logical_date": six_thirty_utc, "run_start": None, "time_zone": la}
    assert resolve_business_date(requested=None, event_extras=[], **common) == date(2026, 3, 1)
    assert resolve_business_date(requested="2026-02-27", event_extras=[], **common) == date(2026, 2, 27)
    extras = [{"business_date": "2026-02-26"}, {"business_date": "2026-02-28"}, None, {"other": 1}]
    assert resolve_business_date(requested=None, logical_date=None, event_extras=extras, run_start=None,
                                 time_zone=la) == date(2026, 2, 28)
    assert resolve_business_date(requested=None, logical_date=None, event_extras=[{"business_date": "bad"}],
                                 run_start=six_thirty_utc, time_zone="Asia/Tokyo") == date(2026, 3, 2)


def test_business_date_param_must_be_iso(airflow_home: Path) -> None:
    from leavehub_airflow.tasks import resolve_business_date

    from schemas.errors import ConfigError

    with pytest.raises(ConfigError, match="business_date"):
        resolve_business_date(requested="03/02/2026", logical_date=None, event_extras=[], run_start=None,
                              time_zone="UTC")


@pytest.mark.parametrize(("url", "executor", "allowed"), [
    ("sqlite:////var/leavehub.db", None, True),
    ("sqlite:////var/leavehub.db", "LocalExecutor", True),
    ("sqlite+pysqlite:////var/leavehub.db", "CeleryExecutor", False),
    ("sqlite:////var/leavehub.db", "LocalExecutor,airflow.providers.celery.executors.celery_executor."
                                   "CeleryExecutor", False),
    ("sqlite:////var/leavehub.db", "KubernetesExecutor", False),
    ("postgresql+psycopg://lh@db/leavehub", "CeleryExecutor", True),
])
def test_sqlite_store_refused_when_tasks_can_run_on_several_hosts(airflow_home: Path, url: str,
                                                                   executor: str | None, allowed: bool) -> None:
    from leavehub_airflow.tasks import require_shared_store

    from schemas.errors import ConfigError

    if allowed:
        require_shared_store(url, executor)
    else:
        with pytest.raises(ConfigError, match="PostgreSQL") as caught:
            require_shared_store(url, executor)
        assert "leavehub.db" not in str(caught.value)


class _OutletEvents:
    """Stands in for Airflow's outlet event accessors: ``events[asset].extra = {...}``."""

    def __init__(self) -> None:
        self.by_name: dict[str, SimpleNamespace] = {}

    def __getitem__(self, asset: Any) -> SimpleNamespace:
        return self.by_name.setdefault(asset.name, SimpleNamespace(extra={}))


@pytest.fixture
def fake_run(airflow_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """A task run without a scheduler: a cron run logged at 2026-03-02 06:30 UTC, run_feed replaced."""
    import leavehub.pipeline.runner as runner

    state = SimpleNamespace(outlets=_OutletEvents(), receipts=[], sent=None, calls=[])
    context = {"params": {"business_date": None}, "logical_date": datetime(2026, 3, 2, 6, 30, tzinfo=UTC),
               "dag_run": SimpleNamespace(logical_date=None, start_date=None), "triggering_asset_events": {},
               "outlet_events": state.outlets}
    state.context = context

    def fake_run_feed(feed_id: str, *, business_date: date, settings: Any, connections: Any) -> Any:
        from leavehub_airflow.tasks import airflow_connection

        assert connections is airflow_connection  # connections come from Airflow's Connection.get
        state.calls.append((feed_id, business_date))
        return runner.RunOutcome(feed=feed_id, receipts=state.receipts, sent=state.sent)

    monkeypatch.setattr(runner, "run_feed", fake_run_feed)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    monkeypatch.setenv("LEAVEHUB_EMPLOYER", str(ROOT / "employer.yaml"))  # America/Los_Angeles
    monkeypatch.delenv("LEAVEHUB_DB_URL", raising=False)
    yield state


def _receipt(status: str, day: date | None, written: int = 1) -> Any:
    """A receipt; an APPLIED one wrote ``written`` versions (0: every record unchanged)."""
    from leavehub.pipeline.outcome import Receipt

    outcomes = {"leave_period": {"applied": written, "unchanged": 3}} if status == "APPLIED" else {}
    return Receipt(feed="harbor_leave.leave_periods", file=f"F_{status}", status=status, business_date=day,
                   record_outcomes=outcomes)


def test_receive_publishes_latest_business_date_posted(fake_run: SimpleNamespace) -> None:
    from leavehub_airflow.tasks import receive_task

    fake_run.receipts = [_receipt("APPLIED", date(2026, 2, 28)), _receipt("APPLIED", date(2026, 3, 1)),
                         _receipt("DUPLICATE", date(2026, 2, 27))]
    summary = receive_task("harbor_leave.leave_periods", fake_run.context)
    assert fake_run.calls == [("harbor_leave.leave_periods", date(2026, 3, 1))]  # 06:30 UTC = Mar 1 in LA
    assert summary["business_date"] == "2026-03-01"
    assert fake_run.outlets.by_name["harbor_leave.leave_periods"].extra["business_date"] == "2026-03-01"


def test_receive_skips_when_nothing_new_reached_the_store(fake_run: SimpleNamespace) -> None:
    """Duplicates and files whose records were all unchanged publish no asset event: the feeds scheduled on this
    one do not run for nothing."""
    from airflow.sdk.exceptions import AirflowSkipException
    from leavehub_airflow.tasks import receive_task

    fake_run.receipts = [_receipt("APPLIED", date(2026, 3, 1), written=0),
                         _receipt("DUPLICATE", date(2026, 2, 27))]
    with pytest.raises(AirflowSkipException,
                       match=r"nothing new \(1 duplicate\(s\), 1 applied without a change\)"):
        receive_task("harbor_leave.leave_periods", fake_run.context)
    assert fake_run.outlets.by_name == {}


def test_receive_fails_without_retry_when_a_file_is_rejected(fake_run: SimpleNamespace) -> None:
    from leavehub_airflow.tasks import receive_task

    from schemas.errors import RejectedInput

    fake_run.receipts = [_receipt("APPLIED", date(2026, 3, 1)), _receipt("REJECTED", None)]
    with pytest.raises(RejectedInput, match="1 of 2 file"):
        receive_task("harbor_leave.leave_periods", fake_run.context)
    assert fake_run.outlets.by_name == {}


def test_a_rejected_file_alerts_once_the_failure_callback_only_alerts_what_the_run_did_not(
        fake_run: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    """The run alerts each rejected file with its report; the task's final failure must not alert it again."""
    from leavehub_airflow.tasks import alert_on_failure, receive_task

    from schemas.errors import ConfigError, RejectedInput

    fake_run.receipts = [_receipt("REJECTED", None)]
    with pytest.raises(RejectedInput) as rejected:
        receive_task("harbor_leave.leave_periods", fake_run.context)
    ti = SimpleNamespace(dag_id="harbor_leave__leave_periods", task_id="receive", run_id="r1", try_number=1)
    caplog.set_level("WARNING")
    alert_on_failure({"ti": ti, "exception": rejected.value})
    assert not [r for r in caplog.records if r.getMessage().startswith("ALERT")]
    alert_on_failure({"ti": ti, "exception": ConfigError("broken vendor.yaml")})
    assert len([r for r in caplog.records if r.getMessage().startswith("ALERT task_failed")]) == 1


def test_receive_skips_without_asset_event_when_nothing_new(fake_run: SimpleNamespace) -> None:
    from airflow.sdk.exceptions import AirflowSkipException
    from leavehub_airflow.tasks import receive_task

    fake_run.receipts = [_receipt("DUPLICATE", date(2026, 3, 1))]
    with pytest.raises(AirflowSkipException):
        receive_task("harbor_leave.leave_periods", fake_run.context)
    assert fake_run.outlets.by_name == {}


def test_send_refuses_sqlite_under_celery_before_touching_the_store(fake_run: SimpleNamespace,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from leavehub_airflow.tasks import send_task

    from schemas.errors import ConfigError

    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    with pytest.raises(ConfigError, match="PostgreSQL"):
        send_task("harbor_leave.eligibility", fake_run.context)
    assert fake_run.calls == []


def test_send_publishes_the_batch_business_date(fake_run: SimpleNamespace) -> None:
    from leavehub_airflow.tasks import send_task

    fake_run.sent = SimpleNamespace(feed="harbor_leave.eligibility", file="HARBOR_ELIG_20260301.txt.pgp",
                                    path=Path("/x"), records=12, business_date=date(2026, 3, 1), batch_id="B7",
                                    status="SENT", sha256="0" * 64)
    summary = send_task("harbor_leave.eligibility", fake_run.context)
    assert summary == {"feed": "harbor_leave.eligibility", "business_date": "2026-03-01",
                       "file": "HARBOR_ELIG_20260301.txt.pgp", "records": 12, "status": "SENT",
                       "batch_id": "B7"}
    assert fake_run.outlets.by_name["harbor_leave.eligibility"].extra == summary


def test_the_watchman_task_records_each_missing_file_once(real_bag: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from leavehub.pipeline.runner import open_store
    from leavehub.settings import Settings

    monkeypatch.setenv("LEAVEHUB_HOME", str(tmp_path))
    monkeypatch.setenv("LEAVEHUB_ENV", "sandbox")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    monkeypatch.delenv("LEAVEHUB_DB_URL", raising=False)
    from pg_databases import db_upgrade

    db_upgrade(Settings.from_env().db_url)
    (check,) = real_bag.dags["leavehub__check_arrivals"].tasks

    first = check.execute({})
    store = open_store(Settings.from_env())
    missing = [(e.feed, e.business_date) for e in store.ledger(status="MISSING")]
    check.execute({})

    assert first["missing"] > 0 and len(missing) == len(set(missing)) >= first["missing"]
    assert sorted((e.feed, e.business_date) for e in store.ledger(status="MISSING")) == sorted(missing)
