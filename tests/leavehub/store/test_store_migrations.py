"""The committed Alembic revisions and the models-derived metadata agree; the store has its own version table."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from leavehub.store import Store
from leavehub.store.store import VERSION_TABLE
from leavehub.store.tables import METADATA, NOT_VERSIONED, VERSIONED_ENTITIES
from schemas.models import ENTITIES


def test_autogenerate_finds_no_drift_between_models_and_migrations(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "version_table": VERSION_TABLE})
        assert compare_metadata(context, METADATA) == []


def test_the_store_versions_its_schema_in_its_own_table_not_airflows(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert VERSION_TABLE == "leavehub_alembic_version"
    assert VERSION_TABLE in tables and "alembic_version" not in tables


def test_every_canonical_entity_has_a_versions_table_or_a_stated_reason(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    for entity in ENTITIES:
        assert entity in NOT_VERSIONED or f"{entity}_versions" in tables
    assert not {t for t in tables if t.endswith("_staging")}, "an intake stages in a temporary table of its own"
    assert "leave_period" in VERSIONED_ENTITIES


def test_pii_fields_have_only_ciphertext_and_hash_columns(store: Store) -> None:
    columns = {c["name"] for c in inspect(store.engine).get_columns("employee_versions")}
    assert {"ssn_enc", "ssn_hash", "birth_date_enc", "birth_date_hash"} <= columns
    assert not columns & {"ssn", "birth_date", "first_name", "last_name"}


def test_migrating_twice_is_a_no_op(sqlite_store: Store) -> None:
    sqlite_store.migrate()
    sqlite_store.migrate()
