"""The Transport protocol every file exchange speaks (SFTP, a local folder), and the rules they share.

Why: the pipeline fetches and sends files without caring how they travel. A transport sees three folders of
one vendor: ``inbound_dir`` (files the vendor dropped for us; ``list``/``get``/``archive`` read it),
``outbound_dir`` (files we send; ``put`` writes there) and an optional ``archive_dir`` (where processed inbound
files are moved). The semantics every implementation must keep:

- ``put`` writes under a hidden temporary name (``.<name>.part-<random>``) and renames it into place, so the
  peer never sees half a file under the final name; ``get`` writes a local temp file, checks its size
  against the remote size and ``os.replace``-s it into place.
- ``list`` matches names with :mod:`fnmatch`, returns regular files only, sorted by name, and hides dot-files
  (our own temp names among them) unless the pattern itself starts with a dot.
- A remote name is ONE path component: ``..``, ``/``, ``\\``, NUL and control characters are refused with
  :class:`UnsafeRemoteName` before any I/O.

Example::

    with LocalTransport(inbound_dir=Path("in"), outbound_dir=Path("out")) as t:
        for f in t.list("HARBOR_LEAVE_*.csv.pgp"):
            t.get(f.name, Path("staging") / f.name)
"""

from __future__ import annotations

import fnmatch
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from schemas.errors import RejectedInput

__all__ = [
    "Progress",
    "RemoteFile",
    "Transport",
    "TransportBase",
    "UnsafeRemoteName",
    "archive_name",
    "check_remote_name",
    "match_names",
    "temp_name",
]

#: ``progress(bytes_done, bytes_total)``, called after each chunk of a transfer.
Progress = Callable[[int, int], None]

TEMP_MARKER = ".part-"


class UnsafeRemoteName(RejectedInput):
    """A remote file name that is not one plain path component (traversal, absolute, NUL, backslash)."""


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One file in a transport folder: its name (no directory), size in bytes and modification time (UTC).

    Example: ``RemoteFile("HARBOR_LEAVE_20260101.csv.pgp", 1024, datetime(2026, 1, 1, tzinfo=UTC))``
    """

    name: str
    size: int
    mtime: datetime

    @classmethod
    def from_stat(cls, name: str, size: int | None, mtime: float | None) -> RemoteFile:
        """Build from raw stat fields; a server that sends no mtime gets the epoch, not a guess."""
        return cls(name, int(size or 0), datetime.fromtimestamp(float(mtime or 0), tz=UTC))


@runtime_checkable
class Transport(Protocol):
    """What the pipeline needs from any file exchange with a vendor; see the module docstring for semantics."""

    def list(self, pattern: str = "*") -> list[RemoteFile]:
        """Regular files of the inbound folder whose names match ``pattern`` (fnmatch), sorted by name."""
        ...

    def get(self, name: str, dest_path: Path, *, progress: Progress | None = None,
            seal_key: bytes | None = None) -> Path:
        """Download inbound ``name`` to ``dest_path`` atomically; returns ``dest_path``. With ``seal_key`` the
        bytes land sealed (``connectors.staging`` format), so a plaintext vendor file never touches disk."""
        ...

    def put(self, local_path: Path, name: str, *, progress: Progress | None = None) -> RemoteFile:
        """Upload ``local_path`` as outbound ``name`` via a temp name and a rename; returns what landed."""
        ...

    def archive(self, name: str) -> str | None:
        """Move inbound ``name`` to the archive folder; returns its archived name, None if none configured."""
        ...

    def close(self) -> None:
        """Release connections; safe to call twice."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class TransportBase:
    """Context-manager plumbing shared by the implementations: ``with`` closes the transport."""

    def close(self) -> None:  # pragma: no cover - overridden
        """Release resources."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def check_remote_name(name: str) -> str:
    """Return ``name`` if it is one safe path component, else raise :class:`UnsafeRemoteName`.

    Why: names come from vendor listings and mapping config; a name such as ``../../etc/cron.d/x`` must never
    reach a path join, on either side. Example: ``check_remote_name("HARBOR_PAY_20260102.csv.pgp")``.
    """
    if not isinstance(name, str) or not name:
        raise UnsafeRemoteName("remote name is empty or not text")
    if name in {".", ".."}:
        raise UnsafeRemoteName("remote name is a directory reference", file=name)
    if "\x00" in name:
        raise UnsafeRemoteName("remote name contains NUL")
    if "/" in name or "\\" in name:
        raise UnsafeRemoteName("remote name contains a path separator (traversal or absolute path refused)",
                               file=_shown(name))
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UnsafeRemoteName("remote name contains a control character")
    if len(name.encode("utf-8")) > 255:
        raise UnsafeRemoteName("remote name longer than 255 bytes")
    return name


def temp_name(name: str) -> str:
    """The hidden name a file travels under until it is complete: ``.<name>.part-<12 hex>``.

    Example: ``temp_name("a.pgp")`` -> ``".a.pgp.part-1f2e3d4c5b6a"``
    """
    return f".{name}{TEMP_MARKER}{secrets.token_hex(6)}"


def archive_name(name: str, taken: Callable[[str], bool]) -> str:
    """``name`` itself, or ``name.<UTC stamp>-<hex>`` when an archived file of that name already exists.

    Why: vendors re-deliver corrected files under the same name; the archive keeps every delivery.
    """
    if not taken(name):
        return name
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{name}.{stamp}-{secrets.token_hex(3)}"


def match_names(names: Iterable[str], pattern: str) -> list[str]:
    """The names matching ``pattern`` (fnmatch, case-sensitive), dot-files only for a dot pattern, sorted.

    Example: ``match_names(["a.pgp", ".a.pgp.part-x", "b.txt"], "*.pgp")`` -> ``["a.pgp"]``
    """
    show_hidden = pattern.startswith(".")
    return sorted(n for n in names
                  if (show_hidden or not n.startswith(".")) and fnmatch.fnmatchcase(n, pattern))


def _shown(name: str) -> str:
    """A bounded, printable rendering of a refused name for an error message."""
    return repr(name[:80])

