"""Reach a vendor: open its transport from vendor.yaml and the named connection, or pull an API endpoint's pages.

Connections resolve through a ``ConnectionResolver``: from the CLI it reads ``AIRFLOW_CONN_<ID>`` (as Airflow
does); Airflow tasks pass one that calls ``Connection.get``. Either way no secret lives in a repo file.

Example::

    with open_file_transport(feed) as transport:
        for remote in transport.list(pickup_glob(feed)): ...
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from leavehub.pipeline.at_rest import at_rest_key, private_dir
from leavehub.pipeline.feeds import FeedPlan
from leavehub.settings import Settings
from schemas.errors import ConfigError, RejectedInput

__all__ = ["WHOLE_PULL", "ApiPull", "ConnectionResolver", "connection_from", "local_folder", "open_api_client",
           "open_file_transport", "pickup_glob", "pull_api", "pull_name", "pull_started", "resolve_connection"]

ConnectionResolver = Callable[[str], Any]


def connection_from(obj: Any) -> Any:
    """Adapt a connection object of a scheduler (Airflow's ``Connection``, duck-typed) to the connectors' one,
    so the DAG layer reaches connectors only through the engine."""
    from connectors.connections import from_airflow

    return from_airflow(obj)


def resolve_connection(conn_id: str) -> Any:
    """The default resolver: ``AIRFLOW_CONN_<ID>`` from the environment (URI or JSON)."""
    from connectors.connections import get_connection

    return get_connection(conn_id)


def local_folder(settings: Settings, vendor: str, folder: str) -> Path:
    """An absolute folder as configured; a relative one lives under the hub's exchange folder (private, 0700)."""
    path = Path(folder)
    if path.is_absolute():
        return path
    return private_dir(settings.local_exchange_dir / vendor / path, under=settings.home)


def open_file_transport(feed: FeedPlan, connections: ConnectionResolver | None = None) -> Any:
    """A connected ``Transport`` (local folders or SFTP) for the feed's vendor."""
    t = feed.vendor.transport
    if t.type == "local":
        from connectors.transports.local import LocalTransport

        settings, vendor = feed.settings, feed.vendor.vendor
        return LocalTransport(inbound_dir=local_folder(settings, vendor, t.inbound_dir),
                              outbound_dir=local_folder(settings, vendor, t.outbound_dir),
                              archive_dir=local_folder(settings, vendor, t.archive_dir) if t.archive_dir else None,
                              archive_key=at_rest_key("archive") if t.archive_dir else None)
    if t.type == "sftp":
        from connectors.transports.sftp import SftpTransport

        conn = (connections or resolve_connection)(t.connection_id)
        return SftpTransport.from_connection(conn, inbound_dir=t.inbound_dir, outbound_dir=t.outbound_dir,
                                             archive_dir=t.archive_dir)
    raise ConfigError(f"{feed.id}: transport {t.type!r} carries no files", file=str(feed.folder / "vendor.yaml"),
                      key_path="transport.type")


def pickup_glob(feed: FeedPlan) -> str:
    """Which remote names belong to this feed: its file pattern as a glob (a file set: every name; the set's
    patterns pick its members)."""
    if feed.spec.file_set is not None:
        return "*"
    return feed.spec.file_pattern.glob()


def open_api_client(feed: FeedPlan, connections: ConnectionResolver | None = None) -> Any:
    from connectors.transports.http import ApiClient

    t = feed.vendor.transport
    if t.type != "http":
        raise ConfigError(f"{feed.id}: not an http vendor", file=str(feed.folder / "vendor.yaml"))
    conn = (connections or resolve_connection)(t.connection_id)
    return ApiClient.from_connection(conn, token_path=t.token_path)


EMPTY_PULL = b"[]\n"  # the API answered, with no records: an empty JSON list (0 records), not an empty file


class ApiPull:
    """One API pull as it streams: each page's records go to the JSON reader as they arrive (``pages``).

    On the way every record is serialized canonically (``json.dumps`` with sorted keys, one per line), and those
    bytes are hashed - the pull's identity in the ledger, so the same content pulled twice is a DUPLICATE - and
    spooled sealed under the staging area's key (never plaintext on disk): what a rejection quarantines and a
    release reads back as JSON Lines. ``finish`` drains the pages not yet read (so a rejected pull is kept
    whole) and closes the spool; ``sha256`` and ``size`` are final then. ``problem`` is the API's own fault
    when a page was not what it promises (not JSON, an HTML page, no records list, a cursor loop); the reader
    meets it as the ``RejectedInput`` it is.
    """

    def __init__(self, name: str, pages: Iterator[list[Any]], staging: Any) -> None:
        self.name, self.path = name, staging.path(name)
        self.records = self.size = 0
        self.problem: RejectedInput | None = None
        self._staging, self._digest = staging, hashlib.sha256()
        self._sink: Any = staging.writer(name)
        self._pages = self._stream(pages)

    def pages(self) -> Iterator[list[Any]]:
        """The pages, each once, in the order served."""
        return self._pages

    def _stream(self, pages: Iterator[list[Any]]) -> Iterator[list[Any]]:
        try:
            for page in pages:
                block = b"".join(json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
                                 for record in page)
                self._digest.update(block)
                self._sink.write(block)
                self.size += len(block)
                self.records += len(page)
                yield page
        except RejectedInput as exc:
            self.problem = exc
            raise

    def finish(self) -> None:
        """Read the pages nobody asked for yet, then close the spool (idempotent)."""
        if self._sink.closed:
            return
        try:
            for _ in self._pages:
                pass
        except RejectedInput:
            pass  # kept as ``problem``: the pull is judged on it
        if self.records == 0:
            self._digest.update(EMPTY_PULL)
            self._sink.write(EMPTY_PULL)
            self.size += len(EMPTY_PULL)
        self._sink.close()

    def close(self) -> None:
        """Close the spool without reading on (the pull is abandoned: a transport or store failure)."""
        if not self._sink.closed:
            self._sink.close()

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def open(self) -> BinaryIO:
        """The spooled pull (JSON Lines), unsealed as it is read."""
        return self._staging.reader(self.name)


PULL_STARTED = re.compile(r"\.(\d{8}T\d{6}Z)(?:\.whole)?\.jsonl$")
WHOLE_PULL = ".whole.jsonl"
"""How the name of a whole pull of a delta endpoint ends."""


def pull_name(feed: FeedPlan, business_date: date, started: datetime, *, whole: bool = False) -> str:
    """``<vendor>.<feed>.<YYYYMMDD business date>.<YYYYMMDDTHHMMSSZ start>[.whole].jsonl``: the pull's name in the
    ledger and the quarantine; the start in it is when the pull began, even when the pull is applied later (a
    release from quarantine), which ``{last_pull}`` must go by. ``.whole`` marks a pull of an endpoint that can
    ask for changes which asked for everything (``WHOLE_PULL``: what ``whole_every_days`` goes by)."""
    stamp = started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{feed.vendor.vendor}.{feed.name}.{business_date:%Y%m%d}.{stamp}{WHOLE_PULL if whole else '.jsonl'}"


def pull_started(name: str) -> datetime | None:
    """When the pull named ``name`` (``pull_name``) began; None for another name."""
    found = PULL_STARTED.search(name)
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if found else None


@contextlib.contextmanager
def pull_api(feed: FeedPlan, client: Any, staging: Any, *, business_date: date,
             last_pull: datetime | None = None) -> Iterator[ApiPull]:
    """Open the pull of the feed's endpoint, following the pagination vendor.yaml declares; pages are fetched
    only as the reader asks for them (one page in flight). Its params' placeholders are filled in from
    ``business_date`` and ``last_pull`` (``Endpoint.resolve_params``). Transport trouble (``TransientError``)
    goes up."""
    endpoint = feed.spec.endpoint
    params = endpoint.resolve_params(business_date, last_pull)
    name = pull_name(feed, business_date, datetime.now(UTC), whole=endpoint.uses_last_pull and last_pull is None)
    pull = ApiPull(name, client.iter_pages(endpoint.path, params=params, pagination=endpoint.pagination), staging)
    try:
        yield pull
    finally:
        pull.close()
