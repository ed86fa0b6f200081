"""The delimited reader: RFC 4180 quoting, BOM, line endings, header and trailer checks, exact row/line numbers."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from format_helpers import frame_of, read_all

from schemas.errors import FormatError

SSN = "123456789"
CSV = {"type": "delimited"}


def test_every_column_is_arrow_string_and_empty_fields_are_na() -> None:
    chunks = read_all(CSV, b"ID,AMOUNT,CODE\r\n007,-42.50,\r\n,1,x\r\n")
    frame = frame_of(chunks)
    assert all(dtype == pd.ArrowDtype(pa.string()) for dtype in frame.dtypes)
    assert frame["ID"].tolist() == ["007", pd.NA]
    assert frame["AMOUNT"].tolist() == ["-42.50", "1"]
    assert frame["CODE"].isna().tolist() == [True, False]


def test_declared_null_values_become_na() -> None:
    frame = frame_of(read_all({"type": "delimited", "null_values": ["", "NULL"]}, b"A,B\nNULL,x\n"))
    assert frame["A"].isna().all() and frame["B"].tolist() == ["x"]


def test_rfc4180_quoting_embedded_delimiter_quote_and_newline() -> None:
    data = b'A,B,C\r\n"x,y","say ""hi""","line1\r\nline2"\r\nplain,"",z\r\n'
    chunks = read_all(CSV, data)
    frame = frame_of(chunks)
    assert frame.loc[0].tolist() == ["x,y", 'say "hi"', "line1\r\nline2"]
    assert frame.loc[1, "A"] == "plain" and pd.isna(frame.loc[1, "B"])
    assert chunks[0].lines().tolist() == [2, 4]  # the quoted line break pushes row 2 to line 4


@pytest.mark.parametrize("delimiter", ["|", "\t", ";"])
def test_any_delimiter(delimiter: str) -> None:
    d = delimiter.encode()
    frame = frame_of(read_all({"type": "delimited", "delimiter": delimiter},
                              b"A" + d + b"B\n1" + d + b'"2' + d + b'3"\n'))
    assert frame.loc[0].tolist() == ["1", f"2{delimiter}3"]


def test_bom_and_no_bom_read_the_same() -> None:
    plain = b"EMPLOYEE_ID,HOURS\r\nE1,8.00\r\n"
    with_bom = frame_of(read_all(CSV, b"\xef\xbb\xbf" + plain))
    assert list(with_bom.columns) == ["EMPLOYEE_ID", "HOURS"]
    pd.testing.assert_frame_equal(with_bom, frame_of(read_all(CSV, plain)))


def test_crlf_and_lf_read_the_same() -> None:
    crlf = frame_of(read_all(CSV, b"A,B\r\n1,2\r\n3,4\r\n"))
    lf = frame_of(read_all(CSV, b"A,B\n1,2\n3,4\n"))
    pd.testing.assert_frame_equal(crlf, lf)
    assert crlf["B"].tolist() == ["2", "4"]  # no stray \r on the last column


def test_file_without_final_line_break() -> None:
    assert frame_of(read_all(CSV, b"A,B\n1,2\n3,4"))["B"].tolist() == ["2", "4"]


def test_blank_lines_at_the_end_are_not_records() -> None:
    assert len(frame_of(read_all(CSV, b"A,B\r\n1,2\r\n\r\n\r\n"))) == 1


def test_blank_line_in_the_middle_is_an_all_na_row_on_its_own_line() -> None:
    chunks = read_all(CSV, b"A,B\n1,2\n\n3,4\n")
    frame = frame_of(chunks)
    assert frame.loc[1].isna().all() and frame["A"].tolist()[2] == "3"
    assert chunks[0].lines().tolist() == [2, 3, 4]  # validation can name line 3


def test_trailer_count_right_gives_business_date_on_last_chunk(pipe_layout: dict) -> None:
    data = f"EMPLOYEE_ID|SSN|HOURS\r\nE1|{SSN}|8.00\r\nE2||4.00\r\nTRL|2|20261120\r\n".encode()
    chunks = read_all(pipe_layout, data, chunk_rows=1)
    assert [len(c) for c in chunks] == [1, 1]
    assert chunks[-1].is_last and not chunks[0].is_last
    assert chunks[-1].business_date == pd.Timestamp("2026-11-20").date()
    assert frame_of(chunks)["EMPLOYEE_ID"].tolist() == ["E1", "E2"]


def test_trailer_count_wrong_names_file_and_line(pipe_layout: dict) -> None:
    data = f"EMPLOYEE_ID|SSN|HOURS\r\nE1|{SSN}|8.00\r\nTRL|3|20261120\r\n".encode()
    with pytest.raises(FormatError) as info:
        read_all(pipe_layout, data, name="HARBOR_ELIG_ACME_20261120.txt")
    err = info.value
    assert err.file == "HARBOR_ELIG_ACME_20261120.txt" and err.line == 3
    assert "trailer count 3 does not match 1 data rows" in str(err)


def test_missing_trailer_means_truncated_file(pipe_layout: dict) -> None:
    data = f"EMPLOYEE_ID|SSN|HOURS\r\nE1|{SSN}|8.00\r\nE2|{SSN}|8.00\r\n".encode()
    with pytest.raises(FormatError, match=r"truncated file\?") as info:
        read_all(pipe_layout, data)
    assert info.value.line == 3 and SSN not in str(info.value)


def test_header_only_file_without_trailer_is_truncated(pipe_layout: dict) -> None:
    with pytest.raises(FormatError, match="missing"):
        read_all(pipe_layout, b"EMPLOYEE_ID|SSN|HOURS\r\n")


def test_trailer_with_zero_records_yields_one_empty_chunk(pipe_layout: dict) -> None:
    chunks = read_all(pipe_layout, b"EMPLOYEE_ID|SSN|HOURS\r\nTRL|0|20261120\r\n")
    assert len(chunks) == 1 and chunks[0].is_last and len(chunks[0]) == 0
    assert list(chunks[0].frame.columns) == ["EMPLOYEE_ID", "SSN", "HOURS"]


def test_trailer_bad_date_reports_a_value_class(pipe_layout: dict) -> None:
    with pytest.raises(FormatError, match=r"business date is not %Y%m%d \(digits\(7\)\)"):
        read_all(pipe_layout, b"EMPLOYEE_ID|SSN|HOURS\r\nE1||1\r\nTRL|1|2026112\r\n")


def test_trailer_line_counts_quoted_line_breaks(pipe_layout: dict) -> None:
    data = b'EMPLOYEE_ID|SSN|HOURS\r\n"E\r\n1"||1\r\nTRL|9|20261120\r\n'
    with pytest.raises(FormatError) as info:
        read_all(pipe_layout, data)
    assert info.value.line == 4


def test_invalid_utf8_names_the_line_not_the_bytes() -> None:
    data = b"A,B\n1,ok\n2,Jos\xe9\n"  # latin-1 bytes in a UTF-8 file
    with pytest.raises(FormatError) as info:
        read_all(CSV, data)
    assert info.value.line == 3 and "utf-8" in info.value.reason and "Jos" not in str(info.value)


def test_latin1_layout_decodes_latin1_bytes() -> None:
    frame = frame_of(read_all({"type": "delimited", "encoding": "latin-1"}, b"A\nJos\xe9\n"))
    assert frame["A"].tolist() == ["José"]


def test_ascii_layout_refuses_non_ascii_with_line() -> None:
    with pytest.raises(FormatError) as info:
        read_all({"type": "delimited", "encoding": "ascii"}, "A\nx\nJosé\n".encode())
    assert info.value.line == 3


def test_missing_required_columns_are_named() -> None:
    layout = {"type": "delimited", "columns": ["EMPLOYEE_ID", "SSN", "HOURS"]}
    with pytest.raises(FormatError) as info:
        read_all(layout, b"EMPLOYEE_ID,NAME\nE1,x\n")
    assert "missing required column(s): SSN, HOURS" in str(info.value) and info.value.line == 1


def test_extra_columns_are_allowed_and_reported() -> None:
    chunks = read_all({"type": "delimited", "columns": ["B"]}, b"A,B,C\n1,2,3\n")
    assert chunks[0].extra_columns == ("A", "C") and chunks[0].columns == ("A", "B", "C")
    assert frame_of(chunks)["B"].tolist() == ["2"]


def test_duplicate_or_blank_header_names_are_refused() -> None:
    with pytest.raises(FormatError, match="repeats column"):
        read_all(CSV, b"A,B,A\n1,2,3\n")
    with pytest.raises(FormatError, match="column 2 has no name"):
        read_all(CSV, b"A,,C\n1,2,3\n")


def test_headerless_file_uses_declared_columns() -> None:
    layout = {"type": "delimited", "header": False, "columns": ["ID", "HOURS"]}
    chunks = read_all(layout, b"E1,8\nE2,4\n")
    assert chunks[0].first_line == 1 and frame_of(chunks)["HOURS"].tolist() == ["8", "4"]
    with pytest.raises(FormatError, match="declares 2"):
        read_all(layout, b"E1,8,x\n")


@pytest.mark.parametrize(("data", "line"), [
    (f"A,B,C\n1,2,3\n4,{SSN}\n".encode(), 3),
    (f"A,B,C\n1,2,3\n4,{SSN},6,7\n".encode(), 3),
    (f'A,B,C\n"1\n1",2,3\n4,{SSN}\n'.encode(), 4),
])
def test_ragged_row_names_record_and_line_never_the_value(data: bytes, line: int) -> None:
    with pytest.raises(FormatError) as info:
        read_all(CSV, data)
    assert info.value.line == line and "expected 3" in str(info.value)
    assert SSN not in str(info.value)


def test_unclosed_quote_is_refused() -> None:
    with pytest.raises(FormatError, match="never closed"):
        read_all(CSV, b'A,B\n1,"2\n3,4\n')


def test_empty_file_is_refused() -> None:
    with pytest.raises(FormatError, match="no header"):
        read_all(CSV, b"")


def test_header_only_file_yields_one_empty_chunk_with_columns() -> None:
    chunks = read_all(CSV, b"A,B\r\n")
    assert len(chunks) == 1 and chunks[0].is_last and list(chunks[0].frame.columns) == ["A", "B"]


def test_chunk_boundaries_keep_row_numbers_and_lines_exact() -> None:
    rows = [f"E{i},{i}" for i in range(1, 11)]
    rows[1] = '"E2\nmore",2'  # a quoted line break in data row 2 shifts every later line by one
    data = ("ID,N\n" + "\n".join(rows) + "\n").encode()
    chunks = read_all(CSV, data, chunk_rows=3)
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    assert [c.first_row for c in chunks] == [1, 4, 7, 10]
    assert [c.first_line for c in chunks] == [2, 6, 9, 12]
    assert chunks[0].lines().tolist() == [2, 3, 5]
    assert [chunks[0].line_of(i) for i in range(3)] == [2, 3, 5]
    assert chunks[3].rows().tolist() == [10] and chunks[3].is_last
    assert frame_of(chunks)["N"].tolist() == [str(i) for i in range(1, 11)]
    with pytest.raises(IndexError):
        chunks[3].line_of(1)


def test_chunks_across_pyarrow_blocks_keep_every_row() -> None:
    rows = 60_000  # > 1 MiB, so pyarrow parses several blocks that the reader re-cuts
    data = b"ID,TEXT\n" + b"".join(b"E%d,%s\n" % (i, b"x" * 20) for i in range(rows))
    chunks = read_all(CSV, data, chunk_rows=7_000)
    assert sum(len(c) for c in chunks) == rows
    assert all(len(c) == 7_000 for c in chunks[:-1])
    last = chunks[-1]
    assert last.frame["ID"].iloc[-1] == f"E{rows - 1}" and last.line_of(len(last) - 1) == rows + 1


def test_ragged_row_after_many_blocks_has_its_exact_line() -> None:
    good = b"".join(b"E%d,%s,x\n" % (i, b"y" * 20) for i in range(50_000))  # > 1 MiB before the bad row
    with pytest.raises(FormatError) as info:
        read_all(CSV, b"A,B,C\n" + good + b"bad,row\n" + good, chunk_rows=10_000)
    assert info.value.line == 50_002 and "record 50002 has 2 fields, expected 3" in str(info.value)


class _PipeOnly:
    """A forward-only stream (a decrypting pipe, a socket): read() and nothing else."""

    def __init__(self, data: bytes, piece: int) -> None:
        self._data, self._piece = data, piece

    def read(self, size: int = -1) -> bytes:
        out, self._data = self._data[: min(size, self._piece)], self._data[min(size, self._piece):]
        return out


def test_forward_only_stream_with_short_reads() -> None:
    from connectors.formats import parse_layout, read_chunks

    data = "A|B\r\n1|é\r\n2|\"x\r\ny\"\r\nTRL|2|20261120\r\n".encode()
    layout = parse_layout({"type": "delimited", "delimiter": "|", "trailer": {}})
    chunks = list(read_chunks(layout, _PipeOnly(data, 3), name="pipe"))
    assert frame_of(chunks)["B"].tolist() == ["é", "x\r\ny"] and chunks[-1].is_last


def test_path_source_and_bad_chunk_rows(tmp_path) -> None:
    from connectors.formats import parse_layout, read_chunks

    path = tmp_path / "x.csv"
    path.write_bytes(b"A\n1\n")
    assert frame_of(list(read_chunks(parse_layout(CSV), path, name="x.csv")))["A"].tolist() == ["1"]
    with pytest.raises(ValueError, match="chunk_rows"):
        list(read_chunks(parse_layout(CSV), path, name="x.csv", chunk_rows=0))


def test_ragged_line_is_exact_after_quoted_line_breaks_in_the_same_block() -> None:
    data = b'A,B,C\n"a\nb\nc",2,3\n4,5,6\nbad\n7,8,9\nalso,bad\n'
    with pytest.raises(FormatError) as info:
        read_all(CSV, data)
    assert info.value.line == 6 and "record 4 has 1 fields, expected 3 (2 such rows)" in str(info.value)
