"""Everything the hub keeps under ``LEAVEHUB_HOME`` is sealed at rest: 0600 files in 0700 folders.

What the hub keeps, and how:

- raw vendor files, once processed: the local transport's archive folder, sealed under the "archive" key;
- a built outbound file, until the ledger says SENT: in the store (``outbound_artifact``), OpenPGP to the
  vendor, or sealed under the "outbox" key when the vendor takes plaintext (``outbox/`` only while building);
- rejected files: ``quarantine/<feed>/<entry>/``, as received when they came OpenPGP-encrypted, else sealed
  under the "quarantine" key, beside a report that never holds a value;
- scratch: ``work/``, removed after each run; downloads of a vendor that sends plaintext land sealed under a
  per-run key (``Transport.get(..., seal_key=...)``), decrypted OpenPGP content is staged sealed the same way;
- the store's SQLite file, when it lives here: PII columns sealed by the store, the file 0600.

Not kept, so not sealed: a local-folder vendor's own drop and pickup folders are the wire (the vendor reads
what we deliver there, so it is OpenPGP when the vendor's config says ``pgp``, else what the vendor asked for).

The cipher is one: ``connectors.staging`` (segmented AES-256-GCM, tamper and truncation evident). Each use has
its own key derived from the deployment's PII key (``LEAVEHUB_PII_KEY``, from the environment or the secret
store, never a repo file), so an authorised operator holding that key gets the exact bytes back: archived
files with ``leavehub archive open VENDOR NAME``, any other kept file with ``leavehub archive open --path``.

Example::

    folder = private_dir(settings.home / "outbox" / "harbor_leave", under=settings.home)
    seal(lambda: source.open("rb"), folder / ("census.txt" + SEALED_SUFFIX), at_rest_key("outbox"))
    with open_sealed(folder / ("census.txt" + SEALED_SUFFIX), at_rest_key("outbox")) as plain: ...
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from connectors.staging import SEALED_SUFFIX

if TYPE_CHECKING:
    from leavehub.pipeline.feeds import FeedPlan

__all__ = ["SEALED_SUFFIX", "KeptKind", "at_rest_key", "open_sealed", "private_dir", "seal", "sha256_file",
           "work_dir"]

KeptKind = Literal["archive", "outbox", "quarantine"]
FOLDER_MODE = 0o700


def at_rest_key(kind: KeptKind) -> bytes:
    """The key that seals one kind of kept file: derived from the deployment's PII key, one per kind."""
    from leavehub.store.pii import PiiCipher

    return PiiCipher.from_environment().derive_key(kind)


def private_dir(path: Path, *, under: Path | None = None) -> Path:
    """``path``, created if needed, set to 0700; so is every folder between it and ``under`` (an ancestor the
    hub owns, e.g. ``LEAVEHUB_HOME``), ``under`` included. Example: ``private_dir(home / "work", under=home)``"""
    path = Path(path)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    folders = [path]
    if under is not None and Path(under) in path.parents:
        folders += [p for p in path.parents if p == Path(under) or Path(under) in p.parents]
    for folder in folders:
        os.chmod(folder, FOLDER_MODE)
    return path


def seal(open_plain: Callable[[], BinaryIO], dest: Path, key: bytes) -> Path:
    """Stream the plaintext ``open_plain()`` gives into ``dest``, sealed (0600); nothing partial on failure."""
    from connectors.staging import StagedWriter

    with open_plain() as plain, StagedWriter(dest, key) as sealed:
        while block := plain.read(1 << 20):
            sealed.write(block)
    return dest


def open_sealed(path: Path, key: bytes) -> BinaryIO:
    """The exact bytes a sealed file was made from, streamed and authenticated segment by segment."""
    from connectors.staging import open_staged

    return open_staged(path, key)  # type: ignore[return-value]


def work_dir(feed: FeedPlan) -> Path:
    """Private scratch space under LEAVEHUB_HOME (encrypted staging, downloads); never the system temp folder."""
    return private_dir(feed.settings.home / "work", under=feed.settings.home)


def sha256_file(path: Path, bufsize: int = 1 << 20) -> str:
    """The SHA-256 of a file's bytes, read in blocks (the identity the ledger knows a file by)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(bufsize):
            digest.update(block)
    return digest.hexdigest()
