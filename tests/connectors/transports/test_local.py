"""LocalTransport, and the semantics every Transport shares, run against local folders AND the real sshd."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import connectors.transports as transports
from connectors.transports import LocalTransport, RemoteFile, Transport, UnsafeRemoteName
from connectors.transports.base import check_remote_name, match_names, temp_name
from schemas.errors import RejectedInput

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def local_home(tmp_path: Path) -> Path:
    home = tmp_path / "vendor"
    for sub in ("inbound", "outbound", "archive"):
        (home / sub).mkdir(parents=True)
    return home


@pytest.fixture(params=["local", pytest.param("sftp", marks=pytest.mark.realpeer)])
def transport_and_home(request: pytest.FixtureRequest, local_home: Path) -> tuple[Transport, Path]:
    """The same vendor folder layout (vendor's outbound = our inbound) behind either transport."""
    if request.param == "local":
        t = LocalTransport(inbound_dir=local_home / "outbound", outbound_dir=local_home / "inbound",
                           archive_dir=local_home / "archive")
        return t, local_home
    sshd = request.getfixturevalue("sshd")
    home = request.getfixturevalue("vendor_home")
    return request.getfixturevalue("make_sftp")(sshd), home


# -- shared semantics (both transports) ----------------------------------------------------------------------


def test_transport_satisfies_the_protocol(transport_and_home):
    t, _ = transport_and_home
    assert isinstance(t, Transport)


def test_round_trip_keeps_bytes_and_put_reports_what_landed(transport_and_home, tmp_path):
    t, home = transport_and_home
    data = os.urandom(300_000)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    with t:
        landed = t.put(src, "out.pgp")
        assert isinstance(landed, RemoteFile) and landed.name == "out.pgp" and landed.size == len(data)
        assert (home / "inbound" / "out.pgp").read_bytes() == data
        (home / "outbound" / "in.pgp").write_bytes(data)
        got = t.get("in.pgp", tmp_path / "in.pgp")
    assert hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(data).digest()


def test_list_matches_glob_sorted_regular_files_only_and_hides_dot_files(transport_and_home):
    t, home = transport_and_home
    out = home / "outbound"
    for name in ("b.pgp", "a.pgp", "c.txt", ".a.pgp.part-0123456789ab", ".hidden.pgp"):
        (out / name).write_bytes(b"x" * len(name))
    (out / "dir.pgp").mkdir()
    os.symlink(out / "a.pgp", out / "link.pgp")
    assert [f.name for f in t.list("*.pgp")] == ["a.pgp", "b.pgp"]
    assert [f.name for f in t.list()] == ["a.pgp", "b.pgp", "c.txt"]
    assert [f.name for f in t.list(".hidden*")] == [".hidden.pgp"]
    assert t.list("*.pgp")[0].size == len("a.pgp")


def test_put_leaves_only_a_hidden_temp_name_while_copying(transport_and_home, tmp_path):
    t, home = transport_and_home
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024))
    snapshots: list[list[str]] = []
    t.put(src, "final.pgp", progress=lambda done, total: done < total and snapshots.append(
        os.listdir(home / "inbound")))
    assert snapshots
    assert all(n.startswith(".final.pgp.part-") for names in snapshots for n in names)
    assert os.listdir(home / "inbound") == ["final.pgp"]


def test_put_replaces_an_existing_file_atomically(transport_and_home, tmp_path):
    t, home = transport_and_home
    (home / "inbound" / "same.pgp").write_bytes(b"old")
    (tmp_path / "new").write_bytes(b"new content")
    t.put(tmp_path / "new", "same.pgp")
    assert (home / "inbound" / "same.pgp").read_bytes() == b"new content"


def test_archive_moves_and_never_overwrites(transport_and_home):
    t, home = transport_and_home
    for body in (b"one", b"two"):
        (home / "outbound" / "x.pgp").write_bytes(body)
        assert t.archive("x.pgp").startswith("x.pgp")
    assert not (home / "outbound" / "x.pgp").exists()
    assert sorted(p.read_bytes() for p in (home / "archive").iterdir()) == [b"one", b"two"]


def test_unsafe_names_are_refused_by_every_call(transport_and_home, tmp_path):
    t, _ = transport_and_home
    (tmp_path / "f").write_bytes(b"x")
    for name in ("../x", "/abs", "a\\b", "nul\x00", ".."):
        with pytest.raises(UnsafeRemoteName):
            t.get(name, tmp_path / "g")
        with pytest.raises(UnsafeRemoteName):
            t.put(tmp_path / "f", name)
        with pytest.raises(UnsafeRemoteName):
            t.archive(name)


# -- local specifics -------------------------------------------------------------------------------


def test_archive_without_an_archive_folder_leaves_the_file_and_returns_none(local_home):
    t = LocalTransport(inbound_dir=local_home / "outbound", outbound_dir=local_home / "inbound")
    (local_home / "outbound" / "x.pgp").write_bytes(b"x")
    assert t.archive("x.pgp") is None
    assert (local_home / "outbound" / "x.pgp").exists()


def test_failed_put_leaves_no_temp_and_no_final_file(local_home, tmp_path):
    t = LocalTransport(inbound_dir=local_home / "outbound", outbound_dir=local_home / "inbound")
    src = tmp_path / "src"
    src.write_bytes(b"x" * (3 * 1024 * 1024))

    def boom(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        t.put(src, "f.pgp", progress=boom)
    assert os.listdir(local_home / "inbound") == []


def test_get_of_missing_file_leaves_no_local_file(local_home, tmp_path):
    t = LocalTransport(inbound_dir=local_home / "outbound", outbound_dir=local_home / "inbound")
    with pytest.raises(FileNotFoundError):
        t.get("missing.pgp", tmp_path / "dest.pgp")
    assert not (tmp_path / "dest.pgp").exists()


# -- the shared rules and the package surface ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["HARBOR_LEAVE_20260101.csv.pgp", "a b.txt", "ünïcode.pgp", ".dot"])
def test_plain_names_pass_the_remote_name_check(name):
    assert check_remote_name(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", "../a", "a/b", "/a", "a\\b", "a\x00", "a\nb", "x" * 256])
def test_unsafe_remote_names_are_rejected_input(name):
    with pytest.raises(RejectedInput):
        check_remote_name(name)


def test_temp_names_are_hidden_unique_and_never_match_a_vendor_glob():
    names = {temp_name("HARBOR_ELIG.txt.pgp") for _ in range(100)}
    assert len(names) == 100
    assert match_names(names, "*.pgp") == [] and match_names(names, "HARBOR_*") == []


def test_public_api_of_the_transports_package_is_pinned():
    assert sorted(transports.__all__) == ["HostKeyMismatch", "LocalTransport", "RemoteFile", "SftpSettings",
                                          "SftpTransport", "Transport", "TransportBase", "UnsafeRemoteName"]


def test_importing_transports_and_connections_loads_neither_paramiko_nor_requests():
    code = ("import sys, connectors.transports, connectors.connections\n"
            "print(','.join(m for m in ('paramiko', 'requests', 'tenacity') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         timeout=60)
    assert out.stdout.strip() == ""


def test_sftp_names_resolve_lazily_from_the_package():
    from connectors.transports.sftp import SftpTransport

    assert transports.SftpTransport is SftpTransport
    with pytest.raises(AttributeError):
        transports.NoSuchTransport  # noqa: B018
