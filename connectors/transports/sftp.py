"""SFTP transport on paramiko: pinned host keys, atomic uploads, verified downloads, a short retry budget.

Why each choice (measured on loopback against OpenSSH; see ``bench/sftp_bench.py``):

- Host keys are PINNED from the connection extra ``host_key`` (OpenSSH public-key lines, several allowed,
  newline or comma separated, for rotation) or ``host_key_fingerprint`` (``SHA256:...``). An unknown or changed
  key raises :class:`HostKeyMismatch` before any credential is sent; nothing is ever auto-added.
- We create the socket ourselves and set ``TCP_NODELAY`` (paramiko never does: unpipelined writes ran at
  ~1 MB/s without it). Writes are pipelined, reads prefetched with the file size; paramiko's default window
  and packet sizes are kept (larger windows made downloads several times slower). AES-GCM is preferred.
- ``put`` writes ``.<name>.part-<random>`` and ``posix_rename``-s it into place; ``get`` writes a local temp
  file, checks its size against the remote stat and ``os.replace``-s it into place.
- Transient failures (socket errors, EOF, SSH errors not about auth or host keys) are retried at most
  ``retry.attempts`` times with jittered backoff within ``retry.budget`` seconds (the one retry helper,
  ``connectors.transports.retry``), reconnecting each time; then
  :class:`~schemas.errors.TransientError` goes up. The scheduler's retries sit ABOVE this budget: keep this
  one short so the two do not multiply into an hour of hammering a vendor. The budget bounds failing
  attempts and waits; a transfer that keeps making progress is not cut short (``io_timeout`` bounds a stall).

Not thread-safe: one transport per task. Example::

    conn = get_connection("harbor_leave_sftp")
    with SftpTransport.from_connection(conn, inbound_dir="/outbound", outbound_dir="/inbound",
                                       archive_dir="/outbound/archive") as t:
        for f in t.list("HARBOR_*.csv.pgp"):
            t.get(f.name, staging / f.name)
            t.archive(f.name)
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import io
import logging
import os
import posixpath
import re
import socket
import stat
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import paramiko

from connectors.connections import Connection
from connectors.transports.base import (
    Progress,
    RemoteFile,
    TransportBase,
    archive_name,
    check_remote_name,
    match_names,
    temp_name,
)
from connectors.transports.retry import RetryPolicy, RetryTally, call_with_retries
from schemas.errors import ConfigError, RejectedInput, TransientError

__all__ = ["HostKeyMismatch", "HostKeyPins", "SftpSettings", "SftpTransport", "fingerprint_sha256"]

log = logging.getLogger(__name__)

T = TypeVar("T")
PREFERRED_CIPHERS = ("aes256-gcm@openssh.com", "aes128-gcm@openssh.com")
READ_CHUNK = 32768  # = paramiko's request size: one prefetched block per read, no re-buffering
WRITE_CHUNK = 256 * 1024
_KEY_TYPE = re.compile(rb"[a-z0-9][a-z0-9@.\-]{2,63}")
_SIG_ALGS = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256")}


class HostKeyMismatch(ConfigError):
    """The server's host key is not among the pinned keys: refuse, never retry, never auto-add."""


def fingerprint_sha256(blob: bytes) -> str:
    """OpenSSH's fingerprint of a public-key blob: ``SHA256:`` + unpadded base64 of its SHA-256."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class HostKeyPins:
    """The host keys a connection accepts: public-key blobs and/or SHA256 fingerprints.

    Example: ``HostKeyPins.parse("ssh-ed25519 AAAAC3Nz...old, ssh-ed25519 AAAAC3Nz...new", None)``
    """

    blobs: frozenset[bytes] = frozenset()
    fingerprints: frozenset[str] = frozenset()
    key_types: tuple[str, ...] = ()

    @classmethod
    def parse(cls, host_key: str | None, host_key_fingerprint: str | None, *, conn_id: str = "?") -> HostKeyPins:
        """Parse the extras; entries are separated by newlines or commas. No pin at all is a ConfigError."""
        blobs: list[bytes] = []
        types: list[str] = []
        for entry in _entries(host_key):
            ktype, blob = _parse_key_entry(entry, conn_id)
            blobs.append(blob)
            types.extend(t for t in _SIG_ALGS.get(ktype, (ktype,)) if t not in types)
        fps = set()
        for entry in _entries(host_key_fingerprint):
            if not entry.startswith("SHA256:") or len(entry) < 20:
                raise ConfigError(f"connection {conn_id!r}: host_key_fingerprint must look like SHA256:<base64>",
                                  key_path="extra.host_key_fingerprint")
            fps.add(entry.rstrip("="))
        if not blobs and not fps:
            raise ConfigError(f"connection {conn_id!r}: no host key pinned; set extra host_key (OpenSSH public "
                              "key line) or host_key_fingerprint (SHA256:...)", key_path="extra.host_key")
        return cls(frozenset(blobs), frozenset(fps), tuple(types))

    def accepts(self, blob: bytes) -> bool:
        """True when the server key ``blob`` is pinned by value or by fingerprint."""
        return blob in self.blobs or fingerprint_sha256(blob) in self.fingerprints


SFTP_RETRY = RetryPolicy(attempts=3, budget=25.0, backoff_base=0.5, backoff_max=4.0)


@dataclass(frozen=True)
class SftpSettings:
    """Timeouts (seconds) and the retry policy of one call. Defaults keep one failing call under ~30 s in total."""

    connect_timeout: float = 10.0
    auth_timeout: float = 15.0
    io_timeout: float = 30.0
    retry: RetryPolicy = SFTP_RETRY


@dataclass
class _Session:
    sock: socket.socket
    ssh: paramiko.Transport
    sftp: paramiko.SFTPClient
    host_key: str = field(default="")

    def close(self) -> None:
        for closer in (self.sftp.close, self.ssh.close, self.sock.close):
            with contextlib.suppress(Exception):
                closer()


class SftpTransport(TransportBase):
    """Transport over SFTP; see the module docstring. Prefer :meth:`from_connection` to the constructor."""

    def __init__(self, *, host: str, port: int, username: str, pins: HostKeyPins, inbound_dir: str,
                 outbound_dir: str, archive_dir: str | None = None, pkey: paramiko.PKey | None = None,
                 password: str | None = None, settings: SftpSettings | None = None, label: str = "sftp") -> None:
        if pkey is None and not password:
            raise ConfigError(f"connection {label!r}: no private key and no password", key_path="extra.key_file")
        self.host, self.port, self.username = host, int(port), username
        self.pins, self.label = pins, label
        self.inbound_dir, self.outbound_dir, self.archive_dir = inbound_dir, outbound_dir, archive_dir
        self.settings = settings or SftpSettings()
        self._pkey, self._password = pkey, password
        self._session: _Session | None = None
        self._stale_temps: set[str] = set()

    @classmethod
    def from_connection(cls, conn: Connection, *, inbound_dir: str, outbound_dir: str,
                        archive_dir: str | None = None, settings: SftpSettings | None = None) -> SftpTransport:
        """Build from a :class:`~connectors.connections.Connection` (extras as Airflow's SFTP provider names them).

        Extras: ``host_key`` / ``host_key_fingerprint`` (one required), ``private_key`` (text) or ``key_file``,
        ``private_key_passphrase``, ``conn_timeout``. Example:
        ``SftpTransport.from_connection(get_connection("harbor_leave_sftp"), inbound_dir="outbound",
        outbound_dir="inbound")``
        """
        extra = conn.extra
        if conn.conn_type not in {"sftp", "ssh"}:
            raise ConfigError(f"connection {conn.conn_id!r}: conn_type must be sftp, not {conn.conn_type!r}",
                              key_path="conn_type")
        if not conn.host or not conn.login:
            raise ConfigError(f"connection {conn.conn_id!r}: host and login are required", key_path="host")
        if str(extra.get("no_host_key_check", "")).lower() in {"true", "1", "yes"}:
            raise ConfigError(f"connection {conn.conn_id!r}: no_host_key_check is refused; pin host_key",
                              key_path="extra.no_host_key_check")
        pins = HostKeyPins.parse(extra.get("host_key"), extra.get("host_key_fingerprint"), conn_id=conn.conn_id)
        pkey = load_private_key(text=extra.get("private_key"), path=extra.get("key_file"),
                                passphrase=extra.get("private_key_passphrase"), conn_id=conn.conn_id)
        if settings is None and extra.get("conn_timeout"):
            try:
                settings = SftpSettings(connect_timeout=float(extra["conn_timeout"]))
            except (TypeError, ValueError):
                raise ConfigError(f"connection {conn.conn_id!r}: conn_timeout is not a number",
                                  key_path="extra.conn_timeout") from None
        return cls(host=conn.host, port=conn.port or 22, username=conn.login, pins=pins, pkey=pkey,
                   password=conn.password, inbound_dir=inbound_dir, outbound_dir=outbound_dir,
                   archive_dir=archive_dir, settings=settings, label=conn.conn_id)

    def __repr__(self) -> str:
        return f"SftpTransport({self.label!r}, {self.host}:{self.port})"

    # -- the protocol ------------------------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the session now (within the retry budget) instead of on first use; a cheap health check."""
        self._run("connect", lambda sftp, attempt: None)

    def list(self, pattern: str = "*") -> list[RemoteFile]:
        """Regular files in the inbound folder matching ``pattern``; unsafe names a server sends are skipped."""
        def op(sftp: paramiko.SFTPClient, attempt: int) -> list[RemoteFile]:
            attrs = {}
            for a in sftp.listdir_attr(self.inbound_dir):
                if a.st_mode is not None and stat.S_ISREG(a.st_mode) and _is_safe(a.filename):
                    attrs[a.filename] = a
            return [RemoteFile.from_stat(n, attrs[n].st_size, attrs[n].st_mtime)
                    for n in match_names(attrs, pattern)]
        return self._run("list", op)

    def get(self, name: str, dest_path: Path, *, progress: Progress | None = None,
            seal_key: bytes | None = None) -> Path:
        """Download inbound ``name`` to ``dest_path`` via a local temp file whose size must match the remote's;
        with ``seal_key`` the temp file is written sealed (``connectors.staging``): no plaintext on disk."""
        remote = posixpath.join(self.inbound_dir, check_remote_name(name))
        dest = Path(dest_path)

        def op(sftp: paramiko.SFTPClient, attempt: int) -> Path:
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.part-")
            try:
                started = time.monotonic()
                with _download_sink(fd, tmp, seal_key) as out, sftp.open(remote, "rb") as src:
                    size = src.stat().st_size or 0
                    src.prefetch(size)
                    got = 0
                    while data := src.read(READ_CHUNK):
                        out.write(data)
                        got += len(data)
                        if progress is not None:
                            progress(got, size)
                    if got != size:
                        raise TransientError(f"sftp get {name!r}: read {got} of {size} bytes (file changing?)")
                # no fsync: the store commit, not this staging copy, is what must survive a crash (and an fsync
                # of a few hundred MB halved download speed here); the remote file is archived only after it.
                os.replace(tmp, dest)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            _log_rate("get", name, got, started)
            return dest
        return self._run("get", op)

    def put(self, local_path: Path, name: str, *, progress: Progress | None = None) -> RemoteFile:
        """Upload under ``.<name>.part-<random>``, check the size, then ``posix_rename`` onto ``name``."""
        check_remote_name(name)
        src_path = Path(local_path)
        size = src_path.stat().st_size
        final = posixpath.join(self.outbound_dir, name)

        def op(sftp: paramiko.SFTPClient, attempt: int) -> RemoteFile:
            self._remove_stale_temps(sftp)
            tmp = posixpath.join(self.outbound_dir, temp_name(name))
            self._stale_temps.add(tmp)
            started = time.monotonic()
            with open(src_path, "rb") as src, sftp.open(tmp, "wb") as out:
                out.set_pipelined(True)
                sent = 0
                while chunk := src.read(WRITE_CHUNK):
                    out.write(chunk)
                    sent += len(chunk)
                    if progress is not None:
                        progress(sent, size)
            st = sftp.stat(tmp)
            if sent != size or st.st_size != size:
                raise TransientError(f"sftp put {name!r}: {st.st_size} bytes landed, {size} expected")
            _rename(sftp, tmp, final)
            self._stale_temps.discard(tmp)
            _log_rate("put", name, size, started)
            return RemoteFile.from_stat(name, st.st_size, st.st_mtime)
        try:
            return self._run("put", op)
        finally:
            if self._stale_temps and self._session is not None:
                self._remove_stale_temps(self._session.sftp)

    def archive(self, name: str) -> str | None:
        """Move inbound ``name`` into ``archive_dir`` (never overwriting); None when no archive is configured."""
        src = posixpath.join(self.inbound_dir, check_remote_name(name))
        archive_dir = self.archive_dir
        if archive_dir is None:
            log.info("sftp archive %s: no archive folder configured for %s, file left in place", name, self.label)
            return None
        chosen: list[str] = []

        def op(sftp: paramiko.SFTPClient, attempt: int) -> str:
            if chosen and not _exists(sftp, src) and _exists(sftp, posixpath.join(archive_dir, chosen[-1])):
                return chosen[-1]  # an earlier attempt moved it; only the reply was lost
            target = archive_name(name, lambda n: _exists(sftp, posixpath.join(archive_dir, n)))
            chosen.append(target)
            _rename(sftp, src, posixpath.join(archive_dir, target))
            return target
        target = self._run("archive", op)
        log.info("sftp archive %s -> %s", name, target)
        return target

    def close(self) -> None:
        """Close the SFTP session and the TCP connection; safe to call twice."""
        if self._session is not None:
            self._session.close()
            self._session = None

    # -- introspection (tests, bench, logs) --------------------------------------------------------------------

    @property
    def socket(self) -> socket.socket | None:
        """The live TCP socket, or None when not connected (tests read TCP_NODELAY from it)."""
        return self._session.sock if self._session else None

    @property
    def session_info(self) -> dict[str, str]:
        """Negotiated cipher and host-key fingerprint of the live session (empty when not connected)."""
        s = self._session
        if s is None:
            return {}
        return {"cipher": s.ssh.remote_cipher, "host_key": s.host_key}

    # -- machinery ---------------------------------------------------------------------------------------------

    def _run(self, what: str, op: Callable[[paramiko.SFTPClient, int], T]) -> T:
        """``op`` within the retry policy (``connectors.transports.retry``), reconnecting after each failure."""
        policy = self.settings.retry
        deadline = time.monotonic() + policy.budget

        def attempt(number: int) -> T:
            try:
                return op(self._client(deadline), number)
            except BaseException as exc:
                if _is_transient(exc):
                    self.close()
                raise

        def give_up(exc: BaseException, tally: RetryTally) -> BaseException:
            if isinstance(exc, TransientError):
                return exc
            return TransientError(f"sftp {what} on {self.label!r} ({self.host}:{self.port}) failed after "
                                  f"{tally.failures} attempt(s) in {tally.elapsed:.1f} s: {type(exc).__name__}: "
                                  f"{_short(exc)}")

        def on_retry(exc: BaseException, tally: RetryTally) -> None:
            log.warning("sftp %s on %s: attempt %d failed (%s), retrying in %.2fs", what, self.label,
                        tally.failures, type(exc).__name__, tally.next_wait)

        return call_with_retries(attempt, policy, transient=_is_transient, give_up=give_up, on_retry=on_retry)

    def _client(self, deadline: float) -> paramiko.SFTPClient:
        if self._session is not None and self._session.ssh.is_active():
            return self._session.sftp
        self.close()
        self._session = self._open(deadline)
        return self._session.sftp

    def _open(self, deadline: float) -> _Session:
        s = self.settings

        def budget(limit: float) -> float:
            return max(0.5, min(limit, deadline - time.monotonic()))
        sock = socket.create_connection((self.host, self.port), timeout=budget(s.connect_timeout))
        ssh: paramiko.Transport | None = None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            ssh = paramiko.Transport(sock)  # paramiko's default window and packet sizes, on purpose
            ssh.banner_timeout = ssh.handshake_timeout = budget(s.connect_timeout)
            ssh.auth_timeout = s.auth_timeout
            ssh.channel_timeout = s.io_timeout
            opts = ssh.get_security_options()
            opts.ciphers = _prefer(opts.ciphers, PREFERRED_CIPHERS)
            opts.key_types = _prefer(opts.key_types, self.pins.key_types)
            ssh.start_client(timeout=budget(s.connect_timeout))
            server_key = ssh.get_remote_server_key()
            blob = server_key.asbytes()
            if not self.pins.accepts(blob):
                raise HostKeyMismatch(
                    f"connection {self.label!r}: host key of {self.host}:{self.port} is NOT pinned "
                    f"(server offered {server_key.get_name()} {fingerprint_sha256(blob)}); refusing. If the "
                    "vendor rotated it, verify the new key out of band and add it to extra host_key")
            self._authenticate(ssh)
            sftp = paramiko.SFTPClient.from_transport(ssh)
            if sftp is None:
                raise paramiko.SSHException("could not open the sftp subsystem")
            sftp.get_channel().settimeout(s.io_timeout)
            log.info("sftp %s: connected to %s:%d, cipher %s", self.label, self.host, self.port, ssh.remote_cipher)
            return _Session(sock, ssh, sftp, fingerprint_sha256(blob))
        except BaseException:
            if ssh is not None:
                ssh.close()
            sock.close()
            raise

    def _authenticate(self, ssh: paramiko.Transport) -> None:
        try:
            if self._pkey is not None:
                try:
                    ssh.auth_publickey(self.username, self._pkey)
                except paramiko.AuthenticationException:
                    if not self._password:
                        raise
            if not ssh.is_authenticated() and self._password:
                ssh.auth_password(self.username, self._password)
        except paramiko.AuthenticationException:
            raise ConfigError(f"connection {self.label!r}: authentication to {self.host}:{self.port} refused "
                              "(check login, key or password)", key_path="login") from None
        if not ssh.is_authenticated():
            raise ConfigError(f"connection {self.label!r}: not authenticated", key_path="login")

    def _remove_stale_temps(self, sftp: paramiko.SFTPClient) -> None:
        for tmp in list(self._stale_temps):
            with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
                try:
                    sftp.remove(tmp)
                except FileNotFoundError:
                    pass
                self._stale_temps.discard(tmp)


def load_private_key(*, text: str | None = None, path: str | None = None, passphrase: str | None = None,
                     conn_id: str = "?") -> paramiko.PKey | None:
    """Load an Ed25519/ECDSA/RSA private key from PEM/OpenSSH ``text`` or a ``path``; None if neither given.

    Example: ``load_private_key(path="/run/secrets/harbor_ed25519")``
    """
    if not text and not path:
        return None
    if text and "\\n" in text and "\n" not in text:
        text = text.replace("\\n", "\n")  # a key pasted into a one-line field
    try:
        if path:
            return paramiko.PKey.from_path(Path(path).expanduser(), passphrase)
        for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
            with contextlib.suppress(paramiko.SSHException, ValueError):
                return cls.from_private_key(io.StringIO(text or ""), password=passphrase)
    except (OSError, paramiko.SSHException, ValueError, TypeError):
        pass
    raise ConfigError(f"connection {conn_id!r}: private key could not be loaded (missing file, unsupported "
                      "format or wrong passphrase)", key_path="extra.private_key")


def _rename(sftp: paramiko.SFTPClient, src: str, dst: str) -> None:
    try:
        sftp.posix_rename(src, dst)
    except OSError as exc:
        if exc.errno is None and "unsupported" in str(exc).lower():
            sftp.rename(src, dst)  # a server without posix-rename: plain rename (fails if dst exists)
        else:
            raise


def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _is_transient(exc: BaseException) -> bool:
    """Worth another attempt: the network or the peer hiccupped, not our config or the input."""
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, ConfigError | RejectedInput | paramiko.AuthenticationException
                  | paramiko.ssh_exception.IncompatiblePeer | paramiko.BadHostKeyException):
        return False
    if isinstance(exc, OSError) and exc.errno in {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR,
                                                  errno.ENOTDIR, errno.EEXIST, errno.ENAMETOOLONG}:
        return False
    return isinstance(exc, OSError | EOFError | paramiko.SSHException)


def _is_safe(name: str) -> bool:
    try:
        check_remote_name(name)
    except RejectedInput:
        log.warning("sftp list: skipped a remote entry with an unsafe name")
        return False
    return True


def _prefer(available: tuple[str, ...], wanted: tuple[str, ...]) -> tuple[str, ...]:
    first = tuple(w for w in wanted if w in available)
    return first + tuple(a for a in available if a not in first)


def _entries(value: str | None) -> list[str]:
    return [e.strip() for e in re.split(r"[\n,]", value or "") if e.strip() and not e.strip().startswith("#")]


def _parse_key_entry(entry: str, conn_id: str) -> tuple[str, bytes]:
    for token in entry.split():
        try:
            blob = base64.b64decode(token, validate=True)
        except ValueError:
            continue
        if len(blob) > 8:
            (n,) = struct.unpack(">I", blob[:4])
            if 4 + n < len(blob) and _KEY_TYPE.fullmatch(blob[4:4 + n]):
                return blob[4:4 + n].decode(), blob
    raise ConfigError(f"connection {conn_id!r}: a host_key entry is not an OpenSSH public key (in a URI, "
                      "write '+' as %2B)",
                      key_path="extra.host_key")


def _short(exc: BaseException) -> str:
    return str(exc).replace("\n", " ")[:160] or "-"


def _log_rate(what: str, name: str, size: int, started: float) -> None:
    secs = max(time.monotonic() - started, 1e-6)
    log.info("sftp %s %s: %d bytes in %.2f s (%.1f MB/s)", what, name, size, secs, size / secs / 1e6)


def _download_sink(fd: int, path: str, seal_key: bytes | None) -> Any:
    """The temp file ``fd`` (at ``path``) a download is written into: plain, or sealed under ``seal_key``."""
    if seal_key is None:
        return os.fdopen(fd, "wb")
    from connectors.staging import StagedWriter

    os.close(fd)
    return StagedWriter(Path(path), seal_key)
