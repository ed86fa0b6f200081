"""Dates and date-times as whole columns: strptime patterns, ISO-8601, IANA zones; bad values flagged, never
raised (see ``leavehub.mapping.columns`` for the shared vocabulary).

Example::

    dates, bad = parse_dates(text, "%m/%d/%Y")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leavehub.mapping.columns import NULL_TEXT, Column, chunked, failed, no_flags, null_column, strict_cast

__all__ = ["ParsedTimes", "format_dates", "format_datetimes", "parse_dates", "parse_datetimes"]

_ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"
"""ISO-8601 as feeds write it, hours 00-23, minutes and seconds 00-59 (the day is checked on the calendar)."""
_ZONE = r"(Z|[+-]\d{2}:?\d{2})$"
_UTC = pa.timestamp("us", tz="UTC")
MAX_OFFSET_EAST, MAX_OFFSET_WEST = 14 * 60, 12 * 60
"""UTC offsets in use run from -12:00 to +14:00; anything beyond is a typo, not a zone."""
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
        fast = strict_cast(values, pa.date32())  # Arrow's ISO parser checks the calendar; one pass
        if fast is not None:
            return fast, no_flags(values)
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
    result = chunked(result)
    return result, failed(values, result)


def format_dates(values: Column, pattern: str) -> Column:
    """date32 -> text with a strftime pattern (ISO is a plain cast: faster)."""
    if pattern == "%Y-%m-%d":
        return chunked(pc.cast(values, pa.string()))
    return chunked(pc.strftime(pc.cast(values, pa.timestamp("s")), format=pattern))


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
        fast = strict_cast(values, _UTC)  # the usual file: every value zoned and valid, one pass
        if fast is not None:
            offset = pc.invert(pc.fill_null(pc.ends_with(values, "Z"), True))  # Arrow takes up to +-23:59
            if not pc.any(offset).as_py():
                return ParsedTimes(fast, no_flags(values), no_flags(values), no_flags(values))
            wrong = pc.and_(offset, pc.invert(_offset_in_range(values)))
            if not pc.any(wrong).as_py():
                return ParsedTimes(fast, no_flags(values), no_flags(values), no_flags(values))
        shaped = pc.and_(pc.match_substring_regex(values, _ISO_DATETIME),
                         pc.is_valid(parse_dates(chunked(pc.utf8_slice_codeunits(values, 0, 10)), "%Y-%m-%d")[0]))
        text = pc.if_else(pc.fill_null(shaped, False), values, NULL_TEXT)
        text = pc.replace_substring_regex(text, pattern=r"(\.\d{6})\d+", replacement=r"\1")  # ns -> us
        zoned = pc.fill_null(pc.match_substring_regex(text, _ZONE), False)
        aware = _cast_or_null(pc.if_else(pc.and_(zoned, _offset_in_range(text)), text, NULL_TEXT), _UTC)
        naive = _cast_or_null(pc.if_else(zoned, NULL_TEXT, text), pa.timestamp("us"))
    else:
        stamps = pc.strptime(values, format=pattern, unit="us", error_is_null=True)
        stamps = pc.if_else(_written_day_is_real(values, pattern), stamps, pa.scalar(None, stamps.type))
        if "%z" in pattern:
            offsets = pc.struct_field(pc.extract_regex(values, _pattern_regex(pattern)), "z")
            aware = pc.if_else(pc.fill_null(_offset_in_range(offsets), False), stamps, pa.scalar(None, _UTC))
            naive = null_column(len(values), pa.timestamp("us"))
        else:
            aware, naive = null_column(len(values), _UTC), stamps
    no_zone, unclear = no_flags(values), no_flags(values)
    if timezone is None:
        no_zone = chunked(pc.is_valid(naive))
        local = null_column(len(values), _UTC)
    else:
        local, unclear = _localize(chunked(naive), timezone)
    result = chunked(pc.coalesce(aware, local))
    bad = pc.and_(pc.and_(failed(values, result), pc.invert(no_zone)), pc.invert(unclear))
    return ParsedTimes(result, chunked(bad), no_zone, unclear)


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
    return chunked(utc), chunked(unclear)


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
        return chunked(pc.strftime(utc, format="%Y-%m-%dT%H:%M:%SZ" if pattern == "iso" else pattern))
    local = pc.cast(utc, pa.timestamp("us", tz=timezone))
    return chunked(pc.strftime(local, format="%Y-%m-%dT%H:%M:%S%z" if pattern == "iso" else pattern))
