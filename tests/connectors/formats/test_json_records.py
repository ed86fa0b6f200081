"""JSON: pages, plain lists and JSON Lines in; dotted flattening; values as their JSON text; JSON Lines out."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pytest
from format_helpers import frame_of, read_all

from connectors.formats import (
    JsonLayout,
    frame_from_records,
    page_records,
    parse_layout,
    write_chunks,
)
from schemas.errors import FormatError

JSON = {"type": "json"}
WORKER = ('{"id": "W000123", "legal_name": {"first": "Ana", "middle": null, "last": "Diaz"}, '
          '"employment": {"worksite": {"id": "FRESNO-01", "state": "CA", "employees_within_75_miles": 212}, '
          '"full_time": true, "scheduled_hours_per_week": "40.00", "rate": 40.50, "tags": ["a", 1, 2.50]}}')


def test_nested_objects_flatten_to_dotted_columns_with_json_text_values() -> None:
    page = f'{{"data": [{WORKER}], "next_cursor": "eyJwIjoyfQ"}}'.encode()
    row = frame_of(read_all(JSON, page)).iloc[0]
    assert row["legal_name.first"] == "Ana" and pd.isna(row["legal_name.middle"])
    assert row["employment.worksite.state"] == "CA"
    assert row["employment.worksite.employees_within_75_miles"] == "212"
    assert row["employment.full_time"] == "true"
    assert row["employment.scheduled_hours_per_week"] == "40.00"
    assert row["employment.rate"] == "40.50"  # a JSON number keeps its digits when read from bytes
    assert row["employment.tags"] == '["a",1,2.50]'  # lists stay JSON text


def test_frame_from_records_types_and_missing_keys() -> None:
    frame = frame_from_records([{"id": "W1", "pay": {"rate": "1.00"}, "ok": False},
                                {"id": "W2", "pay": None, "extra": ""}])
    assert all(dtype == pd.ArrowDtype(pa.string()) for dtype in frame.dtypes)
    assert list(frame.columns) == ["id", "pay.rate", "ok", "extra"]  # null object: its members, not itself
    assert frame["ok"].tolist()[0] == "false" and frame["extra"].isna().all() and pd.isna(frame["pay.rate"][1])


def test_page_records_finds_the_records_at_a_dotted_path() -> None:
    layout = parse_layout({"type": "json", "records_path": "result.items"})
    page = {"result": {"items": [{"a": 1}]}, "meta": {"next": None}}
    assert page_records(layout, page) == [{"a": 1}]
    with pytest.raises(FormatError, match="no records list"):
        page_records(layout, {"result": {}})


def test_plain_list_and_pretty_printed_page() -> None:
    assert frame_of(read_all(JSON, b'[{"a": 1}, {"a": 2}]'))["a"].tolist() == ["1", "2"]
    pretty = json.dumps({"data": [{"a": 1}], "next_cursor": None}, indent=2).encode()
    assert frame_of(read_all(JSON, pretty))["a"].tolist() == ["1"]


def test_json_lines_stream_in_chunks_with_lines() -> None:
    data = b'{"a": 1}\n\n{"a": 2, "b": {"c": "x"}}\n{"a": 3}\n'
    chunks = read_all(JSON, data, chunk_rows=2)
    assert [len(c) for c in chunks] == [2, 1] and chunks[-1].is_last
    assert chunks[0].lines().tolist() == [1, 3] and chunks[1].first_line == 4 and chunks[1].first_row == 3


def test_bad_json_names_the_line() -> None:
    with pytest.raises(FormatError) as info:
        read_all(JSON, b'{"a": 1}\n{"a": \n')
    assert info.value.line == 2
    with pytest.raises(FormatError, match="not a JSON object"):
        read_all(JSON, b"[1, 2]")
    with pytest.raises(FormatError, match="no JSON"):
        read_all(JSON, b"  \n")


def test_invalid_utf8_in_json_names_the_line() -> None:
    with pytest.raises(FormatError) as info:
        read_all(JSON, b'{"a": "x"}\n{"a": "Jos\xe9"}\n')
    assert info.value.line == 2


def test_json_lines_writer_escapes_and_round_trips() -> None:
    frame = pd.DataFrame({"a": ['q"uote', "back\\slash", "tab\there\nnl", "é", None], "b.c": ["1"] * 5})
    sink = io.BytesIO()
    result = write_chunks(JsonLayout(), [frame], sink)
    lines = sink.getvalue().decode().splitlines()
    assert result.records == 5 and len(lines) == 5
    assert json.loads(lines[0]) == {"a": 'q"uote', "b.c": "1"}
    back = frame_of(read_all(JSON, sink.getvalue()))
    assert back["a"].tolist()[:4] == frame["a"].tolist()[:4] and pd.isna(back["a"][4])


class _ReadOnly:
    """A stream with read() only, returning small pieces (like a decrypting pipe)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        out, self._data = self._data[:3], self._data[3:]
        return out


def test_json_reader_needs_only_read() -> None:
    from connectors.formats import read_chunks

    data = '{"a": "é"}\n{"a": 2}'.encode()
    chunks = list(read_chunks(parse_layout(JSON), _ReadOnly(data), name="x.jsonl"))
    assert frame_of(chunks)["a"].tolist() == ["é", "2"] and chunks[0].lines().tolist() == [1, 2]


def test_read_records_takes_pages_of_decoded_records_in_bounded_chunks() -> None:
    from connectors.formats import read_records

    pages = [[{"id": f"W{p}{i}", "pay": {"rate": 40.5, "big": 1e20}, "ok": True} for i in range(3)]
             for p in range(3)]
    taken: list[int] = []

    def served():
        for number, page in enumerate(pages):
            taken.append(number)
            yield page

    chunks = read_records(JsonLayout(), served(), name="pull", chunk_rows=4)
    first = next(chunks)
    assert taken == [0, 1], "a chunk holds only the pages it needs"
    rest = list(chunks)
    assert [len(c) for c in [first, *rest]] == [4, 4, 1] and [c.is_last for c in [first, *rest]] == [0, 0, 1]
    assert [(c.first_row, c.line_of(0)) for c in [first, *rest]] == [(1, 1), (5, 5), (9, 9)]
    row = first.frame.iloc[0]
    # the same text as the record's JSON read back from bytes with Decimal numbers
    assert (row["id"], row["pay.rate"], row["pay.big"], row["ok"]) == ("W00", "40.5", "1E+20", "true")


def test_read_records_of_an_empty_pull_is_one_empty_last_chunk() -> None:
    from connectors.formats import read_records

    [chunk] = list(read_records(JsonLayout(), iter([[]]), name="pull"))
    assert len(chunk) == 0 and chunk.is_last


def test_read_records_refuses_a_record_that_is_not_an_object() -> None:
    from connectors.formats import read_records

    with pytest.raises(FormatError, match="record 2 is not a JSON object"):
        list(read_records(JsonLayout(), iter([[{"id": 1}, ["not", "an", "object"]]]), name="pull"))
