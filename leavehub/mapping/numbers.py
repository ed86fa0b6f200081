"""Exact decimals and integers as whole columns: text is shape-checked with a regex, then cast straight to
``decimal128`` (never through float); bad values flagged, never raised.

Example::

    amounts, not_numeric, too_precise = parse_decimals(text, 2)
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from leavehub.mapping.columns import NULL_TEXT, Column, chunked, failed, no_flags, strict_cast

__all__ = ["ROUND_MODES", "fit_decimals", "format_decimals", "format_implied_decimals", "parse_decimals",
           "parse_implied_decimals", "parse_integers"]

ROUND_MODES = {"half_up": "half_towards_infinity", "half_even": "half_to_even"}  # Python Decimal semantics


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
            return chunked(pc.cast(values, pa.decimal128(38, scale))), no_flags(values), no_flags(values)
        result = chunked(pc.cast(pc.if_else(fits, values, pa.scalar(None, pa.string())),
                                  pa.decimal128(38, scale)))
    else:
        fits = pc.fill_null(pc.match_substring_regex(values, r"^[+-]?(\d{1,20}(\.\d{1,18})?|\.\d{1,18})$"), False)
        exact = pc.cast(pc.if_else(fits, values, pa.scalar(None, pa.string())), pa.decimal128(38, 18))
        rounded = pc.round(exact, ndigits=scale, round_mode=ROUND_MODES[rounding])
        result = chunked(pc.cast(rounded, pa.decimal128(38, scale)))
    numeric = pc.fill_null(pc.match_substring_regex(values, r"^[+-]?(\d{1,38}(\.\d{1,18})?|\.\d{1,18})$"), False)
    not_numeric = pc.and_(pc.is_valid(values), pc.invert(numeric))
    return result, chunked(not_numeric), chunked(pc.and_(numeric, pc.invert(fits)))


def parse_implied_decimals(values: Column, scale: int) -> tuple[Column, Column]:
    """Digits with an implied decimal point -> decimal128(38, scale): ``03000`` at scale 2 is 30.00.

    An optional sign is kept; anything but digits is flagged. Vectorized as text: left-pad to more than
    ``scale`` digits, put the point before the last ``scale`` of them, cast exactly.
    """
    ok = pc.fill_null(pc.match_substring_regex(values, rf"^[+-]?\d{{1,{38}}}$"), False)
    text = pc.if_else(ok, values, NULL_TEXT)
    if scale:
        sign = pc.if_else(pc.starts_with(text, "-"), "-", "")
        digits = pc.utf8_lpad(pc.utf8_ltrim(text, "+-"), scale + 1, "0")
        whole = pc.utf8_slice_codeunits(digits, 0, -scale)
        text = pc.binary_join_element_wise(sign, whole, ".", pc.utf8_slice_codeunits(digits, -scale), "")
    result = chunked(pc.cast(text, pa.decimal128(38, scale)))
    return result, failed(values, result)


def format_implied_decimals(values: Column, scale: int, rounding: str = "reject") -> tuple[Column, Column]:
    """Decimal -> digits with an implied point (30.00 at scale 2 -> ``3000``), the twin of the parser."""
    text, bad = format_decimals(values, scale, rounding)
    return chunked(pc.replace_substring(text, ".", "")), bad


def fit_decimals(values: Column, precision: int, scale: int) -> tuple[Column, Column]:
    """Cast decimals to decimal128(precision, scale); values too large (or too precise) are flagged."""
    source = values.type
    fast = strict_cast(values, pa.decimal128(precision, scale))  # raises on overflow or lost places
    if fast is not None:
        return fast, no_flags(values)
    ok = pc.is_valid(values)
    if source.scale > scale:
        ok = pc.and_(ok, pc.equal(pc.round(values, ndigits=scale), values))
    if source.precision - source.scale > precision - scale:
        limit = pa.scalar(Decimal(10) ** (precision - scale), pa.decimal128(source.precision, source.scale))
        ok = pc.and_(ok, pc.less(pc.abs(values), limit))
    kept = pc.if_else(pc.fill_null(ok, False), values, pa.scalar(None, source))
    if source.scale > scale:
        kept = pc.round(kept, ndigits=scale)
    result = chunked(pc.cast(kept, pa.decimal128(precision, scale)))
    return result, failed(values, result)


def format_decimals(values: Column, scale: int, rounding: str = "reject") -> tuple[Column, Column]:
    """Decimal -> text with exactly ``scale`` places ("12.30"); more places need ``rounding`` or are flagged."""
    source_scale = values.type.scale
    bad = no_flags(values)
    if source_scale > scale:
        rounded = pc.round(values, ndigits=scale, round_mode=ROUND_MODES.get(rounding, "half_to_even"))
        if rounding == "reject":
            bad = pc.not_equal(rounded, values)
            rounded = pc.if_else(bad, pa.scalar(None, values.type), rounded)
        values = rounded
    typed = pc.cast(values, pa.decimal128(min(38, values.type.precision + max(0, scale - source_scale)), scale))
    return chunked(pc.cast(typed, pa.string())), chunked(bad)


def parse_integers(values: Column) -> tuple[Column, Column]:
    """Text -> int64; anything but optional sign and digits is flagged."""
    ok = pc.fill_null(pc.match_substring_regex(values, r"^[+-]?\d{1,18}$"), False)
    result = chunked(pc.cast(pc.if_else(ok, values, pa.scalar(None, pa.string())), pa.int64()))
    return result, failed(values, result)
