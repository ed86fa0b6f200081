"""Alembic environment for the LeaveHub store.

The store keeps its own version table (``leavehub_alembic_version``) so it can share a PostgreSQL database
with Airflow's metadata DB, whose Alembic uses ``alembic_version``. The connection comes from
``Store.migrate`` (``config.attributes["connection"]``), else from ``-x url=...``, ``sqlalchemy.url`` or the
store's default URL resolution.
"""

from __future__ import annotations

from alembic import context

from leavehub.store.engine import open_engine, resolve_url
from leavehub.store.tables import METADATA

VERSION_TABLE = "leavehub_alembic_version"
config = context.config


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=METADATA, version_table=VERSION_TABLE, compare_type=True, **kwargs)


def _url() -> str:
    return resolve_url(
        context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url") or None
    )


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: object) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")  # type: ignore[attr-defined]
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = open_engine(_url())
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
