"""Compile a mapping once into column operations, then run it on every chunk (inbound) or query (outbound).

Inbound: a vendor chunk (all text columns) -> one canonical frame per target entity, with Arrow dtypes
(date32, timestamp[us, UTC], exact decimal128(p, s), bool, list<string>), a ``_row`` column with the source
data-row number, and every bad value as a ``RowError``. Outbound: the store's current frames per entity ->
joined with ``pd.merge`` -> vendor text columns in the vendor's order. No per-row Python in either path.

Example::

    mapper = compile_mapping(load_mapping(path), codes=load_codes(codes_path))
    chunk = mapper.apply(frame, first_row=1, business_date=date(2026, 11, 20))
    chunk.frames["leave_period"], chunk.errors
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from leavehub.mapping.batch import Batch, Kind, RuleProblem, kind_of_type
from leavehub.mapping.conditions import Test, compile_condition
from leavehub.mapping.drift import Drift
from leavehub.mapping.error_sink import ErrorSink
from leavehub.mapping.fields import field_specs
from leavehub.mapping.model import (
    CoalesceRule,
    CodesFile,
    CodeTable,
    Comparison,
    ConcatSpec,
    EarliestRule,
    LatestRule,
    MappingFile,
    PathRule,
    SourceRule,
    Target,
    WhenRule,
)
from leavehub.mapping.pipeline import CompiledField, RuleContext, compile_field
from leavehub.mapping.validate import validate_columns
from schemas.errors import ConfigError, FormatError, RowError, ValidationFailed

__all__ = ["InboundMapper", "MappedChunk", "OutboundMapper", "compile_mapping", "default_entities"]

ROW = "_row"


def default_entities() -> Mapping[str, type]:
    """The canonical entity registry (imported lazily: ``schemas.models`` pulls in every model)."""
    from schemas.models import ENTITIES

    return ENTITIES


def to_arrow(series: pd.Series) -> pa.ChunkedArray:
    """A pandas column as an Arrow column (zero-copy for ArrowDtype columns)."""
    array = series.array
    if hasattr(array, "__arrow_array__"):
        arrow = array.__arrow_array__()
        return arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
    return pa.chunked_array([pa.array(series, from_pandas=True)])


def _frame(columns: dict[str, pa.ChunkedArray]) -> pd.DataFrame:
    return pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)


@dataclass(frozen=True)
class MappedChunk:
    """Canonical frames of one chunk, per entity, and every bad value found while mapping and validating."""

    frames: dict[str, pd.DataFrame]
    errors: list[RowError]
    warnings: list[Drift] = field(default_factory=list)
    """Schema drift seen in this chunk (unseen codes a table passes or defaults): reported, not rejected."""


@dataclass(frozen=True)
class _CompiledTarget:
    entity: str
    model: type
    filter: Test | None
    fields: list[CompiledField]
    group_by: tuple[str, ...] = ()
    aggregate: Mapping[str, str] = field(default_factory=dict)


def _filtered(source: Callable[[str], pa.ChunkedArray], mask: pa.ChunkedArray) -> Callable[[str], pa.ChunkedArray]:
    cache: dict[str, pa.ChunkedArray] = {}

    def read(name: str) -> pa.ChunkedArray:
        if name not in cache:
            cache[name] = pc.filter(source(name), mask)
        return cache[name]

    return read


class InboundMapper:
    """A compiled vendor -> canonical mapping. ``apply`` runs it on one chunk of vendor text columns."""

    def __init__(self, mapping: MappingFile, tables: Mapping[str, CodeTable],
                 entities: Mapping[str, type]) -> None:
        self.mapping = mapping
        context = RuleContext("in", lambda name: "string", {}, dict(tables))
        self._filter = (compile_condition(mapping.filters, context.column_kind, {}, ("filters",))
                        if mapping.filters else None)
        self._targets: list[_CompiledTarget] = []
        for t, target in enumerate(mapping.targets or []):
            if target.entity not in entities:
                raise RuleProblem(f"unknown entity {target.entity!r}", ("targets", t, "entity"))
            model = entities[target.entity]
            specs = field_specs(model)
            kinds: dict[str, Kind] = {}
            compiled = []
            for name, rule in target.fields.items():
                if name not in specs:
                    raise RuleProblem(f"{target.entity} has no field {name!r}", ("targets", t, "fields", name))
                ctx = RuleContext("in", context.column_kind, dict(kinds), context.tables)
                compiled.append(compile_field(rule, name, ctx, specs[name], ("targets", t, "fields", name)))
                kinds[name] = compiled[-1].kind
            test = (compile_condition(target.filter, context.column_kind, {}, ("targets", t, "filter"))
                    if target.filter is not None else None)
            aggregate = {}
            if target.group_by:
                aggregate = {name: target.aggregate.get(name, "same") for name in target.fields
                             if name not in target.group_by}
                for name, how in aggregate.items():
                    if kind_of_type(specs[name].arrow_type) == "list" and name in target.fields:
                        raise RuleProblem(f"a grouped target cannot take '{how}' of list field {name!r}",
                                          ("targets", t, "fields", name))
            self._targets.append(_CompiledTarget(target.entity, model, test, compiled,
                                                 tuple(target.group_by or ()), aggregate))
        columns, paths = _references([mapping.filters, *(mapping.targets or [])])
        self.source_columns: tuple[str, ...] = tuple(dict.fromkeys(columns))
        """Vendor columns the mapping reads; a chunk without one of them is a ``FormatError``."""
        self.path_columns: tuple[str, ...] = tuple(dict.fromkeys(paths))
        """Dotted JSON paths the mapping reads; absent ones (all-null in a page) read as empty."""

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(t.entity for t in self._targets)

    @property
    def grouped(self) -> tuple[str, ...]:
        """Entities with ``group_by``: each chunk gives partial groups; ``combine`` finishes them per file."""
        return tuple(t.entity for t in self._targets if t.group_by)

    def combine(self, entity: str, frames: list[pd.DataFrame],
                line_of: Callable[[int], int | None] | None = None) -> tuple[pd.DataFrame, list[RowError]]:
        """The groups of a whole file from the partial groups of its chunks (min/max/same again: they
        compose), with a row error per group whose ``same`` field differs between chunks."""
        target = next(t for t in self._targets if t.entity == entity)
        table = pa.concat_tables([pa.Table.from_pandas(f, preserve_index=False) for f in frames])
        columns, errors = _aggregate(target, {n: table[n] for n in table.column_names}, line_of)
        return _frame(columns), errors

    def apply(self, frame: pd.DataFrame, first_row: int = 1, business_date: dt.date | None = None,
              line_of: Callable[[int], int | None] | None = None, validate: bool = True) -> MappedChunk:
        """Map one chunk. ``first_row`` numbers its first data row; ``line_of(i)`` gives the file line of
        position ``i`` (for error reports). Filtered-out rows produce nothing; bad values are null in the
        frames and listed in ``errors``."""
        today = business_date or dt.date.today()
        absent = [c for c in self.source_columns if c not in frame.columns]
        if absent:
            raise FormatError(f"the input lacks the columns {', '.join(absent)} that mapping "
                              f"{self.mapping.vendor}.{self.mapping.feed} reads")
        cache: dict[str, pa.ChunkedArray] = {}

        def source(name: str) -> pa.ChunkedArray:
            if name not in cache:
                cache[name] = (to_arrow(frame[name]) if name in frame.columns
                               else pa.chunked_array([pa.nulls(len(frame), pa.string())]))
            return cache[name]

        rows = pa.chunked_array([pa.array(np.arange(first_row, first_row + len(frame), dtype=np.int64))])
        by_row = None if line_of is None else (lambda row: line_of(row - first_row))
        errors: list[RowError] = []
        warnings: list[Drift] = []
        if self._filter is not None:
            keep = self._filter(Batch(source, len(frame), today, ErrorSink()))
            source, rows = _filtered(source, keep), pc.filter(rows, keep)
        frames: dict[str, pd.DataFrame] = {}
        for target in self._targets:
            t_source, t_rows = source, rows
            if target.filter is not None:
                keep = target.filter(Batch(source, len(rows), today, ErrorSink()))
                t_source, t_rows = _filtered(source, keep), pc.filter(rows, keep)
            sink = ErrorSink()
            batch = Batch(t_source, len(t_rows), today, sink)
            for compiled in target.fields:
                batch.fields[compiled.name] = compiled.run(batch)
            columns = self._canonical_columns(target, batch)
            columns[ROW] = t_rows
            errors.extend(sink.errors_for(t_rows, by_row))
            warnings.extend(sink.warning_summaries(t_rows, by_row))
            if target.group_by:
                columns, group_errors = _aggregate(target, columns, by_row)
                errors.extend(group_errors)
            if validate:
                vendor_column = {f.name: ",".join(f.columns) or None for f in target.fields}
                errors.extend(replace(e, column=vendor_column.get(e.field or ""))
                              for e in validate_columns(columns, target.model, columns[ROW], by_row))
            frames[target.entity] = _frame(columns)
        return MappedChunk(frames, _first_per_value(errors), _widest(warnings))

    @staticmethod
    def _canonical_columns(target: _CompiledTarget, batch: Batch) -> dict[str, pa.ChunkedArray]:
        out: dict[str, pa.ChunkedArray] = {}
        for name, spec in field_specs(target.model).items():
            value = batch.fields.get(name)
            if value is None:
                value = pa.chunked_array([pa.nulls(batch.length, spec.arrow_type)], spec.arrow_type)
            if not spec.nullable and spec.default is not None:
                value = pc.fill_null(value, pa.scalar(spec.default, spec.arrow_type))
            out[name] = value
        return out


def _aggregate(target: _CompiledTarget, columns: dict[str, pa.ChunkedArray],
               line_of: Callable[[int], int | None] | None) -> tuple[dict[str, pa.ChunkedArray], list[RowError]]:
    """One row per ``group_by`` value: ``min``/``max`` of the non-empty values, ``same`` checked by comparing
    the group's min and max (vectorized ``group_by``; the row kept is the group's first source row)."""
    keys = list(target.group_by)
    table = pa.table(columns)
    wanted = [(ROW, "min")]
    for name, how in target.aggregate.items():
        wanted += [(name, "min"), (name, "max")] if how == "same" else [(name, how)]
    grouped = table.group_by(keys, use_threads=False).aggregate(wanted)
    out: dict[str, pa.ChunkedArray] = {}
    errors: list[RowError] = []
    rows = grouped[f"{ROW}_min"]
    for name in columns:
        if name in keys:
            out[name] = grouped[name]
        elif name == ROW:
            out[name] = rows
        elif target.aggregate.get(name) == "same":
            low, high = grouped[f"{name}_min"], grouped[f"{name}_max"]
            differs = pc.fill_null(pc.not_equal(low, high), False)
            for row in pc.filter(rows, differs).to_pylist():
                errors.append(RowError(row=row, field=name, reason=f"differs between rows of one "
                                       f"{'/'.join(keys)} group", line=line_of(row) if line_of else None))
            out[name] = low
        elif name in target.aggregate:
            out[name] = grouped[f"{name}_{target.aggregate[name]}"]
        else:  # not mapped: empty, or the canonical default
            spec = field_specs(target.model)[name]
            empty = pa.nulls(grouped.num_rows, columns[name].type)
            out[name] = (pc.fill_null(empty, pa.scalar(spec.default, spec.arrow_type))
                         if not spec.nullable and spec.default is not None else empty)
    return {n: v if isinstance(v, pa.ChunkedArray) else pa.chunked_array([v]) for n, v in out.items()}, errors


def _references(node: Any, shorthand: bool = False) -> tuple[list[str], list[str]]:
    """Source columns and JSON paths named anywhere in rules and conditions (``shorthand``: a bare string
    in this position is a column name, as a field's or a ``then``/``else``'s rule)."""
    columns: list[str] = []
    paths: list[str] = []
    children: list[tuple[Any, bool]] = []
    if isinstance(node, str):
        return ([node] if shorthand else []), []
    if isinstance(node, SourceRule):
        columns.extend([node.source] if isinstance(node.source, str) else node.source)
    elif isinstance(node, PathRule):
        paths.append(node.path)
    elif isinstance(node, Comparison) and node.column is not None:
        columns.append(node.column)
    elif isinstance(node, WhenRule):
        children = [(node.when, False), (node.then, True), (node.else_, True)]
    elif isinstance(node, ConcatSpec):
        children = [(part, True) for part in node.parts]
    elif isinstance(node, CoalesceRule | LatestRule | EarliestRule):
        children = [(choice, True) for choice in getattr(node, next(iter(type(node).model_fields)))]
    elif isinstance(node, Target):
        children = [(node.filter, False), *((rule, True) for rule in node.fields.values())]
    elif isinstance(node, BaseModel):
        children = [(getattr(node, name), False) for name in type(node).model_fields]
    elif isinstance(node, list | tuple):
        children = [(item, False) for item in node]
    for child, is_rule in children:
        more_columns, more_paths = _references(child, is_rule)
        columns.extend(more_columns)
        paths.extend(more_paths)
    return columns, paths


def _widest(warnings: list[Drift]) -> list[Drift]:
    """Targets read the same vendor rows: the same drift seen by two targets is counted once (the widest)."""
    kept: dict[tuple[str, str | None, str | None], Drift] = {}
    for drift in warnings:
        key = (drift.reason, drift.field, drift.column)
        if key not in kept or drift.rows > kept[key].rows:
            kept[key] = drift
    return list(kept.values())


def _first_per_value(errors: list[RowError]) -> list[RowError]:
    """One error per (entity row, field): a bad date is not also reported as a missing required date."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for err in errors:
        key = (err.row, err.field)
        if key not in seen:
            seen.add(key)
            out.append(err)
    return sorted(out, key=lambda e: (e.row or 0))


class OutboundMapper:
    """A compiled canonical -> vendor mapping over a query of current entities (base + joins)."""

    def __init__(self, mapping: MappingFile, tables: Mapping[str, CodeTable],
                 entities: Mapping[str, type]) -> None:
        self.mapping = mapping
        source = mapping.source
        assert source is not None and mapping.columns is not None
        for i, name in enumerate(source.entities):
            if name not in entities:
                where = ("source", "entity") if i == 0 else ("source", "joins", i - 1, "entity")
                raise RuleProblem(f"unknown entity {name!r}", where)
        self._specs = {name: field_specs(entities[name]) for name in source.entities}
        kinds: dict[str, Kind] = {n: kind_of_type(s.arrow_type) for n, s in self._specs[source.entity].items()}
        self._joins: list[tuple[Any, Test | None, tuple[str, ...]]] = []
        for j, join in enumerate(source.joins):
            specs = self._specs[join.entity]
            for key in join.keys:
                if key not in kinds or key not in specs:
                    raise RuleProblem(f"join key {key!r} is not a column on both sides",
                                      ("source", "joins", j, "on"))
            if join.latest_by is not None and join.latest_by not in specs:
                raise RuleProblem(f"unknown column {join.latest_by!r} of {join.entity}",
                                  ("source", "joins", j, "latest_by"))
            where = None
            if join.where is not None:
                right_kinds = {n: kind_of_type(s.arrow_type) for n, s in specs.items()}
                where = compile_condition(join.where, _kind_lookup(right_kinds), {},
                                          ("source", "joins", j, "where"))
            shadowed = []
            for name, spec in specs.items():
                if name in join.keys:
                    continue
                joined = join.prefix + name
                if joined in kinds:  # the query already has it: the earlier entity wins; a prefix reaches it
                    shadowed.append(name)
                    continue
                kinds[joined] = kind_of_type(spec.arrow_type)
            self._joins.append((join, where, tuple(shadowed)))
        for k, name in enumerate(source.order_by):
            if name not in kinds:
                raise RuleProblem(f"unknown column {name!r}", ("source", "order_by", k))
        column_kind = _kind_lookup(kinds)
        self._filter = (compile_condition(mapping.filters, column_kind, {}, ("filters",))
                        if mapping.filters else None)
        context = RuleContext("out", column_kind, {}, dict(tables))
        self._columns: list[CompiledField] = []
        for name, rule in mapping.columns.items():
            ctx = RuleContext("out", column_kind, {c.name: "string" for c in self._columns}, context.tables)
            self._columns.append(compile_field(rule, name, ctx, None, ("columns", name)))
        self.required_entities: tuple[str, ...] = source.entities
        self.columns: tuple[str, ...] = tuple(mapping.columns)

    def query(self, frames: Mapping[str, pd.DataFrame], business_date: dt.date) -> pd.DataFrame:
        """The joined canonical rows (base entity + joins), in ``order_by`` order."""
        source = self.mapping.source
        assert source is not None
        missing = [name for name in self.required_entities if name not in frames]
        if missing:
            raise ValueError(f"frames missing for entities {missing}")
        joined = frames[source.entity]
        for join, where, shadowed in self._joins:
            right = frames[join.entity]
            if where is not None:
                keep = where(_frame_batch(right, business_date))
                right = right[keep.to_numpy(zero_copy_only=False)]
            if join.latest_by is not None:
                right = right.sort_values(join.latest_by, kind="stable").drop_duplicates(join.keys, keep="last")
            right = right[[c for c in right.columns if c != ROW and c not in shadowed]]
            right = right.rename(columns={c: join.prefix + c for c in right.columns if c not in join.keys})
            joined = joined.merge(right, how=join.how, on=join.keys, sort=False)
        if source.order_by:
            joined = joined.sort_values(list(source.order_by), kind="stable")
        return joined.reset_index(drop=True)

    def apply(self, frames: Mapping[str, pd.DataFrame], business_date: dt.date) -> pd.DataFrame:
        """Vendor rows as text columns in the vendor's order (empty for None). Values that cannot be mapped
        (e.g. a canonical code with no vendor code under ``unknown: reject``) raise ``ValidationFailed``."""
        joined = self.query(frames, business_date)
        batch = _frame_batch(joined, business_date)
        if self._filter is not None:
            keep = self._filter(batch)
            batch = Batch(_filtered(batch.source, keep), pc.sum(keep).as_py() or 0, business_date, batch.sink)
        out: dict[str, pa.ChunkedArray] = {}
        for compiled in self._columns:
            out[compiled.name] = batch.fields[compiled.name] = compiled.run(batch)
        if batch.sink:
            positions = pa.chunked_array([pa.array(np.arange(1, batch.length + 1, dtype=np.int64))])
            errors = batch.sink.errors_for(positions)
            raise ValidationFailed(f"{len(errors)} values cannot be written for {self.mapping.vendor}."
                                   f"{self.mapping.feed}", errors=errors)
        return _frame(out) if out else pd.DataFrame()


def _kind_lookup(kinds: Mapping[str, Kind]) -> Callable[[str], Kind]:
    def kind(name: str) -> Kind:
        if name not in kinds:
            raise RuleProblem(f"unknown column {name!r} in the outbound query")
        return kinds[name]
    return kind


def _frame_batch(frame: pd.DataFrame, business_date: dt.date) -> Batch:
    cache: dict[str, pa.ChunkedArray] = {}

    def source(name: str) -> pa.ChunkedArray:
        if name not in cache:
            if name not in frame.columns:
                raise ValueError(f"canonical frame lacks column {name!r}")
            cache[name] = to_arrow(frame[name])
        return cache[name]

    return Batch(source, len(frame), business_date, ErrorSink())


def compile_rules(mapping: MappingFile, tables: Mapping[str, CodeTable],
                  entities: Mapping[str, type]) -> InboundMapper | OutboundMapper:
    """Compile, raising ``RuleProblem`` with the key path (the loader turns it into a located ConfigError)."""
    if mapping.direction == "in":
        if not mapping.targets:
            raise RuleProblem("an inbound mapping needs 'targets'", ("targets",))
        return InboundMapper(mapping, tables, entities)
    if mapping.source is None or not mapping.columns:
        raise RuleProblem("an outbound mapping needs 'source' and 'columns'", ("source",))
    return OutboundMapper(mapping, tables, entities)


def compile_mapping(mapping: MappingFile, codes: CodesFile | Mapping[str, CodeTable] | None = None,
                    entities: Mapping[str, type] | None = None) -> InboundMapper | OutboundMapper:
    """Compile ``mapping`` once with its code tables (``codes``); entities default to ``schemas.models.ENTITIES``.
    Loading a mapping file with its codes file is the loader's job (``leavehub.mapping.loader.load_compiled``).

    Example: ``mapper = compile_mapping(mapping, codes)``; then ``mapper.apply(...)`` per chunk.
    """
    tables = codes.tables if isinstance(codes, CodesFile) else dict(codes or {})
    try:
        return compile_rules(mapping, tables, entities if entities is not None else default_entities())
    except RuleProblem as exc:
        raise ConfigError(exc.message, key_path=".".join(map(str, exc.path)) or None) from None
