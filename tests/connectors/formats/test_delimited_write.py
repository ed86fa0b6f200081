"""The delimited writer: quoting only when needed, formula neutralising, terminators, BOM, trailer, hash."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from connectors.formats import WriteResult, parse_layout, write_chunks
from schemas.errors import ConfigError, FormatError

STRING = pd.ArrowDtype(pa.string())


def write(layout_data: dict, *frames: pd.DataFrame, **kw) -> tuple[bytes, WriteResult]:
    sink = io.BytesIO()
    result = write_chunks(parse_layout(layout_data), list(frames), sink, **kw)
    return sink.getvalue(), result


def test_quotes_only_values_that_need_it() -> None:
    frame = pd.DataFrame({"A": ["plain", "a,b", 'say "hi"', "two\nlines", "cr\rx", ""]})
    data, _ = write({"type": "delimited"}, frame)
    assert data == b'A\r\nplain\r\n"a,b"\r\n"say ""hi"""\r\n"two\nlines"\r\n"cr\rx"\r\n\r\n'


def test_pipe_layout_quotes_pipes_not_commas() -> None:
    data, _ = write({"type": "delimited", "delimiter": "|", "line_terminator": "\n"},
                    pd.DataFrame({"A": ["a,b", "a|b"], "B": ["x", None]}))
    assert data == b'A|B\na,b|x\n"a|b"|\n'


def test_formula_injection_is_neutralised_but_numbers_stay_intact() -> None:
    cells = ["=SUM(A1)", "+cmd", "-1+2", "@x", "\tx", "\rx", "-42.50", "+1", "-0.5", "42", ".5", "a=b", None]
    data, _ = write({"type": "delimited", "line_terminator": "\n"}, pd.DataFrame({"A": cells}))
    lines = data.decode().split("\n")
    assert lines[1:7] == ["'=SUM(A1)", "'+cmd", "'-1+2", "'@x", "'\tx", "\"'\rx\""]
    assert lines[7:13] == ["-42.50", "+1", "-0.5", "42", ".5", "a=b"]
    assert lines[13] == ""  # null -> empty field


def test_neutralising_can_be_switched_off() -> None:
    data, _ = write({"type": "delimited", "neutralise_formulas": False, "line_terminator": "\n"},
                    pd.DataFrame({"A": ["=1+2"]}))
    assert data == b"A\n=1+2\n"


def test_header_once_rows_per_chunk_and_trailer_with_count() -> None:
    layout = {"type": "delimited", "delimiter": "|", "trailer": {"tag": "TRL"}}
    first = pd.DataFrame({"ID": ["E1", "E2"], "HOURS": ["8.00", "4.00"]})
    second = pd.DataFrame({"ID": ["E3"], "HOURS": ["1.50"]})
    data, result = write(layout, first, second, business_date=date(2026, 11, 20))
    assert data == b"ID|HOURS\r\nE1|8.00\r\nE2|4.00\r\nE3|1.50\r\nTRL|3|20261120\r\n"
    assert result == WriteResult(records=3, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())


def test_trailer_literal_fields_and_custom_date_format() -> None:
    layout = {"type": "delimited", "line_terminator": "\n",
              "trailer": {"tag": "EOF",
                          "fields": [{"literal": "V1"}, {"business_date": "%m/%d/%Y"}, {"count": True}]}}
    data, _ = write(layout, pd.DataFrame({"A": ["x"]}), business_date=date(2026, 1, 2))
    assert data.endswith(b"EOF,V1,01/02/2026,1\n")


def test_trailer_with_a_date_needs_business_date() -> None:
    with pytest.raises(ValueError, match="business_date"):
        write({"type": "delimited", "trailer": {}}, pd.DataFrame({"A": ["x"]}))


def test_declared_columns_set_order_and_drop_the_rest() -> None:
    frame = pd.DataFrame({"SSN": ["123456789"], "B": ["2"], "A": ["1"]})
    data, _ = write({"type": "delimited", "columns": ["A", "B"], "line_terminator": "\n"}, frame)
    assert data == b"A,B\n1,2\n"


def test_a_declared_column_missing_from_the_frame_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="lacks column"):
        write({"type": "delimited", "columns": ["A", "B"]}, pd.DataFrame({"A": ["1"]}))


def test_bom_only_when_asked() -> None:
    frame = pd.DataFrame({"A": ["é"]})
    with_bom, _ = write({"type": "delimited", "write_bom": True}, frame)
    without, _ = write({"type": "delimited"}, frame)
    assert with_bom == b"\xef\xbb\xbf" + without and without == "A\r\né\r\n".encode()


def test_no_header_layout_writes_rows_only() -> None:
    data, result = write({"type": "delimited", "header": False, "columns": ["A"], "line_terminator": "\n"},
                         pd.DataFrame({"A": ["1", "2"]}))
    assert data == b"1\n2\n" and result.records == 2


def test_typed_columns_become_text_decimals_keep_their_scale() -> None:
    frame = pd.DataFrame({"AMT": [Decimal("42.50"), Decimal("-1.00")], "D": [date(2026, 11, 20), None],
                          "N": pd.array([1, None], dtype="Int64"), "S": pd.array(["x", None], dtype=STRING)})
    data, _ = write({"type": "delimited", "line_terminator": "\n"}, frame)
    assert data == b"AMT,D,N,S\n42.50,2026-11-20,1,x\n-1.00,,,\n"


def test_latin1_layout_encodes_and_refuses_what_latin1_lacks() -> None:
    data, _ = write({"type": "delimited", "encoding": "latin-1", "line_terminator": "\n"},
                    pd.DataFrame({"A": ["José"]}))
    assert data == b"A\nJos\xe9\n"
    with pytest.raises(FormatError, match="data row 2"):
        write({"type": "delimited", "encoding": "latin-1"}, pd.DataFrame({"A": ["é", "€"]}))


def test_empty_frames_still_write_header_and_trailer() -> None:
    data, result = write({"type": "delimited", "delimiter": "|", "trailer": {}},
                         pd.DataFrame({"A": pd.Series([], dtype=STRING)}), business_date=date(2026, 11, 20))
    assert data == b"A\r\nTRL|0|20261120\r\n" and result.records == 0
