"""Read only what an outbound mapping can use: its source query's filters, pushed into the store's SQL.

An outbound mapping's ``source`` names a base entity and joins; its ``filters`` keep some joined rows. Reading
every current version of every entity (PII opened) and filtering in memory costs most of a large file's build.
So before reading, the parts of the query SQL can answer are given to ``read_versions`` as its ``extra`` clause:

- on the BASE entity: every conjunct of ``filters`` that tests a base column with ``eq``, ``in``, ``is_null``,
  ``not_null``, ``gt``, ``ge``, ``lt`` or ``le`` against a literal or the business date (``business_date -
  35d``); ``any`` when all its branches translate. Anything else (``ne``, ``not``, a joined column, a text
  date) is left to the mapping, which still applies the whole filter afterwards: pushing down only ever
  removes rows the mapping would drop, so the file is the same;
- on each JOINED entity: its rows whose join keys (the ones the base has under the same name) are among the
  base rows read, and its join's ``where`` translated the same way; an entity joined twice reads the union.

Example::

    extras = source_filters(feed.mapping, business_date=date(2026, 12, 7))
    read_versions(connection, "enrollment", extra=extras["enrollment"], decrypt_pii=True, cipher=cipher)
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_, select

from leavehub.mapping.model import AllOf, AnyOf, Comparison
from leavehub.store.tables import versions_table

__all__ = ["source_filters"]

_BUSINESS_DATE = re.compile(r"^business_date(?:\s*([+-])\s*(\d+)\s*d(?:ays?)?)?$")
_ORDER = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__"}


def _operand(value: Any, business_date: date) -> Any:
    if isinstance(value, str):
        found = _BUSINESS_DATE.match(value.strip())
        if found:
            sign, days = found.groups()
            delta = timedelta(days=int(days or 0))
            return business_date - delta if sign == "-" else business_date + delta
    return value


def _sql(condition: Any, table: Table, business_date: date) -> ColumnElement[bool] | None:
    """``condition`` as SQL over ``table``'s columns, or None when SQL cannot say it exactly."""
    if isinstance(condition, AllOf):
        parts = [p for p in (_sql(c, table, business_date) for c in condition.all) if p is not None]
        return and_(*parts) if parts else None
    if isinstance(condition, AnyOf):
        parts = [_sql(c, table, business_date) for c in condition.any]
        return None if any(p is None for p in parts) else or_(*parts)  # type: ignore[arg-type]
    if not isinstance(condition, Comparison) or condition.column is None or condition.date is not None \
            or condition.column not in table.c:
        return None
    column, op, value = table.c[condition.column], condition.operator, condition.operand
    if op == "is_null":
        return column.is_(None)
    if op == "not_null":
        return column.is_not(None)
    if op == "eq":
        return column == _operand(value, business_date)
    if op == "in":
        return column.in_([_operand(v, business_date) for v in value])
    if op in _ORDER:
        return getattr(column, _ORDER[op])(_operand(value, business_date))
    return None


def _known(table: Table, as_of_recorded: datetime | None) -> ColumnElement[bool]:
    """The versions ``read_versions`` returns: known at ``as_of_recorded`` (default now) and open."""
    if as_of_recorded is None:
        known = table.c.superseded_at.is_(None)
    else:
        known = and_(table.c.recorded_at <= as_of_recorded,
                     or_(table.c.superseded_at.is_(None), table.c.superseded_at > as_of_recorded))
    return and_(known, table.c.valid_to.is_(None))


def source_filters(mapping: Any, *, business_date: date, as_of_recorded: datetime | None = None
                   ) -> dict[str, ColumnElement[bool] | None]:
    """Per entity of the mapping's source: the ``extra`` clause that reads only rows the query can keep."""
    source = mapping.source
    base = versions_table(source.entity)
    base_where = _sql(mapping.filters, base, business_date) if mapping.filters is not None else None
    out: dict[str, ColumnElement[bool] | None] = {source.entity: base_where}
    joined: dict[str, list[ColumnElement[bool]]] = {}
    for join in source.joins:
        if join.entity == source.entity:
            continue
        right = versions_table(join.entity)
        clauses = []
        for key in join.keys:
            if key in base.c and key in right.c:
                rows = select(base.c[key]).where(_known(base, as_of_recorded),
                                                 *([base_where] if base_where is not None else []))
                clauses.append(right.c[key].in_(rows))
        if join.where is not None:
            where = _sql(join.where, right, business_date)
            if where is not None:
                clauses.append(where)
        joined.setdefault(join.entity, []).append(and_(*clauses) if clauses else None)  # type: ignore[arg-type]
    for entity, clauses in joined.items():
        out[entity] = None if any(c is None for c in clauses) else or_(*clauses)
    return out
