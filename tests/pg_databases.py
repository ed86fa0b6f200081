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

import atexit
import contextlib
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
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


_SQLITE_TEMPLATE: list[Path] = []
"""A new SQLite store migrated once per test process, copied for every other new SQLite store (a migration of
the 13 revisions costs about a second; a copy of its file, a millisecond)."""


def db_upgrade(url: str) -> str:
    """Migrate the store at ``url`` to this release's schema (``leavehub db upgrade``); returns ``url``. A SQLite
    file that does not exist yet is a copy of one store this process migrated (the same schema, made the same
    way); tests of the migrations themselves call ``Store.migrate`` directly."""
    from leavehub.store import Store

    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is not None and not path.exists():
        if not _SQLITE_TEMPLATE:
            folder = tempfile.mkdtemp(prefix="leavehub_store_template_")
            atexit.register(shutil.rmtree, folder, True)
            template = Path(folder) / "leavehub.db"
            _migrate(Store, f"sqlite:///{template}")
            _SQLITE_TEMPLATE.append(template)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_SQLITE_TEMPLATE[0], path)
        return url
    return _migrate(Store, url)


def _migrate(store_class: Any, url: str) -> str:
    store = store_class.open(url)
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
