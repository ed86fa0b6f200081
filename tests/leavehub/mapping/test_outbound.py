"""Outbound: a query over current canonical frames (joins, where, prefix, order) -> vendor text columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from mapping_helpers import BUSINESS_DATE, Job, Person, Plan, canonical_frame, outbound

from schemas.errors import ConfigError, ValidationFailed

PEOPLE = canonical_frame(Person, [
    {"person_id": "P2", "name": "Ana", "birth_date": dt.date(1988, 4, 2), "color": "RED", "active": True,
     "tags": ["FMLA", "CFRA"], "pay": Decimal("1200.5")},
    {"person_id": "P1", "name": None, "color": "BLUE", "active": False},
    {"person_id": "P3", "color": None},
])
JOBS = canonical_frame(Job, [{"person_id": "P1", "start": dt.date(2020, 1, 1), "pay": Decimal("10.00")},
                             {"person_id": "P2", "start": dt.date(2021, 6, 30), "title": "Nurse"}])
PLANS = canonical_frame(Plan, [{"person_id": "P1", "kind": "STD", "code": "S1", "amount": Decimal("0.10")},
                               {"person_id": "P1", "kind": "MED", "code": "M1"},
                               {"person_id": "P2", "kind": "MED", "code": "M2"}])
FRAMES = {"person": PEOPLE, "job": JOBS, "plan": PLANS}
SOURCE = {"entity": "person", "order_by": ["person_id"],
          "joins": [{"entity": "job", "on": "person_id", "how": "inner"},
                    {"entity": "plan", "on": "person_id", "where": {"column": "kind", "eq": "STD"},
                     "prefix": "std_"}]}


def test_joins_where_prefix_and_order_give_vendor_columns_in_order():
    mapper = outbound({"ID": "person_id", "NAME": "name", "START": [{"source": "start"}, {"date": "%m/%d/%Y"}],
                       "STD_PLAN": "std_code", "STD_AMT": [{"source": "std_amount"}, {"decimal": 2}]}, SOURCE)
    assert mapper.required_entities == ("person", "job", "plan")
    out = mapper.apply(FRAMES, BUSINESS_DATE)
    assert list(out.columns) == ["ID", "NAME", "START", "STD_PLAN", "STD_AMT"]
    assert out.to_dict("records") == [
        {"ID": "P1", "NAME": "", "START": "01/01/2020", "STD_PLAN": "S1", "STD_AMT": "0.10"},
        {"ID": "P2", "NAME": "Ana", "START": "06/30/2021", "STD_PLAN": "", "STD_AMT": ""}]
    assert all(str(t) == "string[pyarrow]" for t in out.dtypes)


def test_unprefixed_join_keeps_the_base_value_of_a_shared_column():
    out = outbound({"ID": "person_id", "PAY": [{"source": "pay"}, {"decimal": 2}]},
                   {"entity": "person", "joins": [{"entity": "job", "on": "person_id"}], "order_by": ["person_id"]}
                   ).apply(FRAMES, BUSINESS_DATE)
    assert out["PAY"].tolist() == ["", "1200.50", ""]


def test_outbound_formats_decimals_dates_bools_lists_codes_and_none_as_empty():
    mapper = outbound({
        "ID": "person_id",
        "DOB": [{"source": "birth_date"}, {"date": "%Y%m%d"}],
        "PAY": [{"source": "pay"}, {"decimal": 2}],
        "PAY4": [{"source": "pay"}, {"decimal": 4}],
        "ACTIVE": [{"source": "active"}, {"bool": {"true": ["Y", "1"], "false": "N"}}],
        "PLANS": [{"source": "tags"}, {"join": ";"}],
        "COLOR": [{"source": "color"}, {"code": "color"}],
        "DEFAULTED": [{"source": "name"}, {"default": "n/a"}],
        "ISO": "birth_date",
    }, {"entity": "person", "order_by": ["person_id"]})
    out = mapper.apply(FRAMES, BUSINESS_DATE)
    assert out.iloc[1].to_dict() == {"ID": "P2", "DOB": "19880402", "PAY": "1200.50", "PAY4": "1200.5000",
                                     "ACTIVE": "Y", "PLANS": "FMLA;CFRA", "COLOR": "R", "DEFAULTED": "Ana",
                                     "ISO": "1988-04-02"}
    assert out.iloc[0][["ACTIVE", "COLOR", "DEFAULTED", "DOB"]].tolist() == ["N", "B", "n/a", ""]


def test_reverse_code_table_uses_the_first_vendor_code_and_send_overrides():
    frames = {"person": canonical_frame(Person, [{"person_id": "1", "name": "X"},
                                                 {"person_id": "2", "name": "F"}])}
    out = outbound({"G": [{"source": "name"}, {"code": "gender_834"}]}, {"entity": "person"}).apply(
        frames, BUSINESS_DATE)
    assert out["G"].tolist() == ["U", "F"]


def test_a_canonical_code_without_a_vendor_code_is_a_validation_failure_without_the_value():
    frames = {"person": canonical_frame(Person, [{"person_id": "1", "name": "GREEN"}])}
    with pytest.raises(ValidationFailed) as caught:
        outbound({"C": [{"source": "name"}, {"code": "color"}]}, {"entity": "person"}).apply(frames, BUSINESS_DATE)
    [error] = caught.value.errors
    assert (error.row, error.field, error.value_class) == (1, "C", "text(5)")
    assert "GREEN" not in str(caught.value) and "GREEN" not in str(error)


def test_outbound_filter_on_joined_columns_and_when_rule():
    mapper = outbound({"ID": "person_id", "FLAG": {"when": {"column": "start", "lt": dt.date(2021, 1, 1)},
                                                    "then": {"const": "OLD"}, "else": {"const": "NEW"}}},
                      {"entity": "person", "joins": [{"entity": "job", "on": "person_id", "how": "inner"}],
                       "order_by": ["person_id"]},
                      filters={"any": [{"column": "title", "eq": "Nurse"}, {"column": "active", "eq": False}]})
    assert mapper.apply(FRAMES, BUSINESS_DATE).to_dict("list") == {"ID": ["P1", "P2"], "FLAG": ["OLD", "NEW"]}


def test_outbound_decimal_with_fewer_places_than_the_value_rejects_or_rounds():
    frames = {"person": canonical_frame(Person, [{"person_id": "1", "rate": Decimal("12.3450")}])}
    with pytest.raises(ValidationFailed):
        outbound({"R": [{"source": "rate"}, {"decimal": 2}]}, {"entity": "person"}).apply(frames, BUSINESS_DATE)
    out = outbound({"R": [{"source": "rate"}, {"decimal": {"scale": 2, "rounding": "half_up"}}]},
                   {"entity": "person"}).apply(frames, BUSINESS_DATE)
    assert out["R"].tolist() == ["12.35"]


def test_outbound_query_errors_fail_at_compile_time():
    with pytest.raises(ConfigError, match="unknown column 'nope'"):
        outbound({"X": "nope"}, {"entity": "person"})
    with pytest.raises(ConfigError, match="unknown entity"):
        outbound({"X": "person_id"}, {"entity": "ghost"})
    with pytest.raises(ConfigError, match="join key"):
        outbound({"X": "person_id"}, {"entity": "person", "joins": [{"entity": "job", "on": "title"}]})
    with pytest.raises(ConfigError, match="unknown column 'code'"):
        outbound({"X": "code"}, {"entity": "person", "joins": [{"entity": "plan", "on": "person_id",
                                                                     "prefix": "p_"}]})
