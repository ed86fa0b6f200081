"""Fuzzing every reader: random bytes and mutated golden files give chunks (with row errors) or a FormatError.

Never another exception, never a hang: each example has a hypothesis deadline, each test a pytest timeout, and
``max_examples`` is sized for CI (``FUZZ_EXAMPLES`` raises it for a longer local run). The readers are the ones a
run uses, through ``connectors.formats.read_chunks`` with the layouts of real mappings:

    delimited     harbor_leave leave periods and benefit payments (golden CSVs)
    fixed width   the Meridian test vendor (header / detail / trailer records)
    json          Northwind HRIS pages, a plain list and JSON Lines (an API pull as staged)

The X12 acknowledgement reader (TA1/999) is fuzzed the same way in ``test_faults_x12.py``.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.formats import parse_layout, read_chunks
from leavehub.mapping.loader import load_mapping
from leavehub.settings import REPO_ROOT
from schemas.errors import RejectedInput

pytestmark = [pytest.mark.fault, pytest.mark.timeout(600)]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10), database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
GOLDEN = REPO_ROOT / "tests" / "mappings" / "golden"
VENDORS = REPO_ROOT / "tests" / "vendors" / "data"


def _json_lines(page: Path) -> bytes:
    import json

    return b"".join(json.dumps(r).encode() + b"\n" for r in json.loads(page.read_bytes())["data"])


# reader name: (mapping whose layout reads it, sample files)
READERS: dict[str, tuple[Path, list[bytes]]] = {
    "delimited": (REPO_ROOT / "mappings" / "harbor_leave" / "leave_periods.yaml",
                  [p.read_bytes() for p in sorted((GOLDEN / "harbor_leave").glob("HARBOR_LEAVE_*.csv"))]),
    "delimited_pay": (REPO_ROOT / "mappings" / "harbor_leave" / "benefit_payments.yaml",
                      [(GOLDEN / "harbor_leave" / "HARBOR_PAY_20261120.csv").read_bytes()]),
    "fixed_width": (VENDORS / "meridian_leave" / "claims.yaml",
                    [p.read_bytes() for p in sorted((VENDORS / "meridian_leave" / "samples").glob("*.dat"))]),
    "json": (REPO_ROOT / "mappings" / "northwind_hris" / "workers.yaml",
             [(GOLDEN / "northwind_hris" / "workers.page.json").read_bytes(),
              _json_lines(GOLDEN / "northwind_hris" / "workers.page.json")]),
}
COUNTED: dict[str, int] = {}


def _layout(reader: str) -> Any:
    mapping, _ = READERS[reader]
    layout = load_mapping(mapping).layout
    return parse_layout(layout)


def _read(layout: Any, data: bytes, reader: str) -> tuple[int, int] | RejectedInput:
    """Rows and row errors read, or the reader's FormatError/RejectedInput; anything else fails the test."""
    COUNTED[reader] = COUNTED.get(reader, 0) + 1
    rows = errors = 0
    try:
        for chunk in read_chunks(layout, io.BytesIO(data), name="FUZZ_20261120.dat", chunk_rows=7):
            rows += len(chunk.frame)
            errors += len(chunk.row_errors)
            assert len(chunk.frame.columns) == len(set(chunk.frame.columns))
    except RejectedInput as exc:
        assert "FUZZ_20261120.dat" in str(exc) or exc.file is None
        return exc
    return rows, errors


@st.composite
def mutated(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    """A sample with a few edits: bytes replaced, inserted or deleted, lines duplicated or dropped, a cut."""
    data = bytearray(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "dup_line", "drop_line", "cut", "special"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 32))]
        elif op in ("dup_line", "drop_line"):
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [lines[i]] * 2 if op == "dup_line" else []
            data = bytearray(b"\n".join(lines))
        elif op == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from([b'"', b",", b"\r", b"\x00", b"\xff\xfe", b"{", b"]", b"\\",
                                                b"\xe2\x80", b"\r\n\r\n", b"9" * 400, b" " * 300]))
    return bytes(data)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_random_bytes_are_chunks_or_a_format_error(reader: str) -> None:
    layout = _layout(reader)
    before = COUNTED.get(reader, 0)

    @FUZZ
    @given(st.binary(max_size=4096))
    def check(data: bytes) -> None:
        _read(layout, data, reader)

    check()
    print(f"\nFUZZ {reader} random bytes: {COUNTED[reader] - before} inputs read")


@pytest.mark.parametrize("reader", sorted(READERS))
def test_mutated_golden_files_are_chunks_or_a_format_error(reader: str) -> None:
    layout = _layout(reader)
    _, samples = READERS[reader]
    assert samples, f"no golden sample for {reader}"
    for sample in samples:  # the unmutated samples read cleanly
        result = _read(layout, sample, reader)
        assert not isinstance(result, RejectedInput), result
        assert result[0] > 0
    before = COUNTED.get(reader, 0)

    @FUZZ
    @given(mutated(samples))
    def check(data: bytes) -> None:
        _read(layout, data, reader)

    check()
    print(f"\nFUZZ {reader} mutated golden: {COUNTED[reader] - before} inputs read")


@pytest.mark.parametrize("reader", sorted(READERS))
def test_lines_made_of_the_samples_characters_are_chunks_or_a_format_error(reader: str) -> None:
    """Closer to real files than random bytes: the sample's header, then lines of its own characters plus
    quotes, separators, NUL, braces and long digit runs, with any line ending."""
    layout = _layout(reader)
    _, samples = READERS[reader]
    alphabet = sorted(set(b"".join(samples).decode("utf-8")) | set('",\r\n\x00{}[]:\\ 9-.T'))
    header = samples[0].decode("utf-8").splitlines()[0]
    before = COUNTED.get(reader, 0)

    @FUZZ
    @given(st.lists(st.text(alphabet=alphabet, max_size=200), max_size=30), st.sampled_from(["\n", "\r\n", "\r"]),
           st.booleans())
    def check(lines: list[str], ending: str, with_header: bool) -> None:
        text = (header + ending if with_header else "") + ending.join(lines)
        _read(layout, text.encode("utf-8"), reader)

    check()
    print(f"\nFUZZ {reader} sample-alphabet lines: {COUNTED[reader] - before} inputs read")
