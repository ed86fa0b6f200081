"""Load YAML config into pydantic models with errors that name the file, the key path and the line.

PyYAML's composer keeps a mark (line, column) on every node; we keep a map from key path to line while
building plain Python data, then translate pydantic's error locations into ``ConfigError`` s.

Config is data, never a program or a bomb. Before anything is built, one pass over the parser's events
refuses, each as a ``ConfigError`` with file and line: anchors and aliases (``&a`` / ``*a``: a 2 KB file of
nested aliases expands to gigabytes, and a self-referencing anchor never ends), any explicit tag other than
the plain YAML types (``!!python/object...``, ``!custom``), nesting deeper than ``MAX_DEPTH``, and a file over
``MAX_BYTES``. Building then refuses integers of more than 18 digits, merge keys and keys that are not text.

Example::

    mapping = load_model(MappingFile, Path("mappings/harbor_leave/absences.yaml"))
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.errors import ConfigError

__all__ = ["LocatedYaml", "load_located", "load_model", "validate_located"]

M = TypeVar("M", bound=BaseModel)
# libyaml's loader keeps the same line marks and is several times faster (DAG files parse vendor.yaml).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 4 << 20
MAX_DEPTH = 64
_MAX_INT_DIGITS = 18
_CORE = "tag:yaml.org,2002:"
_BRACKETS = re.compile(r"[\[\]{}]")
_PLAIN_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp"))


class LocatedYaml:
    """Plain data from a YAML document plus the line (1-based) of every key path."""

    def __init__(self, data: Any, lines: dict[tuple[str | int, ...], int], file: str) -> None:
        self.data = data
        self.lines = lines
        self.file = file

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def _screen(source: str, file: str) -> None:
    """Refuse anchors, aliases, non-plain tags and deep nesting, naming the line (one cheap event pass)."""
    depth = 0
    try:
        for event in yaml.parse(source, Loader=_LOADER):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                raise ConfigError(f"YAML alias *{event.anchor} is not allowed in config (write the value out)",
                                  file=file, line=line)
            if getattr(event, "anchor", None):
                raise ConfigError(f"YAML anchor &{event.anchor} is not allowed in config (aliases are refused)",
                                  file=file, line=line)
            tag = getattr(event, "tag", None)
            if tag not in (None, "!") and tag not in _PLAIN_TAGS:
                raise ConfigError(f"YAML tag {tag!r} is not allowed in config (plain values only)",
                                  file=file, line=line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ConfigError(f"nested more than {MAX_DEPTH} levels deep", file=file, line=line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"YAML syntax: {getattr(exc, 'problem', exc)}", file=file,
                          line=mark.line + 1 if mark else None) from None


def _needs_screen(source: str) -> bool:
    """False when the text cannot hold an anchor, alias, tag or deep nesting: the event pass is skipped (most
    mapping files; it costs about a quarter of a load)."""
    if any(mark in source for mark in "&*!"):
        return True
    depth = deepest = 0
    for bracket in _BRACKETS.findall(source):  # flow nesting, counted roughly (quoted brackets too: safe side)
        depth = depth + 1 if bracket in "[{" else depth - 1
        deepest = max(deepest, depth)
    indent = max((len(line) - len(line.lstrip(" -?:")) for line in source.splitlines()), default=0)
    return deepest >= MAX_DEPTH // 2 or indent >= MAX_DEPTH - 1


def _scalar(node: yaml.ScalarNode, file: str) -> Any:
    """A scalar's Python value (the safe constructor resolves int, bool, null, dates ...)."""
    line = node.start_mark.line + 1
    if node.tag not in _PLAIN_TAGS:
        what = "merge key <<" if node.tag == _CORE + "merge" else f"tag {node.tag!r}"
        raise ConfigError(f"YAML {what} is not allowed in config", file=file, line=line)
    if node.tag == _CORE + "str":
        return node.value
    if node.tag == _CORE + "int" and sum(c.isdigit() for c in node.value) > _MAX_INT_DIGITS:
        raise ConfigError(f"integer of more than {_MAX_INT_DIGITS} digits is out of range", file=file, line=line)
    try:
        return yaml.SafeLoader(yaml.serialize(node)).get_single_data()
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise ConfigError(f"value cannot be read as {node.tag.removeprefix(_CORE)}: {type(exc).__name__}",
                          file=file, line=line) from None


def _build(node: yaml.Node, path: tuple[str | int, ...], lines: dict, file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("a key must be plain text, not a list or a mapping", file=file,
                                  key_path=".".join(map(str, path)) or None, line=key_node.start_mark.line + 1)
            if key_node.tag not in _PLAIN_TAGS:
                _scalar(key_node, file)  # raises: a merge key or a foreign tag
            key = key_node.value
            if key in out:
                raise ConfigError(f"duplicate key {key!r}", file=file,
                                  key_path=".".join(map(str, (*path, key))), line=key_node.start_mark.line + 1)
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*path, key), lines, file)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, file) for i, item in enumerate(node.value)]
    return _scalar(node, file)


def load_located(path: Path | str, text: str | None = None) -> LocatedYaml:
    """Parse one YAML document, keeping the line of every key. Syntax errors become ``ConfigError``."""
    file = str(path)
    try:
        if text is None and Path(path).stat().st_size > MAX_BYTES:
            raise ConfigError(f"larger than {MAX_BYTES >> 20} MiB: not a config file", file=file)
        source = Path(path).read_text(encoding="utf-8") if text is None else text
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=file) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file=file) from None
    if len(source) > MAX_BYTES:
        raise ConfigError(f"larger than {MAX_BYTES >> 20} MiB: not a config file", file=file)
    if _needs_screen(source):
        _screen(source, file)
    try:
        node = yaml.compose(source, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"YAML syntax: {getattr(exc, 'problem', exc)}", file=file,
                          line=mark.line + 1 if mark else None) from None
    if node is None:
        raise ConfigError("empty document", file=file, line=1)
    lines: dict[tuple[str | int, ...], int] = {}
    data = _build(node, (), lines, file)
    return LocatedYaml(data, lines, file)


def validate_located(model: type[M], doc: LocatedYaml, context: dict[str, Any] | None = None) -> M:
    """Validate ``doc`` against ``model``; the first error becomes a ``ConfigError`` with key path and line.

    All errors are listed in the message so one edit-check cycle fixes them all.
    """
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate(doc.data, context=context)
        return TypeAdapter(model).validate_python(doc.data, context=context)  # a union (a mapping file)
    except ValidationError as exc:
        problems = []
        first_path: tuple = ()
        for i, err in enumerate(exc.errors(include_input=False, include_url=False)):
            # Drop the discriminator tags pydantic inserts into union locations (e.g. 'delimited').
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            loc_data = _data_path(doc.data, loc)
            if not loc and "discriminator" in err.get("ctx", {}):  # a union's tag is missing or unknown
                loc_data = (str(err["ctx"]["discriminator"]).strip("'"),)
            line = doc.line_of(loc_data)
            key_path = ".".join(map(str, loc_data)) or "<root>"
            problems.append(f"{key_path} (line {line}): {err['msg']}")
            if i == 0:
                first_path = loc_data
        raise ConfigError("; ".join(problems), file=doc.file, key_path=".".join(map(str, first_path)) or None,
                          line=doc.line_of(first_path)) from None


def _data_path(data: Any, loc: tuple) -> tuple:
    """Keep only the parts of a pydantic location that exist in the data (skips union member tags)."""
    out: list = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
            out.append(part)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
            out.append(part)
        elif isinstance(cur, dict) or isinstance(cur, list):
            # A union tag or a missing key: a missing key is reported at its parent, naming the key.
            if not isinstance(cur, list) and isinstance(part, str) and part not in cur and part == loc[-1]:
                out.append(part)
            continue
    return tuple(out)


def load_model(model: type[M], path: Path | str, context: dict[str, Any] | None = None) -> M:
    """Load and validate a YAML file into ``model``."""
    return validate_located(model, load_located(path), context)
