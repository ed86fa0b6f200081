"""Real OpenSSH sshd fixtures for the transport tests (127.0.0.1 only, free port, keys generated at run time).

``sshd`` is shared by a module (cheap tests that only read and write vendor folders, emptied per test);
``fresh_sshd`` is a server of its own for tests that kill, stall or rotate it. Both skip with a message when
OpenSSH is not installed (the suite's conftest turns that skip into a failure under ``CI=true``) and check at
teardown that no sshd process is left behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from connectors.connections import Connection, get_connection
from sandbox.sshd import SSHD, SshdServer

VENDORS = ["harbor_leave", "summit"]


def _require_openssh() -> None:
    missing = [t for t in (SSHD, "ssh-keygen") if shutil.which(t) is None]
    if missing:
        msg = f"real peer missing: {', '.join(missing)} not installed (Debian: openssh-server, openssh-client)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (CI=true: realpeer tests must run)")
        pytest.skip(msg)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _serve(root: Path) -> Iterator[SshdServer]:
    _require_openssh()
    server = SshdServer(root, VENDORS).start()
    tracked: set[int] = set()
    try:
        yield server
    finally:
        if server.pid:
            tracked = {server.pid, *server.session_pids()}
        server.stop()
        alive = [p for p in tracked if _running(p)]
        assert not alive, f"sshd processes left behind: {alive}"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdServer]:
    """A shared sshd for the module; see :func:`vendor_home` for a clean vendor folder per test."""
    yield from _serve(tmp_path_factory.mktemp("sshd"))


@pytest.fixture
def fresh_sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdServer]:
    """An sshd of the test's own, free to be killed, stalled or given a new host key."""
    yield from _serve(tmp_path_factory.mktemp("sshd_fresh"))


@pytest.fixture
def vendor_home(sshd: SshdServer) -> Path:
    """Harbor's folder on the shared server, emptied (inbound/outbound/archive kept) for this test."""
    home = sshd.vendor_dir("harbor_leave")
    for sub in ("inbound", "outbound", "archive"):
        shutil.rmtree(home / sub, ignore_errors=True)
        (home / sub).mkdir()
    return home


def _harbor_connection(server: SshdServer, **extra: str) -> Connection:
    env = {"AIRFLOW_CONN_HARBOR_LEAVE_SFTP": server.connection_uri("harbor_leave", **extra)}
    return get_connection("harbor_leave_sftp", env)


@pytest.fixture
def harbor_connection() -> Callable[..., Connection]:
    """``harbor_connection(server, **extra)``: Harbor's connection as a deployment gets it, from the env var."""
    return _harbor_connection


@pytest.fixture
def make_sftp() -> Iterator[Callable[..., object]]:
    """Factory ``make_sftp(server, settings=None, **extra)`` -> SftpTransport for Harbor; closed at teardown."""
    from connectors.transports.sftp import SftpTransport

    made: list[SftpTransport] = []

    def make(server: SshdServer, settings: object = None, **extra: str) -> SftpTransport:
        t = SftpTransport.from_connection(_harbor_connection(server, **extra), inbound_dir="outbound",
                                          outbound_dir="inbound", archive_dir="archive",
                                          settings=settings)  # type: ignore[arg-type]
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()
