"""employer.yaml loads into typed policy; typos and bad zones are ConfigErrors with file, key path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from leavehub.config.employer import (
    DEFAULT_EMPLOYER_FILE,
    EMPLOYER_ENV,
    EmployerConfig,
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
carrier:
  group_number: G77
tpa:
  client_id: EXC
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


def test_default_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(EMPLOYER_ENV, str(write(tmp_path, GOOD)))
    assert load_employer().name == "Example Co"


def test_missing_file_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_employer(tmp_path / "nope.yaml")
    assert caught.value.file == str(tmp_path / "nope.yaml")


def test_typo_in_a_key_names_file_key_path_and_line(tmp_path):
    text = GOOD.replace("  group_number: G77", "  group_number: G77\n  group_numbr: G77")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_employer(path)
    err = caught.value
    assert err.file == str(path)
    assert err.key_path == "carrier.group_numbr"
    assert err.line == line_of(text, "group_numbr") == 9
    assert str(err).startswith(f"{path}:9 [carrier.group_numbr]")


@pytest.mark.parametrize("zone", ["America/Nowhere", "PST", "", "../etc/passwd"])
def test_bad_time_zone_names_file_key_path_and_line(tmp_path, zone):
    text = GOOD.replace("time_zone: America/Chicago", f"time_zone: '{zone}'")
    with pytest.raises(ConfigError) as caught:
        load_employer(write(tmp_path, text))
    assert caught.value.key_path == "time_zone"
    assert caught.value.line == 4


@pytest.mark.parametrize(("old", "new", "key_path"), [
    ("company_codes: [EXC, EXD]", "company_codes: []", "payroll.company_codes"),
    ("company_codes: [EXC, EXD]", "company_codes: [EXC]\n  increment_hours: 0.25", "payroll.increment_hours"),
])
def test_values_are_closed_and_bounded(tmp_path, old, new, key_path):
    """Hour rounding moved to policy.yaml: naming it here is an unknown key, not a silent second home."""
    with pytest.raises(ConfigError) as caught:
        load_employer(write(tmp_path, GOOD.replace(old, new)))
    assert caught.value.key_path == key_path
