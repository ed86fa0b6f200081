"""Encrypted-at-rest staging: plaintext that must touch disk (a decrypted vendor file, an outbound file
before OpenPGP) is written in an authenticated segmented format instead, so no plaintext PII ever lands in
a staging folder, a crash dump of it, or a backup.

Format (version 1), all integers big-endian::

    header  = b"LHSTG" | version u8 (=1) | segment_size u32 | key_id 8 bytes | file_nonce 16 bytes
    segment = AES-256-GCM(file_key, nonce = file_nonce[:8] | counter u32,
                          plaintext <= segment_size bytes, ad = header | last_flag u8) -> ciphertext | tag(16)

* ``file_key = HKDF-SHA256(staging_key, salt=file_nonce, info=b"leavehub staging v1")``: a fresh key per
  file, so GCM nonces never repeat across files even with one long-lived staging key.
* Every segment but the last holds exactly ``segment_size`` (1 MiB) plaintext bytes; the last holds 0..1 MiB
  and is the only one sealed with ``last_flag = 1``. The counter in the nonce pins the order, the flag pins
  the end, the header in the associated data pins the header. So a reader detects tampering, reordering,
  truncation at a segment boundary (the missing last segment) and appended data, all as
  :class:`~schemas.errors.FormatError` (a ``RejectedInput``).
* ``key_id`` (an HMAC of the key, not the key) tells "staged with another key" (a :class:`ConfigError`:
  fix the deployment) apart from tampering.
* The reader authenticates a whole segment before it releases any byte of it; memory stays at ~2 segments.

The key: ``LEAVEHUB_STAGING_KEY`` (base64 of 32 random bytes, from the secret store) when staged files
must outlive the process, e.g. between two Airflow tasks; otherwise an ephemeral key made once per process
(files staged with it are unreadable once the process exits, which is the point).

Example::

    with StagingArea() as area:
        with area.writer("leave.csv") as w:
            w.write(b"CASE_NUMBER,...\\r\\n")
        with area.reader("leave.csv") as r:
            header = r.readline()
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import io
import logging
import os
import secrets
import shutil
import struct
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from schemas.errors import ConfigError, FormatError

__all__ = [
    "SEALED_SUFFIX",
    "SEGMENT_SIZE",
    "STAGING_KEY_ENV",
    "PendingFile",
    "StagedReader",
    "StagedWriter",
    "StagingArea",
    "is_staged_file",
    "open_staged",
    "staging_key_from_env",
]

log = logging.getLogger(__name__)

STAGING_KEY_ENV = "LEAVEHUB_STAGING_KEY"
SEALED_SUFFIX = ".lhstg"  # the name suffix of a file kept sealed in this format
SEGMENT_SIZE = 1 << 20
MAGIC = b"LHSTG"
VERSION = 1
TAG_SIZE = 16
_HEADER = struct.Struct(">5sBI8s16s")
HEADER_SIZE = _HEADER.size
_MIN_SEGMENT, _MAX_SEGMENT = 1 << 10, 1 << 24

_ephemeral_key: bytes | None = None
_ephemeral_lock = threading.Lock()


def staging_key_from_env(environ: dict[str, str] | None = None) -> bytes:
    """The staging key: ``LEAVEHUB_STAGING_KEY`` (base64, 32 bytes) or this process's ephemeral key.

    Raises :class:`ConfigError` (naming the variable, never its value) when the variable is set but is not
    base64 of exactly 32 bytes. Example: ``key = staging_key_from_env()``
    """
    global _ephemeral_key
    env = os.environ if environ is None else environ
    raw = env.get(STAGING_KEY_ENV, "").strip()
    if raw:
        try:
            key = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError("is not valid base64", key_path=STAGING_KEY_ENV) from None
        if len(key) != 32:
            raise ConfigError(f"must decode to 32 bytes, got {len(key)}", key_path=STAGING_KEY_ENV)
        return key
    with _ephemeral_lock:
        if _ephemeral_key is None:
            _ephemeral_key = secrets.token_bytes(32)
            log.info("%s not set: staging with an ephemeral per-process key", STAGING_KEY_ENV)
        return _ephemeral_key


def _key_id(key: bytes) -> bytes:
    return hmac.new(key, b"leavehub staging key id v1", hashlib.sha256).digest()[:8]


def _file_cipher(key: bytes, file_nonce: bytes) -> AESGCM:
    if len(key) != 32:
        raise ConfigError("staging key must be 32 bytes")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=file_nonce, info=b"leavehub staging v1")
    return AESGCM(hkdf.derive(key))


def is_staged_file(path: Path) -> bool:
    """True when ``path`` starts with the staging magic (a cheap sniff, not an integrity check)."""
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


class StagedWriter(io.RawIOBase):
    """A write-only, streaming file object that encrypts into the staging format as it goes.

    ``close()`` seals the last segment; leaving a ``with`` block by an exception calls :meth:`discard`
    instead, which removes the partial file. Example: ``with StagedWriter(p, key) as w: w.write(chunk)``
    """

    def __init__(self, path: Path, key: bytes, *, segment_size: int = SEGMENT_SIZE) -> None:
        super().__init__()
        if not _MIN_SEGMENT <= segment_size <= _MAX_SEGMENT:
            raise ValueError(f"segment_size must be within [{_MIN_SEGMENT}, {_MAX_SEGMENT}]")
        self.path = Path(path)
        self._seg = segment_size
        file_nonce = secrets.token_bytes(16)
        self._header = _HEADER.pack(MAGIC, VERSION, segment_size, _key_id(key), file_nonce)
        self._prefix = file_nonce[:8]
        self._aead = _file_cipher(key, file_nonce)
        self._counter = 0
        self._pending = bytearray()
        self.plaintext_size = 0
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._fh: BinaryIO = os.fdopen(fd, "wb", buffering=0)
        self._fh.write(self._header)

    def writable(self) -> bool:
        return True

    def _seal(self, chunk: bytes | bytearray | memoryview, last: bool) -> None:
        if self._counter >= 0xFFFFFFFF:
            raise OverflowError("staged file too large")
        nonce = self._prefix + self._counter.to_bytes(4, "big")
        self._fh.write(self._aead.encrypt(nonce, chunk, self._header + (b"\x01" if last else b"\x00")))
        self._counter += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed StagedWriter")
        view = memoryview(data).cast("B")
        n, seg = len(view), self._seg
        self.plaintext_size += n
        # Keep up to one full segment back: only close() knows which segment is the last one.
        if self._pending:
            need = seg - len(self._pending)
            if n <= need:
                self._pending += view
                return n
            self._pending += view[:need]
            view = view[need:]
            self._seal(self._pending, last=False)  # more data follows, so not the last
            self._pending = bytearray()
        while len(view) > seg:  # full segments straight from the caller's buffer, no copy
            self._seal(view[:seg], last=False)
            view = view[seg:]
        self._pending += view
        return n

    def close(self) -> None:
        """Seal the last segment and close the file (idempotent)."""
        if self.closed:
            return
        try:
            self._seal(self._pending, last=True)
            self._pending.clear()
        finally:
            self._fh.close()
            super().close()

    def discard(self) -> None:
        """Close without sealing and delete the file: nothing partial is left behind."""
        if not self.closed:
            self._pending.clear()
            self._fh.close()
            super().close()
        self.path.unlink(missing_ok=True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.discard()
        else:
            self.close()


class StagedReader(io.RawIOBase):
    """A read-only, streaming file object over a staged file; releases only authenticated plaintext.

    Raises :class:`FormatError` on tampering, reordering, truncation or appended data, and
    :class:`ConfigError` when the file was staged with another key. Example: ``StagedReader(p, key).read()``
    """

    def __init__(self, path: Path, key: bytes) -> None:
        super().__init__()
        self.path = Path(path)
        self._fh = open(self.path, "rb")
        try:
            header = self._fh.read(HEADER_SIZE)
            if len(header) < HEADER_SIZE:
                raise self._error("staged file shorter than its header")
            magic, version, seg, key_id, file_nonce = _HEADER.unpack(header)
            if magic != MAGIC:
                raise self._error("not a staged file (bad magic)")
            if version != VERSION:
                raise self._error(f"unsupported staging format version {version}")
            if not _MIN_SEGMENT <= seg <= _MAX_SEGMENT:
                raise self._error("staged file header has an invalid segment size")
            if not hmac.compare_digest(key_id, _key_id(key)):
                raise ConfigError("staged file was written with another staging key", file=self.path.name)
        except BaseException:
            self._fh.close()
            raise
        self._header, self._seg, self._prefix = header, seg, file_nonce[:8]
        self._aead = _file_cipher(key, file_nonce)
        self._counter = 0
        self._buf = b""
        self._pos = 0
        self._eof = False

    def _error(self, reason: str) -> FormatError:
        return FormatError(reason, file=self.path.name)

    def readable(self) -> bool:
        return True

    def _next_segment(self) -> None:
        record = self._fh.read(self._seg + TAG_SIZE)
        last = len(record) < self._seg + TAG_SIZE or not self._fh.peek(1)
        if len(record) < TAG_SIZE:
            raise self._error(f"staged file truncated in segment {self._counter}")
        nonce = self._prefix + self._counter.to_bytes(4, "big")
        try:
            plain = self._aead.decrypt(nonce, record, self._header + (b"\x01" if last else b"\x00"))
        except InvalidTag:
            if last and self._authentic_as(nonce, record, last=False):
                raise self._error("staged file truncated: the last segment is missing") from None
            raise self._error(f"staged segment {self._counter} failed authentication "
                              "(tampered, reordered or appended data)") from None
        self._counter += 1
        self._buf, self._pos, self._eof = plain, 0, last

    def _authentic_as(self, nonce: bytes, record: bytes, *, last: bool) -> bool:
        try:
            self._aead.decrypt(nonce, record, self._header + (b"\x01" if last else b"\x00"))
        except InvalidTag:
            return False
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("read from a closed StagedReader")
        while self._pos >= len(self._buf):
            if self._eof:
                return 0
            self._next_segment()
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
            self._buf = b""
        super().close()


def open_staged(path: Path, key: bytes, *, text: bool = False, encoding: str = "utf-8",
                newline: str | None = "") -> BinaryIO | io.TextIOWrapper:
    """Open a staged file for streaming reads: buffered binary, or text with ``text=True``.

    ``newline=""`` keeps CRLF as is, as the csv module wants. Example: ``open_staged(p, key, text=True)``
    """
    buffered = io.BufferedReader(StagedReader(path, key), buffer_size=SEGMENT_SIZE)
    if text:
        return io.TextIOWrapper(buffered, encoding=encoding, newline=newline)
    return buffered  # type: ignore[return-value]


class PendingFile:
    """Output that is not trusted yet: written under a hidden temporary name next to ``dest`` (plain, or
    staged when ``staging_key`` is given), hashed on the way, renamed to ``dest`` only by :meth:`commit`.

    Why: gpg emits plaintext before it reaches the signature; nothing may be visible under ``dest`` until
    the verdict, and a rejected file must leave nothing behind (:meth:`discard`).
    Example: ``p = PendingFile(dest, key); p.write_chunk(b"..."); p.commit()``
    """

    def __init__(self, dest: Path, staging_key: bytes | None) -> None:
        self.dest = Path(dest)
        self.tmp = self.dest.with_name(f".{self.dest.name}.{secrets.token_hex(4)}.part")
        self.sha256, self.size = hashlib.sha256(), 0
        self._fh: StagedWriter | BinaryIO
        if staging_key is not None:
            self._fh = StagedWriter(self.tmp, staging_key)
        else:
            self._fh = os.fdopen(os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")

    def write_chunk(self, chunk: bytes) -> bool:
        """Append ``chunk``; returns False so python-gnupg (``on_data``) does not also keep it in memory."""
        if chunk:
            self.sha256.update(chunk)
            self.size += len(chunk)
            self._fh.write(chunk)
        return False

    def commit(self) -> None:
        """Seal and close, then atomically rename to ``dest``."""
        self._fh.close()
        os.replace(self.tmp, self.dest)

    def discard(self) -> None:
        """Close and delete the temporary file (idempotent)."""
        with contextlib.suppress(OSError):
            self._fh.close()
        self.tmp.unlink(missing_ok=True)


class StagingArea:
    """A private temporary folder (0700) for staged files, removed with everything in it on exit.

    Example::

        with StagingArea() as area:
            verified = decrypt_verify(src, area.path("in.csv"), keys=keys, staging_key=area.key)
    """

    def __init__(self, key: bytes | None = None, *, base_dir: Path | None = None) -> None:
        self.key = key if key is not None else staging_key_from_env()
        if len(self.key) != 32:
            raise ConfigError("staging key must be 32 bytes")
        self._base_dir = base_dir
        self.root: Path | None = None

    def __enter__(self) -> StagingArea:
        self.root = Path(tempfile.mkdtemp(prefix="lhstage-", dir=self._base_dir))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def path(self, name: str) -> Path:
        """The path of a staged file named ``name`` (a plain file name, no folders)."""
        if self.root is None:
            raise RuntimeError("StagingArea used outside its with block")
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError("a staged file name must be a plain file name")
        return self.root / name

    def writer(self, name: str) -> StagedWriter:
        """A :class:`StagedWriter` for ``name`` in this area."""
        return StagedWriter(self.path(name), self.key)

    def reader(self, name: str, *, text: bool = False, encoding: str = "utf-8") -> BinaryIO | io.TextIOWrapper:
        """A streaming reader of ``name`` (see :func:`open_staged`)."""
        return open_staged(self.path(name), self.key, text=text, encoding=encoding)
