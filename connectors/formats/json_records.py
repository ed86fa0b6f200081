"""JSON records: API pages, plain lists and JSON Lines in; JSON Lines out. Nested objects become dotted columns.

Vendor APIs return nested objects (``{"legal_name": {"first": ..}}``); the mapping addresses them as dotted
column names (``legal_name.first``, ``employment.worksite.state``) so that one mapping language covers files and
APIs. Every value becomes text, as written in the JSON: numbers keep their digits (``"40.00"`` stays
``"40.00"`` when read from bytes, because numbers are parsed as Decimal), booleans are ``"true"``/``"false"``,
lists stay JSON text, null and ``""`` are <NA>.

JSON Lines are streamed in chunks with exact line numbers. A JSON document (a page ``{"data": [..]}`` or a
list) is read whole: pages are bounded by the API's page size; line numbers then point at the document.
An API pull hands its pages of records (already decoded by the transport) to ``read_records``: no bytes in
between; record n of the pull is row n and "line" n (the line it holds in the pull's JSON Lines form).

Example::

    frame = frame_from_records(response.json()["data"])
    frame["employment.worksite.state"]
"""

from __future__ import annotations

import codecs
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from connectors.formats.chunk import Chunk, string_frame
from connectors.formats.layouts import JsonLayout
from connectors.formats.sinks import HashingSink, frame_to_strings, join_rows
from schemas.errors import FormatError

__all__ = ["frame_from_records", "page_records", "read_json", "read_records", "write_json_lines"]


def frame_from_records(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """API records as a frame of Arrow strings with nested objects flattened to dotted columns.

    Example: ``frame_from_records([{"id": "W1", "pay": {"rate": "40.00"}}])`` has columns ``id``, ``pay.rate``.
    """
    return string_frame(_records_table(records))


def page_records(layout: JsonLayout, page: Mapping[str, Any]) -> list[Any]:
    """The records array of one API page, found at the layout's ``records_path``."""
    records = _at_path(page, layout.records_path)
    if not isinstance(records, list):
        raise FormatError(f"page has no records list at {layout.records_path!r}")
    return records


def read_records(layout: JsonLayout, pages: Iterable[list[Any]], *, name: str,
                 chunk_rows: int = 100_000) -> Iterator[Chunk]:
    """Chunks of up to ``chunk_rows`` records from pages of decoded records (an API pull), page by page.

    Only the pages of one chunk are held; a pull with no records yields one empty chunk, as an empty file does.
    Example: ``read_records(layout, client.iter_pages("/v1/workers"), name="workers pull")``.
    """
    batch: list[Any] = []
    rows_out = 0
    for page in pages:
        batch += page
        while len(batch) > chunk_rows:
            yield _records_chunk(batch[:chunk_rows], rows_out, name, last=False)
            rows_out += chunk_rows
            batch = batch[chunk_rows:]
    yield _records_chunk(batch, rows_out, name, last=True)


def _records_chunk(batch: list[Any], rows_out: int, name: str, *, last: bool) -> Chunk:
    table = _records_table(batch, name=name, first_row=rows_out + 1)
    return Chunk(string_frame(table), rows_out + 1, rows_out + 1, tuple(table.column_names), is_last=last)


def read_json(layout: JsonLayout, source: BinaryIO, *, name: str, chunk_rows: int = 100_000) -> Iterator[Chunk]:
    """Chunks of a JSON page, list or JSON Lines file (detected from the content)."""
    numbered = _numbered_lines(source, name)
    first = next(((n, t) for n, t in numbered if t.strip()), None)
    if first is None:
        raise FormatError("the file holds no JSON", file=name, line=1)
    start, text = first
    single = _loads_or_none(text)
    if isinstance(single, dict) and not isinstance(_at_path(single, layout.records_path), list):
        yield from _json_lines(itertools.chain([first], numbered), name, chunk_rows)
        return
    whole = text + "".join(t for _, t in numbered)
    try:
        document = json.loads(whole, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise FormatError(f"not valid JSON ({exc.msg})", file=name, line=start + exc.lineno - 1) from None
    records = document if isinstance(document, list) else page_records(layout, document)
    for offset in range(0, max(len(records), 1), chunk_rows):
        part = records[offset : offset + chunk_rows]
        table = _records_table(part, name=name, first_row=offset + 1)
        yield Chunk(string_frame(table), offset + 1, start, tuple(table.column_names),
                    is_last=offset + chunk_rows >= len(records), break_offsets=-np.arange(len(part)))


def _json_lines(numbered: Iterator[tuple[int, str]], name: str, chunk_rows: int) -> Iterator[Chunk]:
    """One record per non-blank line; the last chunk is held back until the end is known."""
    batch: list[Any] = []
    at: list[int] = []
    rows_out = 0
    for number, text in numbered:
        if not text.strip():
            continue
        try:
            batch.append(json.loads(text, parse_float=Decimal))
        except json.JSONDecodeError as exc:
            raise FormatError(f"not valid JSON ({exc.msg})", file=name, line=number) from None
        at.append(number)
        if len(batch) > chunk_rows:
            yield _lines_chunk(batch[:chunk_rows], at[:chunk_rows], rows_out, name, last=False)
            rows_out += chunk_rows
            batch, at = batch[chunk_rows:], at[chunk_rows:]
    yield _lines_chunk(batch, at, rows_out, name, last=True)


def _lines_chunk(batch: list[Any], at: list[int], rows_out: int, name: str, *, last: bool) -> Chunk:
    table = _records_table(batch, name=name, first_row=rows_out + 1)
    lines = np.asarray(at, dtype=np.int64)
    first_line = int(lines[0]) if len(lines) else 1
    offsets = lines - first_line - np.arange(len(lines)) if len(lines) else None
    return Chunk(string_frame(table), rows_out + 1, first_line, tuple(table.column_names), is_last=last,
                 break_offsets=offsets)


def _numbered_lines(source: BinaryIO, name: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line; only ``read`` is used (a decrypting stream has no readline)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    number, carry = 0, b""
    while block := source.read(1 << 20):
        lines = (carry + bytes(block)).split(b"\n")
        carry = lines.pop()
        for raw in lines:
            number += 1
            yield number, _decoded(decoder, raw + b"\n", name, number)
    if carry:
        yield number + 1, _decoded(decoder, carry, name, number + 1)


def _decoded(decoder: codecs.IncrementalDecoder, raw: bytes, name: str, line: int) -> str:
    try:
        return decoder.decode(raw)
    except UnicodeDecodeError:
        raise FormatError("bytes that are not valid utf-8", file=name, line=line) from None


def _loads_or_none(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError:
        return None


def _at_path(data: Any, path: str, default: Any = None) -> Any:
    for key in path.split("."):
        if not isinstance(data, Mapping) or key not in data:
            return default
        data = data[key]
    return data


def _records_table(records: Iterable[Any], *, name: str | None = None, first_row: int = 1) -> pa.Table:
    flat_rows = []
    for i, record in enumerate(records):
        if type(record) is not dict and not isinstance(record, Mapping):
            raise FormatError(f"record {first_row + i} is not a JSON object", file=name)
        flat: dict[str, str | None] = {}
        _flatten(record, "", flat)
        flat_rows.append(flat)
    names = list(dict.fromkeys(k for flat in flat_rows for k in flat))
    # an object that is null in one record and has members in another: keep only the members
    parents = {n.rsplit(".", 1)[0] for n in names if "." in n}
    names = [n for n in names if n not in parents or any(flat.get(n) is not None for flat in flat_rows)]
    schema = pa.schema([(n, pa.string()) for n in names])
    return pa.Table.from_pylist(flat_rows, schema=schema)


def _flatten(value: Any, prefix: str, out: dict[str, str | None]) -> None:
    """Members of nested objects as dotted names. Leaves are tested first by exact type: an ``isinstance``
    against the ``Mapping`` ABC per value was most of the cost of reading API records."""
    for key, member in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        kind = type(member)
        if kind is str:
            out[name] = member or None
        elif member is None:
            out[name] = None
        elif kind is dict or (kind not in _LEAF_TYPES and isinstance(member, Mapping)):
            _flatten(member, name, out)
        else:
            out[name] = _text(member)


_LEAF_TYPES = frozenset({int, float, bool, Decimal, list})


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    return _json_text(value)


def _json_text(value: Any) -> str:
    """JSON text of a value, with Decimal numbers written as parsed (``40.00``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):  # a number a decoder read as float: its JSON text, as Decimal would keep it
        return str(Decimal(repr(value))) if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_json_text(v)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------- writing
def write_json_lines(frames: Iterable[pd.DataFrame], sink: BinaryIO) -> tuple[int, int, str]:
    """One flat JSON object per row (string values, nulls as null); returns (records, bytes, sha256)."""
    out = HashingSink(sink)
    records = 0
    for frame in frames:
        table = frame_to_strings(frame, None)
        if table.num_rows == 0:
            continue
        parts: list[Any] = []
        for i, column_name in enumerate(table.column_names):
            parts.append(("{" if i == 0 else ",") + json.dumps(column_name, ensure_ascii=False) + ":")
            parts.append(_json_strings(table.column(i)))
        if not parts:
            parts = ["{"]
        rows = pc.binary_join_element_wise(*parts, "}", "")
        out.write(join_rows(pa.table([rows], names=["row"]), "", "\n"))
        records += table.num_rows
    return records, out.bytes, out.hexdigest()


def _json_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Each value as a JSON string literal (vectorized escaping), null as ``null``."""
    text = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"')
    if pc.any(pc.match_substring_regex(text, "[\x00-\x1f]")).as_py():
        for code in range(0x20):
            text = pc.replace_substring(text, chr(code), f"\\u{code:04x}")
    quoted = pc.binary_join_element_wise('"', text, '"', "")
    return pc.fill_null(quoted, "null")
