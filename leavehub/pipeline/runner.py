"""Run one feed end to end from the command line (Airflow tasks call the same steps).

Inbound: every file in the vendor's inbox that matches the feed's pattern, oldest business date first; each file
is all or nothing on its own, a rejected file does not stop the next one, and the run fails at the end if any
file was rejected. Posted and duplicate files move to the archive folder. Outbound: build and send one file.

Example::

    outcome = run_feed("harbor_leave.leave_periods")
    assert outcome.ok
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from leavehub.pipeline.feeds import Feed, load_feed
from leavehub.pipeline.inbound import Receipt, receive_file
from leavehub.pipeline.outbound import Sent, send_feed
from leavehub.settings import Settings
from schemas.errors import RejectedInput

__all__ = ["RunOutcome", "inbox_files", "open_store", "run_feed"]


@dataclass
class RunOutcome:
    feed: str
    receipts: list[Receipt] = field(default_factory=list)
    sent: Sent | None = None

    @property
    def ok(self) -> bool:
        return all(r.status != "REJECTED" for r in self.receipts)

    def summary(self) -> str:
        if self.sent:
            return f"{self.feed}: sent {self.sent.file} ({self.sent.records} records) -> {self.sent.path}"
        if not self.receipts:
            return f"{self.feed}: no files waiting"
        lines = [f"{self.feed}: {len(self.receipts)} file(s)"]
        for r in self.receipts:
            extra = f" report: {r.quarantine_report}" if r.quarantine_report else ""
            counts = ", ".join(f"{k}={v}" for k, v in r.records.items())
            lines.append(f"  {r.status:<9} {r.file} {counts}{extra}")
        return "\n".join(lines)


def open_store(settings: Settings) -> Any:
    from leavehub.store import Store

    settings.home.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.db_url)
    store.migrate()
    return store


def _local_dir(feed: Feed, folder: str) -> Path:
    path = Path(folder)
    return path if path.is_absolute() else feed.settings.local_exchange_dir / feed.vendor.vendor / path


def inbox_files(feed: Feed) -> list[Path]:
    """Files waiting in the vendor's local inbox for this feed, in business-date order."""
    inbox = _local_dir(feed, feed.vendor.transport.inbound_dir)
    pattern = feed.spec.file_pattern
    found = [p for p in inbox.glob(pattern.glob()) if p.is_file()] if inbox.is_dir() else []
    return sorted(found, key=lambda p: ((pattern.match(p.name) or (date.min,))[0], p.name))


def _archive(feed: Feed, path: Path) -> None:
    archive_dir = getattr(feed.vendor.transport, "archive_dir", None)
    if not archive_dir or not path.is_relative_to(feed.settings.local_exchange_dir):
        return
    dest = _local_dir(feed, archive_dir)
    dest.mkdir(parents=True, exist_ok=True)
    os.replace(path, dest / path.name)


def run_feed(feed_id: str, *, business_date: date | None = None, files: list[Path] | None = None,
             console: Any = None, settings: Settings | None = None, store: Any = None) -> RunOutcome:
    settings = settings or Settings.from_env()
    feed = load_feed(feed_id, settings)
    store = store or open_store(settings)
    outcome = RunOutcome(feed=feed.id)
    direction = getattr(feed.spec.direction, "value", feed.spec.direction)
    if direction == "out":
        outcome.sent = send_feed(feed, store=store, business_date=business_date or _today(settings))
        return outcome
    for path in files if files is not None else inbox_files(feed):
        try:
            receipt = _receive_with_progress(feed, Path(path), store, business_date, console)
        except RejectedInput as exc:
            receipt = getattr(exc, "receipt", None) or Receipt(feed=feed.id, file=Path(path).name,
                                                               status="REJECTED", business_date=business_date)
        else:
            _archive(feed, Path(path))
        outcome.receipts.append(receipt)
    return outcome


def _receive_with_progress(feed: Feed, path: Path, store: Any, business_date: date | None,
                           console: Any) -> Receipt:
    if console is None or path.stat().st_size < 5_000_000:
        return receive_file(feed, path, store=store, business_date=business_date)
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"{feed.id} {path.name}", total=None)
        return receive_file(feed, path, store=store, business_date=business_date,
                            progress=lambda n: bar.advance(task, n))


def _today(settings: Settings) -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from leavehub.config.employer import load_employer

    return datetime.now(ZoneInfo(load_employer(settings.employer_file).time_zone)).date()
