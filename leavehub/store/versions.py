"""History, not overwrite: merge a file's staged rows into an entity's versions by the feed's supersede rule.

Every version row carries valid time (``valid_from``/``valid_to``: when the fact was true) and recorded time
(``recorded_at``/``superseded_at``: when we knew it). Rows are never updated except to set
``superseded_at``; a correction that starts later than the version it replaces leaves a closed copy of the
old one (valid until the new one starts), so "what was true on date Y" still finds it. Rules, per feed:

- ``updated_at``     the row with the later ``updated_at`` wins; older never wins, equal is a no-op
- ``file_date``      the file with the later business date wins (same date: the later arrival)
- ``append_only``    events: a record key is written once, later copies are ignored
- ``full_snapshot``  as ``file_date``, and keys of this vendor absent from a FULL file are closed

Identical content (same row hash as the open version) is always a no-op, so re-applying rows is idempotent.
All statements are set-based SQL over the staging table: no per-row Python.

Example::

    counts = merge_staged(connection, "leave_period", context, SupersedeRule.UPDATED_AT)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
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

from leavehub.store.tables import entity_columns, staging_table, versions_table
from schemas.errors import ConfigError

__all__ = ["MergeContext", "MergeCounts", "SupersedeRule", "merge_staged", "value_column_names"]


class SupersedeRule(StrEnum):
    """How a newer row for the same vendor record key replaces the current version (see module doc)."""

    UPDATED_AT = "updated_at"
    FILE_DATE = "file_date"
    APPEND_ONLY = "append_only"
    FULL_SNAPSHOT = "full_snapshot"


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
class MergeCounts:
    """Rows staged, versions written, and keys closed because a full file no longer listed them."""

    read: int
    applied: int
    closed: int = 0


def value_column_names(entity: str) -> list[str]:
    """The stored value columns of ``entity`` (PII as ``_enc`` and ``_hash``)."""
    names: list[str] = []
    for col in entity_columns(entity):
        names.extend([f"{col.column}_enc", f"{col.column}_hash"] if col.pii_kind else [col.column])
    return names


def merge_staged(connection: Connection, entity: str, ctx: MergeContext, rule: SupersedeRule) -> MergeCounts:
    """Apply the staged rows of ``ctx.file_id`` to ``<entity>_versions``; the caller owns the transaction."""
    rule = SupersedeRule(rule)
    v, s = versions_table(entity), staging_table(entity)
    mine = s.c.file_id == ctx.file_id
    read = connection.execute(select(func.count()).select_from(s).where(mine)).scalar_one()
    _keep_one_row_per_key(connection, s, mine, entity, rule)

    closed = 0
    if rule is SupersedeRule.FULL_SNAPSHOT and (ctx.file_kind or "").lower() == "full":
        closed = _close_absent_keys(connection, entity, v, s, ctx)

    same_key = and_(v.c.source_vendor == ctx.vendor, v.c.record_key == s.c.record_key)
    current = and_(same_key, v.c.superseded_at.is_(None))
    losing: list[ColumnElement[bool]] = [
        exists().where(current, v.c.valid_to.is_(None), v.c.row_hash == s.c.row_hash)  # same content
    ]
    if rule is SupersedeRule.APPEND_ONLY:
        losing.append(exists().where(same_key))
    elif rule is SupersedeRule.UPDATED_AT:
        stamp = _updated_at_column(entity)
        losing.append(exists().where(current, v.c[stamp].is_not(None),
                                     or_(s.c[stamp].is_(None), v.c[stamp] >= s.c[stamp])))
    elif ctx.business_date is not None:
        losing.append(exists().where(current, v.c.source_business_date > ctx.business_date))
    connection.execute(delete(s).where(mine, or_(*losing)))

    if rule is not SupersedeRule.APPEND_ONLY:
        overlapped = exists().where(mine, s.c.record_key == v.c.record_key,
                                    or_(v.c.valid_to.is_(None), v.c.valid_to > s.c.valid_from))
        connection.execute(
            update(v)
            .where(v.c.source_vendor == ctx.vendor, v.c.superseded_at.is_(None), overlapped)
            .values(superseded_at=ctx.now, superseded_by_file_id=ctx.file_id)
        )
        _keep_earlier_part(connection, entity, v, s, ctx)

    values = value_column_names(entity)
    winners = select(
        s.c.record_key, literal(ctx.vendor), literal(ctx.feed), s.c.valid_from,
        literal(ctx.now, v.c.recorded_at.type),
        literal(ctx.file_id), s.c.source_row, literal(ctx.business_date, v.c.source_business_date.type),
        literal(ctx.schema_version), literal(ctx.mapping_version, v.c.mapping_version.type), s.c.row_hash,
        *(s.c[n] for n in values),
    ).where(mine)
    target = ["record_key", "source_vendor", "source_feed", "valid_from", "recorded_at", "source_file_id",
              "source_row", "source_business_date", "schema_version", "mapping_version", "row_hash", *values]
    applied = connection.execute(select(func.count()).select_from(s).where(mine)).scalar_one()
    connection.execute(insert(v).from_select(target, winners))
    connection.execute(delete(s).where(mine))
    return MergeCounts(read=read, applied=applied, closed=closed)


def _updated_at_column(entity: str) -> str:
    for col in entity_columns(entity):
        if col.name == "updated_at":
            return col.column
    raise ConfigError(f"entity {entity!r} has no updated_at field: it cannot use the updated_at supersede rule",
                      key_path="supersede")


def _keep_one_row_per_key(connection: Connection, s: Table, mine: ColumnElement[bool], entity: str,
                          rule: SupersedeRule) -> None:
    """Within one file the last row for a key wins (latest ``updated_at`` first; events: the first row)."""
    if rule is SupersedeRule.APPEND_ONLY:
        order = [s.c.stg_id.asc()]
    elif rule is SupersedeRule.UPDATED_AT:
        order = [s.c[_updated_at_column(entity)].desc().nulls_last(), s.c.stg_id.desc()]
    else:
        order = [s.c.stg_id.desc()]
    rank = func.row_number().over(partition_by=s.c.record_key, order_by=order).label("rank")
    ranked = select(s.c.stg_id, rank).where(mine).subquery()
    extra = select(ranked.c.stg_id).where(ranked.c.rank > 1)
    connection.execute(delete(s).where(mine, s.c.stg_id.in_(extra)))


def _copy_columns(entity: str) -> list[str]:
    return ["record_key", "source_vendor", "source_feed", "valid_from", "source_file_id", "source_row",
            "source_business_date", "schema_version", "mapping_version", "row_hash", *value_column_names(entity)]


def _keep_earlier_part(connection: Connection, entity: str, v: Table, s: Table, ctx: MergeContext) -> None:
    """A superseded version that started before its replacement stays true until the replacement starts."""
    names = _copy_columns(entity)
    older = (
        select(*(v.c[n] for n in names), s.c.valid_from, literal(ctx.now, v.c.recorded_at.type))
        .join_from(v, s, and_(s.c.file_id == ctx.file_id, s.c.record_key == v.c.record_key))
        .where(v.c.source_vendor == ctx.vendor, v.c.superseded_by_file_id == ctx.file_id,
               v.c.superseded_at == ctx.now, v.c.valid_from < s.c.valid_from)
    )
    connection.execute(insert(v).from_select([*names, "valid_to", "recorded_at"], older))


def _close_absent_keys(connection: Connection, entity: str, v: Table, s: Table, ctx: MergeContext) -> int:
    """Keys of this vendor that a FULL file no longer lists end on the file's business date."""
    ends_on = ctx.business_date or ctx.now.date()
    listed = exists().where(s.c.file_id == ctx.file_id, s.c.record_key == v.c.record_key)
    closing = and_(v.c.source_vendor == ctx.vendor, v.c.superseded_at.is_(None), v.c.valid_to.is_(None),
                   or_(v.c.source_business_date.is_(None), v.c.source_business_date <= ends_on), ~listed)
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

