"""A real OpenSSH sshd on 127.0.0.1 playing the vendors' SFTP servers, for tests, the sandbox and benchmarks.

Why a real sshd: our SFTP client must be proven against the server vendors actually run, not a Python stub.
Everything lives under ``root``: the config, a host key generated at run time (never committed), a client key
per vendor and a folder per vendor with ``inbound/``, ``outbound/`` and ``archive/``. All vendors log in as
the current unix user (works as root and as non-root); each vendor's key is forced into its own folder by
``command="internal-sftp -d <vendor dir>",restrict`` in ``authorized_keys``, so paths are relative to it.
Password login is not offered: without PAM it would need a system account password.

Example::

    with SshdServer(tmp_path, ["harbor_leave"]) as sshd:
        os.environ.update(sshd.airflow_env())          # AIRFLOW_CONN_HARBOR_LEAVE_SFTP=sftp://...
        (sshd.vendor_dir("harbor_leave") / "outbound" / "x.csv.pgp").write_bytes(b"...")

Run by hand: ``python -m sandbox.sshd --root /tmp/sbx --vendor harbor_leave`` (Ctrl-C stops it).
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil

from connectors.connections import connection_uri, env_var_name

__all__ = ["SshdServer"]

SSHD = "/usr/sbin/sshd"
_VENDOR = re.compile(r"[a-z][a-z0-9_]{0,39}")
VENDOR_FOLDERS = ("inbound", "outbound", "archive")


class SshdServer:
    """Start/stop an sshd with one SFTP account per vendor; see the module docstring."""

    host = "127.0.0.1"

    def __init__(self, root: Path, vendors: Iterable[str], *, port: int | None = None, sshd_path: str = SSHD,
                 start_timeout: float = 10.0) -> None:
        self.root = Path(root).resolve()
        self.vendors = list(vendors)
        for v in self.vendors:
            if not _VENDOR.fullmatch(v):
                raise ValueError(f"vendor name must match {_VENDOR.pattern}: {v!r}")
        self.state = self.root / "sshd"
        self.user = getpass.getuser()
        self.sshd_path = sshd_path
        self.start_timeout = start_timeout
        self._port = port
        self._proc: subprocess.Popen[bytes] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Generate what is missing (keys, folders, config) and start sshd; returns when it serves a banner."""
        if self._proc is not None:
            return self
        if not os.path.isabs(self.sshd_path) or not os.access(self.sshd_path, os.X_OK):
            raise FileNotFoundError(f"sshd not found at {self.sshd_path} (Debian package openssh-server)")
        self._prepare()
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege-separation dir; never removed
        for _ in range(5):
            port = self._port or _free_port()
            self._write_config(port)
            log = (self.state / "sshd.log").open("ab")
            with log:
                proc = subprocess.Popen([self.sshd_path, "-D", "-f", str(self.state / "sshd_config"),
                                         "-E", str(self.state / "sshd.log")],
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
            if self._wait_ready(proc, port):
                self._proc, self._port = proc, port
                return self
            _kill_tree(proc.pid)
            proc.wait(5)
            time.sleep(0.2)  # a fixed port (restart after a kill) may need a moment to free up
        raise RuntimeError(f"sshd did not start; last log lines:\n{self.log_tail()}")

    def stop(self) -> None:
        """Kill sshd and every session process it forked (they setsid, so a process group kill misses them)."""
        if self._proc is None:
            return
        _kill_tree(self._proc.pid)
        try:
            self._proc.wait(10)
        finally:
            self._proc = None

    def restart(self) -> Self:
        """Stop and start on the same port (tests: a vendor server that went away and came back)."""
        self.stop()
        return self.start()

    def rotate_host_key(self, key_path: Path | None = None) -> str:
        """Replace the host key (restarting if running); returns the new public line.

        A new ed25519 key is generated unless ``key_path`` names a saved key pair (``key`` + ``key.pub``), which
        lets a test rotate back. Example: ``new_line = sshd.rotate_host_key()``
        """
        running = self._proc is not None
        self.stop()
        target = self.state / "ssh_host_ed25519_key"
        for suffix in ("", ".pub"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        if key_path is None:
            _keygen(target, "leavehub-sandbox-host")
        else:
            for suffix in ("", ".pub"):
                shutil.copyfile(f"{key_path}{suffix}", f"{target}{suffix}")
            os.chmod(target, 0o600)
        if running:
            self.start()
        return self.host_key_line

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- what clients need -------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port (fixed after the first start, so a restart keeps it)."""
        if self._port is None:
            raise RuntimeError("sshd not started yet")
        return self._port

    @property
    def pid(self) -> int | None:
        """The listener's process id while running."""
        return self._proc.pid if self._proc else None

    @property
    def host_key_line(self) -> str:
        """The host public key as an OpenSSH line without comment: ``ssh-ed25519 AAAA...``."""
        parts = (self.state / "ssh_host_ed25519_key.pub").read_text().split()
        return f"{parts[0]} {parts[1]}"

    @property
    def host_key_fingerprint(self) -> str:
        """``SHA256:...`` of the host key, as ``ssh-keygen -l`` prints it."""
        blob = base64.b64decode(self.host_key_line.split()[1])
        return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")

    def vendor_dir(self, vendor: str) -> Path:
        """The vendor's SFTP home; the paths its key uses (``inbound``, ``outbound``, ``archive``) are relative."""
        self._known(vendor)
        return self.root / "vendors" / vendor

    def client_key_path(self, vendor: str) -> Path:
        """The private key (OpenSSH format, no passphrase) the hub uses to log in as ``vendor``."""
        self._known(vendor)
        return self.state / "clients" / f"{vendor}_ed25519"

    def conn_id(self, vendor: str) -> str:
        """The Airflow connection id for ``vendor``'s server: ``<vendor>_sftp``."""
        return f"{vendor}_sftp"

    def connection_uri(self, vendor: str, **extra: str) -> str:
        """An Airflow connection URI for ``vendor`` with the host key pinned and its key file; extra overrides."""
        fields = {"host_key": self.host_key_line, "key_file": str(self.client_key_path(vendor)), **extra}
        return connection_uri("sftp", self.host, port=self.port, login=self.user, extra=fields)

    def airflow_env(self) -> dict[str, str]:
        """``{"AIRFLOW_CONN_<VENDOR>_SFTP": uri}`` for every vendor, ready for ``os.environ.update``."""
        return {env_var_name(self.conn_id(v)): self.connection_uri(v) for v in self.vendors}

    def log_tail(self, lines: int = 20) -> str:
        """The end of sshd's log file, for failure messages."""
        path = self.state / "sshd.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def session_pids(self) -> list[int]:
        """Process ids of sshd's per-connection children (tests stop or kill them to simulate faults)."""
        if self._proc is None:
            return []
        with _suppress_gone():
            return [p.pid for p in psutil.Process(self._proc.pid).children(recursive=True)]
        return []

    # -- internals ---------------------------------------------------------------------------------------------

    def _known(self, vendor: str) -> None:
        if vendor not in self.vendors:
            raise KeyError(f"unknown vendor {vendor!r}; known: {self.vendors}")

    def _prepare(self) -> None:
        (self.state / "clients").mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)
        host_key = self.state / "ssh_host_ed25519_key"
        if not host_key.exists():
            _keygen(host_key, "leavehub-sandbox-host")
        lines = []
        for vendor in self.vendors:
            home = self.vendor_dir(vendor)
            for sub in VENDOR_FOLDERS:
                (home / sub).mkdir(parents=True, exist_ok=True)
            key = self.client_key_path(vendor)
            if not key.exists():
                _keygen(key, f"leavehub-{vendor}")
            pub = key.with_name(key.name + ".pub").read_text().split()
            lines.append(f'command="internal-sftp -d {home}",restrict {pub[0]} {pub[1]} {vendor}')
        (self.state / "authorized_keys").write_text("\n".join(lines) + "\n")

    def _write_config(self, port: int) -> None:
        root_login = "PermitRootLogin prohibit-password\n" if os.geteuid() == 0 else ""
        (self.state / "sshd_config").write_text(
            f"ListenAddress {self.host}\nPort {port}\n"
            f"HostKey {self.state / 'ssh_host_ed25519_key'}\n"
            f"PidFile {self.state / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.state / 'authorized_keys'}\n"
            f"AllowUsers {self.user}\n{root_login}"
            "StrictModes no\nUseDNS no\nUsePAM no\nLogLevel VERBOSE\n"
            "PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "AllowTcpForwarding no\nAllowAgentForwarding no\nX11Forwarding no\nPermitTTY no\n"
            "PrintMotd no\nMaxStartups 50:30:100\nLoginGraceTime 30\n"
            "Subsystem sftp internal-sftp\n"
        )

    def _wait_ready(self, proc: subprocess.Popen[bytes], port: int) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, port), timeout=1) as s:
                    s.settimeout(2)
                    if s.recv(64).startswith(b"SSH-2.0-"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False


def _keygen(path: Path, comment: str) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    os.chmod(path, 0o600)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _suppress_gone:
    """Like ``contextlib.suppress`` for processes that exited or are not ours to signal."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> bool:
        return exc_type is not None and issubclass(exc_type, psutil.NoSuchProcess | psutil.AccessDenied)


def _kill_tree(pid: int) -> None:
    """SIGSTOP the tree until it stops growing (a stopped process cannot fork), then SIGKILL all of it."""
    try:
        top = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    seen: dict[int, psutil.Process] = {}
    for _ in range(50):
        with _suppress_gone():
            new = [p for p in [top, *top.children(recursive=True)] if p.pid not in seen]
            if not new:
                break
            for p in new:
                seen[p.pid] = p
                with _suppress_gone():
                    p.send_signal(signal.SIGSTOP)
    for p in reversed(list(seen.values())):
        with _suppress_gone():
            p.kill()
    deadline = time.monotonic() + 5  # dead = gone or a zombie (its reaper may be a slow PID 1 in a container)
    while time.monotonic() < deadline and any(_alive(p) for p in seen.values() if p.pid != pid):
        time.sleep(0.01)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def main(argv: list[str] | None = None) -> int:
    """Command line: run the simulator until Ctrl-C, printing the ``AIRFLOW_CONN_*`` lines to export."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--vendor", action="append", required=True)
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwind the with-block: sshd must not outlive us
    with SshdServer(args.root, args.vendor, port=args.port) as sshd:
        for var, uri in sshd.airflow_env().items():
            print(f"export {var}='{uri}'", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
