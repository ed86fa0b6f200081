"""Store fixtures: a migrated SQLite file per test, and a PostgreSQL database of this run's own.

PostgreSQL (127.0.0.1:5432, trust auth, user postgres or root, maintenance db ``test``): the session creates
``leavehub_test_<random>``, migrates it once, truncates it before each test and drops it at the end. When the
server does not answer the postgres tests skip with the reason; under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text

from leavehub.store import FileArrival, PiiCipher, Store
from leavehub.store.tables import METADATA

PG_HOST, PG_PORT = "127.0.0.1", 5432
TEST_KEY = PiiCipher(hashlib.sha256(b"leavehub tests only").digest())


def _pg_admin() -> tuple[Any, str]:
    """An autocommit connection to the maintenance db and the user that worked (or raise)."""
    import psycopg

    last: Exception | None = None
    for user in ("postgres", "root"):
        try:
            conn = psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="test", connect_timeout=3,
                                   autocommit=True)
            return conn, user
        except psycopg.Error as exc:
            last = exc
    raise ConnectionError(f"PostgreSQL at {PG_HOST}:{PG_PORT} does not answer: {last}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        admin, user = _pg_admin()
    except ConnectionError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {exc}")
        pytest.skip(str(exc))
    name = f"leavehub_test_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    store = Store.open(url, cipher=TEST_KEY)
    store.migrate()
    store.dispose()
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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


# -- builders -------------------------------------------------------------------------------------------------


def arrival(content: str = "file-1", *, name: str | None = None, vendor: str = "harbor_leave",
            feed: str = "leave_periods", kind: str = "change", business_date: date | None = date(2026, 3, 2),
            control_number: str | None = None, record_count: int | None = None) -> FileArrival:
    """A FileArrival whose plaintext hash is derived from ``content`` (same content = same hash)."""
    plain = hashlib.sha256(content.encode()).hexdigest()
    received = hashlib.sha256((content + (name or "")).encode()).hexdigest()
    return FileArrival(vendor, feed, "inbound", name or f"{content}.csv.pgp", 1234, received, plain,
                       control_number, business_date, kind, "1.0.0", "1", record_count)


def stamp(day: int, hour: int = 8) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def leave_periods(*rows: dict[str, Any]) -> pd.DataFrame:
    """A leave_period chunk with Arrow dtypes; each row names record key, decision and updated_at."""
    base = {"case_number": "NTN-1", "employee_id": "W1", "plan": "FMLA", "period_type": "CONTINUOUS",
            "period_start": date(2026, 3, 2), "weekly_benefit": Decimal("1200.00")}
    records = []
    for i, row in enumerate(rows):
        record = {**base, **row}
        record.setdefault("absence_period_key", record["record_key"])
        record.setdefault("_row", i + 1)
        records.append(record)
    schema = pa.schema([("record_key", pa.string()), ("_row", pa.int64()), ("case_number", pa.string()),
                        ("absence_period_key", pa.string()), ("employee_id", pa.string()),
                        ("plan", pa.string()), ("period_type", pa.string()), ("decision", pa.string()),
                        ("period_start", pa.date32()), ("weekly_benefit", pa.decimal128(14, 2)),
                        ("updated_at", pa.timestamp("us", tz="UTC"))]
                       + ([("valid_from", pa.date32())] if any("valid_from" in r for r in records) else []))
    table = pa.Table.from_pylist(records, schema=schema)
    return table.to_pandas(types_mapper=pd.ArrowDtype)
