"""connectors.staging: the segmented AES-256-GCM format, its failure modes, keys and memory bounds."""

from __future__ import annotations

import base64
import os
import stat
import tracemalloc
from pathlib import Path

import pytest

from connectors.staging import (
    HEADER_SIZE,
    SEGMENT_SIZE,
    STAGING_KEY_ENV,
    StagedReader,
    StagedWriter,
    StagingArea,
    is_staged_file,
    open_staged,
    staging_key_from_env,
)
from schemas.errors import ConfigError, FormatError, RejectedInput

pytestmark = pytest.mark.timeout(60)

KEY = bytes(range(32))
SEG = 1024  # small segments keep the tamper tests fast; the default is 1 MiB
RECORD = SEG + 16


def _stage(path: Path, data: bytes, *, segment_size: int = SEG, key: bytes = KEY, chunk: int = 333) -> Path:
    with StagedWriter(path, key, segment_size=segment_size) as w:
        for i in range(0, len(data), chunk):
            w.write(data[i:i + chunk])
    return path


def _read(path: Path, key: bytes = KEY) -> bytes:
    with StagedReader(path, key) as r:
        return r.read()


def _segments(path: Path) -> tuple[bytes, list[bytes]]:
    raw = path.read_bytes()
    body = raw[HEADER_SIZE:]
    return raw[:HEADER_SIZE], [body[i:i + RECORD] for i in range(0, len(body), RECORD)]


@pytest.mark.parametrize("chunk", [7, 333, SEG, 2 * SEG + 5])
@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 3 * SEG + 17])
def test_round_trip_at_segment_boundaries_whatever_the_write_sizes(size: int, chunk: int, tmp_path: Path) -> None:
    data = os.urandom(size)
    path = _stage(tmp_path / "s", data, chunk=chunk)
    assert _read(path) == data
    expected_segments = max(1, -(-size // SEG))
    assert path.stat().st_size == HEADER_SIZE + size + 16 * expected_segments


def test_default_segment_is_one_mebibyte_and_round_trips_in_text_mode(tmp_path: Path) -> None:
    text = "CASE_NUMBER,EMPLOYEE_ID\r\nNTN-1,E1\r\n" * 70_000  # ~2.5 MB: three 1 MiB segments
    path = tmp_path / "s"
    with StagedWriter(path, KEY) as w:
        w.write(text.encode())
    assert (path.stat().st_size - HEADER_SIZE) // (SEGMENT_SIZE + 16) == 2
    with open_staged(path, KEY, text=True) as fh:
        assert fh.readline() == "CASE_NUMBER,EMPLOYEE_ID\r\n"
        assert fh.read() == text[len("CASE_NUMBER,EMPLOYEE_ID\r\n"):]


def test_staged_bytes_do_not_contain_the_plaintext_and_file_is_private(tmp_path: Path) -> None:
    data = b"SSN=123456789;" * 500
    path = _stage(tmp_path / "s", data)
    assert b"123456789" not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert is_staged_file(path) and not is_staged_file(_plain(tmp_path))


def _plain(tmp_path: Path) -> Path:
    p = tmp_path / "plain.csv"
    p.write_bytes(b"a,b\r\n")
    return p


def test_two_files_with_the_same_plaintext_and_key_differ(tmp_path: Path) -> None:
    data = b"x" * 5000
    a, b = _stage(tmp_path / "a", data), _stage(tmp_path / "b", data)
    assert a.read_bytes()[HEADER_SIZE:] != b.read_bytes()[HEADER_SIZE:]


def test_tampered_segment_raises_before_any_byte_of_it_is_released(tmp_path: Path) -> None:
    path = _stage(tmp_path / "s", os.urandom(3 * SEG))
    raw = bytearray(path.read_bytes())
    raw[HEADER_SIZE + 10] ^= 0x01  # inside segment 0
    path.write_bytes(bytes(raw))
    with StagedReader(path, KEY) as r, pytest.raises(FormatError, match="segment 0"):
        r.read(1)


def test_tamper_in_a_later_segment_releases_only_the_authenticated_ones_before_it(tmp_path: Path) -> None:
    data = os.urandom(3 * SEG)
    path = _stage(tmp_path / "s", data)
    raw = bytearray(path.read_bytes())
    raw[HEADER_SIZE + 2 * RECORD + 5] ^= 0x80  # inside segment 2
    path.write_bytes(bytes(raw))
    with StagedReader(path, KEY) as r:
        released = r.read(SEG) + r.read(SEG)  # a raw read returns at most one segment
        assert released == data[: 2 * SEG]
        with pytest.raises(FormatError, match="segment 2"):
            r.read(1)


def test_truncation_at_a_segment_boundary_is_reported_as_a_missing_last_segment(tmp_path: Path) -> None:
    path = _stage(tmp_path / "s", os.urandom(3 * SEG + 5))
    header, segs = _segments(path)
    path.write_bytes(header + b"".join(segs[:2]))
    with pytest.raises(FormatError, match="last segment is missing"):
        _read(path)


@pytest.mark.parametrize("keep", [HEADER_SIZE, HEADER_SIZE - 1, HEADER_SIZE + RECORD + 7, 0])
def test_truncation_anywhere_is_rejected(keep: int, tmp_path: Path) -> None:
    path = _stage(tmp_path / "s", os.urandom(3 * SEG))
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(FormatError):
        _read(path)


def test_reordered_segments_are_rejected(tmp_path: Path) -> None:
    path = _stage(tmp_path / "s", os.urandom(4 * SEG))
    header, segs = _segments(path)
    path.write_bytes(header + segs[0] + segs[2] + segs[1] + b"".join(segs[3:]))
    with pytest.raises(FormatError, match="segment 1"):
        _read(path)


@pytest.mark.parametrize("extra", ["duplicate_segment", "garbage"])
def test_data_appended_after_the_last_segment_is_rejected(extra: str, tmp_path: Path) -> None:
    path = _stage(tmp_path / "s", os.urandom(2 * SEG + 3))
    _, segs = _segments(path)
    tail = segs[0] if extra == "duplicate_segment" else os.urandom(40)
    path.write_bytes(path.read_bytes() + tail)
    with pytest.raises(RejectedInput):
        _read(path)


def test_segment_spliced_from_another_file_with_the_same_key_is_rejected(tmp_path: Path) -> None:
    a = _stage(tmp_path / "a", os.urandom(2 * SEG))
    b = _stage(tmp_path / "b", os.urandom(2 * SEG))
    header_a, segs_a = _segments(a)
    _, segs_b = _segments(b)
    a.write_bytes(header_a + segs_b[0] + b"".join(segs_a[1:]))
    with pytest.raises(FormatError):
        _read(a)


@pytest.mark.parametrize(("offset", "match"), [(0, "magic"), (5, "version"), (6, "segment size"),
                                               (HEADER_SIZE - 1, "segment 0")])
def test_header_tampering_is_rejected(offset: int, match: str, tmp_path: Path) -> None:
    path = _stage(tmp_path / "s", os.urandom(SEG))
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x7F
    path.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match=match):
        _read(path)


def test_reading_with_another_key_is_a_config_error_not_tampering(tmp_path: Path) -> None:
    path = _stage(tmp_path / "s", b"data")
    with pytest.raises(ConfigError, match="another staging key"):
        _read(path, key=os.urandom(32))


def test_writer_left_by_an_exception_removes_its_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with pytest.raises(RuntimeError), StagedWriter(path, KEY, segment_size=SEG) as w:
        w.write(os.urandom(5 * SEG))
        raise RuntimeError("boom")
    assert not path.exists()


def test_staging_key_from_env_decodes_base64_32_bytes() -> None:
    key = os.urandom(32)
    assert staging_key_from_env({STAGING_KEY_ENV: base64.b64encode(key).decode()}) == key


@pytest.mark.parametrize("value", ["not base64!!", base64.b64encode(b"short").decode()])
def test_bad_staging_key_env_is_a_config_error_that_does_not_echo_the_value(value: str) -> None:
    with pytest.raises(ConfigError, match=STAGING_KEY_ENV) as info:
        staging_key_from_env({STAGING_KEY_ENV: value})
    assert value not in str(info.value)


def test_without_env_key_one_ephemeral_key_serves_the_whole_process() -> None:
    first = staging_key_from_env({})
    assert len(first) == 32 and staging_key_from_env({}) == first


def test_staging_area_is_private_and_removed_with_its_files(tmp_path: Path) -> None:
    with StagingArea(KEY, base_dir=tmp_path) as area:
        assert area.root is not None
        root = area.root
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        with area.writer("leave.csv") as w:
            w.write(b"a,b\r\n1,2\r\n")
        with area.reader("leave.csv", text=True) as r:
            assert r.read() == "a,b\r\n1,2\r\n"
        with pytest.raises(ValueError, match="plain file name"):
            area.path("../escape")
    assert not root.exists()


def test_memory_stays_bounded_while_staging_and_reading_50_mb(tmp_path: Path) -> None:
    chunk = os.urandom(256 * 1024)
    path = tmp_path / "big"
    tracemalloc.start()
    try:
        with StagedWriter(path, KEY) as w:
            for _ in range(200):  # 50 MiB
                w.write(chunk)
        total = 0
        with open_staged(path, KEY) as r:
            while block := r.read(256 * 1024):
                total += len(block)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == 200 * len(chunk)
    assert peak < 8 * SEGMENT_SIZE, f"peak Python allocations {peak / 1e6:.1f} MB"
