"""A real OpenSSH sshd for tests (127.0.0.1 only, free port, keys generated at run time), shared by the
transport tests and the fault suite (their conftests wrap ``serve_sshd`` in fixtures).

It skips with a message when OpenSSH is not installed (fails under ``CI=true``) and checks at teardown that no
sshd process is left behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import psutil
import pytest

from sandbox.sshd import SSHD, SshdServer

__all__ = ["require_openssh", "serve_sshd"]


def require_openssh() -> None:
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


def serve_sshd(root: Path, vendors: Iterable[str]) -> Iterator[SshdServer]:
    """Start an sshd serving ``vendors`` under ``root``; yield it; stop it and check nothing is left running."""
    require_openssh()
    server = SshdServer(root, list(vendors)).start()
    tracked: set[int] = set()
    try:
        yield server
    finally:
        if server.pid:
            tracked = {server.pid, *server.session_pids()}
        server.stop()
        alive = [p for p in tracked if _running(p)]
        assert not alive, f"sshd processes left behind: {alive}"
