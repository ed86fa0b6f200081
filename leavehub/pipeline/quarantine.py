"""Quarantine: a rejected file is kept as received beside a machine-readable error report.

A file that verified but whose content was rejected is kept in its encrypted form, as received; anything else
(a plaintext arrival, a file that failed verification - it may be plaintext sent by mistake - or an API pull) is
sealed at rest (segmented AES-GCM, ``connectors.staging``, under a key derived from the deployment's PII key),
so no PII sits in plaintext in the quarantine folder and ``open_quarantined`` gives back the exact bytes
received. The report names row, field, reason and the value CLASS, never a value.

A vendor's file name can be as long as the file system allows; the entry's folder adds a time stamp, the kept
file and the report add suffixes. Names longer than ``MAX_NAME_BYTES`` are therefore shortened on disk (a
readable prefix plus a hash of the whole name); the report always carries the name as received.

Example::

    entry = quarantine(settings.quarantine_dir, source, feed_id="harbor_leave.absences", rejection=rejection,
                       arrived_encrypted=False, sha256_received=digest)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from leavehub.pipeline.at_rest import SEALED_SUFFIX, at_rest_key, open_sealed, private_dir, seal
from leavehub.pipeline.outcome import Rejection
from schemas.errors import RowError

__all__ = ["SEALED_SUFFIX", "QuarantineEntry", "list_quarantine", "open_quarantined", "quarantine"]

REPORT_SUFFIX = ".errors.json"
MAX_LISTED_IN_REPORT = 1_000_000  # every bad row is listed; this bound only stops a runaway report
MAX_NAME_BYTES = 120  # a name on disk here, before the stamp and suffixes (file systems allow 255 bytes)


@dataclass(frozen=True)
class QuarantineEntry:
    folder: Path
    kept_file: Path
    report: Path


def disk_name(name: str) -> str:
    """``name`` when it is short enough to carry a stamp and suffixes, else a prefix plus a hash of all of it."""
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:16]
    prefix = raw[:MAX_NAME_BYTES - 17].decode("utf-8", "ignore")
    return f"{prefix}~{digest}"


def quarantine(root: Path, source: Path, *, feed_id: str, rejection: Rejection, arrived_encrypted: bool,
               sha256_received: str, ledger_id: int | None = None, name: str | None = None,
               content: Callable[[], BinaryIO] | None = None) -> QuarantineEntry:
    """Copy ``source`` into ``root/<feed>/<stamp>-<name>/`` and write the error report beside it.

    ``name`` is the file's name as received (``source`` may be a local alias). ``content`` opens the plaintext
    of an arrival that has no lasting file of its own (an API pull staged under a per-run key): it is sealed
    under the quarantine key so it can be released later.
    """
    name = name or source.name
    short = disk_name(name)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    private_dir(root / feed_id, under=root)
    folder = root / feed_id / f"{stamp}-{short}"
    folder.mkdir(mode=0o700, exist_ok=False)
    if arrived_encrypted and content is None:
        kept = folder / short
        shutil.copyfile(source, kept)
        os.chmod(kept, 0o600)
    else:
        kept = folder / f"{short}{SEALED_SUFFIX}"
        seal(content or (lambda: source.open("rb")), kept, quarantine_key())
    # one report shape: a file-level problem (a trailer count, a signature) is listed like a row error
    errors: list[RowError] = list(rejection.errors)[:MAX_LISTED_IN_REPORT]
    report = folder / f"{short}{REPORT_SUFFIX}"
    body = {
        "feed": feed_id,
        "file": name,
        "quarantined_at": datetime.now(UTC).isoformat(),
        "sha256_received": sha256_received,
        "kept_as": kept.name,
        "kept_encrypted": True,
        "ledger_id": ledger_id,
        "error_class": rejection.error_class,
        "reason": rejection.reason,
        "line": rejection.line,
        "field": rejection.field,
        "error_count": len(rejection.errors),
        "errors": [e.as_dict() for e in errors],
    }
    with os.fdopen(os.open(report, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as fh:
        fh.write(json.dumps(body, indent=1, sort_keys=True) + "\n")
    return QuarantineEntry(folder, kept, report)


def quarantine_key() -> bytes:
    """The key that seals plaintext arrivals in quarantine: derived from the deployment's PII key."""
    return at_rest_key("quarantine")


def open_quarantined(entry: QuarantineEntry) -> BinaryIO:
    """Read a quarantined file back as the vendor sent it (unsealing a plaintext arrival)."""
    if entry.kept_file.name.endswith(SEALED_SUFFIX):
        return open_sealed(entry.kept_file, quarantine_key())
    return entry.kept_file.open("rb")


def list_quarantine(root: Path) -> list[QuarantineEntry]:
    """Every quarantined file under ``root``, oldest first."""
    entries = []
    for report in sorted(root.glob(f"*/*/*{REPORT_SUFFIX}")):
        body = json.loads(report.read_text(encoding="utf-8"))
        entries.append(QuarantineEntry(report.parent, report.parent / body["kept_as"], report))
    return entries
