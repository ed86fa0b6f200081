"""The store the pipeline talks to: open and migrate it, apply a file exactly once, read history back.

One intake = one file = one database transaction. The ledger row is inserted first, inside that
transaction, against unique claim keys (so a concurrent worker with the same content waits on the index
and then sees a duplicate); staged chunks, the merge into versioned tables and the APPLIED status commit
together. Anything raised inside the block rolls all of it back, and a fresh ledger row then records the
failure (REJECTED for bad input, FAILED otherwise) with errors that carry where and why, never a value.

Example::

    store = Store.open()            # LEAVEHUB_DB_URL or var/leavehub.db
    store.migrate()
    with store.intake(arrival) as intake:
        for chunk in chunks:
            intake.stage("leave_period", chunk, SupersedeRule.UPDATED_AT)
    intake.outcomes["leave_period"].applied     # per record: applied, tie_applied, unchanged, stale, ...
    store.current("leave_period")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, Engine, delete, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from leavehub.store import current_state, ledger
from leavehub.store.engine import DB_URL_ENV, WRITE, open_engine, resolve_url
from leavehub.store.identity import IdentityCrosswalk
from leavehub.store.ledger import FileArrival, LedgerEntry, OutboundArtifact, OutboundBatch, utc_now
from leavehub.store.pii import PiiCipher
from leavehub.store.stage_tables import create_stage_table, stage_rows, stage_table, write_rows
from leavehub.store.tables import FILE_LEDGER, OUTBOUND_ARTIFACT, VERSIONED_ENTITIES, entity_columns
from leavehub.store.versions import (
    MergeContext,
    RecordOutcomes,
    RepeatedKeys,
    SupersedePlan,
    SupersedeRule,
    merge_staged,
    settle_repeated_keys,
)
from schemas.errors import ConfigError, DuplicateInput, LeaveHubError, RejectedInput, RowError, TransientError

__all__ = ["MIGRATIONS_DIR", "Intake", "Store"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "leavehub_alembic_version"
MIGRATION_LOCK_KEY = 0x4C48_4442  # "LHDB": the PostgreSQL advisory lock that serialises migrators


class Store:
    """The versioned canonical store plus the file ledger, on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, *, cipher: PiiCipher | None = None) -> None:
        self.engine = engine
        self._cipher = cipher

    @classmethod
    def open(cls, url: str | None = None, *, cipher: PiiCipher | None = None) -> Store:
        """Open the store at ``url`` (else ``LEAVEHUB_DB_URL``, else ``var/leavehub.db``); does not migrate."""
        return cls(open_engine(resolve_url(url)), cipher=cipher)

    @property
    def cipher(self) -> PiiCipher:
        """The PII cipher, loaded from the environment on first use (ConfigError when the key is missing)."""
        if self._cipher is None:
            self._cipher = PiiCipher.from_environment()
        return self._cipher

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with the committed Alembic revisions (``leavehub db upgrade``).

        Serialised: two migrators on one database queue on a lock (a PostgreSQL advisory lock, SQLite's write
        lock) and the second finds the schema already there.
        """
        from alembic import command  # imported here: only deploys and tests migrate

        with self.engine.connect().execution_options(**WRITE) as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            command.upgrade(alembic_config(connection), revision)

    def schema_revisions(self) -> tuple[str | None, str]:
        """(the revision the database is at - None when never migrated -, the revision this code needs)."""
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert head is not None, "the store has migrations"
        with self.engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return None, head
            current = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        return current, head

    def require_current_schema(self) -> None:
        """ConfigError unless the database is at the schema this code needs: a run never migrates."""
        current, head = self.schema_revisions()
        if current == head:
            return
        state = "has no LeaveHub schema yet" if current is None else f"is at schema revision {current}"
        raise ConfigError(f"the store {state}; this release needs revision {head}: run `leavehub db upgrade` "
                          "(a run never migrates)", key_path=DB_URL_ENV)

    def dispose(self) -> None:
        """Close every pooled connection (tests, and workers before they fork)."""
        self.engine.dispose()

    # -- inbound ---------------------------------------------------------------------------------------------

    @contextmanager
    def intake(self, arrival: FileArrival) -> Iterator[Intake]:
        """Apply one file exactly once; raises DuplicateInput (after recording it) when its content is known."""
        intake = Intake(self, arrival)
        intake._claim()
        try:
            yield intake
        except BaseException as exc:
            intake._fail(exc)
            raise
        intake._finish()

    # -- reading ---------------------------------------------------------------------------------------------

    def current(self, entity: str, *, as_of_recorded: datetime | None = None, valid_on: date | None = None,
                decrypt_pii: bool = False, where: ColumnElement[bool] | None = None) -> pd.DataFrame:
        """Versions known at ``as_of_recorded`` (default now) and true on ``valid_on`` (default: open ones);
        ``where``: a condition on ``versions_table(entity)`` too (the rows of one check date, say)."""
        with self.engine.connect() as connection:
            return current_state.read_versions(
                connection, entity, as_of_recorded=as_of_recorded, valid_on=valid_on, decrypt_pii=decrypt_pii,
                cipher=self.cipher if decrypt_pii else None, extra=where)

    def changed_since(self, entity: str, watermark: datetime | None, *, until: datetime | None = None,
                      decrypt_pii: bool = False) -> pd.DataFrame:
        """Latest state of each record recorded after ``watermark`` (and at or before ``until``)."""
        with self.engine.connect() as connection:
            return current_state.read_changes(connection, entity, watermark, until=until,
                                              decrypt_pii=decrypt_pii, cipher=self.cipher if decrypt_pii else None)

    def history(self, entity: str, record_key: str, *, decrypt_pii: bool = False) -> pd.DataFrame:
        """Every version of one record, superseded ones included, oldest recorded first (two clocks each)."""
        with self.engine.connect() as connection:
            return current_state.read_history(connection, entity, record_key, decrypt_pii=decrypt_pii,
                                              cipher=self.cipher if decrypt_pii else None)

    def high_water(self, entity: str) -> datetime | None:
        """Newest ``recorded_at`` of ``entity``: the watermark for a batch built now."""
        with self.engine.connect() as connection:
            return current_state.high_water(connection, entity)

    @property
    def identity(self) -> IdentityCrosswalk:
        """Lookups over the effective-dated identity crosswalk (HRIS, payroll, TPA, carrier ids)."""
        return IdentityCrosswalk(self.engine)

    # -- ledger ----------------------------------------------------------------------------------------------

    def ledger(self, *, file_id: int | None = None, vendor: str | None = None, feed: str | None = None,
               status: str | None = None, business_date: date | None = None, name_suffix: str | None = None,
               limit: int | None = None) -> list[LedgerEntry]:
        """Ledger rows matching every filter given (``name_suffix``: how the file name ends), newest first."""
        with self.engine.connect() as connection:
            return ledger.query_ledger(connection, file_id=file_id, vendor=vendor, feed=feed, status=status,
                                       business_date=business_date, name_suffix=name_suffix, limit=limit)

    def record_missing(self, vendor: str, feed: str, business_date: date, *, expected_name: str = "") -> int:
        """Record that an expected file did not arrive (status MISSING)."""
        arrival = FileArrival(vendor, feed, "inbound", expected_name, None, None, None, None, business_date,
                              None, "", None)
        with self.engine.begin() as connection:
            return ledger.insert_ledger_row(connection, arrival, "MISSING", finished=True)

    def record_rejection(self, arrival: FileArrival, errors: list[RowError]) -> int:
        """Record a file refused before it could be staged (signature, unreadable layout) as REJECTED."""
        with self.engine.begin() as connection:
            return ledger.insert_ledger_row(connection, arrival, "REJECTED", errors=errors, finished=True)

    def record_set_member(self, arrival: FileArrival, status: str, *, read: int, set_id: int | None,
                          errors: list[RowError] | None = None) -> int:
        """Record one file of a file set: the set itself is one intake (its own ledger entry, all or nothing);
        each member gets an entry with its rows read and the set's status, ``batch_id`` ``set:<set id>``."""
        with self.engine.begin() as connection:
            return ledger.insert_ledger_row(connection, arrival, status, errors=errors, counts=(read, 0, 0),
                                            batch_id=f"set:{set_id}" if set_id is not None else None,
                                            duplicate_of=set_id if status == "DUPLICATE" else None,
                                            finished=True)

    def record_warnings(self, file_id: int, warnings: list[RowError]) -> None:
        """Keep an applied file's warnings (schema drift) on its ledger entry, in the errors column: an applied
        file has no errors, and one report shape serves both (each entry marked ``"severity": "warning"``)."""
        with self.engine.begin() as connection:
            connection.execute(update(FILE_LEDGER).where(FILE_LEDGER.c.id == file_id).values(
                errors=[{**w.as_dict(), "severity": "warning"} for w in warnings]))

    def mark_quarantined(self, file_id: int) -> None:
        """A rejected file was moved to quarantine."""
        with self.engine.begin() as connection:
            connection.execute(update(FILE_LEDGER).where(FILE_LEDGER.c.id == file_id)
                               .values(status="QUARANTINED", finished_at=utc_now()))

    # -- outbound --------------------------------------------------------------------------------------------

    def set_batch_record_count(self, batch_id: str, record_count: int) -> None:
        with self.engine.begin() as connection:
            ledger.set_batch_record_count(connection, batch_id, record_count)

    def build_batch(self, vendor: str, feed: str, *, watermark: datetime | None,
                    record_count: int | None = None, scope: Literal["feed", "vendor"] = "feed",
                    sequence: str | None = None) -> OutboundBatch:
        """The batch to send now: the pending one if a previous attempt built it, else the next one, numbered
        from ``sequence`` (see ``ledger.build_batch``: one number per builder, increasing, across processes)."""
        for _attempt in range(5):
            try:
                with self.engine.connect().execution_options(**WRITE) as connection, connection.begin():
                    return ledger.build_batch(connection, vendor, feed, watermark=watermark,
                                              record_count=record_count, scope=scope, sequence=sequence)
            except IntegrityError:  # a concurrent first builder created the sequence row: take the next number
                continue
        raise TransientError(f"could not allocate a control number for {vendor}/{feed}")

    def keep_artifact(self, artifact: OutboundArtifact) -> None:
        """Keep a built batch's file until it is SENT (a second build of the same batch keeps the first)."""
        from sqlalchemy import insert

        with self.engine.connect().execution_options(**WRITE) as connection, connection.begin():
            if connection.execute(select(OUTBOUND_ARTIFACT.c.batch_id)
                                  .where(OUTBOUND_ARTIFACT.c.batch_id == artifact.batch_id)).first() is None:
                connection.execute(insert(OUTBOUND_ARTIFACT).values(**artifact.__dict__, built_at=utc_now()))

    def artifact(self, batch_id: str) -> OutboundArtifact | None:
        """The kept file of a built, unsent batch (None when none is kept)."""
        with self.engine.connect() as connection:
            row = connection.execute(select(*(OUTBOUND_ARTIFACT.c[f.name] for f in fields(OutboundArtifact)))
                                     .where(OUTBOUND_ARTIFACT.c.batch_id == batch_id)).mappings().first()
        return None if row is None else OutboundArtifact(**row)

    def drop_artifact(self, batch_id: str) -> None:
        with self.engine.connect().execution_options(**WRITE) as connection, connection.begin():
            connection.execute(delete(OUTBOUND_ARTIFACT).where(OUTBOUND_ARTIFACT.c.batch_id == batch_id))

    def record_send(self, batch_id: str, *, file_name: str, size: int | None, sha256_sent: str | None,
                    sha256_plaintext: str | None, business_date: date | None = None,
                    schema_version: str = "", mapping_version: str | None = None) -> int:
        """Ledger row SENT for ``batch_id`` (idempotent: a re-send returns the first row's id)."""
        with self.engine.connect().execution_options(**WRITE) as connection, connection.begin():
            return ledger.record_send(connection, batch_id, file_name=file_name, size=size,
                                      sha256_sent=sha256_sent, sha256_plaintext=sha256_plaintext,
                                      business_date=business_date, schema_version=schema_version,
                                      mapping_version=mapping_version)

    def last_sent_watermark(self, vendor: str, feed: str) -> datetime | None:
        """The watermark of the last batch sent to vendor/feed: "changes since" start after it."""
        with self.engine.connect() as connection:
            return ledger.last_sent_watermark(connection, vendor, feed)


def alembic_config(connection: Connection | None = None, url: str | None = None):
    """An Alembic Config for the store's migrations, bound to ``connection`` (or ``url``)."""
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


class Intake:
    """One file being applied: stage chunks, or reject; the ``with`` block's exit merges and commits.

    After the block, ``outcomes`` holds what happened to every record, per entity (the ledger row keeps the
    same counts); ``applied`` is the versions written (applied + tie_applied).
    """

    def __init__(self, store: Store, arrival: FileArrival) -> None:
        self.store = store
        self.arrival = arrival
        self.file_id: int | None = None
        self.read = 0
        self.applied = 0
        self.closed = 0
        self.outcomes: dict[str, RecordOutcomes] = {}
        self.state = "new"
        self._rules: dict[str, SupersedePlan] = {}
        self._settled: dict[str, RepeatedKeys] = {}
        self._staged_keys: dict[str, list[pa.Array]] = {}  # record keys staged, until repeats are ruled out
        self._now = utc_now()
        self._connection: Connection | None = None
        self._keys: tuple[str | None, str | None] = (None, None)
        self._holder: int | None = None
        self._content_settled_late = False

    def stage(self, entity: str, frame: pd.DataFrame, supersede: SupersedePlan | SupersedeRule | str) -> int:
        """Stage one chunk of canonical rows of ``entity``; returns the rows staged.

        ``frame`` carries ``record_key``, ``_row`` and optionally ``_line`` (the physical line, for reports).
        """
        if self.state != "open" or self._connection is None or self.file_id is None:
            raise RuntimeError(f"cannot stage into an intake that is {self.state}")
        if entity not in VERSIONED_ENTITIES:
            raise ValueError(f"{entity!r} is not a stored entity")
        rule = SupersedePlan.of(supersede)
        if entity not in self._rules:
            create_stage_table(self._connection, entity)
        if self._rules.setdefault(entity, rule) != rule:
            raise ValueError(f"{entity}: staged with two supersede rules in one file")
        needs_key = any(c.pii_kind for c in entity_columns(entity))
        rows = stage_rows(entity, frame, first_id=self.read + 1,
                          default_valid_from=self.arrival.business_date or self._now.date(),
                          cipher=self.store.cipher if needs_key else None)
        staged = write_rows(self._connection, stage_table(entity), rows)
        self._staged_keys.setdefault(entity, []).append(rows.column("record_key"))
        self.read += staged
        return staged

    def _settle(self, entity: str) -> RepeatedKeys | None:
        """What settling ``entity``'s repeated keys gave; without a query when no key was staged twice (one
        hash count over the keys kept while staging); None when the database must settle them."""
        if entity not in self._settled:
            keys = pa.chunked_array(self._staged_keys.pop(entity, []), pa.string())
            if pc.count_distinct(keys).as_py() == len(keys):
                self._settled[entity] = RepeatedKeys()
            elif self._connection is not None:
                self._settled[entity] = settle_repeated_keys(self._connection, entity, self._rules[entity])
        return self._settled.get(entity)

    def repeated_keys(self) -> list[RowError]:
        """Settle record keys staged more than once (after the last chunk); an error per row that conflicts.

        Exact copies and older stamps are resolved and counted; rows left sharing a key with different values
        come back as errors naming each other's lines (reject the file with them). Without this call the
        merge does the same and raises ``ValidationFailed``.
        """
        if self.state != "open" or self._connection is None or self.file_id is None:
            raise RuntimeError(f"cannot check an intake that is {self.state}")
        errors: list[RowError] = []
        for entity in self._rules:
            settled = self._settle(entity)
            errors += settled.errors if settled is not None else []
        return errors

    def settle_content(self, sha256: str, size: int) -> None:
        """Name content that is known only once it has been read through (an API pull, hashed while it streams
        into this intake, opened without a hash): it is claimed when the intake commits, and content the store
        already holds makes the intake a DUPLICATE then (``DuplicateInput``; everything staged rolled back)."""
        if self.state != "open":
            raise RuntimeError(f"cannot settle the content of an intake that is {self.state}")
        self.arrival = replace(self.arrival, sha256_received=sha256, sha256_plaintext=sha256, size=size)
        self._content_settled_late = True

    def reject(self, errors: list[RowError]) -> int:
        """Roll back everything staged and record the file REJECTED with ``errors``; returns the ledger id."""
        self._rollback()
        rejected_rows = len({e.row for e in errors if e.row is not None}) or len(errors)
        with self.store.engine.begin() as connection:
            self.file_id = ledger.insert_ledger_row(connection, self.arrival, "REJECTED", errors=errors,
                                                    counts=(self.read, 0, rejected_rows), finished=True)
        self.state = "rejected"
        return self.file_id

    # -- driven by Store.intake ------------------------------------------------------------------------------

    def _claim(self) -> None:
        self._keys = ledger.claim_keys(self.arrival, empty=self.arrival.record_count == 0)
        for _attempt in range(3):
            connection = self.store.engine.connect().execution_options(**WRITE)
            connection.begin()
            try:
                self.file_id = ledger.insert_ledger_row(connection, self.arrival, "RECEIVED",
                                                        content_key=self._keys[0], control_key=self._keys[1])
            except IntegrityError:
                connection.rollback()
                connection.close()
                if self._record_duplicate():
                    raise self._duplicate_error() from None
                continue  # the holder rolled back meanwhile: claim again
            self._connection = connection
            self.state = "open"
            return
        raise TransientError(f"could not claim {self.arrival.vendor}/{self.arrival.feed} file")

    def _record_duplicate(self) -> bool:
        with self.store.engine.connect().execution_options(**WRITE) as connection, connection.begin():
            holder = ledger.find_claim_holder(connection, *self._keys)
            if holder is None:
                return False
            self.file_id = ledger.insert_ledger_row(connection, self.arrival, "DUPLICATE", duplicate_of=holder,
                                                    finished=True)
            self._holder = holder
        self.state = "duplicate"
        return True

    def _duplicate_error(self) -> DuplicateInput:
        return DuplicateInput(f"{self.arrival.vendor}/{self.arrival.feed}: this content or control number was "
                              f"received before as ledger file {self._holder}", original_file_id=self._holder)

    def _finish(self) -> None:
        if self.state != "open" or self._connection is None or self.file_id is None:
            return
        connection = self._connection
        context = MergeContext(self.file_id, self.arrival.vendor, self.arrival.feed, self.arrival.business_date,
                               self.arrival.file_kind, self.arrival.schema_version, self.arrival.mapping_version,
                               self._now)
        try:
            for entity, rule in self._rules.items():
                counts = merge_staged(connection, entity, context, rule, self._settle(entity))
                self.outcomes[entity] = counts
                self.applied += counts.written
                self.closed += counts.closed
            values: dict[str, object] = {
                "status": "APPLIED", "records_read": self.read, "records_applied": self.applied,
                "outcomes": {entity: counts.as_dict() for entity, counts in self.outcomes.items()},
                "finished_at": utc_now()}
            if self._content_settled_late:
                self._keys = ledger.claim_keys(self.arrival, empty=self.read == 0)
                values.update(content_key=self._keys[0], size_bytes=self.arrival.size,
                              sha256_received=self.arrival.sha256_received,
                              sha256_plaintext=self.arrival.sha256_plaintext)
            elif self.read == 0 and self.arrival.record_count is None:
                values["content_key"] = ledger.claim_keys(self.arrival, empty=True)[0]
            connection.execute(update(FILE_LEDGER).where(FILE_LEDGER.c.id == self.file_id).values(**values))
            connection.commit()
        except IntegrityError as exc:
            self._rollback()
            if self.read == 0 or self._content_settled_late:
                if not self._content_settled_late:
                    self._keys = ledger.claim_keys(self.arrival, empty=True)
                if self._record_duplicate():
                    raise self._duplicate_error() from None
            self._record_failure(exc)
            raise TransientError(f"{self.arrival.vendor}/{self.arrival.feed}: a concurrent writer changed the "
                                 "same records; retry") from exc
        except BaseException as exc:
            self._fail(exc)
            raise
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
        self.state = "applied"

    def _fail(self, exc: BaseException) -> None:
        if self.state != "open":
            return
        self._rollback()
        self._record_failure(exc)

    def _record_failure(self, exc: BaseException) -> None:
        if isinstance(exc, RejectedInput):
            status, errors = "REJECTED", exc.errors or [RowError(row=None, field=exc.field, reason=exc.reason,
                                                                 line=exc.line)]
        elif isinstance(exc, LeaveHubError):
            status, errors = "FAILED", [RowError(row=None, field=None, reason=str(exc))]
        else:  # a foreign exception's text may echo a value: keep only its class
            status, errors = "FAILED", [RowError(row=None, field=None, reason=type(exc).__name__)]
        rejected = len({(e.row, e.line) for e in errors if e.row is not None or e.line is not None})
        with self.store.engine.begin() as connection:
            self.file_id = ledger.insert_ledger_row(connection, self.arrival, status, errors=errors,
                                                    counts=(self.read, 0, rejected), finished=True)
        self.state = status.lower()

    def _rollback(self) -> None:
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._connection = None
