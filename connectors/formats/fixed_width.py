"""Fixed-width records: a streaming reader that slices fields with Arrow string kernels, and its writer.

Reading: the checked byte stream (see :class:`ByteFeed`) is cut into blocks of whole lines; each block
becomes one Arrow string array of lines (``split_pattern``, no Python loop), every record's length is
checked, and each field is a ``utf8_slice_codeunits`` of that array. Widths count characters, not bytes.
Pad characters on the pad side are trimmed; an all-blank field, or one holding a null word of the layout or
field (``00000000``), is <NA>; a zero-padded field of only zeros reads ``"0"``. A ``never_read`` field is never
sliced. With a ``detail_prefix`` every record of another type is a row error with its line. Optional header
and trailer records are recognised by their record-type prefix; a count they carry is checked against the
data rows.

Writing is the reverse: pad/align every field, refuse a value longer than its width (naming the field and
data row, never the value), join, and write the marker records around the data.

Example::

    for chunk in read_fixed_width(layout, fh, name="PAYDATA.txt"): ...
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from connectors.formats.bytefeed import ByteFeed
from connectors.formats.chunk import Chunk, Rechunker, strict_date, string_frame, value_class
from connectors.formats.layouts import FixedMarkerRecord, FixedWidthLayout
from connectors.formats.sinks import HashingSink, frame_to_strings, join_rows
from schemas.errors import FormatError, RowError

__all__ = ["read_fixed_width", "write_fixed_width"]


def read_fixed_width(
    layout: FixedWidthLayout, source: BinaryIO, *, name: str, chunk_rows: int = 100_000
) -> Iterator[Chunk]:
    """Stream fixed-width records as chunks; FormatError names the file and line of a bad record."""
    feed = ByteFeed(source, name=name, encoding=layout.encoding, peel_last_line=layout.trailer is not None)
    columns = tuple(f.name for f in layout.fields if f.sensitive != "never_read")
    block_size = min(max(1 << 20, chunk_rows * (layout.record_length + 2)), 16 << 20)
    rechunker = Rechunker(chunk_rows)
    next_line, rows_out, yielded_rows, carry = 1, 0, 0, b""
    header_values: dict[str, str] | None = None
    bad_records: list[RowError] = []
    while True:
        block = feed.read(block_size)
        data = carry + block if carry else bytes(block)
        cut = data.rfind(b"\n") + 1 if block else len(data)
        carry = data[cut:]
        lines = _lines(data[:cut])
        if len(lines) and layout.header is not None and header_values is None:
            header_values = _marker_values(layout.header, lines[0].as_py(), name, next_line)
            lines, next_line = lines.slice(1), next_line + 1
        if len(lines):
            records = _checked_records(layout, lines, name, next_line)
            bad_records += _other_record_types(layout, records, rows_out + 1, next_line)
            table = _fields(layout, records)
            next_line += len(lines)
            rows_out += len(lines)
            for piece in rechunker.push(table):
                yield Chunk(string_frame(piece), yielded_rows + 1, yielded_rows + 1 + (layout.header is not None),
                            columns, row_errors=tuple(bad_records))
                bad_records = []
                yielded_rows += piece.num_rows
        if not block:
            break
    if layout.header is not None and header_values is None:
        raise FormatError(f"header record {layout.header.prefix!r} is missing (empty file?)", file=name, line=1)
    business_date = _check_counts(layout.header, header_values, rows_out, name, 1)
    if layout.trailer is not None:
        line = next_line
        text = (feed.last_line or b"").decode("utf-8")
        if not text.startswith(layout.trailer.prefix):
            raise FormatError(f"trailer record {layout.trailer.prefix!r} is missing (truncated file?)",
                              file=name, line=line)
        values = _marker_values(layout.trailer, text, name, line)
        business_date = _check_counts(layout.trailer, values, rows_out, name, line) or business_date
    rest = rechunker.finish()
    if rest is None:
        rest = pa.table({c: pa.array([], pa.string()) for c in columns})
    yield Chunk(string_frame(rest), yielded_rows + 1, yielded_rows + 1 + (layout.header is not None), columns,
                is_last=True, business_date=business_date, row_errors=tuple(bad_records))


def _lines(data: bytes) -> pa.Array:
    """Lines of ``data`` (whole lines, UTF-8) as one string array, without their terminators."""
    if not data:
        return pa.array([], pa.string())
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32))
    whole = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)])
    lines = pc.split_pattern(whole, "\n").flatten()
    if data.endswith(b"\n"):
        lines = lines.slice(0, len(lines) - 1)
    ends_cr = pc.ends_with(lines, "\r")
    if pc.any(ends_cr).as_py():
        lines = pc.if_else(ends_cr, pc.utf8_slice_codeunits(lines, 0, -1), lines)
    return lines


def _checked_records(layout: FixedWidthLayout, lines: pa.Array, name: str, first_line: int) -> pa.Array:
    length = layout.record_length
    lengths = pc.utf8_length(lines)
    bad = pc.greater(lengths, length) if layout.pad_short_records else pc.not_equal(lengths, length)
    if pc.any(bad).as_py():
        i = pc.index(bad, True).as_py()
        raise FormatError(f"record is {lengths[i].as_py()} characters, expected {length}", file=name,
                          line=first_line + i)
    return pc.utf8_rpad(lines, length, " ") if layout.pad_short_records else lines


def _other_record_types(layout: FixedWidthLayout, records: pa.Array, first_row: int, first_line: int
                        ) -> list[RowError]:
    """A row error for every record that does not start with the layout's detail prefix (never its text)."""
    if layout.detail_prefix is None:
        return []
    other = pc.invert(pc.starts_with(records, layout.detail_prefix))
    where = pc.indices_nonzero(other).to_pylist()
    reason = f"record type is not the detail prefix {layout.detail_prefix!r}"
    return [RowError(row=first_row + i, field=None, reason=reason, value_class="record", line=first_line + i)
            for i in where]


def _fields(layout: FixedWidthLayout, records: pa.Array) -> pa.Table:
    """Slice every field out of the records (never a ``never_read`` one); pad trimmed, null words -> <NA>."""
    columns, names = [], []
    null = pa.scalar(None, pa.string())
    for f in layout.fields:
        if f.sensitive == "never_read":
            continue
        raw = pc.utf8_slice_codeunits(records, f.start - 1, f.stop)
        value = pc.utf8_rtrim(raw, f.pad) if f.align == "left" else pc.utf8_ltrim(raw, f.pad)
        if f.pad == "0":
            value = pc.if_else(pc.equal(value, ""), "0", value)
        blank = pc.equal(pc.utf8_trim(raw, " "), "")
        words = layout.null_values if f.null_values is None else f.null_values
        if words:
            blank = pc.or_(blank, pc.is_in(pc.utf8_trim(raw, " "), value_set=pa.array(words, pa.string())))
        columns.append(pc.if_else(blank, null, value))
        names.append(f.name)
    return pa.table(columns, names=names)


def _marker_values(record: FixedMarkerRecord, text: str, name: str, line: int | None) -> dict[str, str]:
    """The count and date fields of a header/trailer record (literals are checked here)."""
    if not text.startswith(record.prefix):
        raise FormatError(f"record {record.prefix!r} is missing", file=name, line=line)
    values: dict[str, str] = {}
    for f in record.fields:
        raw = text[f.start - 1 : f.start - 1 + f.width]
        value = raw.rstrip(f.pad) if f.align == "left" else raw.lstrip(f.pad)
        if f.literal is not None and value != f.literal.strip(f.pad):
            raise FormatError(f"record {record.prefix!r} position {f.start} is not {f.literal!r}", file=name,
                              line=line)
        if f.count:
            values["count"] = value or "0"
        if f.business_date is not None:
            values["business_date"] = value
    return values


def _check_counts(record: FixedMarkerRecord | None, values: dict[str, str] | None, rows: int, name: str,
                  line: int | None) -> date | None:
    if record is None or values is None:
        return None
    where = f"record {record.prefix!r}"
    if "count" in values:
        text = values["count"]
        if not text.isdigit():
            raise FormatError(f"{where} count is not a number ({value_class(text)})", file=name, line=line)
        if int(text) != rows:
            raise FormatError(f"{where} count {int(text)} does not match {rows} data rows", file=name, line=line)
    fmt = next((f.business_date for f in record.fields if f.business_date), None)
    if fmt is None:
        return None
    try:
        return strict_date(values["business_date"], fmt)
    except ValueError:
        raise FormatError(f"{where} business date is not {fmt} ({value_class(values['business_date'])})",
                          file=name, line=line) from None


# ---------------------------------------------------------------------------------------------- writing
def write_fixed_width(
    layout: FixedWidthLayout, frames: Iterable[pd.DataFrame], sink: BinaryIO, *, business_date: date | None = None
) -> tuple[int, int, str]:
    """Write the header record, padded data records and the trailer record; returns (records, bytes, sha256).

    A header that carries the record count makes the writer hold every frame until it knows the count.
    """
    out = HashingSink(sink, layout.encoding)
    names = [f.name for f in layout.fields if f.sensitive != "never_read"]  # never_read: written blank
    records = 0
    total = None
    if layout.header is not None and any(f.count for f in layout.header.fields):
        frames = list(frames)  # a count in the header is known only after every frame: hold them (documented)
        total = sum(len(frame) for frame in frames)
    pending_header = layout.header
    for frame in frames:
        table = frame_to_strings(frame, names)
        if pending_header is not None:
            out.write(_marker_line(layout, pending_header, total, business_date).encode("utf-8"))
            pending_header = None
        if table.num_rows:
            out.write(join_rows(_record_table(layout, table, records), "", layout.line_terminator),
                      first_row=records + 1)
            records += table.num_rows
    if pending_header is not None:
        out.write(_marker_line(layout, pending_header, records, business_date).encode("utf-8"))
    if layout.trailer is not None:
        out.write(_marker_line(layout, layout.trailer, records, business_date).encode("utf-8"))
    return records, out.bytes, out.hexdigest()


def _record_table(layout: FixedWidthLayout, table: pa.Table, rows_before: int) -> pa.Table:
    """One column per field, padded and aligned, with space fillers for gaps between fields."""
    pieces: list[pa.ChunkedArray | str] = []
    position = 0
    prefix = layout.detail_prefix
    if prefix and all(f.start > len(prefix) for f in layout.fields):  # else a field carries the record type
        pieces.append(prefix)
        position = len(prefix)
    for f in sorted(layout.fields, key=lambda f: f.start):
        if f.sensitive == "never_read":
            continue  # left to the gap filler: blank
        value = table[f.name]
        lengths = pc.utf8_length(value)
        too_long = pc.fill_null(pc.greater(lengths, f.width), False)
        if pc.any(too_long).as_py():
            row = rows_before + 1 + pc.index(too_long, True).as_py()
            raise FormatError(f"field {f.name} in data row {row} is longer than its width {f.width}")
        breaks = pc.fill_null(pc.match_substring_regex(value, "[\r\n]"), False)
        if pc.any(breaks).as_py():
            row = rows_before + 1 + pc.index(breaks, True).as_py()
            raise FormatError(f"field {f.name} in data row {row} holds a line break")
        padded = pc.utf8_lpad(value, f.width, f.pad) if f.align == "right" else pc.utf8_rpad(value, f.width, f.pad)
        if f.start - 1 > position:
            pieces.append(" " * (f.start - 1 - position))
        pieces.append(pc.fill_null(padded, " " * f.width))
        position = f.stop
    if position < layout.record_length:
        pieces.append(" " * (layout.record_length - position))
    joined = pc.binary_join_element_wise(*pieces, "")
    return pa.table([joined], names=["record"])


def _marker_line(layout: FixedWidthLayout, record: FixedMarkerRecord, records: int | None,
                 business_date: date | None) -> str:
    chars = list(record.prefix.ljust(layout.record_length))
    for f in record.fields:
        if f.literal is not None:
            text = f.literal
        elif f.count:
            if records is None:
                raise ValueError(f"record {record.prefix!r} needs the record count")
            text = str(records)
        else:
            if business_date is None:
                raise ValueError(f"record {record.prefix!r} needs business_date")
            text = business_date.strftime(f.business_date or "%Y%m%d")
        if len(text) > f.width:
            raise FormatError(f"record {record.prefix!r} position {f.start} is longer than its width {f.width}")
        text = text.rjust(f.width, f.pad) if f.align == "right" else text.ljust(f.width, f.pad)
        chars[f.start - 1 : f.start - 1 + f.width] = text
    return "".join(chars) + layout.line_terminator
