"""Every inbound rule on whole columns: vendor text in, canonical Arrow columns out, bad values as RowErrors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from mapping_helpers import BUSINESS_DATE, inbound, text_frame

from schemas.errors import ConfigError


def run(fields, rows, **kw):
    chunk = inbound(fields, **kw).apply(text_frame(rows), first_row=1, business_date=BUSINESS_DATE)
    return chunk.frames["person"], chunk.errors


def col(frame, name):
    return frame[name].array.__arrow_array__().to_pylist()


def test_shorthand_string_is_a_source_column():
    frame, errors = run({"person_id": "ID"}, [{"ID": "P1"}, {"ID": "P2"}])
    assert col(frame, "person_id") == ["P1", "P2"] and errors == []


def test_output_carries_source_row_numbers_and_canonical_arrow_types():
    chunk = inbound({"person_id": "ID", "pay": [{"source": "PAY"}, {"decimal": 2}]}).apply(
        text_frame([{"ID": "a", "PAY": "1.5"}, {"ID": "b", "PAY": "2"}]), first_row=41,
        business_date=BUSINESS_DATE)
    frame = chunk.frames["person"]
    assert col(frame, "_row") == [41, 42]
    assert frame["pay"].dtype.pyarrow_dtype == pa.decimal128(14, 2)
    assert frame["birth_date"].dtype.pyarrow_dtype == pa.date32()
    assert frame["updated_at"].dtype.pyarrow_dtype == pa.timestamp("us", tz="UTC")
    assert frame["tags"].dtype.pyarrow_dtype == pa.list_(pa.string())


def test_path_reads_a_flattened_json_column_and_missing_path_is_empty():
    frame, _ = run({"person_id": {"path": "id"}, "name": {"path": "legal_name.first"}},
                   [{"id": "W1", "legal_name.first": "Ana"}])
    assert col(frame, "name") == ["Ana"]
    frame, _ = run({"person_id": {"path": "id"}, "name": {"path": "legal_name.middle"}}, [{"id": "W1"}])
    assert col(frame, "name") == [None]


def test_missing_source_column_is_a_format_error():
    from schemas.errors import FormatError

    with pytest.raises(FormatError, match="MISSING"):
        run({"person_id": "MISSING"}, [{"ID": "1"}])


def test_const_and_default():
    frame, _ = run({"person_id": {"const": "X"}, "name": [{"source": "N"}, {"default": "unknown"}],
                    "count": {"const": 3}, "active": {"const": True}},
                   [{"N": "Ann"}, {"N": None}])
    assert col(frame, "person_id") == ["X", "X"]
    assert col(frame, "name") == ["Ann", "unknown"]
    assert col(frame, "count") == [3, 3] and col(frame, "active") == [True, True]


def test_required_reports_the_row_field_and_vendor_column():
    _, errors = run({"person_id": "ID", "name": [{"source": "N"}, "required"]}, [{"ID": "1", "N": None}])
    assert [(e.row, e.field, e.column, e.reason, e.value_class) for e in errors] == [
        (1, "name", "N", "required value is empty", "empty")]


def test_trim_makes_blank_empty_and_case_changes_case():
    frame, _ = run({"person_id": [{"source": "ID"}, "trim", {"case": "upper"}],
                    "name": [{"source": "N"}, "trim", {"case": "title"}]},
                   [{"ID": " ab ", "N": "  ana diaz "}, {"ID": "c", "N": "   "}])
    assert col(frame, "person_id") == ["AB", "C"] and col(frame, "name") == ["Ana Diaz", None]
    frame, _ = run({"person_id": [{"source": "ID"}, {"case": "lower"}]}, [{"ID": "AB"}])
    assert col(frame, "person_id") == ["ab"]


def test_strip_removes_characters_including_regex_specials():
    frame, errors = run({"person_id": "ID", "ssn": [{"source": "SSN"}, {"strip": "- ()."}]},
                        [{"ID": "1", "SSN": "123-45-6789"}, {"ID": "2", "SSN": "(123) 45.6789"}])
    assert col(frame, "ssn") == ["123456789", "123456789"] and errors == []


def test_regex_extracts_a_group_and_rejects_a_mismatch_without_the_value():
    fields = {"person_id": "ID",
              "ssn": [{"source": "SSN"}, {"regex": {"pattern": r"(\d{3})-?(\d{2})-?(\d{4})", "group": 0}},
                      {"strip": "-"}]}
    frame, errors = run(fields, [{"ID": "1", "SSN": "ssn 123-45-6789"}, {"ID": "2", "SSN": "12-3"}])
    assert col(frame, "ssn") == ["123456789", None]
    assert [(e.row, e.field, e.value_class) for e in errors] == [(2, "ssn", "text(4)")]
    frame, _ = run({"person_id": [{"source": "ID"}, {"regex": r"^W(\d+)$"}]}, [{"ID": "W0042"}])
    assert col(frame, "person_id") == ["0042"]


@pytest.mark.parametrize(("mode", "expected", "n_errors"), [("null", [None], 0), ("keep", ["zz"], 0),
                                                            ("reject", [None], 1)])
def test_regex_on_mismatch_behaviours(mode, expected, n_errors):
    fields = {"person_id": {"const": "1"},
              "name": [{"source": "N"}, {"regex": {"pattern": r"^\d+$", "on_mismatch": mode}}]}
    frame, errors = run(fields, [{"N": "zz"}])
    assert col(frame, "name") == expected and len(errors) == n_errors


def test_date_parse_with_pattern_flags_impossible_dates():
    fields = {"person_id": "ID", "birth_date": [{"source": "DOB"}, {"date": "%m/%d/%Y"}]}
    frame, errors = run(fields, [{"ID": "1", "DOB": "04/02/1988"}, {"ID": "2", "DOB": "02/30/1988"},
                                 {"ID": "3", "DOB": "1988-04-02"}, {"ID": "4", "DOB": None}])
    assert col(frame, "birth_date") == [dt.date(1988, 4, 2), None, None, None]
    assert [(e.row, e.reason, e.value_class) for e in errors] == [
        (2, "not a date in the format %m/%d/%Y", "date-like"),
        (3, "not a date in the format %m/%d/%Y", "date-like")]


def test_canonical_text_is_parsed_by_the_field_type_without_a_rule():
    fields = {"person_id": "ID", "birth_date": "DOB", "pay": "PAY", "count": "N", "active": "ACT",
              "updated_at": "AT"}
    frame, errors = run(fields, [{"ID": "1", "DOB": "1988-04-02", "PAY": "10.50", "N": "7", "ACT": "true",
                                  "AT": "2026-11-20T08:15:00Z"},
                                 {"ID": "2", "DOB": "x", "PAY": "1.234", "N": "7.5", "ACT": "maybe",
                                  "AT": "2026-11-20T08:15:00+01:00"}])
    assert col(frame, "birth_date")[0] == dt.date(1988, 4, 2)
    assert col(frame, "pay")[0] == Decimal("10.50") and col(frame, "count")[0] == 7
    assert col(frame, "active") == [True, None]
    assert [t.isoformat() for t in col(frame, "updated_at")] == ["2026-11-20T08:15:00+00:00",
                                                                  "2026-11-20T07:15:00+00:00"]
    assert sorted(e.field for e in errors) == ["active", "birth_date", "count", "pay"]


def test_datetime_iso_and_pattern():
    fields = {"person_id": "ID", "updated_at": [{"source": "AT"}, {"datetime": "iso"}]}
    frame, errors = run(fields, [{"ID": "1", "AT": "2026-11-20T08:15:00.250Z"},
                                 {"ID": "2", "AT": "2026-11-20 08:15"},
                                 {"ID": "3", "AT": "2026-02-30T00:00:00Z"}, {"ID": "4", "AT": "soon"}])
    assert [t and t.isoformat() for t in col(frame, "updated_at")] == [
        "2026-11-20T08:15:00.250000+00:00", None, None, None]
    assert [e.row for e in errors] == [2, 3, 4], "a time without a zone is refused, not taken as UTC"
    fields = {"person_id": "ID", "updated_at": [{"source": "AT"}, {"datetime": "%Y%m%d%H%M%S", "timezone": "UTC"}]}
    frame, _ = run(fields, [{"ID": "1", "AT": "20261120081500"}])
    assert col(frame, "updated_at")[0].isoformat() == "2026-11-20T08:15:00+00:00"


def test_decimals_are_exact_never_float():
    fields = {"person_id": "ID", "pay": [{"source": "PAY"}, {"decimal": 2}]}
    frame, errors = run(fields, [{"ID": "1", "PAY": "0.10"}, {"ID": "2", "PAY": "0.20"},
                                 {"ID": "3", "PAY": "-1234.5"}])
    assert sum(col(frame, "pay")[:2]) == Decimal("0.30")
    assert col(frame, "pay")[2] == Decimal("-1234.50") and errors == []


def test_decimal_with_too_many_places_is_rejected_by_default():
    fields = {"person_id": "ID", "pay": [{"source": "PAY"}, {"decimal": 2}]}
    frame, errors = run(fields, [{"ID": "1", "PAY": "12.345"}, {"ID": "2", "PAY": "12,00"}])
    assert col(frame, "pay") == [None, None]
    assert [(e.reason, e.value_class) for e in errors] == [("more than 2 decimal places", "number(6)"),
                                                         ("not a decimal number", "text(5)")]


@pytest.mark.parametrize(("rounding", "values", "expected"), [
    ("half_up", ["12.345", "-12.345", "0.005"], ["12.35", "-12.35", "0.01"]),
    ("half_even", ["12.345", "12.355", "-0.005"], ["12.34", "12.36", "0.00"]),
])
def test_decimal_rounding_matches_python_decimal(rounding, values, expected):
    fields = {"person_id": "ID", "pay": [{"source": "PAY"}, {"decimal": {"scale": 2, "rounding": rounding}}]}
    frame, errors = run(fields, [{"ID": str(i), "PAY": v} for i, v in enumerate(values)])
    assert col(frame, "pay") == [Decimal(e) for e in expected] and errors == []


def test_decimal_too_large_for_the_field_is_an_error():
    fields = {"person_id": "ID", "hours": [{"source": "H"}, {"decimal": 2}]}
    frame, errors = run(fields, [{"ID": "1", "H": "12345678.00"}, {"ID": "2", "H": "1234567.00"}])
    assert col(frame, "hours") == [None, Decimal("1234567.00")]
    assert [(e.row, e.reason) for e in errors] == [(1, "does not fit decimal(9,2)")]


def test_integer_rule():
    frame, errors = run({"person_id": "ID", "count": [{"source": "N"}, "integer"]},
                        [{"ID": "1", "N": "42"}, {"ID": "2", "N": "4x"}])
    assert col(frame, "count") == [42, None] and [e.reason for e in errors] == ["not a whole number"]


@pytest.mark.parametrize(("table", "expected", "n_errors"), [
    ("color", ["RED", "BLUE", "RED", None, None], 1),
    ("color_pass", ["RED", "B", "Rouge", "GREEN", None], 0),
    ("color_default", ["RED", "BLUE", "BLUE", "BLUE", None], 0),
    ("color_default_obj", ["RED", "BLUE", "RED", "RED", None], 0),
])
def test_code_tables_unknown_behaviours(table, expected, n_errors):
    frame, errors = run({"person_id": "ID", "name": [{"source": "C"}, {"code": table}]},
                        [{"ID": "1", "C": "R"}, {"ID": "2", "C": "B"}, {"ID": "3", "C": "Rouge"},
                         {"ID": "4", "C": "GREEN"}, {"ID": "5", "C": None}])
    assert col(frame, "name") == expected
    assert len(errors) == n_errors
    if n_errors:
        assert (errors[0].row, errors[0].reason, errors[0].column) == (4, "unknown code for table color", "C")


def test_split_into_a_list_and_translate_every_item():
    fields = {"person_id": "ID", "tags": [{"source": "T"}, {"split": ";"}],
              "colors": [{"source": "T"}, {"split": ";"}, {"code": "color"}]}
    frame, errors = run(fields, [{"ID": "1", "T": "R; B;"}, {"ID": "2", "T": None}, {"ID": "3", "T": "R;GREEN"}])
    assert col(frame, "tags")[0] == ["R", "B"]
    assert col(frame, "tags")[1] is None
    assert col(frame, "colors")[0] == ["RED", "BLUE"]
    assert [(e.row, e.field) for e in errors] == [(3, "colors")]


def test_concat_skips_empty_parts():
    fields = {"person_id": "ID", "name": [{"source": ["F", "M", "L"]}, {"concat": " "}]}
    frame, _ = run(fields, [{"ID": "1", "F": "Ana", "M": None, "L": "Diaz"}, {"ID": "2"}])
    assert col(frame, "name") == ["Ana Diaz", None]


def test_bool_from_yes_no_table():
    yes_no = {"bool": {"true": ["Y", "1"], "false": "N"}}
    frame, errors = run({"person_id": "ID", "active": [{"source": "A"}, yes_no]},
                        [{"ID": "1", "A": "Y"}, {"ID": "2", "A": "N"}, {"ID": "3", "A": "1"},
                         {"ID": "4", "A": "?"},
                         {"ID": "5", "A": None}])
    assert col(frame, "active") == [True, False, True, None, None]
    assert [(e.row, e.reason) for e in errors] == [(4, "not one of Y, 1, N")]


def test_when_then_else_on_a_source_column():
    fields = {"person_id": "ID", "name": {"when": {"column": "S", "in": ["A", "L"]},
                                          "then": {"const": "employed"}, "else": {"const": "gone"}}}
    frame, _ = run(fields, [{"ID": "1", "S": "A"}, {"ID": "2", "S": "T"}, {"ID": "3", "S": None}])
    assert col(frame, "name") == ["employed", "gone", "gone"]


def test_when_without_else_keeps_the_value_and_errors_only_where_the_branch_applies():
    fields = {"person_id": "ID",
              "birth_date": [{"source": "DOB"},
                             {"when": {"column": "FMT", "eq": "US"}, "then": {"date": "%m/%d/%Y"},
                              "else": {"date": "%Y-%m-%d"}}]}
    frame, errors = run(fields, [{"ID": "1", "DOB": "04/02/1988", "FMT": "US"},
                                 {"ID": "2", "DOB": "1988-04-02", "FMT": "ISO"}])
    assert col(frame, "birth_date") == [dt.date(1988, 4, 2)] * 2 and errors == []
    fields = {"person_id": "ID", "name": [{"source": "N"}, {"when": {"column": "N", "is_null": True},
                                                            "then": {"const": "?"}}]}
    frame, _ = run(fields, [{"ID": "1", "N": "Ann"}, {"ID": "2", "N": None}])
    assert col(frame, "name") == ["Ann", "?"]


def test_when_on_an_earlier_field_with_date_comparisons():
    fields = {
        "person_id": "ID", "birth_date": [{"source": "D"}, {"date": "%Y-%m-%d"}],
        "name": {"when": {"field": "birth_date", "gt": "business_date - 30d"},
                 "then": {"const": "recent"}, "else": {"const": "old"}},
        "ssn": {"when": {"field": "birth_date", "lt": dt.date(2000, 1, 1)}, "then": {"const": "111111111"}}}
    frame, _ = run(fields, [{"ID": "1", "D": "2026-11-01"}, {"ID": "2", "D": "1990-01-01"}, {"ID": "3"}])
    assert col(frame, "name") == ["recent", "old", "old"]
    assert col(frame, "ssn") == [None, "111111111", None]


def test_transform_escape_hatch_runs_an_allow_listed_function():
    frame, _ = run({"person_id": "ID", "name": [{"source": "N"}, {"transform": "collapse_whitespace"}]},
                   [{"ID": "1", "N": " Mary   Ann "}])
    assert col(frame, "name") == ["Mary Ann"]
    with pytest.raises(ConfigError, match="not allow-listed"):
        inbound({"person_id": "ID", "name": [{"source": "N"}, {"transform": "os.system"}]})


def test_misplaced_rules_fail_at_compile_time():
    for fields in ({"person_id": "ID", "birth_date": [{"source": "D"}, {"date": "%Y"}, "trim"]},
                   {"person_id": "ID", "name": [{"source": ["A", "B"]}, "trim"]},
                   {"person_id": "ID", "count": [{"source": "D"}, {"date": "%Y-%m-%d"}]},
                   {"person_id": "ID", "name": [{"source": "D"}, {"code": "nope"}]},
                   {"person_id": "ID", "name": [{"source": "D"}, {"regex": "(unclosed"}]},
                   {"person_id": "ID", "name": ["trim"]},
                   {"person_id": "ID", "no_such_field": "X"}):
        with pytest.raises(ConfigError):
            inbound(fields)

