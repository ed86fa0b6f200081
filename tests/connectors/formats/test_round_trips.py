"""Property tests: whatever the writer writes, the reader reads back, with exact row and line numbers."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from format_helpers import frame_of, read_all
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.formats import parse_layout, write_chunks
from connectors.formats.bytefeed import ByteFeed

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# any text: quotes, delimiters, line breaks, BOM-like and non-BMP characters included
CELL = st.one_of(st.none(), st.text(max_size=12),
                 st.sampled_from(['"', ",", "|", "\t", "\r\n", "\n", "\r", '""', "\ufeff", "é", "😀", " x "]))


@st.composite
def delimited_cases(draw: st.DrawFn) -> tuple[dict, list[list[str | None]], int]:
    layout = {
        "type": "delimited",
        "delimiter": draw(st.sampled_from([",", "|", "\t", ";"])),
        "line_terminator": draw(st.sampled_from(["\r\n", "\n"])),
        "write_bom": draw(st.booleans()),
        "neutralise_formulas": False,
        "trailer": draw(st.sampled_from([None, {"tag": "TRL"}])),
    }
    rows = draw(st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=12))
    return layout, rows, draw(st.integers(min_value=1, max_value=5))


@given(delimited_cases())
@SETTINGS
def test_delimited_write_then_read_returns_the_values(case: tuple[dict, list, int]) -> None:
    layout_data, rows, chunk_rows = case
    layout = parse_layout(layout_data)
    frame = pd.DataFrame(rows, columns=["A", "B", "C"], dtype="object")
    sink = io.BytesIO()
    result = write_chunks(layout, [frame.iloc[:3], frame.iloc[3:]], sink, business_date=date(2026, 11, 20))
    assert result.records == len(rows)

    chunks = read_all(layout, sink.getvalue(), chunk_rows=chunk_rows)
    back = frame_of(chunks)
    expected = [[None if v in (None, "") else v for v in row] for row in rows]
    assert [[None if pd.isna(v) else v for v in row] for row in back.itertuples(index=False)] == expected
    # every row starts on the line the line breaks inside earlier values push it to
    lines = [line for chunk in chunks for line in chunk.lines().tolist()]
    breaks = [sum((v or "").count("\n") for v in row) for row in rows]
    assert lines == [2 + i + sum(breaks[:i]) for i in range(len(rows))]
    assert [c.first_row for c in chunks] == list(range(1, len(rows) + 1, chunk_rows)) or not rows


def _expected_fixed(value: str | None, width: int, align: str, pad: str) -> str | None:
    if value is None:
        raw = " " * width
    else:
        raw = value.rjust(width, pad) if align == "right" else value.ljust(width, pad)
    if raw.strip(" ") == "":
        return None
    trimmed = raw.lstrip(pad) if align == "right" else raw.rstrip(pad)
    return trimmed or "0" if pad == "0" else trimmed


FIELDS = [("A", 1, 5, "left", " "), ("B", 8, 6, "right", " "), ("C", 14, 7, "right", "0")]
FIXED_CELL = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_characters="\r\n",
                                                                  blacklist_categories=("Cs",)), max_size=5))


@given(st.lists(st.tuples(FIXED_CELL, FIXED_CELL, FIXED_CELL), max_size=12), st.integers(1, 4),
       st.sampled_from(["\r\n", "\n"]))
@SETTINGS
def test_fixed_width_write_then_read_returns_the_trimmed_values(rows: list, chunk_rows: int, eol: str) -> None:
    layout = parse_layout({
        "type": "fixed_width", "record_length": 22, "line_terminator": eol,
        "fields": [{"name": n, "start": s, "width": w, "align": a, "pad": p} for n, s, w, a, p in FIELDS],
        "trailer": {"prefix": "T", "fields": [{"start": 2, "width": 4, "count": True}]},
    })
    frame = pd.DataFrame(rows, columns=["A", "B", "C"], dtype="object")
    sink = io.BytesIO()
    write_chunks(layout, [frame], sink)
    chunks = read_all(layout, sink.getvalue(), chunk_rows=chunk_rows)
    back = frame_of(chunks)
    expected = [[_expected_fixed(v, w, a, p) for v, (_, _, w, a, p) in zip(row, FIELDS, strict=True)]
                for row in rows]
    assert [[None if pd.isna(v) else v for v in row] for row in back.itertuples(index=False)] == expected
    assert [line for c in chunks for line in c.lines().tolist()] == list(range(1, len(rows) + 1))


@given(st.binary(max_size=200), st.integers(1, 17), st.booleans())
@settings(max_examples=100, deadline=None)
def test_byte_feed_hands_on_every_byte_whatever_the_block_size(data: bytes, block: int, peel: bool) -> None:
    data = data.replace(b"\r", b"")
    text = data.decode("latin-1").encode("utf-8")  # valid UTF-8 with multi-byte characters split by blocks
    feed = ByteFeed(io.BytesIO(text), name="x", encoding="utf-8", peel_last_line=peel, block_size=block)
    out = b"".join(bytes(piece) for piece in iter(lambda: feed.read(5), b""))
    body = text.rstrip(b"\n")
    if peel:
        head, _, last = body.rpartition(b"\n")
        assert out == (head + b"\n" if head or b"\n" in body else b"") and (feed.last_line or b"") == last
    else:
        assert out == (body + b"\n" if body else b"")
