"""Quarantine: a rejected file is kept as received beside a machine-readable error report.

A file that verified but whose content was rejected is kept in its encrypted form, as received; anything else
(a plaintext arrival, a file that failed verification - it may be plaintext sent by mistake - or an API pull) is
sealed at rest (segmented AES-GCM, ``connectors.staging``, under a key derived from the deployment's PII key),
so no PII sits in plaintext in the quarantine folder and ``open_quarantined`` gives back the exact bytes
received. The report names row, field, reason and the value CLASS, never a value.

Example::

    entry = quarantine(settings.quarantine_dir, source, feed_id="harbor_leave.absences", error=exc,
                       arrived_encrypted=False, sha256_received=digest)
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from leavehub.pipeline.at_rest import SEALED_SUFFIX, at_rest_key, open_sealed, private_dir, seal
from schemas.errors import RejectedInput, RowError

__all__ = ["SEALED_SUFFIX", "QuarantineEntry", "list_quarantine", "open_quarantined", "quarantine"]

REPORT_SUFFIX = ".errors.json"
MAX_LISTED_IN_REPORT = 1_000_000  # every bad row is listed; this bound only stops a runaway report


@dataclass(frozen=True)
class QuarantineEntry:
    folder: Path
    kept_file: Path
    report: Path


def quarantine(root: Path, source: Path, *, feed_id: str, error: RejectedInput, arrived_encrypted: bool,
               sha256_received: str, ledger_id: int | None = None,
               content: Callable[[], BinaryIO] | None = None) -> QuarantineEntry:
    """Copy ``source`` into ``root/<feed>/<stamp>-<name>/`` and write the error report beside it.

    ``content`` opens the plaintext of an arrival that has no lasting file of its own (an API pull staged under
    a per-run key): it is sealed under the quarantine key so it can be released later.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    private_dir(root / feed_id, under=root)
    folder = root / feed_id / f"{stamp}-{source.name}"
    folder.mkdir(mode=0o700, exist_ok=False)
    if arrived_encrypted and content is None:
        kept = folder / source.name
        shutil.copyfile(source, kept)
        os.chmod(kept, 0o600)
    else:
        kept = folder / f"{source.name}{SEALED_SUFFIX}"
        seal(content or (lambda: source.open("rb")), kept, quarantine_key())
    # one report shape: a file-level problem (a trailer count, a signature) is listed like a row error
    every = list(error.errors) or [RowError(row=None, field=error.field, reason=error.reason, line=error.line)]
    errors: list[RowError] = every[:MAX_LISTED_IN_REPORT]
    report = folder / f"{source.name}{REPORT_SUFFIX}"
    body = {
        "feed": feed_id,
        "file": source.name,
        "quarantined_at": datetime.now(UTC).isoformat(),
        "sha256_received": sha256_received,
        "kept_as": kept.name,
        "kept_encrypted": True,
        "ledger_id": ledger_id,
        "error_class": type(error).__name__,
        "reason": error.reason,
        "line": error.line,
        "field": error.field,
        "error_count": len(every),
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
