"""History, not overwrite: merge a file's staged rows into an entity's versions by the feed's supersede rule.

Every version row carries valid time (``valid_from``/``valid_to``: when the fact was true) and recorded time
(``recorded_at``/``superseded_at``: when we knew it). Rows are never updated except to set
``superseded_at``; a correction that starts later than the version it replaces leaves a closed copy of the
old one (valid until the new one starts), so "what was true on date Y" still finds it. Rules, per feed:

- ``updated_at``     the row with the later stamp (the feed's ``supersede.column``) wins; an older one is stale
- ``file_date``      the file with the later business date wins; an older file's row is stale
- ``append_only``    events: a record key is written once, later copies with other content are stale
- ``full_snapshot``  as ``file_date``, and keys of this vendor absent from a FULL file are closed; with a
                     ``scope`` (canonical fields, e.g. a register's company and check date) only the keys
                     sharing a scope value with a row of the file are: a snapshot per check date replaces
                     that check date's rows and leaves every other check date alone

Nothing is lost on a tie: the same key with the same supersede value (stamp, or business date) but different
content is applied as a new version when it comes from the later file (business date, then receipt order) and
counted ``tie_applied``. Identical content (same row hash as the open version) is ``unchanged``, so
re-applying rows is idempotent. Within one file a record key appears once: exact copies are dropped and
counted (``duplicate``), an older stamp loses to a newer one of the same file (``overridden``), and two rows
with the same key and supersede value but different values reject the file naming both lines, unless the
feed opts into ``last_row_wins`` (the later row then overrides). Every staged row lands in exactly one count.
All statements are set-based SQL over the staging table: no per-row Python.

Example::

    outcomes = merge_staged(connection, "leave_period", context, SupersedePlan(SupersedeRule.UPDATED_AT))
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

from leavehub.store.stage_tables import stage_table
from leavehub.store.tables import entity_columns, versions_table
from schemas.errors import ConfigError, RowError, ValidationFailed

__all__ = ["MergeContext", "RecordOutcomes", "RepeatedKeys", "SupersedePlan", "SupersedeRule", "WithinFile",
           "merge_staged", "same_content", "settle_repeated_keys", "value_column_names"]

WithinFile = Literal["reject", "last_row_wins"]
_MAX_REPORTED_KEYS = 500
MERGE_WORK_MEM = "128MB"
"""PostgreSQL ``work_mem`` of a merge transaction (``SET LOCAL``: it ends with the transaction)."""


class SupersedeRule(StrEnum):
    """How a newer row for the same vendor record key replaces the current version (see module doc)."""

    UPDATED_AT = "updated_at"
    FILE_DATE = "file_date"
    APPEND_ONLY = "append_only"
    FULL_SNAPSHOT = "full_snapshot"


@dataclass(frozen=True)
class SupersedePlan:
    """A feed's supersede rule, the canonical field holding its stamp (``updated_at`` rule), what to do
    with two rows of one key in one file, and the fields a ``full_snapshot`` is scoped by (empty: vendor-wide)."""

    rule: SupersedeRule
    stamp: str | None = None
    within_file: WithinFile = "reject"
    scope: tuple[str, ...] = ()

    @classmethod
    def of(cls, value: SupersedePlan | SupersedeRule | str) -> SupersedePlan:
        return value if isinstance(value, SupersedePlan) else cls(SupersedeRule(value))

    def stamp_column(self, entity: str) -> str | None:
        """The stored column compared under ``updated_at`` (default: the entity's ``updated_at`` field)."""
        if self.rule is not SupersedeRule.UPDATED_AT:
            return None
        wanted = self.stamp or "updated_at"
        for col in entity_columns(entity):
            if col.name == wanted and col.python_type is datetime and not col.pii_kind:
                return col.column
        raise ConfigError(f"entity {entity!r} has no date-time field {wanted!r} to compare under the updated_at "
                          "supersede rule", key_path="supersede.column")


@dataclass(frozen=True)
class MergeContext:
    """What the merge needs to know about the file being applied."""

    file_id: int
    vendor: str
    feed: str
    business_date: date | None
    file_kind: str | None
    schema_version: str
    mapping_version: str | None
    now: datetime


@dataclass(frozen=True)
class RecordOutcomes:
    """What happened to each staged record of one entity; the counts add up to the records read.

    ``applied`` new or newer versions; ``tie_applied`` same supersede value, new content, later file;
    ``unchanged`` same content as stored; ``stale`` older than what is stored; ``overridden`` lost to a later
    row of the same key in the same file; ``duplicate`` exact copies within the file. ``closed`` counts stored
    keys a FULL file no longer lists (not records of this file).
    """

    applied: int = 0
    tie_applied: int = 0
    unchanged: int = 0
    stale: int = 0
    overridden: int = 0
    duplicate: int = 0
    closed: int = 0

    @property
    def read(self) -> int:
        return self.applied + self.tie_applied + self.unchanged + self.stale + self.overridden + self.duplicate

    @property
    def written(self) -> int:
        """New versions written (applied + tie_applied)."""
        return self.applied + self.tie_applied

    def __add__(self, other: RecordOutcomes) -> RecordOutcomes:
        return RecordOutcomes(**{k: getattr(self, k) + getattr(other, k) for k in asdict(self)})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def value_column_names(entity: str) -> list[str]:
    """The stored value columns of ``entity`` (PII as ``_enc`` and ``_hash``)."""
    names: list[str] = []
    for col in entity_columns(entity):
        names.extend([f"{col.column}_enc", f"{col.column}_hash"] if col.pii_kind else [col.column])
    return names


@dataclass(frozen=True)
class RepeatedKeys:
    """The file's repeated record keys, settled: exact copies dropped, older stamps overridden, and an error
    per row of every key still repeated with different values (the file must then be rejected)."""

    duplicate: int = 0
    overridden: int = 0
    errors: tuple[RowError, ...] = ()


def merge_staged(connection: Connection, entity: str, ctx: MergeContext,
                 plan: SupersedePlan | SupersedeRule | str, settled: RepeatedKeys | None = None) -> RecordOutcomes:
    """Apply the intake's staged rows (``stage_<entity>``) to ``<entity>_versions`` and drop the stage table;
    the caller owns the transaction.

    ``settled`` is what ``settle_repeated_keys`` already did for this file. Raises ``ValidationFailed``
    (nothing applied) when two rows of the file share a record key with different values and the feed did
    not opt into ``last_row_wins``.
    """
    plan = SupersedePlan.of(plan)
    v, s = versions_table(entity), stage_table(entity)
    stamp = plan.stamp_column(entity)
    _prepare_stage(connection, s)
    settled = settled or settle_repeated_keys(connection, entity, plan)
    if settled.errors:
        raise ValidationFailed("record keys repeat with different values; the whole file is rejected",
                               errors=list(settled.errors))

    closed = 0
    if plan.rule is SupersedeRule.FULL_SNAPSHOT and (ctx.file_kind or "").lower() == "full":
        closed = _close_absent_keys(connection, entity, v, s, ctx, plan.scope)

    outcome, open_version = _outcome(entity, v, s, ctx, plan, stamp), _open_version(v, s, ctx)
    met = select(outcome.label("outcome")).select_from(s.outerjoin(v, open_version)).subquery()
    counted = dict(connection.execute(select(met.c.outcome, func.count()).group_by(met.c.outcome)).all())
    if counted.get("unchanged") or counted.get("stale"):
        connection.execute(delete(s).where(exists().where(open_version, outcome.in_(["unchanged", "stale"]))))

    replacing = counted.get("applied", 0) + counted.get("tie_applied", 0)
    if plan.rule is not SupersedeRule.APPEND_ONLY and (replacing or closed or plan.rule is
                                                       SupersedeRule.FULL_SNAPSHOT):
        overlapped = exists().where(s.c.record_key == v.c.record_key,
                                    or_(v.c.valid_to.is_(None), v.c.valid_to > s.c.valid_from))
        superseded = connection.execute(
            update(v)
            .where(v.c.source_vendor == ctx.vendor, v.c.superseded_at.is_(None), overlapped)
            .values(superseded_at=ctx.now, superseded_by_file_id=ctx.file_id)
        ).rowcount
        if superseded:
            _keep_earlier_part(connection, entity, v, s, ctx)

    values = value_column_names(entity)
    winners = select(
        s.c.record_key, literal(ctx.vendor), literal(ctx.feed), s.c.valid_from,
        literal(ctx.now, v.c.recorded_at.type),
        literal(ctx.file_id), s.c.source_row, literal(ctx.business_date, v.c.source_business_date.type),
        literal(ctx.schema_version), literal(ctx.mapping_version, v.c.mapping_version.type),
        *(s.c[n] for n in values),
    )
    target = ["record_key", "source_vendor", "source_feed", "valid_from", "recorded_at", "source_file_id",
              "source_row", "source_business_date", "schema_version", "mapping_version", *values]
    connection.execute(insert(v).from_select(target, winners))
    s.drop(connection)
    outcomes = RecordOutcomes(applied=counted.get(None, 0) + counted.get("applied", 0),
                              tie_applied=counted.get("tie_applied", 0), unchanged=counted.get("unchanged", 0),
                              stale=counted.get("stale", 0), overridden=settled.overridden,
                              duplicate=settled.duplicate, closed=closed)
    _refresh_statistics(connection, v, outcomes.written)
    return outcomes


def same_content(entity: str, a: Table, b: Table) -> ColumnElement[bool]:
    """Every canonical value of ``a``'s row equals ``b``'s, NULL equal to NULL (PII compared by match hash).

    Exact, column by column: no content hash that two different rows could share.
    """
    checks = []
    for col in entity_columns(entity):
        name = f"{col.column}_hash" if col.pii_kind else col.column
        left, right = a.c[name], b.c[name]
        if isinstance(left.type, JSON):  # PostgreSQL's json has no equality: compare its text
            left, right = cast(left, Text), cast(right, Text)
        checks.append(left.is_not_distinct_from(right))
    return and_(*checks)


def settle_repeated_keys(connection: Connection, entity: str,
                         plan: SupersedePlan | SupersedeRule | str) -> RepeatedKeys:
    """Leave one staged row per record key where the rules allow it; report the rows where they do not.

    An exact copy of a row is dropped and counted. Under ``updated_at`` a row with an older stamp than another
    row of the same key is overridden. Rows left sharing a key differ in content at the same supersede value:
    each gets an error naming the other rows' lines, unless the feed opted into ``last_row_wins``.
    """
    plan = SupersedePlan.of(plan)
    s = stage_table(entity)
    stamp = plan.stamp_column(entity)
    _prepare_stage(connection, s)
    if not _has_repeated_keys(connection, s):
        return RepeatedKeys()
    other = s.alias("other")
    same_key = other.c.record_key == s.c.record_key
    duplicate = connection.execute(delete(s).where(exists().where(
        same_key, other.c.stg_id > s.c.stg_id, same_content(entity, other, s)))).rowcount
    overridden = 0
    if stamp is not None:
        newer = or_(other.c[stamp] > s.c[stamp], and_(s.c[stamp].is_(None), other.c[stamp].is_not(None)))
        overridden = connection.execute(delete(s).where(exists().where(same_key, newer))).rowcount
    if not _has_repeated_keys(connection, s):
        return RepeatedKeys(duplicate, overridden)
    if plan.within_file == "last_row_wins":
        later = exists().where(same_key, other.c.stg_id > s.c.stg_id)
        return RepeatedKeys(duplicate, overridden + connection.execute(delete(s).where(later)).rowcount)
    return RepeatedKeys(duplicate, overridden, tuple(_repeated_key_errors(connection, s)))


def _has_repeated_keys(connection: Connection, s: Table) -> bool:
    """One grouping pass (a hash aggregate on PostgreSQL, the key index on SQLite), stopping at the first
    repeat; ``count(DISTINCT ...)`` would sort every key instead."""
    repeated = select(s.c.record_key).group_by(s.c.record_key).having(func.count() > 1).limit(1)
    return connection.execute(select(exists(repeated))).scalar_one()


def _repeated_key_errors(connection: Connection, s: Table) -> list[RowError]:
    """One error per row of every repeated key, naming the other rows' lines (never the key's value)."""
    keys = select(s.c.record_key).group_by(s.c.record_key).having(func.count() > 1) \
        .limit(_MAX_REPORTED_KEYS).subquery()
    rows = connection.execute(
        select(s.c.record_key, s.c.source_row, s.c.source_line)
        .where(s.c.record_key.in_(select(keys.c.record_key))).order_by(s.c.stg_id)).all()
    groups: dict[str, list[tuple[int | None, int | None]]] = {}
    for key, row, line in rows:
        groups.setdefault(key, []).append((row, line))
    errors = []
    for members in groups.values():
        for row, line in members:
            others = ", ".join(str(o_line or o_row) for o_row, o_line in members if (o_row, o_line) != (row, line))
            errors.append(RowError(row=row, line=line, field="record_key",
                                   reason=f"the same record key with different values is on line(s) {others}"))
    return sorted(errors, key=lambda e: (e.line or e.row or 0))


def _prepare_stage(connection: Connection, s: Table) -> None:
    """Let the merge's joins on ``record_key`` be set-based: PostgreSQL gets statistics for its hash joins and,
    for this transaction only, ``MERGE_WORK_MEM`` per hash or sort (the default 4MB splits a million-row join
    into batches spilled to disk); SQLite (nested loops only) gets an index, so a correlated lookup never scans
    the stage table per row.

    Idempotent (settling repeated keys and the merge both call it): a table PostgreSQL has analysed has a row
    estimate (``reltuples``, -1 before), and SQLite's index is created only if missing."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'")
        if _row_estimate(connection, s) < 0:
            connection.exec_driver_sql(f"ANALYZE {s.name} (record_key)")
    else:
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_{s.name}_key ON {s.name} (record_key, stg_id)")


ANALYZE_AFTER_ROWS = 1_000
"""A merge that wrote at least this many versions, and at least a tenth of the table, analyses it (PostgreSQL)."""


def _refresh_statistics(connection: Connection, v: Table, written: int) -> None:
    """After a bulk merge, PostgreSQL's statistics of ``v`` are refreshed in the same transaction, not a minute
    or more later by autovacuum: a query planned on a table it believes empty (a pay run's select of a few
    thousand people right after the first big load) picks a nested loop that compares every row with every
    other - seconds at 10,000 employees, minutes at 100,000. SQLite plans without statistics."""
    if connection.dialect.name != "postgresql" or written < ANALYZE_AFTER_ROWS:
        return
    if written * 10 >= _row_estimate(connection, v):
        connection.exec_driver_sql(f"ANALYZE {v.name}")


def _row_estimate(connection: Connection, table: Table) -> float:
    """PostgreSQL's row estimate of ``table`` (``reltuples``): -1 until it is first analysed."""
    return connection.exec_driver_sql(
        f"SELECT reltuples FROM pg_class WHERE oid = '{table.name}'::regclass").scalar_one()


def _open_version(v: Table, s: Table, ctx: MergeContext) -> ColumnElement[bool]:
    """The stored version a staged row meets: this vendor's open version of its key (at most one)."""
    return and_(v.c.source_vendor == ctx.vendor, v.c.record_key == s.c.record_key, v.c.superseded_at.is_(None),
                v.c.valid_to.is_(None))


def _outcome(entity: str, v: Table, s: Table, ctx: MergeContext, plan: SupersedePlan,
             stamp: str | None) -> ColumnElement[str]:
    """What a staged row becomes against its open stored version: unchanged, stale, tie_applied or applied;
    NULL when the store holds no open version of its key (applied too).

    A tie (same supersede value, different content) goes to the later file: the later business date, then
    the later receipt. This file is the latest received, so it wins unless the stored version's file has a
    later business date.
    """
    later_file = or_(literal(ctx.business_date, v.c.source_business_date.type).is_(None),
                     v.c.source_business_date.is_(None), v.c.source_business_date <= ctx.business_date)
    whens: list[tuple[ColumnElement[bool], str]] = [(same_content(entity, v, s), "unchanged")]
    if plan.rule is SupersedeRule.APPEND_ONLY:
        whens.append((literal(True), "stale"))
    elif stamp is not None:
        whens += [(and_(v.c[stamp].is_not(None), or_(s.c[stamp].is_(None), v.c[stamp] > s.c[stamp])), "stale"),
                  (and_(v.c[stamp] == s.c[stamp], later_file), "tie_applied"),
                  (v.c[stamp] == s.c[stamp], "stale")]
    elif ctx.business_date is not None:
        whens += [(v.c.source_business_date > ctx.business_date, "stale"),
                  (v.c.source_business_date == ctx.business_date, "tie_applied")]
    else:
        whens.append((v.c.source_business_date.is_(None), "tie_applied"))
    return case((v.c.version_id.is_(None), literal(None, String())), *whens, else_=literal("applied", String()))


def _copy_columns(entity: str) -> list[str]:
    return ["record_key", "source_vendor", "source_feed", "valid_from", "source_file_id", "source_row",
            "source_business_date", "schema_version", "mapping_version", *value_column_names(entity)]


def _keep_earlier_part(connection: Connection, entity: str, v: Table, s: Table, ctx: MergeContext) -> None:
    """A superseded version that started before its replacement stays true until the replacement starts."""
    names = _copy_columns(entity)
    older = (
        select(*(v.c[n] for n in names), s.c.valid_from, literal(ctx.now, v.c.recorded_at.type))
        .join_from(s, v, s.c.record_key == v.c.record_key)
        .where(v.c.source_vendor == ctx.vendor, v.c.superseded_by_file_id == ctx.file_id,
               v.c.superseded_at == ctx.now, v.c.valid_from < s.c.valid_from)
    )
    connection.execute(insert(v).from_select([*names, "valid_to", "recorded_at"], older))


def _close_absent_keys(connection: Connection, entity: str, v: Table, s: Table, ctx: MergeContext,
                       scope: tuple[str, ...] = ()) -> int:
    """Keys of this vendor that a FULL file no longer lists end on the file's business date (with ``scope``:
    only keys whose scope fields equal those of some row of the file)."""
    ends_on = ctx.business_date or ctx.now.date()
    listed = exists().where(s.c.record_key == v.c.record_key)
    stored = {col.name: col.column for col in entity_columns(entity)}
    in_scope = [exists().where(*(s.c[stored[name]] == v.c[stored[name]] for name in scope))] if scope else []
    closing = and_(v.c.source_vendor == ctx.vendor, v.c.superseded_at.is_(None), v.c.valid_to.is_(None),
                   or_(v.c.source_business_date.is_(None), v.c.source_business_date <= ends_on), ~listed,
                   *in_scope)
    closed = connection.execute(
        update(v).where(closing).values(superseded_at=ctx.now, superseded_by_file_id=ctx.file_id)
    ).rowcount
    if closed:
        names = [n for n in _copy_columns(entity) if n != "source_file_id"]
        end = case((v.c.valid_from > ends_on, v.c.valid_from), else_=literal(ends_on, v.c.valid_to.type))
        rows = select(*(v.c[n] for n in names), end, literal(ctx.now, v.c.recorded_at.type),
                      literal(ctx.file_id)).where(
            v.c.superseded_by_file_id == ctx.file_id, v.c.superseded_at == ctx.now, v.c.valid_to.is_(None))
        connection.execute(insert(v).from_select([*names, "valid_to", "recorded_at", "source_file_id"], rows))
    return closed

