"""The allow-list of named Python column transforms: the mapping language's escape hatch.

A mapping may say ``{transform: collapse_whitespace}``; the loader refuses any name not registered here
(``ConfigError``), so a mapping file can never name arbitrary code. A transform takes and returns a whole
Arrow column (vectorized, same length): no per-row Python. The reference mappings use none: if one needs a
transform, the closed rule set is missing a rule and should grow instead.

Example::

    @register_transform("collapse_whitespace")
    def collapse_whitespace(values: pa.ChunkedArray) -> pa.ChunkedArray: ...
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from schemas.errors import ConfigError

__all__ = ["TRANSFORMS", "ColumnTransform", "get_transform", "register_transform"]

ColumnTransform = Callable[[pa.ChunkedArray], pa.ChunkedArray]

TRANSFORMS: dict[str, ColumnTransform] = {}


def register_transform(name: str) -> Callable[[ColumnTransform], ColumnTransform]:
    """Add a transform to the allow-list under ``name`` (a decorator). Names are unique."""

    def add(fn: ColumnTransform) -> ColumnTransform:
        if name in TRANSFORMS:
            raise ValueError(f"transform {name!r} is already registered")
        TRANSFORMS[name] = fn
        return fn

    return add


def get_transform(name: str) -> ColumnTransform:
    """The transform registered as ``name``; any other name is a ``ConfigError``."""
    try:
        return TRANSFORMS[name]
    except KeyError:
        allowed = ", ".join(sorted(TRANSFORMS)) or "none"
        raise ConfigError(f"transform {name!r} is not allow-listed (allowed: {allowed})") from None


@register_transform("collapse_whitespace")
def collapse_whitespace(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Runs of whitespace become one space ("Mary   Ann" -> "Mary Ann"); ends are trimmed."""
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(values, pattern=r"\s+", replacement=" "))
