"""Row filters (any/all/not, dates against the business date), per-target filters, several targets per row."""

from __future__ import annotations

import pytest
from mapping_helpers import BUSINESS_DATE, inbound, text_frame

from schemas.errors import ConfigError

ROWS = [{"ID": "1", "S": "A", "TERM": None}, {"ID": "2", "S": "L", "TERM": None},
        {"ID": "3", "S": "T", "TERM": "10/01/2026"}, {"ID": "4", "S": "T", "TERM": "01/15/2026"},
        {"ID": "5", "S": "T", "TERM": None}]


def kept(filters, rows=ROWS):
    chunk = inbound({"person_id": "ID"}, filters=filters).apply(text_frame(rows), 1, BUSINESS_DATE)
    return chunk.frames["person"]["person_id"].tolist()


def test_status_in_or_terminated_in_the_last_90_days():
    census = {"any": [{"column": "S", "in": ["A", "L"]},
                      {"column": "TERM", "date": "%m/%d/%Y", "in_last_days": 90}]}
    assert kept(census) == ["1", "2", "3"]


def test_all_and_not_combinators_and_a_list_means_all():
    assert kept({"all": [{"column": "S", "eq": "T"}, {"column": "TERM", "not_null": True}]}) == ["3", "4"]
    assert kept([{"column": "S", "eq": "T"}, {"not": {"column": "TERM", "is_null": True}}]) == ["3", "4"]
    assert kept({"not": {"column": "S", "not_in": ["A"]}}) == ["1"]
    assert kept({"column": "S", "ne": "T"}) == ["1", "2"]


@pytest.mark.parametrize(("test", "expected"), [
    ({"column": "TERM", "date": "%m/%d/%Y", "ge": "business_date - 90d"}, ["3"]),
    ({"column": "TERM", "date": "%m/%d/%Y", "lt": "2026-02-01"}, ["4"]),
    ({"column": "TERM", "date": "%m/%d/%Y", "le": "business_date"}, ["3", "4"]),
    ({"column": "TERM", "date": "%m/%d/%Y", "gt": "business_date + 1d"}, []),
    ({"column": "TERM", "date": "%m/%d/%Y", "in_next_days": 30}, []),
])
def test_date_comparisons_against_literals_and_the_business_date(test, expected):
    assert kept(test) == expected


def test_row_numbers_survive_filtering_and_errors_point_at_the_source_row_and_line():
    mapper = inbound({"person_id": "ID", "birth_date": [{"source": "D"}, {"date": "%Y-%m-%d"}]},
                     filters={"column": "S", "eq": "A"})
    rows = [{"ID": "1", "S": "T", "D": "bad"}, {"ID": "2", "S": "A", "D": "bad"}]
    chunk = mapper.apply(text_frame(rows), first_row=101, business_date=BUSINESS_DATE, line_of=lambda i: i + 7)
    assert chunk.frames["person"]["_row"].tolist() == [102]
    assert [(e.row, e.line, e.field, e.column) for e in chunk.errors] == [(102, 8, "birth_date", "D")]


def test_one_vendor_record_produces_several_entities_with_their_own_filters():
    extra = [{"entity": "job", "filter": {"column": "HIRED", "not_null": True},
              "fields": {"person_id": "ID", "start": [{"source": "HIRED"}, {"date": "%Y%m%d"}],
                         "title": [{"source": "T"}, "trim"]}}]
    mapper = inbound({"person_id": "ID", "name": "N"}, extra_targets=extra)
    rows = [{"ID": "1", "N": "Ann", "HIRED": "20200101", "T": " Nurse "}, {"ID": "2", "N": "Bo", "HIRED": None}]
    chunk = mapper.apply(text_frame(rows), 1, BUSINESS_DATE)
    assert chunk.frames["person"]["person_id"].tolist() == ["1", "2"]
    assert chunk.frames["job"]["_row"].tolist() == [1]
    assert chunk.frames["job"]["title"].tolist() == ["Nurse"]
    assert chunk.errors == []


def test_comparison_needs_exactly_one_operator_and_date_operators_need_dates():
    with pytest.raises(ValueError, match="exactly one operator"):
        inbound({"person_id": "ID"}, filters={"column": "S", "eq": "A", "ne": "B"})
    with pytest.raises(ConfigError, match="compares dates"):
        inbound({"person_id": "ID"}, filters={"column": "S", "in_last_days": 3})
    with pytest.raises(ConfigError, match="business_date compares with dates"):
        inbound({"person_id": "ID"}, filters={"column": "S", "eq": "business_date"})
    with pytest.raises(ConfigError, match="not computed before"):
        inbound({"person_id": {"when": {"field": "name", "is_null": True}, "then": {"const": "x"}}, "name": "N"})
