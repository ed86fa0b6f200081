"""OpenPGP decompression bombs against real gpg: refused before the verdict, nothing beyond the limit written.

Issue 12 item 1: a 2 KB unsigned file encrypted to the hub wrote gigabytes of zeros before it was refused as
unsigned, and a signed zlib bomb staged 2 GiB. Here the bombs are made by real gpg from a stream of zeros;
each test measures the bytes written into the work folder (every file that appears there is held open, so
even a deleted partial file is measured) and prints them for the fault report.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from connectors.pgp import DEFAULT_PLAINTEXT_FLOOR, PgpKeys, decrypt_verify, plaintext_limit
from connectors.staging import StagingArea
from sandbox.keys import KeyPair, generate_key_pair, gpg_home, run_gpg, vendor_seal
from schemas.errors import FormatError, SignatureError

pytestmark = [pytest.mark.fault, pytest.mark.realpeer, pytest.mark.timeout(240)]

BOMB_BYTES = 1 << 30  # 1 GiB of zeros inside each bomb
STAGING_OVERHEAD = 64 + 17 * 64  # staging header + one 16-byte tag (+ flag) per 1 MiB segment, generously


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    folder = tmp_path_factory.mktemp("bombkeys")
    return SimpleNamespace(hub=generate_key_pair(folder, "hub"), harbor=generate_key_pair(folder, "harbor"),
                           folder=folder)


def _hub_keys(keys: SimpleNamespace) -> PgpKeys:
    return PgpKeys.from_connection(SimpleNamespace(extra=keys.hub.connection_extra([keys.harbor])))


def _bomb(dest: Path, *, hub: KeyPair, signer: KeyPair | None, algo: str) -> Path:
    """``BOMB_BYTES`` zeros, compressed with ``algo``, encrypted to the hub (and signed), by gpg itself."""
    with gpg_home() as home:
        run_gpg(home, "--import", stdin=hub.public_armored.encode())
        args = ["gpg", "--homedir", str(home), "--batch", "--no-tty", "--pinentry-mode", "loopback",
                "--trust-model", "always", "--compress-algo", algo, "-z", "9", "--recipient", hub.fingerprint,
                "--output", str(dest)]
        if signer is not None:
            run_gpg(home, "--import", stdin=signer.secret_armored.encode())
            args += ["--sign", "--local-user", signer.fingerprint]
        proc = subprocess.Popen([*args, "--encrypt"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        zeros = bytes(1 << 20)
        assert proc.stdin is not None
        for _ in range(BOMB_BYTES >> 20):
            proc.stdin.write(zeros)
        proc.stdin.close()
        assert proc.wait(timeout=180) == 0
    return dest


@pytest.fixture(scope="module")
def unsigned_bzip2_bomb(keys: SimpleNamespace) -> Path:
    return _bomb(keys.folder / "unsigned.bz2.pgp", hub=keys.hub, signer=None, algo="bzip2")


@pytest.fixture(scope="module")
def signed_zlib_bomb(keys: SimpleNamespace) -> Path:
    return _bomb(keys.folder / "signed.zlib.pgp", hub=keys.hub, signer=keys.harbor, algo="zlib")


class Written:
    """Bytes written into ``folder`` while the block runs, exactly: a watcher thread opens every file that
    appears there and keeps it open, so a file the code under test deletes can still be measured (fstat of
    the open descriptor) after the block. Files only grow (the staging writer appends), so the final size is
    everything that was written."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.bytes, self.seconds, self.files = folder, 0, 0.0, 0
        self._fds: dict[str, int] = {}
        self._stop = threading.Event()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for root, _, names in os.walk(self.folder):
                for name in names:
                    path = os.path.join(root, name)
                    if path not in self._fds:
                        with contextlib.suppress(OSError):
                            self._fds[path] = os.open(path, os.O_RDONLY)
            time.sleep(0.0005)

    def __enter__(self) -> Written:
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        time.sleep(0.01)
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self._t0
        self._stop.set()
        self._thread.join()
        for fd in self._fds.values():
            self.bytes += os.fstat(fd).st_size
            os.close(fd)
        self.files = len(self._fds)


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "work"
    folder.mkdir(mode=0o700)
    yield folder
    assert list(folder.rglob("*")) == [], "a rejected bomb left something in the work folder"


def _decrypt(src: Path, keys: SimpleNamespace, work: Path, **limit: int) -> Written:
    with StagingArea(base_dir=work) as area, Written(work) as written:
        decrypt_verify(src, area.path("plain"), keys=_hub_keys(keys), staging_key=area.key, **limit)
    return written


def _report(name: str, src: Path, written: Written, limit: int) -> int:
    """Print the bytes written for the fault report; a file must have been seen (the measure works)."""
    assert written.files >= 1, "the watcher saw no staging file: the measurement did not work"
    print(f"\nFAULT {name}: {src.stat().st_size} B received expanding to {BOMB_BYTES} B; limit {limit} B; "
          f"{written.bytes} B written to the work folder; refused in {written.seconds:.2f} s")
    return written.bytes


def test_unsigned_bzip2_bomb_is_refused_before_a_byte_of_plaintext(
        unsigned_bzip2_bomb: Path, keys: SimpleNamespace, work: Path, fault_measure: Callable[..., None]) -> None:
    started = time.monotonic()
    with pytest.raises(SignatureError, match="not signed") as caught:
        with StagingArea(base_dir=work) as area, Written(work) as written:
            decrypt_verify(unsigned_bzip2_bomb, area.path("plain"), keys=_hub_keys(keys), staging_key=area.key)
    assert caught.value.file == unsigned_bzip2_bomb.name
    to_disk = _report("unsigned_bzip2_bomb", unsigned_bzip2_bomb, written, DEFAULT_PLAINTEXT_FLOOR)
    fault_measure(rejected_bytes=to_disk)
    assert to_disk < 64 << 10, "an unsigned message must be refused before its plaintext is written"
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("limit", [None, 4 << 20], ids=["default_limit", "feed_limit_4MiB"])
def test_signed_zlib_bomb_stops_at_the_limit(limit: int | None, signed_zlib_bomb: Path, keys: SimpleNamespace,
                                            work: Path, fault_measure: Callable[..., None]) -> None:
    cap = plaintext_limit(signed_zlib_bomb.stat().st_size) if limit is None else limit
    assert cap < BOMB_BYTES // 8
    kwargs = {} if limit is None else {"max_plaintext": limit}
    with pytest.raises(FormatError, match="more than the") as caught:
        with StagingArea(base_dir=work) as area, Written(work) as written:
            decrypt_verify(signed_zlib_bomb, area.path("plain"), keys=_hub_keys(keys), staging_key=area.key,
                           **kwargs)
    assert caught.value.file == signed_zlib_bomb.name
    to_disk = _report(f"signed_zlib_bomb[{cap}]", signed_zlib_bomb, written, cap)
    fault_measure(rejected_bytes=to_disk)
    assert to_disk <= cap + STAGING_OVERHEAD, "bytes beyond the limit were written"
    assert written.seconds < 60


def test_a_file_exactly_at_the_limit_passes_and_one_byte_over_is_refused(
        keys: SimpleNamespace, tmp_path: Path, work: Path) -> None:
    plain = tmp_path / "leave.csv"
    plain.write_bytes(os.urandom(300_000))
    src = tmp_path / "leave.csv.pgp"
    vendor_seal(plain, src, recipients=[keys.hub], signer=keys.harbor)
    size = plain.stat().st_size
    with StagingArea(base_dir=work) as area:
        verified = decrypt_verify(src, area.path("plain"), keys=_hub_keys(keys), staging_key=area.key,
                                  max_plaintext=size)
        assert verified.size == size
    with pytest.raises(FormatError, match="more than the"):
        _decrypt(src, keys, work, max_plaintext=size - 1)


def test_default_limit_scales_with_the_received_size_above_a_floor() -> None:
    assert plaintext_limit(3_900) == DEFAULT_PLAINTEXT_FLOOR
    assert plaintext_limit(10 << 20) == 64 * (10 << 20)
    assert plaintext_limit(1000, max_expansion=2, floor=10) == 2000


def test_a_feeds_plaintext_limit_from_vendor_yaml_rejects_a_bomb_and_the_next_file_applies(
        local_hub: Any, harbor_leave_rows: list[dict[str, str]], keys: SimpleNamespace, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, fault_measure: Callable[..., None]) -> None:
    """vendor.yaml ``pgp: {max_expansion: 2, plaintext_floor_mb: 1}``: a signed 8 MB leave file that compresses
    to a few KB is over its limit (the 64 MiB default floor would have let it through); it is quarantined
    with a report and one alert, nothing is left in the work folder, and the next day's file applies."""
    from leavehub.pipeline.quarantine import list_quarantine
    from leavehub.pipeline.runner import run_feed
    from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, render_csv

    vendor_file = local_hub.mappings / "harbor_leave" / "vendor.yaml"
    vendor = yaml.safe_load(vendor_file.read_text(encoding="utf-8"))
    vendor["pgp"] = {"connection_id": "harbor_leave_pgp", "verify": True, "max_expansion": 2,
                     "plaintext_floor_mb": 1}
    vendor_file.write_text(yaml.safe_dump(vendor, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("AIRFLOW_CONN_HARBOR_LEAVE_PGP",
                       json.dumps({"conn_type": "generic", "extra": keys.hub.connection_extra([keys.harbor])}))
    inbox = local_hub.settings.local_exchange_dir / "harbor_leave" / "outbound"
    inbox.mkdir(parents=True, exist_ok=True)
    row = [harbor_leave_rows[0][c] for c in LEAVE_COLUMNS]
    (tmp_path / "HARBOR_LEAVE_20260302.csv").write_bytes(render_csv(LEAVE_COLUMNS, [row] * 50_000))
    assert (tmp_path / "HARBOR_LEAVE_20260302.csv").stat().st_size > 8_000_000
    (tmp_path / "HARBOR_LEAVE_20260303.csv").write_bytes(render_csv(LEAVE_COLUMNS, [row]))
    for day in ("20260302", "20260303"):
        vendor_seal(tmp_path / f"HARBOR_LEAVE_{day}.csv", inbox / f"HARBOR_LEAVE_{day}.csv",
                    recipients=[keys.hub], signer=keys.harbor)

    outcome = run_feed("harbor_leave.leave_periods", settings=local_hub.settings)

    assert [r.status for r in outcome.receipts] == ["REJECTED", "APPLIED"], outcome.summary()
    reports = [json.loads(e.report.read_text(encoding="utf-8"))
               for e in list_quarantine(local_hub.settings.quarantine_dir)]
    assert len(reports) == 1 and reports[0]["error_class"] == "FormatError"
    assert "more than the 1,048,576 bytes" in json.dumps(reports[0]), reports[0]
    work = local_hub.settings.home / "work"
    assert [p for p in work.rglob("*") if p.is_file()] == [], "the refused bomb left staging behind"
    fault_measure(records_lost=0, records_duplicated=0)
