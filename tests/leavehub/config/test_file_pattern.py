"""FilePattern renders sent names, recognises received ones, gives a listing glob, and refuses path tricks."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import BaseModel, ValidationError

from leavehub.config.file_pattern import FilePattern, PatternMatch
from schemas.errors import ConfigError

HARBOR_ELIG = FilePattern("HARBOR_ELIG_{client}_{date:%Y%m%d}.txt.pgp")


def test_render_fills_date_and_variables():
    assert HARBOR_ELIG.render(date(2026, 3, 20), client="ACME") == "HARBOR_ELIG_ACME_20260320.txt.pgp"


def test_match_returns_business_date_and_variables():
    found = HARBOR_ELIG.match("HARBOR_ELIG_ACME_20260320.txt.pgp")
    assert found == PatternMatch(date(2026, 3, 20), {"client": "ACME"})
    business_date, variables = found
    assert business_date == date(2026, 3, 20) and variables == {"client": "ACME"}


def test_match_round_trips_render_with_underscores_in_variables():
    name = HARBOR_ELIG.render(date(2026, 1, 2), client="ACME_WEST")
    assert HARBOR_ELIG.match(name) == (date(2026, 1, 2), {"client": "ACME_WEST"})


@pytest.mark.parametrize("name", [
    "HARBOR_ELIG_ACME_20260320.txt",          # not encrypted: not ours
    "HARBOR_ELIG_ACME_2026032.txt.pgp",       # short date
    "HARBOR_ELIG_ACME_20260230.txt.pgp",      # not a calendar date
    "HARBOR_ELIG__20260320.txt.pgp",          # empty variable
    "XHARBOR_ELIG_ACME_20260320.txt.pgp",     # anchored at the start
    "HARBOR_ELIG_ACME_20260320.txt.pgp.tmp",  # anchored at the end (an upload in progress)
])
def test_match_rejects_other_names(name):
    assert HARBOR_ELIG.match(name) is None


@pytest.mark.parametrize("name", [
    "../HARBOR_ELIG_ACME_20260320.txt.pgp",
    "sub/HARBOR_ELIG_ACME_20260320.txt.pgp",
    "sub\\HARBOR_ELIG_ACME_20260320.txt.pgp",
    "HARBOR_ELIG_A..B_20260320.txt.pgp",
])
def test_match_refuses_path_separators_and_dot_dot(name):
    assert HARBOR_ELIG.match(name) is None


def test_glob_replaces_each_placeholder_with_a_star():
    assert HARBOR_ELIG.glob() == "HARBOR_ELIG_*_*.txt.pgp"


def test_month_and_timestamp_formats():
    bill = FilePattern("SUMMIT_BILL_{group}_{date:%Y%m}.csv.pgp")
    assert bill.match("SUMMIT_BILL_G77_202603.csv.pgp") == (date(2026, 3, 1), {"group": "G77"})
    enrol = FilePattern("SUMMIT_834_{group}_{date:%Y%m%d%H%M%S}.x12.pgp")
    name = enrol.render(datetime(2026, 3, 20, 6, 5, 9), group="G77")
    assert name == "SUMMIT_834_G77_20260320060509.x12.pgp"
    assert enrol.match(name) == (date(2026, 3, 20), {"group": "G77"})


def test_pattern_without_date_matches_with_none_business_date():
    batch = FilePattern("PR{co}EPI_{batch_id}.csv.pgp")
    assert batch.render(co="NWD", batch_id="B20260320-01") == "PRNWDEPI_B20260320-01.csv.pgp"
    assert batch.match("PRNWDEPI_B20260320-01.csv.pgp") == (None, {"co": "NWD", "batch_id": "B20260320-01"})
    assert batch.glob() == "PR*EPI_*.csv.pgp"


def test_default_date_format_is_yyyymmdd():
    assert FilePattern("HARBOR_LEAVE_{date}.csv.pgp").render(date(2026, 3, 20)) == "HARBOR_LEAVE_20260320.csv.pgp"


@pytest.mark.parametrize("text", [
    "in/HARBOR_{date}.csv", "..HARBOR_{date}.csv", "a\\b_{date}", "", "A_{date}_{date}.csv", "A_{x}_{x}.csv",
    "A_{date:%B}.csv", "A_*_{date}.csv", "A_{client:%Y}.csv", "A_{date}}.csv",
])
def test_bad_patterns_are_config_errors(text):
    with pytest.raises(ConfigError):
        FilePattern(text)


@pytest.mark.parametrize("value", ["../etc", "a/b", "a\\b", "a..b", "", "-lead"])
def test_render_refuses_unsafe_variable_values(value):
    with pytest.raises(ConfigError):
        HARBOR_ELIG.render(date(2026, 3, 20), client=value)


def test_render_names_missing_and_unknown_variables():
    with pytest.raises(ConfigError, match=r"missing \['client'\]"):
        HARBOR_ELIG.render(date(2026, 3, 20))
    with pytest.raises(ConfigError, match=r"unknown \['group'\]"):
        HARBOR_ELIG.render(date(2026, 3, 20), client="A", group="G")
    with pytest.raises(ConfigError, match="business date"):
        HARBOR_ELIG.render(None, client="A")


def test_is_a_pydantic_field_type_from_and_to_string():
    class Feed(BaseModel):
        file_pattern: FilePattern

    feed = Feed.model_validate({"file_pattern": "HARBOR_LEAVE_{date:%Y%m%d}.csv.pgp"})
    assert isinstance(feed.file_pattern, FilePattern)
    assert feed.model_dump() == {"file_pattern": "HARBOR_LEAVE_{date:%Y%m%d}.csv.pgp"}
    with pytest.raises(ValidationError, match="bare file name"):
        Feed.model_validate({"file_pattern": "../x_{date}.csv"})


def test_value_semantics():
    assert FilePattern("A_{date}.csv") == FilePattern("A_{date}.csv")
    assert len({FilePattern("A_{date}.csv"), FilePattern("A_{date}.csv")}) == 1
    assert str(HARBOR_ELIG) == "HARBOR_ELIG_{client}_{date:%Y%m%d}.txt.pgp"
    assert HARBOR_ELIG.variables == ("client",) and HARBOR_ELIG.has_date
