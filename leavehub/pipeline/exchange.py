"""Reach a vendor: open its transport from vendor.yaml and the named connection, pull API pages to staging.

Connections resolve through a ``ConnectionResolver``: from the CLI it reads ``AIRFLOW_CONN_<ID>`` (as Airflow
does); Airflow tasks pass one that calls ``Connection.get``. Either way no secret lives in a repo file.

Example::

    with open_file_transport(feed) as transport:
        for remote in transport.list(pickup_glob(feed)): ...
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from leavehub.pipeline.at_rest import at_rest_key, private_dir
from leavehub.pipeline.feeds import FeedPlan
from leavehub.settings import Settings
from schemas.errors import ConfigError, RejectedInput

__all__ = ["ApiPull", "ConnectionResolver", "connection_from", "local_folder", "open_api_client",
           "open_file_transport", "pickup_glob", "pull_api", "resolve_connection"]

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


@dataclass(frozen=True)
class ApiPull:
    """One API pull, staged encrypted as JSON Lines: the 'file' the ledger knows it by.

    ``problem`` is the API's own fault when a page was not what it promises (not JSON, an HTML page, no
    records list, a cursor loop): the pull is then rejected like a bad file, with the records pulled before
    the bad page staged for the quarantine.
    """

    name: str
    path: Path
    records: int
    size: int
    sha256: str
    open: Callable[[], BinaryIO]
    problem: RejectedInput | None = None


EMPTY_PULL = b"[]\n"  # the API answered, with no records: an empty JSON list (0 records), not an empty file


def pull_api(feed: FeedPlan, client: Any, staging: Any, *, business_date: date) -> ApiPull:
    """Stream every page of the feed's endpoint into encrypted staging; the content hash identifies the pull.

    Records are written in the order served, one JSON object per line, so the same content pulled twice hashes
    the same and is recorded as a DUPLICATE. Transport trouble (``TransientError``) goes up; a bad page is
    kept as the pull's ``problem``.
    """
    endpoint = feed.spec.endpoint
    params = {k: _param(v, business_date) for k, v in endpoint.params.items()}
    name = f"{feed.vendor.vendor}.{feed.name}.{business_date:%Y%m%d}.{datetime.now(UTC):%H%M%S}.jsonl"
    path = staging.path(name)
    digest, size, records = hashlib.sha256(), 0, 0
    problem: RejectedInput | None = None
    with staging.writer(name) as sink:
        try:
            for page in client.iter_pages(endpoint.path, params=params, pagination=endpoint.pagination):
                for record in page:
                    line = json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
                    digest.update(line)
                    size += len(line)
                    records += 1
                    sink.write(line)
        except RejectedInput as exc:
            problem = exc
        if records == 0:
            digest.update(EMPTY_PULL)
            size += len(EMPTY_PULL)
            sink.write(EMPTY_PULL)
    return ApiPull(name=name, path=path, records=records, size=size, sha256=digest.hexdigest(),
                   open=lambda: staging.reader(name), problem=problem)


def _param(value: Any, business_date: date) -> Any:
    """Endpoint params may name the business date: ``{business_date}``."""
    if isinstance(value, str) and "{business_date}" in value:
        return value.replace("{business_date}", business_date.isoformat())
    return value
