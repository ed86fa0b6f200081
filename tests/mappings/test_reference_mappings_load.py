"""Every file under mappings/ loads: vendor.yaml, each feed's mapping and layout, and the CLI check passes.

A broken mapping must fail here (in CI), never on a vendor's file at night.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from golden_helpers import MAPPINGS, ROOT

from connectors.formats import JsonLayout, parse_layout
from leavehub.config.employer import load_employer
from leavehub.config.vendor import AssetSchedule, load_vendor, load_vendors
from leavehub.mapping.loader import load_codes, load_mapping

OURS = ("harbor_leave", "ledgerpay", "northwind_hris")
MAPPING_FILES = sorted(p for vendor in OURS for p in (MAPPINGS / vendor).glob("*.yaml")
                       if p.name not in ("vendor.yaml", "codes.yaml"))


@pytest.mark.parametrize("vendor", OURS)
def test_vendor_yaml_loads_and_every_feed_mapping_fits_it(vendor: str) -> None:
    config = load_vendor(MAPPINGS / vendor)
    for name, feed in config.feeds.items():
        mapping = load_mapping(MAPPINGS / vendor / feed.mapping)
        assert (mapping.vendor, mapping.feed, mapping.direction) == (vendor, name, feed.direction)
        layout = parse_layout(mapping.layout)
        assert layout.type == feed.format, name
        if feed.direction == "in":
            assert feed.record_key and feed.supersede is not None


def test_every_mapping_file_in_our_folders_is_used_by_a_feed() -> None:
    used = {MAPPINGS / v / f.mapping for v in OURS for f in load_vendor(MAPPINGS / v).feeds.values()}
    assert set(MAPPING_FILES) == used


def test_the_census_runs_after_the_hris_feeds_it_is_built_from() -> None:
    found = load_vendors(MAPPINGS)
    assert set(OURS) <= set(found.vendors), found.errors  # a dangling asset would drop the vendor
    schedule = found.vendors["harbor_leave"].feeds["eligibility"].schedule
    assert isinstance(schedule, AssetSchedule)
    assert sorted(schedule.assets) == ["northwind_hris.benefit_enrollments", "northwind_hris.hours_worked",
                                       "northwind_hris.workers"]


def test_harbor_file_names_follow_the_spec() -> None:
    feeds = load_vendor(MAPPINGS / "harbor_leave").feeds
    client = load_employer(ROOT / "employer.yaml").tpa.client_id
    day = dt.date(2026, 11, 20)
    assert feeds["eligibility"].file_pattern.render(day, client=client) == "HARBOR_ELIG_NWD_20261120.txt.pgp"
    for feed, name in (("leave_periods", "HARBOR_LEAVE_20261120.csv.pgp"),
                       ("absences", "HARBOR_ABSENCE_20261120.csv.pgp"),
                       ("benefit_payments", "HARBOR_PAY_20261120.csv.pgp")):
        assert feeds[feed].file_pattern.match(name).business_date == day
        assert feeds[feed].file_pattern.match(name.removesuffix(".pgp")) is None  # Harbor only sends *.pgp


def test_census_client_id_matches_the_employer_config() -> None:
    mapping = load_mapping(MAPPINGS / "harbor_leave" / "eligibility.yaml")
    client = mapping.columns["CLIENT_ID"]
    assert client.const == load_employer(ROOT / "employer.yaml").tpa.client_id


def test_northwind_feeds_are_paginated_json_endpoints() -> None:
    config = load_vendor(MAPPINGS / "northwind_hris")
    assert config.transport.type == "http" and config.transport.token_path == "/oauth/token"
    for name, feed in config.feeds.items():
        if feed.direction == "out":  # the leave-status write-back: one POST per update, never paged
            assert feed.endpoint.path == f"/v1/{name}_updates" and feed.endpoint.pagination is None
            continue
        assert feed.endpoint is not None and feed.endpoint.path == f"/v1/{name}"
        assert feed.endpoint.pagination.type == "cursor" and feed.endpoint.pagination.page_size == 500
        assert isinstance(parse_layout(load_mapping(MAPPINGS / "northwind_hris" / feed.mapping).layout),
                          JsonLayout)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("leavehub")
    if not script.exists():
        pytest.skip("the leavehub console script is not installed (uv pip install -e .)")
    return [str(script)]


def test_cli_mapping_check_passes_on_every_file_of_ours() -> None:
    files = sorted(str(p.relative_to(ROOT)) for v in OURS for p in (MAPPINGS / v).glob("*.yaml")
                   if p.name != "codes.yaml")
    result = subprocess.run([*_cli(), "mapping", "check", *files], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok") == len(files)


def test_cli_mapping_check_passes_on_the_whole_glob_including_codes_files() -> None:
    files = sorted(str(p.relative_to(ROOT)) for v in OURS for p in (MAPPINGS / v).glob("*.yaml"))
    result = subprocess.run([*_cli(), "mapping", "check", *files], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_codes_files_load_as_code_tables() -> None:
    for vendor in OURS:
        assert load_codes(MAPPINGS / vendor / "codes.yaml").tables


def test_cli_mapping_check_fails_on_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "harbor_leave"
    broken.mkdir()
    for name in ("codes.yaml", "absences.yaml"):
        (broken / name).write_text((MAPPINGS / "harbor_leave" / name).read_text(encoding="utf-8")
                                   .replace("{code: plan}", "{code: plans}"), encoding="utf-8")
    result = subprocess.run([*_cli(), "mapping", "check", str(broken / "absences.yaml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "unknown code table 'plans'" in result.stdout + result.stderr
