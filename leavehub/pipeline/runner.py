"""Run one feed end to end: the unit of work of both ``leavehub run`` and an Airflow task.

Inbound file feeds: list the vendor's folder (local or SFTP), take the names that match the feed's file pattern
in business-date order, fetch each (still encrypted) into a private download folder under a short local name,
post it (verify -> read -> map -> validate -> store, all or nothing; or quarantine), then move it to the vendor's
archive folder - a rejected file too, once it is safe in quarantine. Each file is judged on its own: a problem
with one file's content or name quarantines THAT file and the run goes on to the next, so one bad file never
stalls its feed. Only a transport, store or configuration failure stops a run (an exception). Inbound API feeds:
the pull's pages go to the JSON reader as records, page by page, into one intake (hashed and spooled sealed on
the way, so a rejected pull is quarantined like a file). Outbound: build and send one file per
business date; outbound API feeds POST each changed record (``leavehub.pipeline.writeback``).

The run returns a ``RunOutcome`` (values, see ``leavehub.pipeline.outcome``) and raises one alert per rejected
file; the caller (CLI, Airflow task) turns the outcome into an exit code or a task state, and alerts nothing
more about those files.

A run never migrates the store: it checks the schema version and fails with ``ConfigError`` when the database
is behind (``leavehub db upgrade`` migrates).

Example::

    outcome = run_feed("harbor_leave.leave_periods")
    assert outcome.ok, outcome.summary()
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from leavehub.pipeline.at_rest import work_dir
from leavehub.pipeline.exchange import (
    WHOLE_PULL,
    ConnectionResolver,
    open_api_client,
    open_file_transport,
    pickup_glob,
    pull_api,
    pull_started,
)
from leavehub.pipeline.feeds import FeedPlan, load_feed
from leavehub.pipeline.inbound import (
    Plaintext,
    Verifier,
    receive_file,
    receive_pull,
    sealed_download,
    sends_plaintext,
)
from leavehub.pipeline.outbound import send_feed
from leavehub.pipeline.outcome import Receipt, RunOutcome
from leavehub.settings import Settings
from schemas.errors import ConfigError

__all__ = ["RunOutcome", "last_pull", "open_store", "run_feed", "today"]

log = logging.getLogger(__name__)


def open_store(settings: Settings, *, upgrade: bool = False) -> Any:
    """The store at ``settings.db_url``, its schema checked (ConfigError when behind).

    Only ``upgrade=True`` (``leavehub db upgrade``) migrates it; a run never does.
    """
    from leavehub.pipeline.at_rest import private_dir
    from leavehub.store import Store

    private_dir(settings.home)
    store = Store.open(settings.db_url)
    _private_sqlite_files(store.engine.url)
    if upgrade:
        store.migrate()
    store.require_current_schema()
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
             connections: ConnectionResolver | None = None, whole: bool = False) -> RunOutcome:
    """Run ``VENDOR.FEED`` once. ``files`` posts given local files instead of fetching from the vendor.
    ``whole``: an API pull leaves out the params that ask for changes since the last pull (``{last_pull}``).

    A given file whose name does not match the feed's file pattern carries no business date: then
    ``business_date`` is required (ConfigError otherwise), so nothing is silently dated today.
    """
    settings = settings or Settings.from_env()
    feed = load_feed(feed_id, settings)
    if files is not None:
        _require_dates(feed, [Path(f) for f in files], business_date)
    store = store or open_store(settings)
    bday = business_date or today(settings)
    outcome = RunOutcome(feed=feed.id, business_date=bday)
    if feed.spec.direction == "out":
        if feed.spec.format == "x12" and feed.vendor.acknowledgements is not None:
            # the answers to earlier files first: a rejected one makes this run resend with new numbers
            from leavehub.pipeline.acknowledgements import collect_acknowledgements

            outcome.acknowledgements = collect_acknowledgements(feed, store=store, connections=connections,
                                                                settings=settings)
        if feed.vendor.transport.type == "http":  # an API write-back: one POST per changed record
            from leavehub.pipeline.writeback import send_updates

            outcome.sent = send_updates(feed, store=store, business_date=bday, connections=connections)
        else:
            outcome.sent = send_feed(feed, store=store, business_date=bday, connections=connections)
    elif files is not None and feed.spec.file_set is not None:
        from leavehub.pipeline.file_sets import post_local_sets

        outcome.receipts += post_local_sets(feed, [Path(p) for p in files], store=store, connections=connections)
    elif files is not None:
        for path in files:
            outcome.receipts.append(_post(feed, Path(path), store, business_date, connections, console))
    elif feed.vendor.transport.type == "http":
        outcome.receipts.append(_pull_and_post(feed, store, bday, connections, whole=whole))
    else:
        _fetch_and_post(feed, store, business_date, connections, console, outcome)
    _alert_rejections(outcome, settings)
    return outcome


def _require_dates(feed: FeedPlan, files: list[Path], business_date: date | None) -> None:
    pattern = feed.spec.file_pattern
    if business_date is not None or pattern is None or not pattern.has_date:
        return
    undated = [p.name for p in files if pattern.match(p.name) is None]
    if undated:
        raise ConfigError(f"{feed.id}: {len(undated)} file name(s) do not match the feed's file pattern "
                          f"{pattern.text!r}, so they carry no business date (e.g. {undated[0][:80]!r}); "
                          "give the business date with --date YYYY-MM-DD",
                          file=str(feed.folder / "vendor.yaml"), key_path=f"feeds.{feed.name}.file_pattern")


def _alert_rejections(outcome: RunOutcome, settings: Settings) -> None:
    """Every rejected file raises ONE alert on the employer's channel (the only alert for that event); so does
    every applied file with schema drift."""
    if outcome.ok and not any(r.warnings for r in outcome.receipts):
        return
    from leavehub.alerts import alerts_for_receipts, send_alert

    for alert in alerts_for_receipts(outcome.receipts):
        send_alert(alert, settings=settings)


def _post(feed: FeedPlan, path: Path, store: Any, business_date: date | None,
          connections: ConnectionResolver | None, console: Any, pulled: Plaintext | None = None,
          name: str | None = None, verifier: Verifier | None = None) -> Receipt:
    if console is None or path.stat().st_size < 5_000_000:
        return receive_file(feed, path, store=store, business_date=business_date, connections=connections,
                            pulled=pulled, name=name, verifier=verifier)
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"{feed.id} {(name or path.name)[:60]}", total=None)
        return receive_file(feed, path, store=store, business_date=business_date, connections=connections,
                            pulled=pulled, name=name, progress=lambda n: bar.advance(task, n), verifier=verifier)


def _fetch_and_post(feed: FeedPlan, store: Any, business_date: date | None, connections: ConnectionResolver | None,
                    console: Any, outcome: RunOutcome) -> None:
    """Every waiting file of the feed, oldest business date first; each posted or quarantined on its own."""
    if feed.spec.file_set is not None:  # several files of one extract, posted together (pipeline.file_sets)
        from leavehub.pipeline.file_sets import fetch_and_post_sets

        fetch_and_post_sets(feed, store, connections, outcome)
        return
    downloads = Path(tempfile.mkdtemp(prefix=f"lh-{feed.vendor.vendor}-", dir=work_dir(feed)))
    seal_key = secrets.token_bytes(32) if sends_plaintext(feed) else None  # this run's key: no plaintext on disk
    try:
        # one OpenPGP session for every file of the run (opened at the first file that needs it)
        with Verifier(feed, connections) as verifier, open_file_transport(feed, connections) as transport:
            waiting = inbox(feed, [r.name for r in transport.list(pickup_glob(feed))], outcome)
            for index, name in enumerate(waiting):
                # a short local name: the vendor's name may be as long as its file system allows, and the
                # transport adds a temp suffix (a too-long local name is not a transient failure to retry)
                local = transport.get(name, downloads / f"in-{index:05d}", seal_key=seal_key)
                pulled = sealed_download(name, local, seal_key) if seal_key is not None else None
                outcome.receipts.append(_post(feed, local, store, business_date, connections, console,
                                              pulled=pulled, name=name, verifier=verifier))
                transport.archive(name)  # posted, duplicate or safely quarantined: never fetched twice
                local.unlink(missing_ok=True)
    finally:
        shutil.rmtree(downloads, ignore_errors=True)


def inbox(feed: FeedPlan, names: list[str], outcome: RunOutcome | None = None) -> list[str]:
    """The listed names this feed takes: those matching its file pattern, in business-date order.

    A name the listing glob matched but the pattern does not (another feed's file, a stray upload, a date
    that is not a calendar date) is left where it is and noted in ``outcome.skipped``.
    """
    pattern = feed.spec.file_pattern
    taken: list[tuple[date, str]] = []
    for name in names:
        matched = pattern.match(name)
        if matched is None:
            log.warning("%s: %r does not match the file pattern %r; left in the inbox", feed.id, name[:80],
                        pattern.text)
            if outcome is not None:
                outcome.skipped.append(name)
            continue
        taken.append((matched.business_date or date.min, name))
    return [name for _, name in sorted(taken)]


def _pull_and_post(feed: FeedPlan, store: Any, business_date: date,
                   connections: ConnectionResolver | None, *, whole: bool = False) -> Receipt:
    """One pull of the feed's endpoint, its pages read as records straight into the intake (or quarantined)."""
    from connectors.staging import StagingArea

    delta = feed.spec.endpoint.uses_last_pull and not whole and not _whole_due(store, feed, business_date)
    last = last_pull(store, feed) if delta else None
    with contextlib.closing(open_api_client(feed, connections)) as client, \
            StagingArea(base_dir=work_dir(feed)) as staging, \
            pull_api(feed, client, staging, business_date=business_date, last_pull=last) as pull:
        return receive_pull(feed, pull, store=store, business_date=business_date)


def last_pull(store: Any, feed: FeedPlan) -> datetime | None:
    """When the last pull of ``feed`` that the store took (APPLIED, or DUPLICATE: its content was applied
    before) started: what ``{last_pull}`` asks the vendor for changes since. A rejected pull does not count, so
    the next one asks again from the one before it; released from quarantine later, it counts from when it
    began, not from its release."""
    return max((pull_started(entry.file_name) or entry.received_at for entry in _taken(store, feed)), default=None)


def _whole_due(store: Any, feed: FeedPlan, business_date: date) -> bool:
    """``whole_every_days`` is set and no whole pull the store took has a business date later than that many days
    before ``business_date`` (one for a later business date read everything too)."""
    every = feed.spec.endpoint.whole_every_days
    if every is None:
        return False
    return not any(entry.business_date and entry.business_date > business_date - timedelta(days=every)
                   for entry in _taken(store, feed, name_suffix=WHOLE_PULL))


def _taken(store: Any, feed: FeedPlan, name_suffix: str | None = None) -> list[Any]:
    """The newest ledger rows (``LOOK_BACK`` per status) of the pulls of ``feed`` the store took."""
    return [entry for status in ("APPLIED", "DUPLICATE")
            for entry in store.ledger(vendor=feed.vendor.vendor, feed=feed.name, status=status,
                                      name_suffix=name_suffix, limit=LOOK_BACK)]


LOOK_BACK = 20
"""Ledger rows per status ``last_pull`` reads: a pull released from quarantine is recorded when it is released,
so the newest row is not always the latest start; its name says when it began (``exchange.pull_name``)."""


def today(settings: Settings) -> date:
    """Today in the employer's time zone: the default business date of a run."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(str(settings.employer.time_zone))).date()
