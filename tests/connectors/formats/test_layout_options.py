"""Layout options real feeds need (issue 11): the fixed-width detail record type, null words, and columns
declared ``sensitive: never_read`` that no reader hands on."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from format_helpers import frame_of, read_all

from connectors.formats import parse_layout, write_chunks
from schemas.errors import ConfigError

FIXED = {
    "type": "fixed_width", "record_length": 24, "line_terminator": "\n", "detail_prefix": "D",
    "null_values": ["00000000"],
    "fields": [
        {"name": "ID", "start": 2, "width": 5},
        {"name": "START", "start": 7, "width": 8},
        {"name": "PLAN", "start": 15, "width": 5, "null_values": ["NONE"]},
        {"name": "DX", "start": 20, "width": 5, "sensitive": "never_read"},
    ],
    "header": {"prefix": "H"}, "trailer": {"prefix": "T", "fields": [{"start": 2, "width": 6, "count": True,
                                                                       "align": "right", "pad": "0"}]},
}


def test_a_record_of_another_type_is_a_row_error_with_its_line() -> None:
    data = (b"H" + b" " * 23 + b"\n" + b"DE000120260101FMLA A10.1\n" + b"XE000220260101FMLA A10.1\n"
            + b"DE000320260101FMLA A10.1\n"
            + b"T000003" + b" " * 17 + b"\n")
    chunks = read_all(FIXED, data)
    errors = [e for c in chunks for e in c.row_errors]
    assert [(e.row, e.line, e.reason) for e in errors] == [(2, 3, "record type is not the detail prefix 'D'")]
    assert errors[0].value_class == "record"
    assert len(frame_of(chunks)) == 3


def test_null_words_of_the_layout_and_of_a_field_read_as_empty() -> None:
    data = (b"H" + b" " * 23 + b"\n" + b"DE000100000000NONE A10.1\n" + b"DE000220260101FMLA      \n"
            + b"T000002" + b" " * 17 + b"\n")
    frame = frame_of(read_all(FIXED, data))
    assert frame["START"].tolist() == [pd.NA, "20260101"]
    assert frame["PLAN"].tolist() == [pd.NA, "FMLA"]


def test_a_never_read_fixed_width_field_is_not_sliced_and_written_blank() -> None:
    data = b"H" + b" " * 23 + b"\n" + b"DE000120260101FMLA A10.1\n" + b"T000001" + b" " * 17 + b"\n"
    chunks = read_all(FIXED, data)
    assert chunks[0].columns == ("ID", "START", "PLAN") and "DX" not in frame_of(chunks).columns
    layout = parse_layout({k: v for k, v in FIXED.items() if k not in ("header", "trailer")})
    sink = io.BytesIO()
    write_chunks(layout, [pd.DataFrame({"ID": ["E1"], "START": ["20260101"], "PLAN": ["FMLA"]})], sink)
    assert sink.getvalue() == b"DE1   20260101FMLA      \n"


def test_a_never_read_delimited_column_is_dropped_as_it_is_read() -> None:
    layout = {"type": "delimited", "columns": ["ID", {"name": "DIAGNOSIS", "sensitive": "never_read"}, "PLAN"]}
    data = b'ID,DIAGNOSIS,PLAN\r\nE1,"MARKER-XYZ\r\nsecond line",FMLA\r\nE2,MARKER-XYZ,STD\r\n'
    chunks = read_all(layout, data)
    frame = frame_of(chunks)
    assert list(frame.columns) == ["ID", "PLAN"] and frame["PLAN"].tolist() == ["FMLA", "STD"]
    assert [c.line_of(i) for c in chunks for i in range(len(c))] == [2, 4]
    assert parse_layout(layout).never_read == ("DIAGNOSIS",)


def test_never_read_names_declared_columns_and_detail_prefix_differs_from_markers() -> None:
    with pytest.raises(ConfigError, match="never_read names columns"):
        parse_layout({"type": "delimited", "columns": ["ID"], "never_read": ["DX"]})
    with pytest.raises(ConfigError, match="cannot be told apart"):
        parse_layout({**FIXED, "detail_prefix": "T"})


def test_a_quote_never_closed_names_the_line_its_record_starts_on() -> None:
    from schemas.errors import FormatError

    for data, line in ((b'A,B\r\n1,x\r\n2,"y\r\n3,z\r\n', 3), (b'A,B\r\n1,"x\r\n"\r\n2,"y\r\n3,z\r\n4,w', 4)):
        with pytest.raises(FormatError, match="never closed") as info:
            read_all({"type": "delimited"}, data)
        assert info.value.line == line
