"""Real OpenSSH sshd fixtures for the transport tests (127.0.0.1 only, free port, keys generated at run time).

``sshd`` is shared by a module (cheap tests that only read and write vendor folders, emptied per test);
``fresh_sshd`` is a server of its own for tests that kill, stall or rotate it. Both skip with a message when
OpenSSH is not installed (the suite's conftest turns that skip into a failure under ``CI=true``) and check at
teardown that no sshd process is left behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sshd_peers import serve_sshd

from connectors.connections import Connection, get_connection
from sandbox.sshd import SshdServer

VENDORS = ["harbor_leave", "summit"]


def _serve(root: Path) -> Iterator[SshdServer]:
    yield from serve_sshd(root, VENDORS)


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
