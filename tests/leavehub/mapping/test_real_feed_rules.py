"""Rules real feeds need (issue 11 §4): implied decimals, null words, codes that mean null, constants in
concat, coalesce, latest/earliest, grouped targets (min/max per group) and drift warnings for unseen codes."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest
import yaml
from mapping_helpers import BUSINESS_DATE, ENTITIES, inbound, text_frame
from pydantic import ValidationError

from leavehub.mapping.compiler import compile_mapping
from leavehub.mapping.model import CodesFile, parse_mapping


def values(frame, name):
    return frame[name].array.__arrow_array__().to_pylist()


def run(fields, rows, entity="person", **kw):
    chunk = inbound(fields, entity=entity, **kw).apply(text_frame(rows), first_row=1, business_date=BUSINESS_DATE)
    return chunk.frames[entity], chunk.errors


def test_implied_decimals_read_digits_with_the_point_before_the_last_scale_digits():
    implied = {"decimal": {"scale": 2, "implied": True}}
    frame, errors = run({"person_id": "ID", "pay": [{"source": "PAY"}, implied]},
                        [{"ID": "a", "PAY": "03000"}, {"ID": "b", "PAY": "5"}, {"ID": "c", "PAY": "-00125"},
                         {"ID": "d", "PAY": "12.50"}])
    assert values(frame, "pay")[:3] == [Decimal("30.00"), Decimal("0.05"), Decimal("-1.25")]
    assert [(e.row, e.reason) for e in errors] == [(4, "not digits with 2 implied decimal places")]


def test_null_if_words_become_empty_before_parsing():
    frame, errors = run(
                        {"person_id": "ID",
                         "birth_date": [{"source": "DOB"}, {"null_if": ["00000000"]}, {"date": "%Y%m%d"}],
                         "name": [{"source": "NAME"}, "trim", {"null_if": ["Please Select"]}]},
                        [{"ID": "a", "DOB": "00000000", "NAME": " Please Select "},
                         {"ID": "b", "DOB": "19800102", "NAME": "Ana"}])
    assert errors == []
    assert values(frame, "birth_date") == [None, dt.date(1980, 1, 2)]
    assert values(frame, "name") == [None, "Ana"]


def test_a_code_listed_as_null_means_no_value_and_is_never_sent():
    codes = CodesFile.model_validate(yaml.safe_load(textwrap.dedent("""
        tables:
          color: {unknown: reject, values: {R: RED, "Please Select": null}}
    """)))
    doc = {"version": 1, "effective_date": "2026-01-01", "vendor": "acme", "feed": "people", "direction": "in",
           "targets": [{"entity": "person", "fields": {"person_id": "ID",
                                                        "color": [{"source": "C"}, {"code": "color"}]}}]}
    mapper = compile_mapping(parse_mapping(doc), codes, ENTITIES)
    chunk = mapper.apply(text_frame([{"ID": "a", "C": "Please Select"}, {"ID": "b", "C": "R"},
                                     {"ID": "c", "C": "Z"}]), business_date=BUSINESS_DATE)
    assert values(chunk.frames["person"], "color") == [None, "RED", None]
    assert [(e.row, e.reason) for e in chunk.errors] == [(3, "unknown code for table color")]
    assert codes.tables["color"].outbound() == {"RED": "R"}


def test_concat_parts_take_constants_and_skip_empty_columns():
    frame, errors = run({"person_id": {"concat": {"separator": "", "parts": ["C", {"const": ":"}, "I"]}},
                         "name": {"concat": {"separator": " ", "parts": [[{"source": "F"}, "trim"],
                                                                          {"const": "X"}]}}},
                        [{"C": "14", "I": "7", "F": " Ana "}, {"C": "14", "I": None, "F": None}])
    assert values(frame, "person_id") == ["14:7", "14:"]
    assert values(frame, "name") == ["Ana X", "X"]
    assert errors == []


def test_coalesce_takes_the_first_non_empty_choice():
    frame, _ = run({"person_id": "ID", "name": {"coalesce": ["PREFERRED", [{"source": "FIRST"}, "trim"]]}},
                   [{"ID": "a", "PREFERRED": "Bo", "FIRST": "Robert"},
                    {"ID": "b", "PREFERRED": None, "FIRST": " Al "}])
    assert values(frame, "name") == ["Bo", "Al"]


def test_latest_and_earliest_compare_typed_values_and_skip_empty_ones():
    d = [{"source": "A"}, {"date": "%Y%m%d"}]
    e = [{"source": "B"}, {"date": "%m/%d/%Y"}]
    frame, errors = run({"person_id": "ID", "birth_date": {"latest": [d, e]}},
                        [{"ID": "a", "A": "20260101", "B": "02/01/2026"},
                         {"ID": "b", "A": None, "B": "03/04/2025"}])
    assert values(frame, "birth_date") == [dt.date(2026, 2, 1), dt.date(2025, 3, 4)] and errors == []
    frame, _ = run({"person_id": "ID", "birth_date": {"earliest": [d, e]}},
                   [{"ID": "a", "A": "20260101", "B": "02/01/2026"}])
    assert values(frame, "birth_date") == [dt.date(2026, 1, 1)]


def test_choices_of_different_kinds_are_refused_when_compiled():
    from schemas.errors import ConfigError
    with pytest.raises(ConfigError, match="different kinds"):
        inbound({"person_id": "ID", "name": {"coalesce": ["A", [{"source": "B"}, {"date": "%Y%m%d"}]]}})


def test_a_grouped_target_keeps_one_row_per_group_with_min_max_and_same():
    job = {"entity": "job", "group_by": ["person_id"], "aggregate": {"start": "min", "pay": "max"},
           "fields": {"person_id": "ID", "start": [{"source": "S"}, {"date": "%Y-%m-%d"}],
                      "pay": [{"source": "P"}, {"decimal": 2}], "title": "T"}}
    mapper = inbound({"person_id": "ID"}, extra_targets=[job])
    rows = [{"ID": "a", "S": "2026-03-01", "P": "10", "T": "x"},
            {"ID": "b", "S": "2026-01-01", "P": "1", "T": "y"},
            {"ID": "a", "S": "2026-02-01", "P": "30", "T": "x"}, {"ID": "a", "S": None, "P": None, "T": None}]
    chunk = mapper.apply(text_frame(rows), first_row=1, business_date=BUSINESS_DATE)
    jobs = chunk.frames["job"].sort_values("person_id")
    assert values(jobs, "person_id") == ["a", "b"]
    assert values(jobs, "start") == [dt.date(2026, 2, 1), dt.date(2026, 1, 1)]
    assert values(jobs, "pay") == [Decimal("30.00"), Decimal("1.00")]
    assert values(jobs, "title") == ["x", "y"] and values(jobs, "_row") == [1, 2]
    assert chunk.errors == [] and mapper.grouped == ("job",)
    # a second chunk of the same file: the groups compose
    more = mapper.apply(text_frame([{"ID": "a", "S": "2025-12-31", "P": "5", "T": "z"}]), first_row=5,
                        business_date=BUSINESS_DATE)
    whole, errors = mapper.combine("job", [chunk.frames["job"], more.frames["job"]], line_of=lambda r: r + 1)
    whole = whole.sort_values("person_id")
    assert values(whole, "start") == [dt.date(2025, 12, 31), dt.date(2026, 1, 1)]
    assert values(whole, "pay") == [Decimal("30.00"), Decimal("1.00")]
    assert [(e.row, e.field, e.line) for e in errors] == [(1, "title", 2)]


def test_a_same_field_that_differs_within_a_group_is_a_row_error():
    job = {"entity": "job", "group_by": ["person_id"], "aggregate": {"start": "min"},
           "fields": {"person_id": "ID", "start": [{"source": "S"}, {"date": "%Y-%m-%d"}], "title": "T"}}
    chunk = inbound({"person_id": "ID"}, extra_targets=[job]).apply(
        text_frame([{"ID": "a", "S": "2026-03-01", "T": "x"}, {"ID": "a", "S": "2026-03-02", "T": "y"}]),
        first_row=1, business_date=BUSINESS_DATE, line_of=lambda i: i + 2)
    assert [(e.row, e.field, e.line) for e in chunk.errors] == [(1, "title", 2)]
    assert "differs between rows of one person_id group" in chunk.errors[0].reason


def test_aggregate_names_fields_of_the_target():
    with pytest.raises(ValidationError, match="not a field of this target"):
        parse_mapping({
            "version": 1, "effective_date": "2026-01-01", "vendor": "a", "feed": "b", "direction": "in",
            "targets": [{"entity": "job", "group_by": ["person_id"], "aggregate": {"start": "min"},
                         "fields": {"person_id": "ID"}}]})


def test_an_unseen_code_a_table_passes_or_defaults_is_a_drift_warning():
    frame, errors = run({"person_id": "ID", "color": [{"source": "C"}, {"code": "color_default"}]},
                        [{"ID": "a", "C": "R"}, {"ID": "b", "C": "Q"}, {"ID": "c", "C": "Q"}])
    assert errors == [] and values(frame, "color") == ["RED", "BLUE", "BLUE"]
    chunk = inbound({"person_id": "ID", "color": [{"source": "C"}, {"code": "color_default"}]}).apply(
        text_frame([{"ID": "a", "C": "R"}, {"ID": "b", "C": "Q"}, {"ID": "c", "C": "Q"}]),
        business_date=BUSINESS_DATE, line_of=lambda i: i + 2)
    [warning] = [w.as_error() for w in chunk.warnings]
    assert (warning.row, warning.line, warning.field, warning.column) == (2, 3, "color", "C")
    assert warning.reason == "schema drift: code(s) not in table color_default read as BLUE (2 row(s))"
    assert warning.value_class is None


def test_a_misspelt_bare_word_error_names_the_word():
    with pytest.raises(ValidationError) as info:
        parse_mapping({
            "version": 1, "effective_date": "2026-01-01", "vendor": "a", "feed": "b", "direction": "in",
            "targets": [{"entity": "person", "fields": {"person_id": [{"source": "ID"}, "trimm"]}}]})
    assert "'trimm'" in str(info.value)


def test_implied_decimals_write_back_without_the_point():
    from mapping_helpers import Person, canonical_frame, outbound

    people = canonical_frame(Person, [{"person_id": "P1", "pay": Decimal("30.00")},
                                      {"person_id": "P2", "pay": Decimal("1234.5")}, {"person_id": "P3"}])
    mapper = outbound({"ID": "person_id", "PAY": [{"source": "pay"}, {"decimal": {"scale": 2, "implied": True}}]},
                      {"entity": "person"})
    out = mapper.apply({"person": people}, BUSINESS_DATE)
    assert out["PAY"].tolist() == ["3000", "123450", ""]
