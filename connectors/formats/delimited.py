"""Delimited text (CSV, pipe, tab): a streaming reader on pyarrow's CSV parser and a vectorized writer.

Reading: bytes go through :class:`ByteFeed` (BOM, encoding check with line numbers, trailer peel) into
``pyarrow.csv.open_csv`` with every column read as a string. The header is read as the first data row (so
every column, declared or not, is typed string without knowing the names up front), checked against the
layout, and sliced off. A ragged row stops the read with its record number and line; the trailer count is
checked before the last chunk is yielded. Nothing in the hot path runs per row in Python.
A column the layout declares ``sensitive: never_read`` is dropped from every batch as soon as pyarrow has
split the line, before any other code sees it. Blank lines at the end of a file are ignored; a blank line
between records reads as a row whose every field is <NA> (so validation reports it with its line).

Writing: each column is cast to string, formula-looking text is neutralised, values that need it are quoted
(RFC 4180: only when they hold the delimiter, the quote or a line break), and rows are joined by Arrow
kernels into one buffer per chunk.

Example::

    for chunk in read_delimited(layout, fh, name="HARBOR_LEAVE_20261120.csv"):
        ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from connectors.formats.bytefeed import ByteFeed
from connectors.formats.chunk import (
    BREAKS,
    Chunk,
    Rechunker,
    line_breaks_per_row,
    strict_date,
    string_frame,
    value_class,
)
from connectors.formats.layouts import BusinessDateField, CountField, DelimitedLayout, LiteralField
from connectors.formats.sinks import HashingSink, frame_to_strings, join_rows
from schemas.errors import FormatError

__all__ = ["read_delimited", "write_delimited"]

MAX_COLUMNS = 2048  # the header is read as data, so the reader pre-declares this many string columns
_STRING_TYPES = {f"f{i}": pa.string() for i in range(MAX_COLUMNS)}
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_FORMULA_START = r"^[=+\-@\t\r]"


def read_delimited(
    layout: DelimitedLayout, source: BinaryIO, *, name: str, chunk_rows: int = 100_000
) -> Iterator[Chunk]:
    """Stream ``source`` as chunks of ``chunk_rows`` rows; FormatError names the file and line."""
    feed = ByteFeed(source, name=name, encoding=layout.encoding, peel_last_line=layout.trailer is not None,
                    quote_char=layout.quote_char)
    state = _ReadState(layout, name, chunk_rows)

    def on_ragged(row: pacsv.InvalidRow) -> str:
        # skip it for now: the reader raises once the rows before it are counted, so the line is exact
        state.ragged.append((row.number, row.expected_columns, row.actual_columns))
        return "skip" if len(state.ragged) < 1000 else "error"

    read_options = pacsv.ReadOptions(use_threads=False, block_size=1 << 20, autogenerate_column_names=True)
    parse_options = pacsv.ParseOptions(
        delimiter=layout.delimiter, quote_char=layout.quote_char, double_quote=True, escape_char=False,
        newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_ragged,
    )
    convert_options = pacsv.ConvertOptions(
        column_types=_STRING_TYPES, null_values=list(layout.null_values), strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        reader = pacsv.open_csv(feed, read_options=read_options, parse_options=parse_options,
                                convert_options=convert_options)
        for batch in reader:
            yield from state.push(batch, feed)
    except pa.ArrowInvalid as exc:
        if state.ragged:
            raise state.ragged_error(None) from None
        if "Empty CSV" not in str(exc):  # pyarrow's other messages may quote the row: never pass them on
            raise FormatError("the file does not parse as delimited text", file=name) from None
        if layout.trailer is not None:
            state.check_trailer(feed, rows=None, line=1)
        raise FormatError("the file has no header line (empty file?)", file=name, line=1) from None
    if state.ragged:
        raise state.ragged_error(None)
    if feed.quotes_out % 2:  # the open quote swallowed the rest: it is in the last record read
        raise FormatError("a quoted field is never closed (truncated file?)", file=name,
                          line=state.header_lines + state.rows_pushed + state.breaks_seen - state.last_breaks)
    yield from state.finish(feed)


class _ReadState:
    """Header, row/line counters and re-chunking of one delimited read."""

    def __init__(self, layout: DelimitedLayout, name: str, chunk_rows: int) -> None:
        self.layout, self.name = layout, name
        self.header: tuple[str, ...] | None = None if layout.header else tuple(layout.columns or ())
        self.extra: tuple[str, ...] = ()
        self.header_lines = 0
        self.rows_out = 0
        self.lines_out = 0  # physical lines of data rows already yielded
        self.breaks_seen = 0  # line breaks inside values of every row pushed so far
        self.last_breaks = 0  # ... and inside the last row pushed
        self.rows_pushed = 0
        self.business_date: date | None = None
        self.rechunker = Rechunker(chunk_rows)
        self.ragged: list[tuple[int | None, int, int]] = []  # (record number, expected, actual fields)
        self.never_read: list[str] = [c for c in layout.never_read if c in (self.header or ())]

    def push(self, batch: pa.RecordBatch, feed: ByteFeed) -> Iterator[Chunk]:
        if self.header is None:
            self._take_header(batch)
            batch = batch.slice(1)
        elif len(self.header) != batch.num_columns:
            raise FormatError(f"rows have {batch.num_columns} fields, the layout declares {len(self.header)}",
                              file=self.name, line=1)
        table = pa.Table.from_batches([batch]).rename_columns(list(self.header))
        breaks = line_breaks_per_row(table) if feed.quotes_out else None  # no quote: no value spans lines
        if self.never_read:  # dropped before anything (mapping, errors, previews) can see a value
            table = table.drop_columns(self.never_read)
        if self.ragged:
            self._raise_if_ragged_within(table.num_rows, breaks)
        self.rows_pushed += table.num_rows
        if breaks is not None:
            self.breaks_seen += pc.sum(breaks).as_py() or 0
            self.last_breaks = int(breaks[-1].as_py() or 0) if len(breaks) else self.last_breaks
            table = table.append_column(BREAKS, breaks)
        for piece in self.rechunker.push(table):
            yield self._chunk(piece, last=False)

    def finish(self, feed: ByteFeed) -> Iterator[Chunk]:
        if self.header is None:
            raise FormatError("the file has no header line (empty file?)", file=self.name, line=1)
        if self.layout.trailer is not None:
            line = self.header_lines + self.rows_pushed + self.breaks_seen + 1
            self.check_trailer(feed, rows=self.rows_pushed, line=line)
        rest = self.rechunker.finish()
        if rest is None:
            empty = pa.table({c: pa.array([], pa.string()) for c in self.header})
            yield self._chunk(empty, last=True)
        else:
            yield self._chunk(rest, last=True)

    def ragged_error(self, breaks_before: int | None) -> FormatError:
        """The first row with a wrong number of fields, by record number and physical line (never its text)."""
        number, expected, actual = self.ragged[0]
        line = None
        if number is not None:
            before = self.breaks_seen if breaks_before is None else breaks_before
            line = number + max(self.header_lines - 1, 0) + before
        more = f" ({len(self.ragged)} such rows)" if len(self.ragged) > 1 else ""
        return FormatError(f"record {number} has {actual} fields, expected {expected}{more}", file=self.name,
                           line=line)

    def _raise_if_ragged_within(self, rows: int, breaks: pa.Array | None) -> None:
        """Raise when the first skipped ragged record lies within (or right after) this batch's rows."""
        number = self.ragged[0][0]
        if number is None:
            raise self.ragged_error(None)
        before_batch = (1 if self.layout.header else 0) + self.rows_pushed
        k = number - before_batch - 1  # rows of this batch before the ragged record
        if k <= rows:
            inside = int(pc.sum(breaks.slice(0, k)).as_py() or 0) if breaks is not None and k > 0 else 0
            raise self.ragged_error(self.breaks_seen + inside)

    def check_trailer(self, feed: ByteFeed, *, rows: int | None, line: int) -> None:
        """Refuse a missing trailer or a count that differs from the data rows read."""
        spec = self.layout.trailer
        assert spec is not None
        raw = feed.last_line or b""
        parts = raw.decode("utf-8").split(self.layout.delimiter)
        if parts[0] != spec.tag:
            raise FormatError(f"trailer record {spec.tag!r} is missing (truncated file?)", file=self.name,
                              line=line)
        if len(parts) != len(spec.fields) + 1:
            raise FormatError(f"trailer has {len(parts) - 1} fields, expected {len(spec.fields)}",
                              file=self.name, line=line)
        for position, (field, text) in enumerate(zip(spec.fields, parts[1:], strict=True), start=2):
            if isinstance(field, LiteralField) and text != field.literal:
                raise FormatError(f"trailer field {position} is not {field.literal!r}", file=self.name, line=line)
            if isinstance(field, CountField):
                if not text.isdigit():
                    raise FormatError(f"trailer count is not a number ({value_class(text)})", file=self.name,
                                      line=line)
                if rows is not None and int(text) != rows:
                    raise FormatError(f"trailer count {int(text)} does not match {rows} data rows",
                                      file=self.name, line=line)
            if isinstance(field, BusinessDateField):
                try:
                    self.business_date = strict_date(text, field.business_date)
                except ValueError:
                    raise FormatError(f"trailer business date is not {field.business_date} ({value_class(text)})",
                                      file=self.name, line=line) from None

    def _take_header(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            raise FormatError("the file has no header line (empty file?)", file=self.name, line=1)
        if batch.num_columns > MAX_COLUMNS:
            raise FormatError(f"more than {MAX_COLUMNS} columns", file=self.name, line=1)
        names = tuple((v or "").strip() for v in batch.slice(0, 1).to_pylist()[0].values())
        self.header_lines = 1 + sum(n.count("\n") for n in names)
        if "" in names:
            raise FormatError(f"header column {names.index('') + 1} has no name", file=self.name, line=1)
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise FormatError(f"header repeats column(s): {', '.join(dupes)}", file=self.name, line=1)
        declared = self.layout.columns
        if declared is not None:
            missing = [c for c in declared if c not in names]
            if missing:
                raise FormatError(f"missing required column(s): {', '.join(missing)}", file=self.name, line=1)
            self.extra = tuple(n for n in names if n not in declared)
            if self.extra and self.layout.extra_columns == "reject":
                raise FormatError(f"unexpected column(s): {', '.join(self.extra)}", file=self.name, line=1)
        self.header = names
        self.never_read = [c for c in self.layout.never_read if c in names]

    def _chunk(self, table: pa.Table, *, last: bool) -> Chunk:
        offsets, extra_lines = None, 0
        if BREAKS in table.column_names:
            breaks = pc.fill_null(table[BREAKS], 0).to_numpy()
            table = table.drop_columns([BREAKS])
            extra_lines = int(breaks.sum())
            if extra_lines:
                offsets = breaks.cumsum() - breaks  # line breaks inside the rows before row i
        first_line = self.header_lines + self.lines_out + 1
        chunk = Chunk(
            frame=string_frame(table), first_row=self.rows_out + 1, first_line=first_line,
            columns=self.header or (), extra_columns=self.extra, is_last=last,
            business_date=self.business_date if last else None, break_offsets=offsets,
        )
        self.rows_out += table.num_rows
        self.lines_out += table.num_rows + extra_lines
        return chunk


# ---------------------------------------------------------------------------------------------- writing
def write_delimited(
    layout: DelimitedLayout, frames: Iterable[pd.DataFrame], sink: BinaryIO, *, business_date: date | None = None
) -> tuple[int, int, str]:
    """Write header, rows and trailer; returns (records, bytes, sha256)."""
    out = HashingSink(sink, layout.encoding)
    if layout.write_bom and layout.encoding == "utf-8":
        out.write_raw(b"\xef\xbb\xbf")
    columns = list(layout.columns) if layout.columns is not None else None
    records = 0
    header_done = not layout.header
    for frame in frames:
        table = frame_to_strings(frame, columns)
        columns = table.column_names
        if not header_done:
            header = pa.table({c: pa.array([c]) for c in columns})
            out.write(join_rows(_quoted(header, layout), layout.delimiter, layout.line_terminator))
            header_done = True
        if table.num_rows:
            cells = _neutralised(table) if layout.neutralise_formulas else table
            out.write(join_rows(_quoted(cells, layout), layout.delimiter, layout.line_terminator,
                                null=layout.null_values[0] if layout.null_values else ""), first_row=records + 1)
            records += table.num_rows
    if not header_done and columns:
        header = pa.table({c: pa.array([c]) for c in columns})
        out.write(join_rows(_quoted(header, layout), layout.delimiter, layout.line_terminator))
    if layout.trailer is not None:
        out.write(_trailer_line(layout, records, business_date).encode("utf-8"))
    return records, out.bytes, out.hexdigest()


def _neutralised(table: pa.Table) -> pa.Table:
    """Prefix ``'`` to text that a spreadsheet would run as a formula; numbers such as -42.50 stay."""
    columns = []
    for column in table.columns:
        risky = pc.and_kleene(pc.match_substring_regex(column, _FORMULA_START),
                              pc.invert(pc.match_substring_regex(column, _NUMBER)))
        if pc.any(risky).as_py():
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _quoted(table: pa.Table, layout: DelimitedLayout) -> pa.Table:
    """RFC 4180: quote a value only when it holds the delimiter, the quote or a line break."""
    q = layout.quote_char
    special = f"[{re.escape(layout.delimiter + q)}\r\n]"
    columns = []
    for column in table.columns:
        needs = pc.match_substring_regex(column, special)
        if pc.any(needs).as_py():
            doubled = pc.replace_substring(column, q, q + q)
            column = pc.if_else(needs, pc.binary_join_element_wise(q, doubled, q, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _trailer_line(layout: DelimitedLayout, records: int, business_date: date | None) -> str:
    spec = layout.trailer
    assert spec is not None
    parts = [spec.tag]
    for field in spec.fields:
        if isinstance(field, LiteralField):
            parts.append(field.literal)
        elif isinstance(field, CountField):
            parts.append(str(records))
        else:
            if business_date is None:
                raise ValueError("the layout's trailer needs business_date")
            parts.append(business_date.strftime(field.business_date))
    return layout.delimiter.join(parts) + layout.line_terminator

