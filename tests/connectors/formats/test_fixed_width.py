"""Fixed width: slicing, trimming, padding, record-length checks, header/trailer markers with counts."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from format_helpers import frame_of, read_all

from connectors.formats import parse_layout, write_chunks
from schemas.errors import FormatError

LAYOUT = {
    "type": "fixed_width", "record_length": 20, "line_terminator": "\n",
    "fields": [
        {"name": "ID", "start": 1, "width": 6},
        {"name": "SSN", "start": 7, "width": 9, "align": "right", "pad": "0"},
        {"name": "HOURS", "start": 17, "width": 4, "align": "right"},
    ],
}
MARKED = {**LAYOUT,
          "header": {"prefix": "HDR", "fields": [{"start": 4, "width": 8, "business_date": "%Y%m%d"}]},
          "trailer": {"prefix": "TRL", "fields": [{"start": 4, "width": 6, "count": True, "align": "right",
                                                   "pad": "0"}]}}


def test_fields_are_sliced_and_pad_trimmed() -> None:
    data = b"E1    012345678  8.5\nE22   000000000     \n"
    frame = frame_of(read_all(LAYOUT, data))
    assert frame["ID"].tolist() == ["E1", "E22"]
    assert frame["SSN"].tolist() == ["12345678", "0"]  # zero padding trimmed; all zeros read "0"
    assert frame["HOURS"].tolist()[0] == " 8.5".strip() and pd.isna(frame["HOURS"][1])  # blank -> <NA>


def test_crlf_records_and_unicode_widths_count_characters() -> None:
    data = "Zoë   000000001  1.0\r\nJosé  000000002  2.0\r\n".encode()
    frame = frame_of(read_all({**LAYOUT, "line_terminator": "\r\n"}, data))
    assert frame["ID"].tolist() == ["Zoë", "José"] and frame["HOURS"].tolist() == ["1.0", "2.0"]


def test_wrong_record_length_names_the_line() -> None:
    with pytest.raises(FormatError) as info:
        read_all(LAYOUT, b"E1    012345678  8.5\nE1    012345678  8\nE1    012345678  8.5\n")
    assert info.value.line == 2 and "18 characters, expected 20" in str(info.value)


def test_short_records_are_padded_when_allowed() -> None:
    frame = frame_of(read_all({**LAYOUT, "pad_short_records": True}, b"E1    012345678\n"))
    assert frame["SSN"].tolist() == ["12345678"] and pd.isna(frame["HOURS"][0])


def test_header_and_trailer_are_checked_and_not_data() -> None:
    data = b"HDR20261120\nE1    000000001  1.0\nE2    000000002  2.0\nTRL000002\n"
    chunks = read_all(MARKED, data, chunk_rows=1)
    assert [c.first_line for c in chunks] == [2, 3] and [c.first_row for c in chunks] == [1, 2]
    assert chunks[-1].is_last and chunks[-1].business_date == date(2026, 11, 20)
    assert frame_of(chunks)["ID"].tolist() == ["E1", "E2"]


def test_trailer_count_wrong_or_missing_is_refused() -> None:
    with pytest.raises(FormatError, match="count 3 does not match 2") as info:
        read_all(MARKED, b"HDR20261120\nE1    000000001  1.0\nE2    000000002  2.0\nTRL000003\n")
    assert info.value.line == 4
    with pytest.raises(FormatError, match=r"truncated file\?"):
        read_all(MARKED, b"HDR20261120\nE1    000000001  1.0\nE2    000000002  2.0\n")


def test_missing_header_is_refused() -> None:
    with pytest.raises(FormatError, match="'HDR' is missing"):
        read_all(MARKED, b"E1    000000001  1.0\nTRL000001\n")


def test_chunks_across_blocks_keep_lines() -> None:
    rows = 70_000  # > 1 MiB of records: several blocks
    data = b"".join(b"E%-5d%09d  1.0\n" % (i % 10_000, i) for i in range(rows))
    chunks = read_all(LAYOUT, data, chunk_rows=25_000)
    assert [len(c) for c in chunks] == [25_000, 25_000, 20_000]
    assert [c.first_line for c in chunks] == [1, 25_001, 50_001]
    assert chunks[-1].frame["SSN"].iloc[-1] == str(rows - 1)


def test_writer_pads_aligns_and_writes_markers() -> None:
    frame = pd.DataFrame({"ID": ["E1", None], "SSN": ["12345678", "0"], "HOURS": ["8.5", None]})
    sink = io.BytesIO()
    result = write_chunks(parse_layout(MARKED), [frame], sink, business_date=date(2026, 11, 20))
    assert sink.getvalue() == (b"HDR20261120         \n"
                               b"E1    012345678  8.5\n"
                               b"      000000000     \n"
                               b"TRL000002           \n")
    assert result.records == 2


def test_writer_refuses_a_value_longer_than_its_width_naming_field_and_row() -> None:
    frame = pd.DataFrame({"ID": ["E1", "E2"], "SSN": ["1", "1234567890"], "HOURS": ["1", "1"]})
    with pytest.raises(FormatError) as info:
        write_chunks(parse_layout(LAYOUT), [frame.iloc[:1], frame.iloc[1:]], io.BytesIO())
    assert "field SSN in data row 2 is longer than its width 9" in str(info.value)
    assert "1234567890" not in str(info.value)


def test_writer_refuses_line_breaks() -> None:
    with pytest.raises(FormatError, match="field ID in data row 1 holds a line break"):
        write_chunks(parse_layout(LAYOUT), [pd.DataFrame({"ID": ["a\nb"], "SSN": ["1"], "HOURS": ["1"]})],
                     io.BytesIO())


def test_header_count_is_written_after_all_frames_are_seen() -> None:
    layout = {**LAYOUT, "header": {"prefix": "H", "fields": [{"start": 2, "width": 3, "count": True}]}}
    frames = (pd.DataFrame({"ID": [f"E{i}"], "SSN": ["1"], "HOURS": ["1"]}) for i in range(3))
    sink = io.BytesIO()
    write_chunks(parse_layout(layout), frames, sink)
    assert sink.getvalue().startswith(b"H3  ")
    assert len(read_all(layout, sink.getvalue())[0]) == 3


def test_invalid_utf8_names_the_line() -> None:
    with pytest.raises(FormatError) as info:
        read_all(LAYOUT, b"E1    012345678  8.5\nJos\xe9  012345678  8.5\n")
    assert info.value.line == 2 and "utf-8" in info.value.reason
