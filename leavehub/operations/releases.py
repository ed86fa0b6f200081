"""Work the quarantine: list what is held, read a report, release a file back into processing.

A quarantined file waits beside its error report (``leavehub.pipeline.quarantine``) until a person decides.
Releasing it with ``reprocess`` re-runs it through ``receive_file`` - the usual fix is a corrected mapping or
code table, after which the same bytes apply. A file that applies (or whose content the store already holds)
is archived: its folder moves to ``<home>/quarantine-released/<feed>/`` with a ``release.json`` saying what
happened, so ``list`` shows only what still needs a decision. A file that is rejected again gets a NEW
quarantine entry (with the current errors) and the old entry is archived as superseded by it. Releasing
without ``reprocess`` archives the entry as dismissed (e.g. the vendor sent a corrected file instead).

A file that arrived encrypted is re-run from its kept, still-encrypted form (so its signature is verified
again). A plaintext arrival is unsealed (``open_quarantined``) into a private temporary folder (0700) for the
re-run and removed straight after - the same exposure as its original arrival in the vendor's inbox.

An entry's ID is its ledger id when it has one, else its folder name; ``find_entry`` takes either, or a
unique prefix of the folder name.

Example::

    result = release(find_entry(settings.quarantine_dir, "42"), reprocess=True, settings=settings, store=store)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from leavehub.pipeline.at_rest import private_dir
from leavehub.pipeline.quarantine import (
    SEALED_SUFFIX,
    QuarantineEntry,
    disk_name,
    list_quarantine,
    open_quarantined,
)
from leavehub.settings import Settings
from schemas.errors import ConfigError

__all__ = ["HeldFile", "Released", "find_entry", "held_files", "release", "released_dir"]

RELEASE_MARKER = "release.json"


@dataclass(frozen=True)
class HeldFile:
    """A quarantine entry as an operator sees it: no values, only what and why."""

    id: str
    feed: str
    file: str
    quarantined_at: datetime | None
    reason: str
    error_count: int
    ledger_id: int | None
    entry: QuarantineEntry

    def report(self) -> dict[str, Any]:
        return json.loads(self.entry.report.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Released:
    """What a release did: ``applied`` / ``duplicate`` / ``dismissed`` archive the entry; ``rejected`` leaves a
    new entry (``new_entry``) in its place."""

    held: HeldFile
    outcome: Literal["applied", "duplicate", "dismissed", "rejected"]
    archived_to: Path
    ledger_id: int | None = None
    records: dict[str, int] | None = None
    errors: int = 0
    new_entry: Path | None = None


def released_dir(settings: Settings) -> Path:
    """Where released entries are kept (outside the quarantine root, so ``list_quarantine`` skips them)."""
    return settings.home / "quarantine-released"


def held_files(root: Path) -> list[HeldFile]:
    """Every entry waiting in quarantine, oldest first."""
    held = []
    for entry in list_quarantine(root):
        body = json.loads(entry.report.read_text(encoding="utf-8"))
        ledger_id = body.get("ledger_id")
        stamp = body.get("quarantined_at")
        held.append(HeldFile(
            id=str(ledger_id) if ledger_id is not None else entry.folder.name,
            feed=str(body.get("feed", entry.folder.parent.name)), file=str(body.get("file", "")),
            quarantined_at=datetime.fromisoformat(stamp) if stamp else None,
            reason=str(body.get("reason") or body.get("error_class") or ""),
            error_count=int(body.get("error_count") or 0), ledger_id=ledger_id, entry=entry))
    return held


def find_entry(root: Path, key: str) -> HeldFile:
    """The entry whose ID is ``key`` (ledger id or folder name) or whose folder name starts with it."""
    held = held_files(root)
    exact = [h for h in held if key in (h.id, h.entry.folder.name)]
    if len(exact) == 1:
        return exact[0]
    prefixed = [h for h in held if h.entry.folder.name.startswith(key)]
    if len(exact) > 1 or len(prefixed) > 1:
        raise LookupError(f"quarantine id {key!r} is ambiguous ({len(exact) or len(prefixed)} entries)")
    if not prefixed:
        raise LookupError(f"no quarantined file with id {key!r} (see `leavehub quarantine list`)")
    return prefixed[0]


def release(held: HeldFile, *, reprocess: bool, settings: Settings, store: Any = None,
            connections: Any = None) -> Released:
    """Re-run (``reprocess``) or dismiss a quarantined file; see the module docstring for what is archived."""
    if not reprocess:
        return Released(held, "dismissed", _archive(held, settings, {"outcome": "dismissed"}))
    from leavehub.pipeline.feeds import load_feed
    from leavehub.pipeline.inbound import receive_file
    from leavehub.pipeline.runner import open_store

    feed = load_feed(held.feed, settings)
    if feed.vendor.transport.type == "http" and not held.entry.kept_file.name.endswith(SEALED_SUFFIX):
        raise ConfigError(f"{held.feed}: this API pull was kept under its run's staging key and cannot be "
                          "re-read; pull the date again with `leavehub backfill` and dismiss this entry",
                          file=str(held.entry.report))
    store = store or open_store(settings)
    default_date = _ledger_business_date(store, held)
    work = private_dir(settings.home / "work", under=settings.home)
    private = Path(tempfile.mkdtemp(prefix="lh-release-", dir=work))  # mkdtemp: mode 0700
    try:
        source = _restore(held, private)
        receipt = receive_file(feed, source, store=store, business_date=default_date, connections=connections,
                               name=held.file)
        if receipt.status == "REJECTED":
            new_report = receipt.quarantine_report
            archived = _archive(held, settings, {
                "outcome": "rejected", "superseded_by": new_report.parent.name if new_report else None,
                "ledger_id": receipt.ledger_id})
            return Released(held, "rejected", archived, receipt.ledger_id, errors=receipt.errors,
                            new_entry=new_report.parent if new_report else None)
    finally:
        shutil.rmtree(private, ignore_errors=True)
    outcome: Literal["applied", "duplicate"] = "applied" if receipt.status == "APPLIED" else "duplicate"
    archived = _archive(held, settings, {"outcome": outcome, "ledger_id": receipt.ledger_id,
                                         "records": receipt.records})
    return Released(held, outcome, archived, receipt.ledger_id, dict(receipt.records))


def _restore(held: HeldFile, folder: Path) -> Path:
    """The file as the vendor sent it, under its original name, in ``folder``."""
    name = held.file
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ConfigError("quarantine report names no usable file", file=str(held.entry.report))
    target = folder / disk_name(name)  # receive_file is told the name as sent
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as sink, open_quarantined(held.entry) as kept:
        while block := kept.read(1 << 20):
            sink.write(block)
    return target


def _ledger_business_date(store: Any, held: HeldFile) -> date | None:
    """The business date the ledger gave the file when it first arrived (a file name may not carry one)."""
    if held.ledger_id is None:
        return None
    rows = store.ledger(file_id=int(held.ledger_id), limit=1)
    return rows[0].business_date if rows else None


def _archive(held: HeldFile, settings: Settings, what: dict[str, Any]) -> Path:
    """Move the entry out of the quarantine root with a ``release.json`` beside it."""
    folder = held.entry.folder
    marker = {"released_at": datetime.now(UTC).isoformat(), "quarantine_id": held.id, "feed": held.feed,
              "file": held.file, **what}
    fd = os.open(folder / RELEASE_MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(marker, indent=1, sort_keys=True, default=str) + "\n")
    target = released_dir(settings) / folder.parent.name / folder.name
    private_dir(target.parent, under=settings.home)
    shutil.move(str(folder), str(target))
    _prune_empty(folder.parent)
    return target


def _prune_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only when empty: the feed folder of the last released entry
    except OSError:
        pass
