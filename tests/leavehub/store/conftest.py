"""Store fixtures: a migrated SQLite file per test, and a PostgreSQL database of this run's own.

PostgreSQL (127.0.0.1:5432, trust auth, user postgres or root, maintenance db ``test``): the session creates
``leavehub_test_<random>``, migrates it once, truncates it before each test and drops it at the end. When the
server does not answer the postgres tests skip with the reason; under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_databases import scratch_database
from sqlalchemy import text
from store_builders import TEST_KEY

from leavehub.store import Store
from leavehub.store.tables import METADATA


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_database("leavehub_test") as url:
        store = Store.open(url, cipher=TEST_KEY)
        store.migrate()
        store.dispose()
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "leavehub.db"
    store = Store.open(f"sqlite:///{path}", cipher=TEST_KEY)
    store.migrate()
    store.dispose()
    return path


@pytest.fixture
def sqlite_store(sqlite_template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "leavehub.db"
    shutil.copyfile(sqlite_template, path)
    store = Store.open(f"sqlite:///{path}", cipher=TEST_KEY)
    yield store
    store.dispose()


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[Store]:
    store = Store.open(postgres_url, cipher=TEST_KEY)
    tables = ", ".join(t.name for t in METADATA.sorted_tables)
    with store.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on both backends."""
    return request.getfixturevalue(f"{request.param}_store")
