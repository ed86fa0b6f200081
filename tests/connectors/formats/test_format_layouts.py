"""Layouts are closed, validated data: every option parses, typos and contradictions fail as ConfigError."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from connectors.formats import (
    BusinessDateField,
    CountField,
    DelimitedLayout,
    FixedWidthLayout,
    JsonLayout,
    Layout,
    LiteralField,
    parse_layout,
)
from schemas.errors import ConfigError


def test_delimited_defaults_are_rfc4180_csv_with_crlf() -> None:
    layout = parse_layout({"type": "delimited"})
    assert isinstance(layout, DelimitedLayout)
    assert (layout.delimiter, layout.quote_char, layout.header, layout.encoding) == (",", '"', True, "utf-8")
    assert layout.line_terminator == "\r\n" and layout.null_values == ("",) and layout.trailer is None
    assert layout.write_bom is False and layout.neutralise_formulas is True


def test_every_delimited_option_parses() -> None:
    layout = parse_layout({
        "type": "delimited", "delimiter": "\t", "quote_char": "'", "header": False, "encoding": "latin-1",
        "write_bom": True, "line_terminator": "\n", "columns": ["A", "B"], "null_values": ["", "NULL"],
        "neutralise_formulas": False,
        "trailer": {"tag": "EOF", "fields": [{"literal": "X"}, {"count": True}, {"business_date": "%m%d%Y"}]},
    })
    assert layout.columns == ("A", "B") and layout.null_values == ("", "NULL")
    assert layout.trailer is not None and layout.trailer.fields == (
        LiteralField(literal="X"), CountField(count=True), BusinessDateField(business_date="%m%d%Y"))


def test_trailer_defaults_to_count_then_yyyymmdd() -> None:
    layout = parse_layout({"type": "delimited", "trailer": {}})
    assert layout.trailer.tag == "TRL"
    assert layout.trailer.fields == (CountField(count=True), BusinessDateField(business_date="%Y%m%d"))


def test_fixed_width_and_json_parse_by_discriminator() -> None:
    fixed = parse_layout({"type": "fixed_width", "record_length": 10, "line_terminator": "\n",
                          "fields": [{"name": "ID", "start": 1, "width": 4},
                                     {"name": "AMT", "start": 5, "width": 6, "align": "right", "pad": "0"}],
                          "header": {"prefix": "H"}, "trailer": {"prefix": "T", "fields": [
                              {"start": 2, "width": 5, "count": True}]}, "pad_short_records": True})
    assert isinstance(fixed, FixedWidthLayout) and fixed.fields[1].stop == 10
    page = parse_layout({"type": "json", "records_path": "data"})
    assert isinstance(page, JsonLayout)


def test_layout_is_usable_as_a_pydantic_field_type() -> None:
    class Mapping(BaseModel):
        layout: Layout

    assert isinstance(Mapping.model_validate({"layout": {"type": "json"}}).layout, JsonLayout)


@pytest.mark.parametrize(("data", "key"), [
    ({"type": "delimited", "delimitr": "|"}, "delimited.delimitr"),
    ({"type": "xml"}, None),
    ({"type": "delimited", "delimiter": "||"}, "delimited.delimiter"),
    ({"type": "delimited", "line_terminator": "\r"}, "delimited.line_terminator"),
    ({"type": "delimited", "encoding": "utf-16"}, "delimited.encoding"),
    ({"type": "delimited", "delimiter": '"'}, "delimited"),
    ({"type": "delimited", "header": False}, "delimited"),
    ({"type": "delimited", "columns": ["A", "A"]}, "delimited"),
    ({"type": "delimited", "trailer": {"fields": [{"count": False}]}}, "delimited.trailer.fields.0"),
    ({"type": "delimited", "trailer": {"fields": [{"business_date": "%Y"}]}}, "delimited.trailer.fields.0"),
    ({"type": "delimited", "trailer": {"fields": [{"cnt": True}]}}, "delimited.trailer.fields.0"),
    ({"type": "fixed_width", "record_length": 5, "fields": [{"name": "A", "start": 1, "width": 6}]},
     "fixed_width"),
    ({"type": "fixed_width", "record_length": 9, "fields": [{"name": "A", "start": 1, "width": 4},
                                                          {"name": "B", "start": 4, "width": 2}]}, "fixed_width"),
    ({"type": "fixed_width", "record_length": 9, "fields": [{"name": "A", "start": 0, "width": 4}]},
     "fixed_width.fields.0.start"),
    ({"type": "fixed_width", "record_length": 9, "fields": [{"name": "A", "start": 1, "width": 4}],
      "trailer": {"prefix": "T", "fields": [{"start": 1, "width": 3, "count": True}]}}, "fixed_width"),
    ({"type": "fixed_width", "record_length": 9, "fields": [{"name": "A", "start": 1, "width": 4}],
      "trailer": {"prefix": "T", "fields": [{"start": 2, "width": 3, "count": True, "literal": "x"}]}},
     "fixed_width.trailer.fields.0"),
])
def test_bad_layout_is_a_config_error_naming_the_key(data: dict, key: str | None) -> None:
    with pytest.raises(ConfigError) as info:
        parse_layout(data)
    if key is None:
        assert info.value.key_path is not None
    else:
        assert info.value.key_path.startswith(key), info.value.key_path
    assert "invalid layout" in str(info.value)
