"""employer.yaml loads into typed policy; typos and bad zones are ConfigErrors with file, key path and line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from leavehub.config.employer import (
    DEFAULT_EMPLOYER_FILE,
    EMPLOYER_ENV,
    EmployerConfig,
    PayrollPolicy,
    load_employer,
)
from schemas.errors import ConfigError

GOOD = """\
version: 1
effective_date: 2026-01-01
name: Example Co
time_zone: America/Chicago
payroll:
  company_codes: [EXC, EXD]
  increment_hours: 0.25
  rounding: up
carrier:
  group_number: G77
tpa:
  client_id: EXC
fmla:
  entitlement_method: calendar_year
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "employer.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_repo_employer_yaml_is_valid():
    employer = load_employer(DEFAULT_EMPLOYER_FILE)
    assert isinstance(employer, EmployerConfig)
    assert employer.payroll.company_codes and employer.tpa.client_id and employer.carrier.group_number


def test_loads_typed_values(tmp_path):
    employer = load_employer(write(tmp_path, GOOD))
    assert employer.time_zone == "America/Chicago" and employer.zone.key == "America/Chicago"
    assert employer.payroll.company_codes == ["EXC", "EXD"]
    assert employer.payroll.increment_hours == Decimal("0.25")
    assert isinstance(employer.payroll.increment_hours, Decimal)
    assert employer.fmla.entitlement_method == "calendar_year"


def test_default_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(EMPLOYER_ENV, str(write(tmp_path, GOOD)))
    assert load_employer().name == "Example Co"


def test_missing_file_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_employer(tmp_path / "nope.yaml")
    assert caught.value.file == str(tmp_path / "nope.yaml")


def test_typo_in_a_key_names_file_key_path_and_line(tmp_path):
    text = GOOD.replace("  rounding: up", "  roundng: up")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_employer(path)
    err = caught.value
    assert err.file == str(path)
    assert err.key_path == "payroll.roundng"
    assert err.line == line_of(text, "roundng") == 8
    assert str(err).startswith(f"{path}:8 [payroll.roundng]")


@pytest.mark.parametrize("zone", ["America/Nowhere", "PST", "", "../etc/passwd"])
def test_bad_time_zone_names_file_key_path_and_line(tmp_path, zone):
    text = GOOD.replace("time_zone: America/Chicago", f"time_zone: '{zone}'")
    with pytest.raises(ConfigError) as caught:
        load_employer(write(tmp_path, text))
    assert caught.value.key_path == "time_zone"
    assert caught.value.line == 4


@pytest.mark.parametrize(("old", "new", "key_path"), [
    ("entitlement_method: calendar_year", "entitlement_method: rolling", "fmla.entitlement_method"),
    ("entitlement_method: calendar_year", "entitlement_method: fixed_year", "fmla"),
    ("increment_hours: 0.25", "increment_hours: 1.5", "payroll.increment_hours"),
    ("rounding: up", "rounding: down", "payroll.rounding"),
    ("company_codes: [EXC, EXD]", "company_codes: []", "payroll.company_codes"),
])
def test_policy_values_are_closed_and_bounded(tmp_path, old, new, key_path):
    with pytest.raises(ConfigError) as caught:
        load_employer(write(tmp_path, GOOD.replace(old, new)))
    assert caught.value.key_path == key_path


def test_fixed_year_takes_its_start(tmp_path):
    text = GOOD.replace("entitlement_method: calendar_year",
                        "entitlement_method: fixed_year\n  fixed_year_start: '07-01'")
    assert load_employer(write(tmp_path, text)).fmla.fixed_year_start == "07-01"


@pytest.mark.parametrize(("rounding", "increment", "hours", "expected"), [
    ("up", "0.25", "2.4", "2.50"),      # DOMAIN scenario 3
    ("up", "0.25", "2.5", "2.50"),
    ("up", "0.1", "2.41", "2.50"),
    ("nearest", "0.25", "2.37", "2.25"),
    ("nearest", "0.25", "2.375", "2.50"),
    ("up", "1", "0.1", "1.00"),
])
def test_payroll_rounding_to_the_increment(rounding, increment, hours, expected):
    policy = PayrollPolicy(company_codes=["X"], increment_hours=Decimal(increment), rounding=rounding)
    assert policy.round_hours(Decimal(hours)) == Decimal(expected)
