"""A local-folder transport: the same protocol and semantics as SFTP, for mounted shares, tests and dry runs.

Why: some vendors drop files on a share the hub mounts, and a run on a laptop should not need an SSH server.
Keeping the same temp-name-then-rename rule matters here too: a peer polling the folder must never pick up a
half-written file, and ``os.replace`` is atomic within one file system.

The archive is kept by the hub, so with an ``archive_key`` a processed file is archived SEALED
(``connectors.staging``: segmented AES-GCM, ``<name>.lhstg``, 0600 in a 0700 folder) and the plaintext original is
removed; nothing a vendor sent stays readable at rest. (An SFTP archive is a rename on the vendor's server.)

Example::

    with LocalTransport(inbound_dir=Path("/mnt/harbor/outbound"), outbound_dir=Path("/mnt/harbor/inbound"),
                        archive_dir=Path("/mnt/harbor/archive")) as t:
        t.put(Path("HARBOR_ELIG_ACME_20260101.txt.pgp"), "HARBOR_ELIG_ACME_20260101.txt.pgp")
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from connectors.staging import SEALED_SUFFIX, StagedWriter
from connectors.transports.base import (
    Progress,
    RemoteFile,
    TransportBase,
    archive_name,
    check_remote_name,
    match_names,
    temp_name,
)
from schemas.errors import TransientError

__all__ = ["LocalTransport"]

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


class LocalTransport(TransportBase):
    """Exchange files with local folders; see :mod:`connectors.transports.base` for the shared semantics.

    Example: ``LocalTransport(inbound_dir=Path("in"), outbound_dir=Path("out")).list("*.pgp")``
    """

    def __init__(self, *, inbound_dir: Path, outbound_dir: Path, archive_dir: Path | None = None,
                 archive_key: bytes | None = None) -> None:
        self.inbound_dir = Path(inbound_dir)
        self.outbound_dir = Path(outbound_dir)
        self.archive_dir = Path(archive_dir) if archive_dir is not None else None
        self._archive_key = archive_key

    def __repr__(self) -> str:
        return f"LocalTransport(inbound_dir={str(self.inbound_dir)!r}, outbound_dir={str(self.outbound_dir)!r})"

    def list(self, pattern: str = "*") -> list[RemoteFile]:
        """Regular files (not symlinks, not folders) in the inbound folder matching ``pattern``, by name."""
        entries = {}
        with os.scandir(self.inbound_dir) as it:
            for entry in it:
                if entry.is_file(follow_symlinks=False):
                    entries[entry.name] = entry
        found = []
        for name in match_names(entries, pattern):
            st = entries[name].stat(follow_symlinks=False)
            found.append(RemoteFile.from_stat(name, st.st_size, st.st_mtime))
        return found

    def get(self, name: str, dest_path: Path, *, progress: Progress | None = None,
            seal_key: bytes | None = None) -> Path:
        """Copy inbound ``name`` to ``dest_path`` through a temp file; a size that changes mid-copy is transient.
        With ``seal_key`` the copy is written sealed (``connectors.staging``).

        Example: ``t.get("HARBOR_PAY_20260102.csv.pgp", staging / "pay.pgp")``
        """
        src = self.inbound_dir / check_remote_name(name)
        dest = Path(dest_path)
        st = src.stat()
        if not stat.S_ISREG(st.st_mode):
            raise FileNotFoundError(f"not a regular file in the inbound folder: {name!r}")
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.part-")
        try:
            with open(src, "rb") as fin, _sink(fd, tmp, seal_key) as fout:
                copied = _copy(fin, fout, st.st_size, progress)  # no fsync: a staging copy, as in sftp.get
            if copied != st.st_size:
                raise TransientError(f"inbound file {name!r} changed size while being read; retry later")
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        log.info("local get %s: %d bytes", name, copied)
        return dest

    def put(self, local_path: Path, name: str, *, progress: Progress | None = None) -> RemoteFile:
        """Copy ``local_path`` to outbound ``name`` under a hidden temp name, fsync, then rename into place."""
        check_remote_name(name)
        src = Path(local_path)
        size = src.stat().st_size
        tmp = self.outbound_dir / temp_name(name)
        final = self.outbound_dir / name
        try:
            with open(src, "rb") as fin, open(tmp, "xb") as fout:
                copied = _copy(fin, fout, size, progress)
                fout.flush()
                os.fsync(fout.fileno())
            if copied != size:
                raise TransientError(f"local file for {name!r} changed size while being sent; retry")
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        st = final.stat()
        log.info("local put %s: %d bytes", name, st.st_size)
        return RemoteFile.from_stat(name, st.st_size, st.st_mtime)

    def archive(self, name: str) -> str | None:
        """Move inbound ``name`` into the archive folder (never overwriting); None when none is configured.

        With an ``archive_key`` the file is sealed on the way (``<archived name>.lhstg``, 0600): written under a
        hidden temp name, fsynced, renamed into place, and only then is the original removed.
        """
        src = self.inbound_dir / check_remote_name(name)
        archive_dir = self.archive_dir
        if archive_dir is None:
            log.info("local archive %s: no archive folder configured, file left in place", name)
            return None
        if self._archive_key is None:
            target = archive_name(name, lambda n: (archive_dir / n).exists())
            os.replace(src, archive_dir / target)
        else:
            target = archive_name(name, lambda n: (archive_dir / f"{n}{SEALED_SUFFIX}").exists()) + SEALED_SUFFIX
            tmp = archive_dir / temp_name(target)
            with open(src, "rb") as fin, StagedWriter(tmp, self._archive_key) as sealed:
                _copy(fin, sealed, 0, None)
            _fsync(tmp)
            os.replace(tmp, archive_dir / target)
            src.unlink()
        log.info("local archive %s -> %s", name, target)
        return target

    def close(self) -> None:
        """Nothing to release; present for the protocol."""


def _sink(fd: int, path: str, seal_key: bytes | None) -> BinaryIO:
    """The temp file ``fd`` (at ``path``) to write a download into: plain, or sealed under ``seal_key``."""
    if seal_key is None:
        return os.fdopen(fd, "wb")
    os.close(fd)
    return StagedWriter(Path(path), seal_key)  # type: ignore[return-value]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(fin, fout, total: int, progress: Progress | None) -> int:  # type: ignore[no-untyped-def]
    done = 0
    while chunk := fin.read(CHUNK):
        fout.write(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    return done
