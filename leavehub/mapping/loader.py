"""Load mapping and code files with errors that name the file, the key path and the line.

Loading is where a broken mapping must fail (in CI, on deploy), never on a vendor file at night. Beyond the
shape checks of the pydantic model (a discriminated union on ``direction``: each direction's keys are required
there, the other direction's refused) this checks the meaning: every target
entity and field exists, every required canonical field is covered, code tables and transforms exist,
source columns are in the layout when the layout lists them, and the whole mapping compiles.

Example::

    mapping = load_mapping("mappings/harbor_leave/leave_periods.yaml")
    mapping, mapper = load_compiled("mappings/harbor_leave/leave_periods.yaml")   # checked and compiled once
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from leavehub.config.yaml_lines import LocatedYaml, load_located, load_model, validate_located
from leavehub.mapping.batch import RuleProblem
from leavehub.mapping.compiler import InboundMapper, OutboundMapper, compile_rules, default_entities
from leavehub.mapping.fields import field_specs
from leavehub.mapping.model import CodesFile, MappingFile, mapping_schema, member_columns
from schemas.errors import ConfigError

__all__ = [
    "CODES_SCHEMA_PATH",
    "SCHEMA_PATH",
    "Mapper",
    "load_codes",
    "load_compiled",
    "load_mapper",
    "load_mapping",
    "mapping_in_effect",
    "mapping_json_schema",
    "publish_json_schema",
]

SCHEMA_PATH = Path(__file__).with_name("mapping.schema.json")
CODES_SCHEMA_PATH = Path(__file__).with_name("codes.schema.json")


def load_codes(path: Path | str) -> CodesFile:
    """A vendor's code tables file, validated (``ConfigError`` with file, key path and line)."""
    return load_model(CodesFile, path)


Mapper = InboundMapper | OutboundMapper


def load_mapping(path: Path | str, entities: Mapping[str, type] | None = None) -> MappingFile:
    """Load, validate and semantically check one mapping file (checking compiles it; use ``load_compiled`` to
    keep the compiled mapper)."""
    return load_compiled(path, entities)[0]


def load_mapper(path: Path | str, entities: Mapping[str, type] | None = None) -> Mapper:
    """Load a mapping file and its codes file and compile it: what a pipeline step runs."""
    return load_compiled(path, entities)[1]


def load_compiled(path: Path | str, entities: Mapping[str, type] | None = None) -> tuple[MappingFile, Mapper]:
    """The checked mapping and its compiled mapper (codes loaded), from one load and one compilation."""
    return _load(Path(path), entities)


def mapping_in_effect(mappings: Iterable[MappingFile], business_date: dt.date) -> MappingFile:
    """The revision in effect on ``business_date``: the latest ``effective_date`` on or before it.

    Example: with revisions effective 2026-01-01 (v1) and 2026-07-01 (v2), 2026-03-31 selects v1.
    """
    candidates = [m for m in mappings if m.effective_date <= business_date]
    if not candidates:
        raise ConfigError(f"no mapping revision is in effect on {business_date.isoformat()}")
    return max(candidates, key=lambda m: (m.effective_date, m.version))


def _load(path: Path, entities: Mapping[str, type] | None) -> tuple[MappingFile, Mapper]:
    doc = load_located(path)
    mapping = validate_located(MappingFile, doc)
    registry = entities if entities is not None else default_entities()
    _check_layout(mapping, doc)
    _check_file_set(mapping, doc)
    codes = _codes_for(mapping, path, doc)
    try:
        mapper = compile_rules(mapping, codes.tables if codes else {}, registry)
    except RuleProblem as exc:
        raise _located(doc, exc.message, exc.path) from None
    if isinstance(mapper, InboundMapper):
        _check_required_fields(mapping, registry, doc)
    _check_layout_columns(mapping, doc)
    return mapping, mapper


def _located(doc: LocatedYaml, message: str, path: tuple[str | int, ...]) -> ConfigError:
    return ConfigError(message, file=doc.file, key_path=".".join(map(str, path)) or None, line=doc.line_of(path))


def _check_layout(mapping: MappingFile, doc: LocatedYaml) -> None:
    """The ``layout`` block is the formats package's model: validate it here so ``mapping check`` catches it."""
    from connectors.formats import parse_layout

    if not mapping.layout:  # no layout declared (unit fixtures); a feed refuses to run without one
        return
    try:
        parse_layout(mapping.layout)
    except ConfigError as exc:
        inner = tuple(p for p in (exc.key_path or "").split(".") if p)
        raise _located(doc, f"layout: {exc.reason}", ("layout", *inner)) from None


def _codes_for(mapping: MappingFile, path: Path, doc: LocatedYaml) -> CodesFile | None:
    if mapping.codes is None:
        return None
    relative = PurePosixPath(mapping.codes)
    if relative.is_absolute() or ".." in relative.parts:
        raise _located(doc, "codes names a file in the mapping's own folder", ("codes",))
    codes_path = path.parent / relative
    if not codes_path.is_file():
        raise _located(doc, f"codes file {mapping.codes!r} not found next to the mapping", ("codes",))
    return load_codes(codes_path)


def _check_required_fields(mapping: MappingFile, entities: Mapping[str, type], doc: LocatedYaml) -> None:
    for t, target in enumerate(mapping.targets or []):
        specs = field_specs(entities[target.entity])
        missing = [n for n, s in specs.items() if s.required and not s.nullable and n not in target.fields]
        if missing:
            raise _located(doc, f"{target.entity} needs these fields mapped: {', '.join(missing)}",
                           ("targets", t, "fields"))


def _declared(layout: Mapping[str, Any]) -> tuple[list[str], tuple[str, ...]] | None:
    """The columns one layout declares (delimited ``columns``, fixed-width ``fields``) and its never-read ones;
    None when it does not list them (a JSON layout, a delimited file read by its header alone)."""
    from connectors.formats import DelimitedLayout, FixedWidthLayout, parse_layout

    if not layout:
        return None
    parsed = parse_layout(layout)
    if isinstance(parsed, FixedWidthLayout):
        return [f.name for f in parsed.fields], parsed.never_read
    if isinstance(parsed, DelimitedLayout) and parsed.columns:
        return list(parsed.columns), parsed.never_read
    return None


def _layout_columns(mapping: MappingFile) -> tuple[list[str], tuple[str, ...]] | None:
    """The columns the mapping's rows have: the layout's, plus every joined file's (prefixed) for a file set."""
    found = _declared(mapping.layout)
    if found is None or mapping.file_set is None:
        return found
    names, never = list(found[0]), list(found[1])
    for member in mapping.file_set.join.values():
        other = _declared(member.layout)
        assert other is not None  # _check_file_set refused a member without declared columns
        renamed = member_columns(member, other[0])
        names += renamed.values()
        never += [renamed[c] for c in other[1] if c in renamed]
    return names, tuple(never)


def _check_file_set(mapping: MappingFile, doc: LocatedYaml) -> None:
    """Every file of a set declares its columns; join keys exist on both sides; no column name twice."""
    from connectors.formats import parse_layout

    spec = mapping.file_set
    if spec is None:
        return
    base = _declared(mapping.layout)
    if base is None:
        raise _located(doc, "a file set's base layout must declare its columns", ("layout",))
    seen = {name: "the base file" for name in base[0]}
    for name, member in spec.join.items():
        where = ("file_set", "join", name)
        try:
            parse_layout(member.layout)
        except ConfigError as exc:
            inner = tuple(p for p in (exc.key_path or "").split(".") if p)
            raise _located(doc, f"layout: {exc.reason}", (*where, "layout", *inner)) from None
        found = _declared(member.layout)
        if found is None:
            raise _located(doc, f"{name}'s layout must declare its columns", (*where, "layout"))
        for left, right in member.on.items():
            if left not in base[0]:
                raise _located(doc, f"join key {left!r} is not a column of the base file", (*where, "on", left))
            if right not in found[0]:
                raise _located(doc, f"join key {right!r} is not a column of {name}", (*where, "on", left))
        for renamed in member_columns(member, found[0]).values():
            if renamed in seen:
                raise _located(doc, f"column {renamed!r} of {name} is also in {seen[renamed]}: give {name} a "
                                    "prefix", (*where, "prefix"))
            seen[renamed] = name


_CHOICES = ("coalesce", "latest", "earliest", "parts")  # lists whose bare strings are column names


def _walk_refs(node: Any, path: tuple[str | int, ...], keys: tuple[str, ...]) -> Iterator[tuple[str, tuple]]:
    """Every (column name, key path) referenced under ``node`` by one of ``keys`` (or as a bare choice)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str):
                yield value, (*path, key)
            elif key in keys and isinstance(value, list) and all(isinstance(v, str) for v in value):
                yield from ((v, (*path, key, i)) for i, v in enumerate(value))
            elif key in _CHOICES and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        yield item, (*path, key, i)
                    else:
                        yield from _walk_refs(item, (*path, key, i), keys)
            else:
                yield from _walk_refs(value, (*path, key), keys)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk_refs(item, (*path, i), keys)


def _check_layout_columns(mapping: MappingFile, doc: LocatedYaml) -> None:
    """Every column a mapping reads is one the layout declares and may be read (not ``never_read``); every
    column an X12 layout (and the ``changes`` marks) reads is one the mapping writes."""
    if mapping.direction == "out" and mapping.layout.get("type") == "x12":
        from connectors.formats import parse_layout

        written = set(mapping.columns or {})
        marks = [c for c in (mapping.changes.column, mapping.changes.date_column) if c] if mapping.changes else []
        for column in [*parse_layout(mapping.layout).columns, *marks]:
            if column not in written:
                raise _located(doc, f"the x12 layout or the change marks read column {column!r}, which the "
                                    "mapping does not write", ("layout",) if column not in marks else ("changes",))
        return
    found = _layout_columns(mapping)
    if found is None:
        return
    declared, never_read = found
    if mapping.direction == "out":
        declared = [c for c in declared if c not in never_read]
        written = list(mapping.columns or {})
        if written != declared:
            extra = [c for c in written if c not in declared]
            absent = [c for c in declared if c not in written]
            detail = (f"not in the layout: {extra}" if extra else f"missing: {absent}" if absent
                      else "order differs")
            raise _located(doc, f"columns must match the layout's columns ({detail})", ("columns",))
        return
    known = set(declared)
    data = doc.data
    refs: list[tuple[str, tuple]] = []
    for t, target in enumerate(data.get("targets") or []):
        for name, rule in (target.get("fields") or {}).items():
            path = ("targets", t, "fields", name)
            if isinstance(rule, str):
                refs.append((rule, path))
            else:
                refs.extend(_walk_refs(rule, path, ("source", "path", "column")))
        refs.extend(_walk_refs(target.get("filter"), ("targets", t, "filter"), ("column",)))
    refs.extend(_walk_refs(data.get("filters"), ("filters",), ("column",)))
    for column, path in refs:
        if path[-1] == "path" or "path" in path[-2:]:
            continue
        if column in never_read:
            raise _located(doc, f"column {column!r} is declared sensitive: never_read; a mapping cannot read it",
                           path)
        if column not in known:
            raise _located(doc, f"column {column!r} is not in the layout's columns "
                                f"({', '.join(c for c in declared if c not in never_read)})", path)


def mapping_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of mapping files, for editors (yaml-language-server) and CI."""
    schema = mapping_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://leavehub.dev/schemas/mapping.schema.json"
    return schema


def codes_json_schema() -> dict[str, Any]:
    """JSON Schema of a vendor's codes file."""
    schema = CodesFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://leavehub.dev/schemas/codes.schema.json"
    return schema


def publish_json_schema(path: Path | str = SCHEMA_PATH, codes_path: Path | str = CODES_SCHEMA_PATH) -> Path:
    """Write the mapping (and codes) JSON Schemas; a test fails when the committed files drift.

    Editor hint, first line of a mapping file::

        # yaml-language-server: $schema=../../leavehub/mapping/mapping.schema.json
    """
    for target, schema in ((Path(path), mapping_json_schema()), (Path(codes_path), codes_json_schema())):
        target.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return Path(path)
