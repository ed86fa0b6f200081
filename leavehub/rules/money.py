"""Exact money and hours for vectorized rules: integer cents and hundredths of an hour, and dates as day numbers.

The engine computes in int64 CENTS (money) and HUNDREDTHS (hours), never in float: a decimal column is
read through its unscaled integers and written back as ``decimal128`` without a float in between. Every
division goes through :func:`divide`, which rounds once under the policy's mode (``half_up``: halves away
from zero, ``half_even``: halves to the even cent), so each amount is exactly what ``Decimal.quantize`` with
that mode would give for the same fraction. Dates are int32 days since 1970-01-01 (a Thursday).

Example::

    divide(np.array([20_000_00 * 3]), np.array([10]), "half_up")   # 6000_00 cents = $6,000.00
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "EPOCH",
    "RoundingMode",
    "day_number",
    "days_column",
    "decimal_array",
    "divide",
    "from_day_numbers",
    "scaled_integers",
    "weekday",
]

RoundingMode = Literal["half_up", "half_even"]
EPOCH = date(1970, 1, 1)


def _arrow(values: pd.Series) -> pa.Array:
    arr = pa.array(values, from_pandas=True) if not isinstance(values, pa.Array) else values
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def scaled_integers(values: pd.Series, scale: int = 2) -> np.ndarray:
    """A decimal column as int64 units of ``10**-scale`` (cents for money, hundredths for hours); null -> 0.

    A value with more decimals than ``scale`` is refused: the canonical models never carry one.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    arr = _arrow(values)
    if pa.types.is_null(arr.type):
        return np.zeros(len(arr), dtype=np.int64)
    if pa.types.is_integer(arr.type):
        return np.nan_to_num(arr.to_numpy(zero_copy_only=False).astype(np.float64)).astype(np.int64) * 10 ** scale
    if not pa.types.is_decimal(arr.type):
        raise TypeError(f"expected a decimal column, got {arr.type}")
    arr = pc.fill_null(arr, pa.scalar(0, arr.type)) if arr.null_count else arr
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)[2 * arr.offset: 2 * (arr.offset + len(arr))]
    raw = words[0::2].copy()
    if arr.type.scale > scale:
        factor = 10 ** (arr.type.scale - scale)
        if np.any(raw % factor):
            raise ValueError(f"a value has more than {scale} decimals")
        return raw // factor
    return raw * 10 ** (scale - arr.type.scale)


def decimal_array(units: np.ndarray, *, precision: int = 14, scale: int = 2,
                  mask: np.ndarray | None = None) -> pa.Array:
    """int64 units back to an exact ``decimal128(precision, scale)`` array (``mask`` True = null)."""
    units = np.ascontiguousarray(units, dtype=np.int64)
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)
    validity = None
    if mask is not None and mask.any():
        validity = pa.py_buffer(np.packbits(~mask, bitorder="little").tobytes())
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(units),
                                 [validity, pa.py_buffer(words.tobytes())])


def divide(numerator: np.ndarray, denominator: np.ndarray | int, mode: RoundingMode) -> np.ndarray:
    """``numerator / denominator`` rounded once to an integer under ``mode`` (denominator > 0)."""
    num = np.asarray(numerator, dtype=np.int64)
    den = np.broadcast_to(np.asarray(denominator, dtype=np.int64), num.shape)
    safe = np.where(den == 0, 1, den)
    sign = np.where(num < 0, -1, 1)
    q, r = np.divmod(np.abs(num), safe)
    twice = 2 * r
    up = twice > safe
    if mode == "half_up":
        up |= twice == safe
    else:
        up |= (twice == safe) & (q % 2 == 1)
    return np.where(den == 0, 0, sign * (q + up))


def days_column(values: pd.Series) -> np.ndarray:
    """A date column as int32 day numbers since 1970-01-01; null -> a large sentinel (open end)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    arr = _arrow(values)
    if pa.types.is_null(arr.type):
        return np.full(len(arr), OPEN_END, dtype=np.int64)
    if pa.types.is_timestamp(arr.type):
        arr = pc.cast(arr, pa.date32())
    arr = arr.cast(pa.date32()).cast(pa.int32())
    return np.asarray(pc.fill_null(arr, OPEN_END).to_numpy(zero_copy_only=False), dtype=np.int64)


OPEN_END = 2_000_000  # day number far after any real date: an open-ended period


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_numbers(days: np.ndarray) -> pd.Series:
    """int day numbers back to a ``date32`` column (``OPEN_END`` -> null)."""
    days = np.asarray(days, dtype=np.int64)
    mask = days >= OPEN_END
    arr = pa.array(np.where(mask, 0, days).astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())
    return pd.Series(pd.arrays.ArrowExtensionArray(arr))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 (day 0, 1970-01-01, was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7
