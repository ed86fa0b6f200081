"""Whole-column conversions behind the mapping rules, in pyarrow.compute: no per-row Python.

Each parser returns the converted column and a mask of the values it could not convert (null where the
input was null), so the caller can report every bad value and keep going. Decimals never pass through
float: text is shape-checked with a regex, then cast straight to ``decimal128``.

Example::

    dates, bad = parse_dates(text, "%m/%d/%Y")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ParsedTimes",
    "concat_columns",
    "fit_decimals",
    "format_dates",
    "format_datetimes",
    "format_decimals",
    "format_implied_decimals",
    "join_lists",
    "lookup_codes",
    "null_words",
    "parse_bools",
    "parse_dates",
    "parse_datetimes",
    "parse_decimals",
    "parse_implied_decimals",
    "parse_integers",
    "regex_extract",
    "split_lists",
]

Column = pa.ChunkedArray
ROUND_MODES = {"half_up": "half_towards_infinity", "half_even": "half_to_even"}  # Python Decimal semantics
_NULL_TEXT = pa.scalar(None, pa.string())
_ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"
"""ISO-8601 as feeds write it, hours 00-23, minutes and seconds 00-59 (the day is checked on the calendar)."""
_ZONE = r"(Z|[+-]\d{2}:?\d{2})$"
_UTC = pa.timestamp("us", tz="UTC")
_NULL_TEXT = pa.scalar(None, pa.string())
MAX_OFFSET_EAST, MAX_OFFSET_WEST = 14 * 60, 12 * 60
"""UTC offsets in use run from -12:00 to +14:00; anything beyond is a typo, not a zone."""


def _chunked(values: pa.Array | pa.ChunkedArray) -> Column:
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def _strict_cast(values: Column, target: pa.DataType) -> Column | None:
    """The fast path: a strict Arrow cast of the whole column, or None if any value fails (then the caller
    takes the slow path that finds *which* values fail)."""
    try:
        return _chunked(pc.cast(values, target))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _none(values: Column) -> Column:
    """An all-false mask as long as ``values``."""
    return pa.chunked_array([pa.array(np.zeros(len(values), dtype=bool))], pa.bool_())


def _nulls(length: int, type_: pa.DataType) -> Column:
    return pa.chunked_array([pa.nulls(length, type_)], type_)


def _bad(values: Column, result: Column) -> Column:
    """Input present, output missing: the conversion failed."""
    return pc.and_(pc.is_valid(values), pc.is_null(result))


_DIRECTIVES = {"Y": r"(?P<Y>\d{4})", "y": r"\d{2}", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})",
               "e": r"\s?\d{1,2}", "H": r"\d{1,2}", "M": r"\d{1,2}", "S": r"\d{1,2}",
               "z": r"(?P<z>Z|[+-]\d{2}:?\d{2})", "%": "%"}


def _pattern_regex(pattern: str) -> str:
    """An RE2 regex for a strptime pattern that captures year (Y), month (m), day (d) and offset (z) as written."""
    out, i = ["^"], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%" and i + 1 < len(pattern):
            out.append(_DIRECTIVES.get(pattern[i + 1], ".*?"))
            i += 2
            continue
        out.append(char if char.isalnum() else f"\\x{{{ord(char):X}}}")
        i += 1
    return "".join(out) + "$"


def parse_dates(values: Column, pattern: str) -> tuple[Column, Column]:
    """Text -> date32 with a strptime pattern; unparseable text is null and flagged.

    strptime accepts day 31 in any month and rolls it over (2026-02-30 -> 2026-03-02), so results that
    land on days 1-3 are checked against the day written in the text.
    """
    if pattern == "%Y-%m-%d":
        fast = _strict_cast(values, pa.date32())  # Arrow's ISO parser checks the calendar; one pass
        if fast is not None:
            return fast, _none(values)
    stamps = pc.strptime(values, format=pattern, unit="s", error_is_null=True)
    result = pc.cast(stamps, pa.date32(), safe=False)
    if "%d" in pattern:
        suspect = pc.indices_nonzero(pc.fill_null(pc.less_equal(pc.day(result), 3), False))
        if len(suspect):
            written = pc.extract_regex(pc.take(values, suspect), _pattern_regex(pattern))
            day = pc.cast(pc.struct_field(written, "d"), pa.int64())
            rolled = pc.fill_null(pc.not_equal(day, pc.day(pc.take(result, suspect))), True)
            wrong = np.zeros(len(values), dtype=bool)
            wrong[suspect.to_numpy()[rolled.to_numpy(zero_copy_only=False)]] = True
            result = pc.if_else(pa.array(wrong), pa.scalar(None, pa.date32()), result)
    result = _chunked(result)
    return result, _bad(values, result)


def format_dates(values: Column, pattern: str) -> Column:
    """date32 -> text with a strftime pattern (ISO is a plain cast: faster)."""
    if pattern == "%Y-%m-%d":
        return _chunked(pc.cast(values, pa.string()))
    return _chunked(pc.strftime(pc.cast(values, pa.timestamp("s")), format=pattern))


@dataclass(frozen=True)
class ParsedTimes:
    """Timestamps read from text, and why each unread value was not read (every mask null-free)."""

    values: Column
    """timestamp[us, UTC]; null where the input was null or is flagged below."""
    bad: Column
    """Not a date-time in the format, or a field out of range (hour 25, month 13, offset +25:00)."""
    no_zone: Column
    """Written without a zone and the rule names none: which zone it means would be a guess."""
    unclear: Column
    """A local time its zone skips or repeats (a daylight-saving change): it names no single instant."""


def parse_datetimes(values: Column, pattern: str, timezone: str | None = None) -> ParsedTimes:
    """Text -> timestamp[us, UTC]. ``iso`` takes ISO-8601 with ``Z`` or an offset; a strptime pattern reads
    the offset where it has ``%z``. A value written without a zone is read in ``timezone`` (IANA name); with
    none given it is flagged ``no_zone``, never taken as UTC. Never raises on bad input: each bad value is
    flagged, whatever Arrow's parser thinks of it.
    """
    if pattern == "iso":
        fast = _strict_cast(values, _UTC)  # the usual file: every value zoned and valid, one pass
        if fast is not None:
            offset = pc.invert(pc.fill_null(pc.ends_with(values, "Z"), True))  # Arrow takes up to +-23:59
            if not pc.any(offset).as_py():
                return ParsedTimes(fast, _none(values), _none(values), _none(values))
            wrong = pc.and_(offset, pc.invert(_offset_in_range(values)))
            if not pc.any(wrong).as_py():
                return ParsedTimes(fast, _none(values), _none(values), _none(values))
        shaped = pc.and_(pc.match_substring_regex(values, _ISO_DATETIME),
                         pc.is_valid(parse_dates(_chunked(pc.utf8_slice_codeunits(values, 0, 10)), "%Y-%m-%d")[0]))
        text = pc.if_else(pc.fill_null(shaped, False), values, _NULL_TEXT)
        text = pc.replace_substring_regex(text, pattern=r"(\.\d{6})\d+", replacement=r"\1")  # ns -> us
        zoned = pc.fill_null(pc.match_substring_regex(text, _ZONE), False)
        aware = _cast_or_null(pc.if_else(pc.and_(zoned, _offset_in_range(text)), text, _NULL_TEXT), _UTC)
        naive = _cast_or_null(pc.if_else(zoned, _NULL_TEXT, text), pa.timestamp("us"))
    else:
        stamps = pc.strptime(values, format=pattern, unit="us", error_is_null=True)
        stamps = pc.if_else(_written_day_is_real(values, pattern), stamps, pa.scalar(None, stamps.type))
        if "%z" in pattern:
            offsets = pc.struct_field(pc.extract_regex(values, _pattern_regex(pattern)), "z")
            aware = pc.if_else(pc.fill_null(_offset_in_range(offsets), False), stamps, pa.scalar(None, _UTC))
            naive = _nulls(len(values), pa.timestamp("us"))
        else:
            aware, naive = _nulls(len(values), _UTC), stamps
    no_zone, unclear = _none(values), _none(values)
    if timezone is None:
        no_zone = _chunked(pc.is_valid(naive))
        local = _nulls(len(values), _UTC)
    else:
        local, unclear = _localize(_chunked(naive), timezone)
    result = _chunked(pc.coalesce(aware, local))
    bad = pc.and_(pc.and_(_bad(values, result), pc.invert(no_zone)), pc.invert(unclear))
    return ParsedTimes(result, _chunked(bad), no_zone, unclear)


def _cast_or_null(values: pa.Array | Column, target: pa.DataType) -> Column:
    """Cast text; a value Arrow's parser refuses becomes null (found by halving, so a few bad values among
    many cost a few extra casts, and no input can make this raise)."""
    def cast(array: pa.Array) -> pa.Array:
        try:
            return pc.cast(array, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if len(array) <= 1:
                return pa.nulls(len(array), target)
            half = len(array) // 2
            return pa.concat_arrays([cast(array[:half]), cast(array[half:])])

    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    return pa.chunked_array([cast(chunk) for chunk in chunks], target)


def _offset_in_range(text: Any) -> Any:
    """True where the text ends in no offset (``Z``) or one clocks use: -12:00 to +14:00, minutes < 60."""
    parts = pc.extract_regex(text, r"(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")
    hours = pc.cast(pc.struct_field(parts, "h"), pa.int32())
    minutes = pc.cast(pc.struct_field(parts, "m"), pa.int32())
    total = pc.add(pc.multiply(hours, 60), minutes)
    limit = pc.if_else(pc.equal(pc.struct_field(parts, "sign"), "+"), MAX_OFFSET_EAST, MAX_OFFSET_WEST)
    ok = pc.and_(pc.less(minutes, 60), pc.less_equal(total, limit))
    return pc.fill_null(ok, True)


def _localize(naive: Column, timezone: str) -> tuple[Column, Column]:
    """Wall-clock times in ``timezone`` -> UTC; a time the zone skips or repeats is null and flagged."""
    early = pc.assume_timezone(naive, timezone=timezone, ambiguous="earliest", nonexistent="earliest")
    late = pc.assume_timezone(naive, timezone=timezone, ambiguous="latest", nonexistent="latest")
    unclear = pc.fill_null(pc.not_equal(early, late), False)
    utc = pc.cast(pc.if_else(unclear, pa.scalar(None, early.type), early), _UTC)
    return _chunked(utc), _chunked(unclear)


def _written_day_is_real(values: Column, pattern: str) -> Any:
    """False where the text names a day its month lacks (strptime would roll 2026-02-30 into March)."""
    if not all(d in pattern for d in ("%Y", "%m", "%d")):
        return pc.is_valid(values)  # only suspect when year, month and day are all written
    written = pc.extract_regex(values, _pattern_regex(pattern))
    year, month, day = (pc.struct_field(written, part) for part in ("Y", "m", "d"))
    iso = pc.binary_join_element_wise(year, pc.utf8_lpad(month, 2, "0"), pc.utf8_lpad(day, 2, "0"), "-")
    real = _cast_or_null(iso, pa.date32())
    return pc.or_(pc.is_valid(real), pc.is_null(iso))


def format_datetimes(values: Column, pattern: str, timezone: str | None = None) -> Column:
    """timestamp -> text; ``iso`` writes ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, or the local time and its offset when
    a ``timezone`` is given; a strptime pattern writes the wall-clock time in ``timezone`` (UTC if none)."""
    utc = pc.cast(values, _UTC)
    if timezone is None:
        return _chunked(pc.strftime(utc, format="%Y-%m-%dT%H:%M:%SZ" if pattern == "iso" else pattern))
    local = pc.cast(utc, pa.timestamp("us", tz=timezone))
    return _chunked(pc.strftime(local, format="%Y-%m-%dT%H:%M:%S%z" if pattern == "iso" else pattern))


def parse_decimals(values: Column, scale: int, rounding: str = "reject") -> tuple[Column, Column, Column]:
    """Text -> decimal128(38, scale), exactly. Returns (result, not-a-number mask, too-many-places mask).

    With ``rounding: reject`` a value with more than ``scale`` places is flagged; with ``half_up`` (away
    from zero, as Python's ``ROUND_HALF_UP``) or ``half_even`` it is rounded in decimal arithmetic.
    The usual case (every value fits) costs one regex pass and one cast.
    """
    if rounding == "reject":
        shape = (rf"^[+-]?(\d{{1,{38 - scale}}}(\.\d{{1,{scale}}})?|\.\d{{1,{scale}}})$" if scale
                 else r"^[+-]?\d{1,38}$")
        fits = pc.fill_null(pc.match_substring_regex(values, shape), False)
        if not pc.any(pc.and_(pc.is_valid(values), pc.invert(fits))).as_py():
            return _chunked(pc.cast(values, pa.decimal128(38, scale))), _none(values), _none(values)
        result = _chunked(pc.cast(pc.if_else(fits, values, pa.scalar(None, pa.string())),
                                  pa.decimal128(38, scale)))
    else:
        fits = pc.fill_null(pc.match_substring_regex(values, r"^[+-]?(\d{1,20}(\.\d{1,18})?|\.\d{1,18})$"), False)
        exact = pc.cast(pc.if_else(fits, values, pa.scalar(None, pa.string())), pa.decimal128(38, 18))
        rounded = pc.round(exact, ndigits=scale, round_mode=ROUND_MODES[rounding])
        result = _chunked(pc.cast(rounded, pa.decimal128(38, scale)))
    numeric = pc.fill_null(pc.match_substring_regex(values, r"^[+-]?(\d{1,38}(\.\d{1,18})?|\.\d{1,18})$"), False)
    not_numeric = pc.and_(pc.is_valid(values), pc.invert(numeric))
    return result, _chunked(not_numeric), _chunked(pc.and_(numeric, pc.invert(fits)))


def parse_implied_decimals(values: Column, scale: int) -> tuple[Column, Column]:
    """Digits with an implied decimal point -> decimal128(38, scale): ``03000`` at scale 2 is 30.00.

    An optional sign is kept; anything but digits is flagged. Vectorized as text: left-pad to more than
    ``scale`` digits, put the point before the last ``scale`` of them, cast exactly.
    """
    ok = pc.fill_null(pc.match_substring_regex(values, rf"^[+-]?\d{{1,{38}}}$"), False)
    text = pc.if_else(ok, values, _NULL_TEXT)
    if scale:
        sign = pc.if_else(pc.starts_with(text, "-"), "-", "")
        digits = pc.utf8_lpad(pc.utf8_ltrim(text, "+-"), scale + 1, "0")
        whole = pc.utf8_slice_codeunits(digits, 0, -scale)
        text = pc.binary_join_element_wise(sign, whole, ".", pc.utf8_slice_codeunits(digits, -scale), "")
    result = _chunked(pc.cast(text, pa.decimal128(38, scale)))
    return result, _bad(values, result)


def format_implied_decimals(values: Column, scale: int, rounding: str = "reject") -> tuple[Column, Column]:
    """Decimal -> digits with an implied point (30.00 at scale 2 -> ``3000``), the twin of the parser."""
    text, bad = format_decimals(values, scale, rounding)
    return _chunked(pc.replace_substring(text, ".", "")), bad


def null_words(values: Column, words: list[str]) -> Column:
    """Values equal to one of ``words`` ("Please Select", "00000000") become null."""
    hit = pc.is_in(values, value_set=pa.array(words, pa.string()))
    return _chunked(pc.if_else(hit, _NULL_TEXT, values))


def fit_decimals(values: Column, precision: int, scale: int) -> tuple[Column, Column]:
    """Cast decimals to decimal128(precision, scale); values too large (or too precise) are flagged."""
    source = values.type
    fast = _strict_cast(values, pa.decimal128(precision, scale))  # raises on overflow or lost places
    if fast is not None:
        return fast, _none(values)
    ok = pc.is_valid(values)
    if source.scale > scale:
        ok = pc.and_(ok, pc.equal(pc.round(values, ndigits=scale), values))
    if source.precision - source.scale > precision - scale:
        limit = pa.scalar(Decimal(10) ** (precision - scale), pa.decimal128(source.precision, source.scale))
        ok = pc.and_(ok, pc.less(pc.abs(values), limit))
    kept = pc.if_else(pc.fill_null(ok, False), values, pa.scalar(None, source))
    if source.scale > scale:
        kept = pc.round(kept, ndigits=scale)
    result = _chunked(pc.cast(kept, pa.decimal128(precision, scale)))
    return result, _bad(values, result)


def format_decimals(values: Column, scale: int, rounding: str = "reject") -> tuple[Column, Column]:
    """Decimal -> text with exactly ``scale`` places ("12.30"); more places need ``rounding`` or are flagged."""
    source_scale = values.type.scale
    bad = _none(values)
    if source_scale > scale:
        rounded = pc.round(values, ndigits=scale, round_mode=ROUND_MODES.get(rounding, "half_to_even"))
        if rounding == "reject":
            bad = pc.not_equal(rounded, values)
            rounded = pc.if_else(bad, pa.scalar(None, values.type), rounded)
        values = rounded
    typed = pc.cast(values, pa.decimal128(min(38, values.type.precision + max(0, scale - source_scale)), scale))
    return _chunked(pc.cast(typed, pa.string())), _chunked(bad)


def parse_integers(values: Column) -> tuple[Column, Column]:
    """Text -> int64; anything but optional sign and digits is flagged."""
    ok = pc.fill_null(pc.match_substring_regex(values, r"^[+-]?\d{1,18}$"), False)
    result = _chunked(pc.cast(pc.if_else(ok, values, pa.scalar(None, pa.string())), pa.int64()))
    return result, _bad(values, result)


def parse_bools(values: Column, true_values: list[str], false_values: list[str]) -> tuple[Column, Column]:
    """Y/N-style text -> bool; text in neither list is flagged."""
    is_true = pc.is_in(values, value_set=pa.array(true_values, pa.string()))
    is_false = pc.is_in(values, value_set=pa.array(false_values, pa.string()))
    result = _chunked(pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_()))))
    return result, _bad(values, result)


def lookup_codes(values: Column, table: dict[str, str | None], unknown: str, default: str | None
                 ) -> tuple[Column, Column]:
    """Translate codes through ``table`` (``is_in``/``take``); unknown codes rejected, passed or defaulted.

    Works on text and on list<text> columns (every item translated). The mask flags rows holding an unknown
    code whatever ``unknown`` says: a row error under ``reject``, schema drift (a warning) otherwise. A code
    the table maps to None becomes null and is not unknown.
    """
    if pa.types.is_list(values.type):
        return _lookup_lists(values, table, unknown, default)
    keys = pa.array(list(table), pa.string())
    codes = pa.array(list(table.values()), pa.string())
    index = pc.index_in(values, value_set=keys)
    mapped = pc.take(codes, index)
    missing = pc.and_(pc.is_valid(values), pc.is_null(index))
    if unknown == "pass":
        return _chunked(pc.if_else(missing, values, mapped)), _chunked(missing)
    if unknown == "default":
        return _chunked(pc.if_else(missing, pa.scalar(default, pa.string()), mapped)), _chunked(missing)
    return _chunked(mapped), _chunked(missing)


def _rebuild_lists(chunk: pa.ListArray, items: pa.Array, keep: np.ndarray | None = None) -> pa.ListArray:
    offsets = chunk.offsets.to_numpy()
    if keep is not None:
        counts = np.concatenate([[0], np.cumsum(keep, dtype=np.int32)])
        offsets = counts[offsets]
        items = items.filter(pa.array(keep))
    empty = pc.equal(pa.array(np.diff(offsets)), 0)
    mask = pc.or_(pc.fill_null(chunk.is_null(), True), empty)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, mask=mask)


def _lookup_lists(values: Column, table: dict[str, str | None], unknown: str, default: str | None
                  ) -> tuple[Column, Column]:
    chunks, masks = [], []
    for chunk in values.chunks:
        items, missing = lookup_codes(_chunked(chunk.values), table, unknown, default)
        chunks.append(_rebuild_lists(chunk, items.combine_chunks()))
        offsets = chunk.offsets.to_numpy()
        bad_items = pc.fill_null(missing, False).to_numpy(zero_copy_only=False)
        per_row = np.add.reduceat(np.append(bad_items, False).astype(np.int32), offsets[:-1]) if len(chunk) else []
        per_row = np.where(np.diff(offsets) > 0, per_row, 0) if len(chunk) else per_row
        masks.append(pa.array(np.asarray(per_row) > 0, pa.bool_()))
    return pa.chunked_array(chunks, pa.list_(pa.string())), pa.chunked_array(masks, pa.bool_())


def split_lists(values: Column, separator: str) -> Column:
    """"FMLA; CFRA;" -> ["FMLA", "CFRA"]: split, trim items, drop empty items; an empty list is null."""
    out = []
    for chunk in pc.split_pattern(values, separator).chunks:
        items = pc.utf8_trim_whitespace(chunk.values)
        keep = pc.fill_null(pc.greater(pc.utf8_length(items), 0), False).to_numpy(zero_copy_only=False)
        out.append(_rebuild_lists(chunk, items, keep))
    return pa.chunked_array(out, pa.list_(pa.string()))


def join_lists(values: Column, separator: str) -> Column:
    """["FMLA", "CFRA"] -> "FMLA;CFRA"."""
    return _chunked(pc.binary_join(values, separator))


def concat_columns(columns: list[Column], separator: str) -> Column:
    """Join several text columns row-wise, skipping empty ones; all empty -> null.

    (pyarrow 26's ``null_handling="skip"`` drops rows where every input is null, so such rows get an
    empty first input and become null again afterwards.)
    """
    if len(columns) == 1:
        return columns[0]
    texts = [pc.cast(c, pa.string()) for c in columns]
    all_null = pc.is_null(texts[0])
    for text in texts[1:]:
        all_null = pc.and_(all_null, pc.is_null(text))
    texts[0] = pc.if_else(all_null, "", texts[0])
    joined = pc.binary_join_element_wise(*texts, separator, null_handling="skip")
    return _chunked(pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined))


def regex_extract(values: Column, pattern: str, group: int) -> tuple[Column, Column]:
    """Keep capture ``group`` (0 = whole match) of the first match of ``pattern``; no match -> null, flagged."""
    matched = pc.match_substring_regex(values, pattern)
    if group == 0 and pattern.startswith("^") and pattern.endswith("$") and "|" not in pattern \
            and not pattern.endswith("\\$"):
        result = _chunked(pc.if_else(pc.fill_null(matched, False), values, pa.scalar(None, pa.string())))
        return result, _bad(values, result)  # an anchored whole match keeps the value: no rewrite pass
    wrapped, replacement = (f"({pattern})", "\\1") if group == 0 else (f"(?:{pattern})", f"\\{group}")
    kept = pc.replace_substring_regex(values, pattern=f"^(?s:.*?){wrapped}(?s:.*)$", replacement=replacement,
                                      max_replacements=1)
    result = _chunked(pc.if_else(pc.fill_null(matched, False), kept, pa.scalar(None, pa.string())))
    return result, _bad(values, result)


def today_plus(business_date: dt.date, days: int) -> pa.Scalar:
    """A date32 scalar ``days`` after (or before) the business date."""
    return pa.scalar(business_date + dt.timedelta(days=days), pa.date32())
