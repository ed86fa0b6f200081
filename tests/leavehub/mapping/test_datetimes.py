"""Date-times from vendor text: zones are never guessed, bad values are row errors, never Arrow tracebacks.

Pinned (issue 11, issue 12 item 2): a time written without a zone is read in the rule's IANA ``timezone:`` or
refused (``iso``) - never taken as UTC; a pattern without ``%z`` and without ``timezone:`` is a ``mapping
check`` error, as is an unknown zone name; a local time a daylight-saving change skips or repeats is a row
error; hour 25, minute 60, month 13, day 30 of February and offset +25:00 are row errors naming the row and
field (never ``ArrowInvalid``, never the value); 7-digit fractions (.NET) are read to the microsecond;
outbound text is written in the rule's zone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mapping_helpers import BUSINESS_DATE, inbound, outbound, text_frame

from leavehub.mapping.loader import load_mapping
from schemas.errors import ConfigError


def read(rule: dict, texts: list[str | None]):
    mapper = inbound({"person_id": "ID", "updated_at": [{"source": "AT"}, rule]})
    chunk = mapper.apply(text_frame([{"ID": f"P{i}", "AT": t} for i, t in enumerate(texts, 1)]), first_row=1,
                         business_date=BUSINESS_DATE)
    stamps = chunk.frames["person"]["updated_at"].array.__arrow_array__().to_pylist()
    return [s and s.isoformat() for s in stamps], [(e.row, e.field, e.reason) for e in chunk.errors]


def test_iso_with_z_or_offset_is_read_and_a_naive_value_without_timezone_is_refused():
    stamps, errors = read({"datetime": "iso"}, ["2026-03-01T10:00:00Z", "2026-03-01T10:00:00-05:00",
                                                "2026-03-01T10:00:00"])
    assert stamps == ["2026-03-01T10:00:00+00:00", "2026-03-01T15:00:00+00:00", None]
    assert errors == [(3, "updated_at", "has no time zone (the rule names none: add timezone:)")]


def test_iso_naive_values_are_read_in_the_rules_zone_and_zoned_ones_keep_theirs():
    stamps, errors = read({"datetime": "iso", "timezone": "America/Chicago"},
                          ["2026-03-01T10:00:00", "2026-07-01 10:00", "2026-03-01T10:00:00Z"])
    assert stamps == ["2026-03-01T16:00:00+00:00", "2026-07-01T15:00:00+00:00", "2026-03-01T10:00:00+00:00"]
    assert errors == []


def test_a_pattern_without_offset_reads_wall_clock_time_in_its_zone():
    stamps, errors = read({"datetime": "%m/%d/%Y %H:%M", "timezone": "America/New_York"},
                          ["03/01/2026 10:00", "07/01/2026 10:00"])
    assert stamps == ["2026-03-01T15:00:00+00:00", "2026-07-01T14:00:00+00:00"] and errors == []


def test_a_pattern_with_offset_reads_it():
    stamps, errors = read({"datetime": "%Y-%m-%d %H:%M %z"}, ["2026-03-01 10:00 +0200", "2026-03-01 10:00 +2500"])
    assert stamps == ["2026-03-01T08:00:00+00:00", None]
    assert errors == [(2, "updated_at", "not a datetime in the format %Y-%m-%d %H:%M %z")]


def test_local_times_a_clock_change_skips_or_repeats_are_row_errors():
    stamps, errors = read({"datetime": "iso", "timezone": "America/New_York"},
                          ["2026-03-08T02:30:00", "2026-11-01T01:30:00", "2026-11-01T03:30:00"])
    assert stamps == [None, None, "2026-11-01T08:30:00+00:00"]
    assert [(row, reason.split(" (")[0]) for row, _, reason in errors] == [
        (1, "is not a single instant in America/New_York"), (2, "is not a single instant in America/New_York")]


OUT_OF_RANGE = ["2026-03-01T25:00:00Z", "2026-03-01T10:00:00+25:00", "2026-13-01T10:00:00Z",
                "2026-03-01T10:60:00Z", "2026-03-01T10:00:61Z", "2026-02-30T10:00:00Z",
                "2026-03-01T10:00:00-13:00",
                "2026-03-01T24:00:00Z", "0000-00-00T00:00:00Z", "2026-03-01T10:00:00+14:60"]


@pytest.mark.parametrize("text", OUT_OF_RANGE)
def test_out_of_range_values_are_row_errors_never_tracebacks_never_the_value(text):
    stamps, errors = read({"datetime": "iso"}, ["2026-03-01T10:00:00Z", text])
    assert stamps == ["2026-03-01T10:00:00+00:00", None]
    assert errors == [(2, "updated_at", "not a datetime in the format iso")]
    assert text not in repr(errors)


@pytest.mark.parametrize("text", ["02/30/2026 10:00", "13/01/2026 10:00", "03/01/2026 25:00", "03/01/2026 10:61"])
def test_out_of_range_values_under_a_pattern_are_row_errors(text):
    stamps, errors = read({"datetime": "%m/%d/%Y %H:%M", "timezone": "UTC"}, [text])
    assert stamps == [None] and [e[0] for e in errors] == [1]


def test_seven_fraction_digits_are_read_to_the_microsecond():
    stamps, errors = read({"datetime": "iso"}, ["2026-03-01T10:00:00.1234567Z", "2026-03-01T10:00:00Z"])
    assert stamps[0] == "2026-03-01T10:00:00.123456+00:00" and errors == []


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.text(alphabet="0123456789-:+TZ. ", max_size=30) | st.none(), min_size=1, max_size=8))
def test_no_text_makes_the_iso_reader_raise(texts):
    stamps, errors = read({"datetime": "iso"}, texts)
    unread = {i for i, (text, stamp) in enumerate(zip(texts, stamps, strict=True), 1) if text and stamp is None}
    assert unread <= {row for row, _, _ in errors} <= {i for i, stamp in enumerate(stamps, 1) if stamp is None}


@pytest.mark.parametrize(("rule", "says"), [
    ({"datetime": "%m/%d/%Y %H:%M"}, "writes no zone: say which with timezone:"),
    ({"datetime": "iso", "timezone": "Mars/Olympus"}, "is not an IANA time zone"),
    ({"datetime": "%Y-%m-%d %H:%M %z", "timezone": "UTC"}, "the pattern reads the offset (%z): drop timezone"),
])
def test_mapping_check_refuses_a_zone_that_is_missing_unknown_or_contradicted(tmp_path, rule, says):
    path = tmp_path / "people.yaml"
    path.write_text(
        "version: 1\neffective_date: 2026-01-01\nvendor: acme\nfeed: people\ndirection: in\n"
        "targets:\n  - entity: leave_case\n    fields:\n      case_number: CASE\n      employee_id: WORKER\n"
        f"      updated_at: [{{source: AT}}, {_flow(rule)}]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    assert says in str(caught.value) and "people.yaml" in str(caught.value)
    assert "line 11" in str(caught.value) or ":11" in str(caught.value)


def _flow(rule: dict) -> str:
    return "{" + ", ".join(f'{k}: "{v}"' for k, v in rule.items()) + "}"


def test_the_reference_mappings_still_load():
    from leavehub.settings import REPO_ROOT

    for path in sorted((REPO_ROOT / "mappings").glob("*/*.yaml")):
        if path.name not in ("vendor.yaml", "codes.yaml"):
            load_mapping(path)


def test_outbound_text_is_written_in_the_rules_zone():
    import pandas as pd
    import pyarrow as pa

    local = {"datetime": "%Y-%m-%d %H:%M", "timezone": "America/Chicago"}
    mapper = outbound({"AT": [{"source": "updated_at"}, local]}, {"entity": "person"})
    stamp = dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)
    frame = pd.DataFrame({"person_id": pd.array(["P1"], dtype=pd.ArrowDtype(pa.string())),
                          "updated_at": pd.array([stamp], dtype=pd.ArrowDtype(pa.timestamp("us", tz="UTC")))})
    out = mapper.apply({"person": frame}, BUSINESS_DATE)
    assert out["AT"].tolist() == ["2026-03-01 10:00"]
