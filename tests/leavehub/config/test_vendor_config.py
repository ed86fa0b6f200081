"""vendor.yaml loads into typed config; every mistake is a ConfigError naming file, key path and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leavehub.config.file_pattern import FilePattern
from leavehub.config.vendor import (
    AssetSchedule,
    CronSchedule,
    CursorPagination,
    HttpTransport,
    PayCalendarSchedule,
    SftpTransport,
    VendorConfig,
    load_vendor,
    load_vendors,
)
from schemas.errors import ConfigError

HARBOR = """\
version: 1
vendor: harbor_leave
name: Harbor Leave
role: tpa
transport:
  type: sftp
  connection_id: harbor_sftp
  inbound_dir: /outbound/
  outbound_dir: /inbound/
pgp:
  connection_id: harbor_pgp
  armor: false
  sign: true
  verify: true
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
    file_pattern: "HARBOR_ELIG_{client}_{date:%Y%m%d}.txt.pgp"
    file_kind: full
    record_key: [EMPLOYEE_ID]
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
    endpoint:
      path: /v1/workers
      params: {page_size: 500}
      pagination: {type: cursor, page_size: 500}
    schedule: {type: cron, cron: "@daily", timezone: UTC}
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
    file_pattern: "PR{co}EPI_{batch_id}.csv.pgp"
    file_kind: change
    schedule: {type: pay_calendar, event: pay_date, offset_days: -2}
"""


def write_vendor(root: Path, folder: str, text: str, mappings: tuple[str, ...] | None = None) -> Path:
    path = root / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / "vendor.yaml").write_text(text, encoding="utf-8")
    if mappings is None:
        mappings = tuple(line.split(":", 1)[1].strip() for line in text.splitlines()
                         if line.strip().startswith("mapping:") and "/" not in line)
    for name in mappings:
        (path / name).write_text("# mapping\n", encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def broken(tmp_path: Path, text: str, folder: str = "harbor_leave") -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_vendor(write_vendor(tmp_path, folder, text))
    return caught.value


def test_sftp_vendor_loads_into_typed_config(tmp_path):
    config = load_vendor(write_vendor(tmp_path, "harbor_leave", HARBOR))
    assert isinstance(config, VendorConfig)
    assert config.role == "tpa"
    assert isinstance(config.transport, SftpTransport)
    assert config.transport.inbound_dir == "/outbound/"
    assert config.pgp is not None and config.pgp.verify
    periods = config.feeds["leave_periods"]
    assert isinstance(periods.file_pattern, FilePattern)
    assert periods.file_pattern.glob() == "HARBOR_LEAVE_*.csv.pgp"
    assert periods.supersede is not None and periods.supersede.column == "UPDATED_AT"
    assert isinstance(periods.schedule, CronSchedule) and periods.schedule.timezone == "America/New_York"
    assert isinstance(config.feeds["eligibility"].schedule, AssetSchedule)
    assert config.feed_refs() == ["harbor_leave.leave_periods", "harbor_leave.eligibility"]


def test_http_vendor_with_cursor_pagination_loads(tmp_path):
    config = load_vendor(write_vendor(tmp_path, "northwind_hris", NORTHWIND))
    assert isinstance(config.transport, HttpTransport)
    endpoint = config.feeds["workers"].endpoint
    assert endpoint is not None and isinstance(endpoint.pagination, CursorPagination)
    assert endpoint.pagination.next_cursor_field == "next_cursor"
    assert endpoint.params == {"page_size": 500}


def test_pay_calendar_schedule_loads(tmp_path):
    config = load_vendor(write_vendor(tmp_path, "ledgerpay", LEDGERPAY))
    schedule = config.feeds["pay_data"].schedule
    assert isinstance(schedule, PayCalendarSchedule) and schedule.offset_days == -2


def test_typo_in_a_feed_key_names_file_key_path_and_line(tmp_path):
    text = HARBOR.replace("    file_kind: change", "    file_knd: change")
    err = broken(tmp_path, text)
    assert err.file is not None and err.file.endswith("harbor_leave/vendor.yaml")
    # Every problem is listed with its own line: the typo, and the required key it left missing.
    assert f"feeds.leave_periods.file_knd (line {line_of(text, 'file_knd')})" in str(err)
    assert "feeds.leave_periods.file_kind" in str(err)
    assert err.key_path is not None and err.key_path.startswith("feeds.leave_periods.file_k")


def test_vendor_must_equal_its_folder(tmp_path):
    err = broken(tmp_path, HARBOR, folder="harbor")
    assert err.key_path == "vendor"
    assert err.line == 2
    assert "folder" in str(err)


@pytest.mark.parametrize(("old", "new", "key_path", "needle"), [
    ("role: tpa", "role: bank", "role", "role: bank"),
    ("format: delimited\n    mapping: leave_periods", "format: csv\n    mapping: leave_periods",
     "feeds.leave_periods.format", "format: csv"),
    ("timezone: America/New_York", "timezone: America/Nowhere", "feeds.leave_periods.schedule.timezone",
     "America/Nowhere"),
    ('cron: "30 6 * * *"', 'cron: "61 6 * * *"', "feeds.leave_periods.schedule.cron", "61 6"),
    ("supersede: {rule: updated_at, column: UPDATED_AT}", "supersede: {rule: updated_at}",
     "feeds.leave_periods.supersede", "supersede:"),
    ("supersede: {rule: updated_at, column: UPDATED_AT}", "supersede: {rule: newest}",
     "feeds.leave_periods.supersede.rule", "supersede:"),
    ("supersede: {rule: updated_at, column: UPDATED_AT}", "supersede: {rule: file_date, scope: [employee_id]}",
     "feeds.leave_periods.supersede", "supersede:"),
    ("schedule: {type: asset", "schedule: {type: hourly", "feeds.eligibility.schedule", "type: hourly"),
    ("assets: [northwind_hris.workers]", "assets: [workers]", "feeds.eligibility.schedule.assets.0", "assets:"),
    ('file_pattern: "HARBOR_LEAVE_{date:%Y%m%d}.csv.pgp"', 'file_pattern: "../HARBOR_{date}.csv"',
     "feeds.leave_periods.file_pattern", "../HARBOR"),
    ("mapping: leave_periods.yaml", "mapping: ../x/leave_periods.yaml", "feeds.leave_periods.mapping", "../x"),
])
def test_bad_values_point_at_their_key_and_line(tmp_path, old, new, key_path, needle):
    assert old in HARBOR
    text = HARBOR.replace(old, new, 1)
    err = broken(tmp_path, text)
    assert err.key_path == key_path
    assert err.line == line_of(text, needle)


def test_inbound_feed_without_record_key_is_refused_at_the_feed(tmp_path):
    text = HARBOR.replace("    record_key: [ABSENCE_PERIOD_KEY]\n", "")
    err = broken(tmp_path, text)
    assert err.key_path == "feeds.leave_periods"
    assert err.line == line_of(text, "leave_periods:")
    assert "record_key" in str(err)


def test_http_feed_needs_an_endpoint_and_file_feed_a_pattern(tmp_path):
    text = NORTHWIND.replace("    endpoint:\n      path: /v1/workers\n      params: {page_size: 500}\n"
                             "      pagination: {type: cursor, page_size: 500}\n", "")
    err = broken(tmp_path, text, folder="northwind_hris")
    assert err.key_path == "feeds.workers" and "endpoint" in str(err)
    text = HARBOR.replace('    file_pattern: "HARBOR_LEAVE_{date:%Y%m%d}.csv.pgp"\n', "")
    err = broken(tmp_path, text)
    assert err.key_path == "feeds.leave_periods" and "file_pattern" in str(err)


def test_model_validate_without_context_still_checks_transport_fit():
    import yaml

    data = yaml.safe_load(NORTHWIND)
    del data["feeds"]["workers"]["endpoint"]
    with pytest.raises(ValueError, match=r"feeds\.workers: an http feed needs `endpoint`"):
        VendorConfig.model_validate(data)


def test_missing_mapping_file_is_reported_at_the_mapping_key(tmp_path):
    folder = write_vendor(tmp_path, "harbor_leave", HARBOR, mappings=("leave_periods.yaml",))
    with pytest.raises(ConfigError) as caught:
        load_vendor(folder)
    assert caught.value.key_path == "feeds.eligibility.mapping"
    assert caught.value.line == line_of(HARBOR, "mapping: eligibility.yaml")
    assert load_vendor(folder, check_mappings=False).vendor == "harbor_leave"


def test_load_vendors_keeps_good_vendors_and_reports_each_broken_one(tmp_path):
    write_vendor(tmp_path, "harbor_leave", HARBOR)
    write_vendor(tmp_path, "northwind_hris", NORTHWIND)
    write_vendor(tmp_path, "ledgerpay", LEDGERPAY.replace("role: payroll", "role: payrol"))
    (tmp_path / "summit_mutual").mkdir()
    (tmp_path / "summit_mutual" / "vendor.yml").write_text("version: 1\n", encoding="utf-8")
    (tmp_path / "_shared").mkdir()
    found = load_vendors(tmp_path)
    assert sorted(found.vendors) == ["harbor_leave", "northwind_hris"]
    assert sorted(found.errors) == ["ledgerpay", "summit_mutual"]
    assert found.errors["ledgerpay"].key_path == "role"
    assert not found.ok
    vendor, feed = found.feed("harbor_leave.leave_periods")
    assert vendor.vendor == "harbor_leave" and feed.direction == "in"
    with pytest.raises(ConfigError, match="2 vendor config"):
        found.raise_for_errors()


def test_asset_schedule_naming_an_unknown_feed_breaks_only_that_vendor(tmp_path):
    write_vendor(tmp_path, "harbor_leave", HARBOR)
    write_vendor(tmp_path, "northwind_hris", NORTHWIND.replace("  workers:", "  people:"))
    found = load_vendors(tmp_path)
    assert list(found.vendors) == ["northwind_hris"]
    err = found.errors["harbor_leave"]
    assert err.key_path == "feeds.eligibility.schedule.assets" and "northwind_hris.workers" in str(err)


def test_asset_reference_to_a_broken_vendor_is_not_reported_twice(tmp_path):
    write_vendor(tmp_path, "harbor_leave", HARBOR)
    write_vendor(tmp_path, "northwind_hris", NORTHWIND.replace("role: hris", "role: hr"))
    found = load_vendors(tmp_path)
    assert list(found.vendors) == ["harbor_leave"]
    assert list(found.errors) == ["northwind_hris"]


def test_a_snapshot_scope_must_name_fields_of_the_feeds_entity(tmp_path):
    from leavehub.pipeline.feeds import check_vendor_plans
    from leavehub.settings import REPO_ROOT

    folder = tmp_path / "ledgerpay"
    shutil.copytree(REPO_ROOT / "mappings" / "ledgerpay", folder)
    vendor = folder / "vendor.yaml"
    text = vendor.read_text(encoding="utf-8")
    vendor.write_text(text.replace("scope: [payroll_company_code, check_date]", "scope: [company, check_date]"),
                      encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        check_vendor_plans(folder)
    assert caught.value.key_path == "feeds.payroll_register.supersede.scope" and "company" in str(caught.value)


def test_endpoint_params_fill_in_the_business_date_moved_by_days_and_the_last_pull_less_the_overlap() -> None:
    from datetime import UTC, date, datetime

    from pydantic import ValidationError

    from leavehub.config.vendor import Endpoint

    endpoint = Endpoint(path="/v1/workers", overlap_minutes=90, params={
        "updated_since": "{last_pull}", "from": "{business_date - 35d}", "to": "{ business_date }",
        "until": "{business_date + 1d}T00:00:00Z", "changed_from": "{last_pull_date - 35d}", "page_size": 500})
    day, last = date(2026, 3, 1), datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    assert endpoint.uses_last_pull
    assert endpoint.resolve_params(day, last) == {
        "updated_since": "2026-03-02T04:00:00Z", "from": "2026-01-25", "to": "2026-03-01",
        "until": "2026-03-02T00:00:00Z", "changed_from": "2026-01-26", "page_size": 500}
    first = endpoint.resolve_params(day, None)
    assert "updated_since" not in first and "changed_from" not in first, "no pull taken yet: ask for everything"
    with pytest.raises(ValidationError, match=r"param since: unknown placeholder \{yesterday\}"):
        Endpoint(path="/v1/workers", params={"since": "{yesterday}"})


def test_whole_every_days_belongs_to_an_endpoint_that_asks_for_changes() -> None:
    from pydantic import ValidationError

    from leavehub.config.vendor import Endpoint

    assert Endpoint(path="/v1/hours", params={"from": "{last_pull_date - 35d}"}, whole_every_days=7) \
        .whole_every_days == 7
    with pytest.raises(ValidationError, match=r"whole_every_days needs a param with a \{last_pull\} placeholder"):
        Endpoint(path="/v1/hours", params={"from": "{business_date - 35d}"}, whole_every_days=7)
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Endpoint(path="/v1/hours", params={"from": "{last_pull_date - 35d}"}, whole_every_days=0)
