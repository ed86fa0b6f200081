"""policy.yaml and the shipped rule tables load into typed, dated config; mistakes name file, key and line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from leavehub.config.policy import DEFAULT_POLICY_FILE, POLICY_ENV, HoursPolicy, load_policy
from leavehub.config.rule_tables import DEFAULT_TABLES_DIR, load_rule_tables
from schemas.errors import ConfigError

GOOD = """\
versions:
  - version: 1
    effective_date: 2025-01-01
    premiums:
      catch_up: {cap_per_check: "50.00"}
    fmla:
      entitlement_method: calendar_year
  - version: 2
    effective_date: 2026-01-01
    money_rounding: half_even
    premiums:
      catch_up: {cap_per_check: "75.00"}
    fmla:
      entitlement_method: calendar_year
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_policy_yaml_is_valid():
    history = load_policy(DEFAULT_POLICY_FILE)
    assert history.on(date(2026, 6, 1)).fmla.entitlement_method


def test_the_version_in_force_on_a_day_prices_it(tmp_path):
    history = load_policy(write(tmp_path, GOOD))
    assert history.on(date(2025, 12, 31)).version == 1
    assert history.on(date(2026, 1, 1)).version == 2
    assert history.on(date(2026, 1, 1)).premiums.catch_up.cap_per_check == Decimal("75.00")
    assert history.on(date(2026, 1, 1)).label == "policy v2 (2026-01-01)"
    with pytest.raises(ConfigError, match="no policy version in force"):
        history.on(date(2024, 12, 31))


def test_default_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(POLICY_ENV, str(write(tmp_path, GOOD)))
    assert load_policy().versions[-1].version == 2


@pytest.mark.parametrize(("old", "new", "key_path", "line"), [
    ("money_rounding: half_even", "money_rounding: bankers", "versions.1.money_rounding", 10),
    ("entitlement_method: calendar_year\n  - version: 2", "entitlement_method: fixed_year\n  - version: 2",
     "versions.0.fmla", 6),
    ("cap_per_check: \"50.00\"", "cap_per_check: \"-1\"", "versions.0.premiums.catch_up.cap_per_check", 5),
    ("    effective_date: 2026-01-01", "    effective_date: 2024-01-01", "versions", 1),
    ("    money_rounding: half_even", "    money_roundng: half_even", "versions.1.money_roundng", 10),
])
def test_mistakes_name_file_key_path_and_line(tmp_path, old, new, key_path, line):
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert caught.value.file == str(path)
    assert caught.value.key_path == key_path
    assert caught.value.line == line


def test_a_plan_topped_up_twice_is_refused(tmp_path):
    twice = "    top_ups:\n      - {plan: STD}\n      - {plan: STD}\n"
    text = GOOD.replace("    money_rounding: half_even\n", twice)
    with pytest.raises(ConfigError, match="more than once: STD"):
        load_policy(write(tmp_path, text))


@pytest.mark.parametrize(("rounding", "increment", "hours", "expected"), [
    ("up", "0.25", "2.4", "2.50"),      # the intermittent-leave example: 2.4 h taken, 2.5 h on the payroll line
    ("up", "0.25", "2.5", "2.50"),
    ("up", "0.1", "2.41", "2.50"),
    ("nearest", "0.25", "2.37", "2.25"),
    ("nearest", "0.25", "2.375", "2.50"),
    ("up", "1", "0.1", "1.00"),
])
def test_payroll_rounding_to_the_increment(rounding, increment, hours, expected):
    policy = HoursPolicy(increment_hours=Decimal(increment), rounding=rounding)
    assert policy.round_payroll_hours(Decimal(hours)) == Decimal(expected)


def test_shipped_rule_tables_load_with_citations():
    tables = load_rule_tables()
    day = date(2026, 3, 2)
    assert tables.state_plans_on(day)["MA_PFML"].topup_cap == "aww"
    assert tables.state_plans_on(date(2025, 6, 30)).get("DE_PFML") is None   # DE from July 2025
    assert tables.third_party_sick_pay_on(day)["CA_PFL"].third_party_sick_pay == "N"
    assert tables.wage_deductions_on(day)["NY"].cap_percent_per_check == Decimal("12.5")
    rows = tables.state_plans + tables.third_party_sick_pay + tables.wage_deductions
    assert all(len(r.citation) > 10 for r in rows)


def _copy_tables(tmp_path: Path) -> Path:
    for name in ("state_plans.csv", "third_party_sick_pay.csv", "wage_deductions.csv", "final_pay_deductions.csv"):
        (tmp_path / name).write_text((DEFAULT_TABLES_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_bad_table_row_names_file_line_and_column(tmp_path):
    folder = _copy_tables(tmp_path)
    path = folder / "wage_deductions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",12.5,gross,", ",250,gross,"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rule_tables(folder)
    assert (caught.value.file, caught.value.line, caught.value.key_path) == (str(path), 2, "cap_percent_per_check")


def test_overlapping_versions_of_one_rule_are_refused(tmp_path):
    folder = _copy_tables(tmp_path)
    path = folder / "wage_deductions.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + text.splitlines()[1].replace("NY@2025-01-01", "NY@2026-01-01")
                    .replace("NY,2025-01-01", "NY,2026-01-01") + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="overlaps NY@2025-01-01") as caught:
        load_rule_tables(folder)
    assert caught.value.line == 4
