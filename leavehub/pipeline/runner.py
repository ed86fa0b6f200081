"""Run one feed end to end: the unit of work of both ``leavehub run`` and an Airflow task.

Inbound file feeds: list the vendor's folder (local or SFTP) for the feed's pattern, fetch each file (still
encrypted) into a private download folder, post it (verify -> read -> map -> validate -> store, all or nothing),
then move it to the vendor's archive folder - a rejected file too, once it is safe in quarantine. Each file is
judged on its own; the run fails at the end if any was rejected. Inbound API feeds: pull every page into
encrypted staging and post the pull like a file. Outbound: build and send one file per business date.

Example::

    outcome = run_feed("harbor_leave.leave_periods")
    assert outcome.ok, outcome.summary()
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from leavehub.pipeline.exchange import (
    ConnectionResolver,
    open_api_client,
    open_file_transport,
    pickup_glob,
    pull_api,
)
from leavehub.pipeline.feeds import Feed, load_feed
from leavehub.pipeline.inbound import Plaintext, Receipt, receive_file, work_dir
from leavehub.pipeline.outbound import Sent, send_feed
from leavehub.settings import Settings
from schemas.errors import RejectedInput

__all__ = ["RunOutcome", "open_store", "run_feed"]


@dataclass
class RunOutcome:
    feed: str
    business_date: date | None = None
    receipts: list[Receipt] = field(default_factory=list)
    sent: Sent | None = None

    @property
    def ok(self) -> bool:
        return all(r.status != "REJECTED" for r in self.receipts)

    def summary(self) -> str:
        if self.sent:
            return f"{self.feed}: {self.sent.status} {self.sent.file} ({self.sent.records} records)"
        if not self.receipts:
            return f"{self.feed}: no files waiting"
        lines = [f"{self.feed}: {len(self.receipts)} file(s)"]
        for r in self.receipts:
            extra = f" report: {r.quarantine_report}" if r.quarantine_report else ""
            counts = ", ".join(f"{k}={v}" for k, v in r.records.items())
            lines.append(f"  {r.status:<9} {r.file} {counts}{extra}")
        return "\n".join(lines)


def open_store(settings: Settings) -> Any:
    from leavehub.pipeline.at_rest import private_dir
    from leavehub.store import Store

    private_dir(settings.home)
    store = Store.open(settings.db_url)
    _private_sqlite_files(store.engine.url)
    store.migrate()
    return store


def _private_sqlite_files(url: Any) -> None:
    """A SQLite store is a file: 0600, so its -wal/-shm/-journal (SQLite gives them the file's mode) are too."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    database = Path(url.database)
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
    for path in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal"))):
        if path.exists():
            os.chmod(path, 0o600)


def run_feed(feed_id: str, *, business_date: date | None = None, files: list[Path] | None = None,
             console: Any = None, settings: Settings | None = None, store: Any = None,
             connections: ConnectionResolver | None = None) -> RunOutcome:
    """Run ``VENDOR.FEED`` once. ``files`` posts given local files instead of fetching from the vendor."""
    settings = settings or Settings.from_env()
    feed = load_feed(feed_id, settings)
    store = store or open_store(settings)
    bday = business_date or today(settings)
    outcome = RunOutcome(feed=feed.id, business_date=bday)
    if feed.spec.direction == "out":
        outcome.sent = send_feed(feed, store=store, business_date=bday, connections=connections)
    elif files is not None:
        for path in files:
            outcome.receipts.append(_post(feed, Path(path), store, business_date, connections, console))
    elif feed.vendor.transport.type == "http":
        outcome.receipts.append(_pull_and_post(feed, store, bday, connections))
    else:
        outcome.receipts += _fetch_and_post(feed, store, business_date, connections, console)
    _alert_rejections(outcome, settings)
    return outcome


def _alert_rejections(outcome: RunOutcome, settings: Settings) -> None:
    """Every rejected file raises an alert on the employer's channel (never fails the run a second time)."""
    if outcome.ok:
        return
    from leavehub.operations.alerts import alerts_for_receipts, send_alert

    for alert in alerts_for_receipts(outcome.receipts):
        send_alert(alert, settings=settings)


def _post(feed: Feed, path: Path, store: Any, business_date: date | None, connections: ConnectionResolver | None,
          console: Any, pulled: Plaintext | None = None) -> Receipt:
    try:
        if console is None or path.stat().st_size < 5_000_000:
            return receive_file(feed, path, store=store, business_date=business_date, connections=connections,
                                pulled=pulled)
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"{feed.id} {path.name}", total=None)
            return receive_file(feed, path, store=store, business_date=business_date, connections=connections,
                                pulled=pulled, progress=lambda n: bar.advance(task, n))
    except RejectedInput as exc:
        return getattr(exc, "receipt", None) or Receipt(feed=feed.id, file=path.name, status="REJECTED",
                                                        business_date=business_date)


def _fetch_and_post(feed: Feed, store: Any, business_date: date | None, connections: ConnectionResolver | None,
                    console: Any) -> list[Receipt]:
    receipts = []
    downloads = Path(tempfile.mkdtemp(prefix=f"lh-{feed.vendor.vendor}-", dir=work_dir(feed)))
    try:
        with open_file_transport(feed, connections) as transport:
            waiting = transport.list(pickup_glob(feed))
            for remote in sorted(waiting, key=lambda r: _sort_key(feed, r.name)):
                local = transport.get(remote.name, downloads / remote.name)
                receipts.append(_post(feed, local, store, business_date, connections, console))
                transport.archive(remote.name)  # posted, duplicate or safely quarantined: never fetched twice
                local.unlink(missing_ok=True)
    finally:
        shutil.rmtree(downloads, ignore_errors=True)
    return receipts


def _pull_and_post(feed: Feed, store: Any, business_date: date, connections: ConnectionResolver | None) -> Receipt:
    from connectors.staging import StagingArea

    with contextlib.closing(open_api_client(feed, connections)) as client, \
            StagingArea(base_dir=work_dir(feed)) as staging:
        pull = pull_api(feed, client, staging, business_date=business_date)
        plain = Plaintext(pull.name, pull.size, pull.sha256, pull.sha256, False, pull.open)
        return _post(feed, pull.path, store, business_date, connections, None, pulled=plain)


def _sort_key(feed: Feed, name: str) -> tuple:
    matched = feed.spec.file_pattern.match(name)
    return (matched.business_date if matched and matched.business_date else date.min, name)


def today(settings: Settings) -> date:
    """Today in the employer's time zone: the default business date of a run."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from leavehub.config.employer import load_employer

    return datetime.now(ZoneInfo(str(load_employer(settings.employer_file).time_zone))).date()
