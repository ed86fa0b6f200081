"""Compile one field's rule pipeline into a column function, checking the value kind at every step.

Compilation walks the pipeline once with the *kind* of the value (text, date, decimal, list ...) so a
misplaced rule (``trim`` after ``date``) fails when the mapping is loaded, not at 2 a.m. on a vendor file.
The result is a closure over pyarrow.compute calls: it runs once per chunk on whole columns.

Example::

    rule = compile_field([{"source": "PERIOD_START"}, {"date": "%Y-%m-%d"}], context, target=spec)
    dates = rule.run(batch)          # date32 column; unparseable text reported into batch.sink
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from leavehub.mapping import columns as col
from leavehub.mapping import dates as col_dates
from leavehub.mapping import numbers as col_numbers
from leavehub.mapping.batch import Batch, Kind, RuleProblem
from leavehub.mapping.conditions import compile_condition
from leavehub.mapping.fields import FieldSpec
from leavehub.mapping.model import (
    BoolRule,
    BusinessDateRule,
    CaseRule,
    CoalesceRule,
    CodeRule,
    CodeTable,
    ConcatRule,
    ConcatSpec,
    ConstRule,
    DateRule,
    DatetimeRule,
    DecimalRule,
    DecimalSpec,
    DefaultRule,
    EarliestRule,
    IntegerRule,
    JoinRule,
    LatestRule,
    NullIfRule,
    PathRule,
    RegexRule,
    RegexSpec,
    RequiredRule,
    SourceRule,
    SplitRule,
    StripRule,
    TransformRule,
    TrimRule,
    WhenRule,
    steps_of,
)
from leavehub.mapping.transforms import get_transform
from schemas.errors import ConfigError

__all__ = ["CompiledField", "RuleContext", "compile_field"]

Op = Callable[[Batch, Any], Any]
_NULL_TEXT = pa.scalar(None, pa.string())


@dataclass(frozen=True)
class RuleContext:
    """What a rule may refer to: source column kinds, earlier fields, code tables, and the direction."""

    direction: Literal["in", "out"]
    column_kind: Callable[[str], Kind]
    field_kinds: dict[str, Kind]
    tables: dict[str, CodeTable]


@dataclass(frozen=True)
class CompiledField:
    """A compiled pipeline: ``run(batch)`` gives the output column; ``columns`` are the sources it reads."""

    name: str
    kind: Kind
    columns: tuple[str, ...]
    op: Op

    def run(self, batch: Batch) -> pa.ChunkedArray:
        batch.field_name, batch.column_name = self.name, ",".join(self.columns) or None
        return self.op(batch, None)


def compile_field(rule: Any, name: str, context: RuleContext, target: FieldSpec | None,
                  path: tuple[str | int, ...] = ()) -> CompiledField:
    """Compile ``rule`` for field ``name``; inbound ``target`` is the canonical field, outbound None (text)."""
    kind, op, sources = _compile_steps(rule, "none", context, path)
    if kind == "none":
        raise RuleProblem("a pipeline starts with source, path, const or when", path)
    finish = _to_target(kind, target, path) if context.direction == "in" else _to_text(kind, path)
    return CompiledField(name, finish[0], tuple(sources), lambda batch, _: finish[1](batch, op(batch, None)))


def _compile_steps(rule: Any, kind: Kind, context: RuleContext, path: tuple[str | int, ...]
                   ) -> tuple[Kind, Op, list[str]]:
    ops: list[Op] = []
    sources: list[str] = []
    steps = steps_of(rule)
    for i, step in enumerate(steps):
        step_path = (*path, i) if isinstance(rule, list) else path
        kind, op = _compile_step(step, kind, context, step_path, sources)
        ops.append(op)

    def run(batch: Batch, value: Any) -> Any:
        for op in ops:
            value = op(batch, value)
        return value

    return kind, run, sources


def _need(kind: Kind, allowed: tuple[str, ...], word: str, path: tuple[str | int, ...]) -> None:
    if kind not in allowed:
        what = "no value yet" if kind == "none" else f"a {kind} value"
        raise RuleProblem(f"'{word}' does not apply to {what} (needs {' or '.join(allowed)})", path)


def _nullify_empty(values: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(values, ""), _NULL_TEXT, values)


def _scalar(value: Any) -> tuple[Kind, pa.Scalar]:
    if value is None:
        return "null", pa.scalar(None, pa.string())
    if isinstance(value, bool):
        return "boolean", pa.scalar(value)
    if isinstance(value, int):
        return "integer", pa.scalar(value, pa.int64())
    if isinstance(value, dt.date):
        return "date", pa.scalar(value, pa.date32())
    return "string", pa.scalar(str(value), pa.string())


def _report(reason: str) -> Callable[[Batch, pa.ChunkedArray, pa.ChunkedArray], None]:
    return lambda batch, mask, values: batch.report(mask, reason, values)


def _compile_step(step: Any, kind: Kind, ctx: RuleContext, path: tuple[str | int, ...], sources: list[str]
                  ) -> tuple[Kind, Op]:
    if isinstance(step, SourceRule | PathRule):
        if isinstance(step, PathRule):
            names = [step.path]
        else:
            names = [step.source] if isinstance(step.source, str) else list(step.source)
        sources.extend(names)
        try:
            kinds = [ctx.column_kind(n) for n in names]
        except RuleProblem as exc:
            raise RuleProblem(exc.message, path) from None
        if len(names) == 1:
            return kinds[0], lambda batch, _: batch.column(names[0])
        return "multi", lambda batch, _: [batch.column(n) for n in names]
    if isinstance(step, ConstRule):
        const_kind, scalar = _scalar(step.const)
        return const_kind, lambda batch, _: pa.chunked_array([pa.repeat(scalar, batch.length)], scalar.type)
    if isinstance(step, BusinessDateRule):
        return "date", lambda batch, _: pa.chunked_array(
            [pa.repeat(pa.scalar(batch.business_date, pa.date32()), batch.length)], pa.date32())
    if isinstance(step, WhenRule):
        return _compile_when(step, kind, ctx, path, sources)
    if isinstance(step, ConcatRule) and isinstance(step.concat, ConcatSpec):
        return _compile_concat_parts(step.concat, kind, ctx, (*path, "concat"), sources)
    if isinstance(step, CoalesceRule | LatestRule | EarliestRule):
        return _compile_choice(step, kind, ctx, path, sources)
    if kind == "multi" and not isinstance(step, ConcatRule | TransformRule):
        raise RuleProblem("several source columns need 'concat' first", path)
    if isinstance(step, DefaultRule):
        default_kind, scalar = _scalar(step.default)
        if kind == "none" or kind == "null":
            return default_kind, lambda batch, _: pa.chunked_array([pa.repeat(scalar, batch.length)], scalar.type)
        if default_kind != kind and not (kind == "decimal" and default_kind in ("string", "integer")):
            raise RuleProblem(f"default of kind {default_kind} for a {kind} value", path)
        raw = step.default
        return kind, lambda batch, v: pc.fill_null(v, pa.scalar(Decimal(str(raw)), v.type)
                                                   if kind == "decimal" else scalar)
    if isinstance(step, RequiredRule):
        _need(kind, ("string", "date", "datetime", "decimal", "integer", "boolean", "list"), "required", path)
        report = _report("required value is empty")

        def required(batch: Batch, v: Any) -> Any:
            report(batch, pc.is_null(v), v)
            return v
        return kind, required
    if isinstance(step, TrimRule):
        _need(kind, ("string",), "trim", path)
        return kind, lambda batch, v: col.trim_text(v)
    if isinstance(step, NullIfRule):
        _need(kind, ("string",), "null_if", path)
        return kind, lambda batch, v: col.null_words(v, step.null_if)
    if isinstance(step, CaseRule):
        _need(kind, ("string",), "case", path)
        fn = {"upper": pc.utf8_upper, "lower": pc.utf8_lower, "title": pc.utf8_title}[step.case]
        return kind, lambda batch, v: fn(v)
    if isinstance(step, StripRule):
        _need(kind, ("string",), "strip", path)
        pattern = "[" + "".join(c if c.isalnum() else f"\\x{{{ord(c):X}}}" for c in step.strip) + "]"
        return kind, lambda batch, v: _nullify_empty(pc.replace_substring_regex(v, pattern=pattern,
                                                                                 replacement=""))
    if isinstance(step, RegexRule):
        _need(kind, ("string",), "regex", path)
        return kind, _compile_regex(step.regex if isinstance(step.regex, RegexSpec)
                                    else RegexSpec(pattern=step.regex), (*path, "regex"))
    if isinstance(step, DateRule | DatetimeRule):
        return _compile_dates(step, kind, path)
    if isinstance(step, DecimalRule):
        spec = step.decimal if isinstance(step.decimal, DecimalSpec) else DecimalSpec(scale=step.decimal)
        return _compile_decimal(spec, kind, path)
    if isinstance(step, IntegerRule):
        _need(kind, ("string", "integer"), "integer", path)
        if kind == "integer":
            return kind, lambda batch, v: v
        report = _report("not a whole number")

        def integers(batch: Batch, v: Any) -> Any:
            result, bad = col_numbers.parse_integers(v)
            report(batch, bad, v)
            return result
        return "integer", integers
    if isinstance(step, CodeRule):
        return _compile_code(step, kind, ctx, path)
    if isinstance(step, SplitRule):
        _need(kind, ("string",), "split", path)
        return "list", lambda batch, v: col.split_lists(v, step.split)
    if isinstance(step, JoinRule):
        _need(kind, ("list",), "join", path)
        return "string", lambda batch, v: col.join_lists(v, step.join)
    if isinstance(step, ConcatRule):
        _need(kind, ("multi", "string"), "concat", path)
        separator = step.concat
        assert isinstance(separator, str)
        return "string", lambda batch, v: col.concat_columns(v if isinstance(v, list) else [v], separator)
    if isinstance(step, BoolRule):
        return _compile_bool(step, kind, path)
    if isinstance(step, TransformRule):
        try:
            fn = get_transform(step.transform)
        except ConfigError as exc:
            raise RuleProblem(exc.reason, (*path, "transform")) from None
        return "string", lambda batch, v: fn(col.concat_columns(v, " ") if isinstance(v, list) else v)
    raise RuleProblem(f"rule {type(step).__name__} is not supported here", path)


def _compile_regex(spec: RegexSpec, path: tuple[str | int, ...]) -> Op:
    try:
        groups = re.compile(spec.pattern).groups
        pc.match_substring_regex(pa.array([""], pa.string()), spec.pattern)  # RE2 must accept it too
    except (re.error, pa.ArrowInvalid) as exc:
        raise RuleProblem(f"bad regular expression: {exc}", (*path, "pattern")) from None
    group = spec.group if spec.group is not None else (1 if groups else 0)
    if group > groups:
        raise RuleProblem(f"group {group} does not exist in the pattern ({groups} groups)", (*path, "group"))
    report = _report(f"does not match the pattern {spec.pattern}")

    def extract(batch: Batch, v: Any) -> Any:
        result, bad = col.regex_extract(v, spec.pattern, group)
        if spec.on_mismatch == "reject":
            report(batch, bad, v)
        elif spec.on_mismatch == "keep":
            result = pc.coalesce(result, v)
        return result
    return extract


def _compile_dates(step: DateRule | DatetimeRule, kind: Kind, path: tuple[str | int, ...]) -> tuple[Kind, Op]:
    is_date = isinstance(step, DateRule)
    pattern = step.date if is_date else step.datetime  # type: ignore[union-attr]
    word = "date" if is_date else "datetime"
    _need(kind, ("string", "date", "datetime"), word, path)
    if kind != "string":
        if is_date:
            return "string", lambda batch, v: col_dates.format_dates(
                pc.cast(v, pa.date32()) if kind == "datetime" else v, pattern)
        zone = step.timezone  # type: ignore[union-attr]
        return "string", lambda batch, v: col_dates.format_datetimes(
            pc.cast(v, pa.timestamp("us", tz="UTC")) if kind == "date" else v, pattern, zone)
    report = _report(f"not a {word} in the format {pattern}")
    if is_date:
        def parsed(batch: Batch, v: Any) -> Any:
            result, bad = col_dates.parse_dates(v, pattern)
            report(batch, bad, v)
            return result
        return word, parsed  # type: ignore[return-value]
    return word, _parse_datetimes(step, report)  # type: ignore[arg-type,return-value]


def _parse_datetimes(step: DatetimeRule, report: Callable[..., None]) -> Op:
    """Text -> UTC timestamps; a value without a zone, or a local time a clock change skips or repeats, is a
    row error saying so (never taken as UTC, never a guess)."""
    no_zone = _report("has no time zone (the rule names none: add timezone:)")
    unclear = _report(f"is not a single instant in {step.timezone} (a daylight-saving change skips or repeats it)")

    def parsed(batch: Batch, v: Any) -> Any:
        times = col_dates.parse_datetimes(v, step.datetime, step.timezone)
        report(batch, times.bad, v)
        no_zone(batch, times.no_zone, v)
        unclear(batch, times.unclear, v)
        return times.values
    return parsed


def _compile_decimal(spec: DecimalSpec, kind: Kind, path: tuple[str | int, ...]) -> tuple[Kind, Op]:
    _need(kind, ("string", "decimal", "integer"), "decimal", path)
    if spec.implied:
        return _compile_implied_decimal(spec, kind)
    if kind == "string":
        not_number = _report("not a decimal number")
        too_precise = _report(f"more than {spec.scale} decimal places")

        def parsed(batch: Batch, v: Any) -> Any:
            result, bad_number, bad_places = col_numbers.parse_decimals(v, spec.scale, spec.rounding)
            not_number(batch, bad_number, v)
            too_precise(batch, bad_places, v)
            return result
        return "decimal", parsed
    report = _report(f"more than {spec.scale} decimal places")

    def formatted(batch: Batch, v: Any) -> Any:
        values = pc.cast(v, pa.decimal128(38, 0)) if kind == "integer" else v
        result, bad = col_numbers.format_decimals(values, spec.scale, spec.rounding)
        report(batch, bad, None)
        return result
    return "string", formatted


def _compile_implied_decimal(spec: DecimalSpec, kind: Kind) -> tuple[Kind, Op]:
    if kind == "string":
        report = _report(f"not digits with {spec.scale} implied decimal places")

        def parsed(batch: Batch, v: Any) -> Any:
            result, bad = col_numbers.parse_implied_decimals(v, spec.scale)
            report(batch, bad, v)
            return result
        return "decimal", parsed
    report = _report(f"more than {spec.scale} decimal places")

    def formatted(batch: Batch, v: Any) -> Any:
        values = pc.cast(v, pa.decimal128(38, 0)) if kind == "integer" else v
        result, bad = col_numbers.format_implied_decimals(values, spec.scale, spec.rounding)
        report(batch, bad, None)
        return result
    return "string", formatted


def _compile_parts(rules: list[Any], kind: Kind, ctx: RuleContext, path: tuple[str | int, ...],
                   sources: list[str]) -> tuple[list[Kind], list[Op]]:
    """Compile each of several pipelines (the choices of coalesce/latest/earliest, the parts of concat)."""
    kinds, ops = [], []
    for i, rule in enumerate(rules):
        part_kind, op, part_sources = _compile_steps(rule, kind, ctx, (*path, i))
        if part_kind in ("none", "multi"):
            raise RuleProblem("each part gives one value (a column, a constant or a pipeline)", (*path, i))
        sources.extend(part_sources)
        kinds.append(part_kind)
        ops.append(op)
    return kinds, ops


def _compile_concat_parts(spec: ConcatSpec, kind: Kind, ctx: RuleContext, path: tuple[str | int, ...],
                          sources: list[str]) -> tuple[Kind, Op]:
    kinds, ops = _compile_parts(spec.parts, kind, ctx, (*path, "parts"), sources)
    for i, part_kind in enumerate(kinds):
        if part_kind not in ("string", "integer", "null"):
            raise RuleProblem(f"concat joins text; part {i} gives a {part_kind} value", (*path, "parts", i))

    def joined(batch: Batch, v: Any) -> Any:
        parts = [op(batch, v) for op in ops]
        return col.concat_columns([p if p is not None else pa.nulls(batch.length, pa.string()) for p in parts],
                                  spec.separator)
    return "string", joined


def _compile_choice(step: CoalesceRule | LatestRule | EarliestRule, kind: Kind, ctx: RuleContext,
                    path: tuple[str | int, ...], sources: list[str]) -> tuple[Kind, Op]:
    word = "coalesce" if isinstance(step, CoalesceRule) else "latest" if isinstance(step, LatestRule) \
        else "earliest"
    kinds, ops = _compile_parts(getattr(step, word), kind, ctx, (*path, word), sources)
    real = {k for k in kinds if k != "null"}
    if len(real) > 1:
        raise RuleProblem(f"'{word}' choices give different kinds of value: {', '.join(sorted(real))}", path)
    result_kind: Kind = real.pop() if real else "null"
    if word != "coalesce" and result_kind not in ("date", "datetime", "decimal", "integer", "string", "null"):
        raise RuleProblem(f"'{word}' compares dates, times, numbers or text, not {result_kind}", path)
    combine = {"coalesce": pc.coalesce,
               "latest": lambda *c: pc.max_element_wise(*c, skip_nulls=True),
               "earliest": lambda *c: pc.min_element_wise(*c, skip_nulls=True)}[word]

    def choose(batch: Batch, v: Any) -> Any:
        values = [op(batch, v) for op in ops]
        typed = next((x.type for x in values if not pa.types.is_null(x.type)), pa.string())
        values = [pa.chunked_array([pa.nulls(batch.length, typed)]) if pa.types.is_null(x.type) else x
                  for x in values]
        if pa.types.is_decimal(typed):
            widest = max(x.type.scale for x in values)
            values = [pc.cast(x, pa.decimal128(38, widest)) for x in values]
        return combine(*values)
    return result_kind, choose


def _compile_code(step: CodeRule, kind: Kind, ctx: RuleContext, path: tuple[str | int, ...]) -> tuple[Kind, Op]:
    _need(kind, ("string", "list"), "code", path)
    table = ctx.tables.get(step.code)
    if table is None:
        known = ", ".join(sorted(ctx.tables)) or "none: the mapping names no codes file"
        raise RuleProblem(f"unknown code table {step.code!r} (known: {known})", (*path, "code"))
    pairs = table.inbound() if ctx.direction == "in" else table.outbound()
    behaviour, default = table.behaviour
    report = _report(f"unknown code for table {step.code}")
    unseen = f"schema drift: code(s) not in table {step.code} " + \
        ("kept as sent" if behaviour == "pass" else f"read as {default}")

    def lookup(batch: Batch, v: Any) -> Any:
        result, missing = col.lookup_codes(v, pairs, behaviour, default)
        if behaviour == "reject":
            report(batch, missing, v)
        else:
            batch.warn(missing, unseen)
        return result
    return kind, lookup


def _compile_bool(step: BoolRule, kind: Kind, path: tuple[str | int, ...]) -> tuple[Kind, Op]:
    _need(kind, ("string", "boolean"), "bool", path)
    yes, no = step.values("true"), step.values("false")
    if kind == "boolean":
        return "string", lambda batch, v: pc.if_else(v, yes[0], no[0])
    report = _report(f"not one of {', '.join(yes + no)}")

    def parsed(batch: Batch, v: Any) -> Any:
        result, bad = col.parse_bools(v, yes, no)
        report(batch, bad, v)
        return result
    return "boolean", parsed


def _compile_when(step: WhenRule, kind: Kind, ctx: RuleContext, path: tuple[str | int, ...], sources: list[str]
                  ) -> tuple[Kind, Op]:
    test = compile_condition(step.when, ctx.column_kind, ctx.field_kinds, (*path, "when"))
    then_kind, then_op, then_sources = _compile_steps(step.then, kind, ctx, (*path, "then"))
    if step.else_ is not None:
        else_kind, else_op, else_sources = _compile_steps(step.else_, kind, ctx, (*path, "else"))
    else:
        else_kind, else_op, else_sources = kind, (lambda batch, v: v), []
    sources.extend(then_sources + else_sources)
    kinds = {k for k in (then_kind, else_kind) if k not in ("null", "none")}
    if len(kinds) > 1:
        raise RuleProblem(f"'then' gives a {then_kind} value but 'else' a {else_kind} value", path)
    result_kind: Kind = kinds.pop() if kinds else "null"

    def choose(batch: Batch, v: Any) -> Any:
        mask = test(batch)
        chosen = then_op(batch.within(mask), v)
        other = else_op(batch.within(pc.invert(mask)), v)
        if other is None:
            other = pa.nulls(batch.length, chosen.type)
        if chosen is None:
            chosen = pa.nulls(batch.length, other.type)
        if chosen.type != other.type:
            other = pc.cast(other, chosen.type) if not pa.types.is_null(other.type) else \
                pa.nulls(batch.length, chosen.type)
        return pc.if_else(mask, chosen, other)
    return result_kind, choose


# --- the last step: the canonical type (inbound) or vendor text (outbound) --------------------------------

def _to_target(kind: Kind, spec: FieldSpec | None, path: tuple[str | int, ...]) -> tuple[Kind, Op]:
    """Cast the pipeline's value to the canonical field's Arrow type; text is parsed in canonical format."""
    assert spec is not None
    target = spec.kind
    if kind == "null":
        return target, lambda batch, v: pa.chunked_array([pa.nulls(batch.length, spec.arrow_type)])
    if kind == "multi":
        raise RuleProblem("several source columns need 'concat' first", path)
    if kind == target and target != "decimal":
        return kind, lambda batch, v: pc.cast(v, spec.arrow_type)
    if target == "string" and kind in ("integer", "decimal", "date", "boolean"):
        return "string", lambda batch, v: pc.cast(v, pa.string())
    if kind == "string" and target in ("date", "datetime", "decimal", "integer", "boolean"):
        words = {"true": ["true", "True", "1"], "false": ["false", "False", "0"]}
        parse = {"date": DateRule(date="%Y-%m-%d"), "datetime": DatetimeRule(datetime="iso"),
                 "integer": IntegerRule(integer=True), "boolean": BoolRule(bool=words),
                 "decimal": DecimalRule(decimal=DecimalSpec(scale=spec.scale or 0))}[target]
        step_kind, step_op = _compile_step(parse, "string", _NO_CONTEXT, path, [])
        if target != "decimal":
            return step_kind, step_op
        fit = _fit(spec)
        return "decimal", lambda batch, v: fit(batch, step_op(batch, v))
    if target == "decimal" and kind in ("decimal", "integer"):
        fit = _fit(spec)
        return "decimal", lambda batch, v: fit(batch, pc.cast(v, pa.decimal128(38, 0)) if kind == "integer" else v)
    if target == "datetime" and kind == "date":
        return target, lambda batch, v: pc.cast(pc.cast(v, pa.timestamp("us")), spec.arrow_type)
    if target == "date" and kind == "datetime":
        return target, lambda batch, v: pc.cast(v, pa.date32())
    raise RuleProblem(f"the pipeline gives a {kind} value but field {spec.name!r} holds {target}", path)


def _fit(spec: FieldSpec) -> Op:
    report = _report(f"does not fit decimal({spec.precision},{spec.scale})")

    def fit(batch: Batch, v: Any) -> Any:
        result, bad = col_numbers.fit_decimals(v, spec.precision or 38, spec.scale or 0)
        report(batch, bad, None)
        return result
    return fit


def _to_text(kind: Kind, path: tuple[str | int, ...]) -> tuple[Kind, Op]:
    """Outbound: everything becomes vendor text; canonical formats for dates, None -> empty."""
    if kind == "multi":
        raise RuleProblem("several source columns need 'concat' first", path)
    render: Callable[[Any], Any] = {
        "date": lambda v: col_dates.format_dates(v, "%Y-%m-%d"),
        "datetime": lambda v: col_dates.format_datetimes(v, "iso"),
        "list": lambda v: col.join_lists(v, ";"),
        "boolean": lambda v: pc.if_else(v, "true", "false"),
    }.get(kind, lambda v: pc.cast(v, pa.string()))
    return "string", lambda batch, v: pc.fill_null(render(v), "")


_NO_CONTEXT = RuleContext(direction="in", column_kind=lambda name: "string", field_kinds={}, tables={})
