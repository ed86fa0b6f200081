"""Scratch PostgreSQL databases for tests (one per session or run, created and always dropped), and
``db_upgrade``: what ``leavehub db upgrade`` does, for a store a test creates (a run never migrates).

The server on 127.0.0.1:5432 uses trust auth; the maintenance database may be ``postgres`` or ``test`` and the
user ``postgres`` or ``root``. When no server answers, the caller's test skips with the reason - and the suite-wide
hook in tests/conftest.py turns that skip into a failure under ``CI=true`` for tests marked ``postgres``.

Example::

    with scratch_database("leavehub_test") as url:
        Store.open(url).migrate()
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432


def pg_admin() -> tuple[Any, str]:
    """An autocommit connection to a maintenance database and the user that worked, or ConnectionError."""
    import psycopg

    last: Exception | None = None
    for user in ("postgres", "root"):
        for dbname in ("postgres", "test"):
            try:
                return psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=dbname, connect_timeout=3,
                                       autocommit=True), user
            except psycopg.Error as exc:
                last = exc
    raise ConnectionError(f"PostgreSQL at {PG_HOST}:{PG_PORT} does not answer: {last}")


def db_upgrade(url: str) -> str:
    """Migrate the store at ``url`` to this release's schema (``leavehub db upgrade``); returns ``url``."""
    from leavehub.store import Store

    store = Store.open(url)
    try:
        store.migrate()
    finally:
        store.dispose()
    return url


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>``, yield its SQLAlchemy URL, drop it (forcing out any session) at the end."""
    try:
        admin, user = pg_admin()
    except ConnectionError as exc:
        pytest.skip(str(exc))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
