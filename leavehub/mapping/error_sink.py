"""Row errors collected as column masks, turned into :class:`RowError` s only for the bad rows.

Mapping and validation find bad values with vectorized tests; each test hands the sink a boolean mask, the
field, the vendor column, a reason and the offending values. Only at the end are the (few) bad rows turned
into ``RowError`` objects, each with a *value class* ("digits(9)", "date-like", "text(12)", "empty") and
never the value itself: an SSN or a birth date must not reach a log or a quarantine report.

Example::

    sink.add(bad_mask, field="ssn", column="SSN", reason="does not match ^\\d{9}$", values=ssn_text)
    errors = sink.errors_for(rows)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from leavehub.mapping.drift import Drift
from schemas.errors import RowError

__all__ = ["ErrorSink", "value_classes"]

_DATE_LIKE = r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([T ].*)?$"
_NUMBER_LIKE = r"^[+-]?[\d,]*\.\d+$|^[+-]\d+$"


def value_classes(values: pa.Array | pa.ChunkedArray) -> list[str]:
    """A coarse, PII-free description of each value: what kind of thing it is and how long.

    Example: ``value_classes(pa.array(["123456789", None, "1988-04-02"])) == ["digits(9)", "empty", "date-like"]``.
    """
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        kind = ("decimal" if pa.types.is_decimal(values.type) else "integer" if pa.types.is_integer(values.type)
                else "date" if pa.types.is_date(values.type) else "datetime" if pa.types.is_timestamp(values.type)
                else "list" if pa.types.is_list(values.type) else str(values.type).split("[")[0])
        return ["empty" if is_null else kind for is_null in pc.is_null(values).to_pylist()]
    text = values.cast(pa.string())
    length = pc.utf8_length(text).to_pylist()
    blank = pc.match_substring_regex(text, r"^\s*$").to_pylist()
    digits = pc.match_substring_regex(text, r"^\d+$").to_pylist()
    date_like = pc.match_substring_regex(text, _DATE_LIKE).to_pylist()
    number = pc.match_substring_regex(text, _NUMBER_LIKE).to_pylist()
    out: list[str] = []
    for n, is_blank, is_digits, is_date, is_number in zip(length, blank, digits, date_like, number, strict=True):
        if n is None or n == 0:
            out.append("empty")
        elif is_blank:
            out.append(f"blank({n})")
        elif is_digits:
            out.append(f"digits({n})")
        elif is_date:
            out.append("date-like")
        elif is_number:
            out.append(f"number({n})")
        else:
            out.append(f"text({n})")
    return out


@dataclass
class _Finding:
    mask: pa.ChunkedArray | pa.Array
    field: str | None
    column: str | None
    reason: str
    values: pa.ChunkedArray | pa.Array | None


@dataclass
class ErrorSink:
    """Collects bad-value masks of one batch; ``errors_for`` materializes them against row numbers."""

    findings: list[_Finding] = field(default_factory=list)
    warnings: list[_Finding] = field(default_factory=list)

    def add(self, mask: pa.ChunkedArray | pa.Array, *, field: str | None, column: str | None, reason: str,
            values: pa.ChunkedArray | pa.Array | None) -> None:
        """Record that the rows where ``mask`` is true are bad (a cheap no-op when none is)."""
        if pc.any(mask).as_py():
            self.findings.append(_Finding(mask, field, column, reason, values))

    def warn(self, mask: pa.ChunkedArray | pa.Array, *, field: str | None, column: str | None,
             reason: str) -> None:
        """Record a per-file warning on the rows where ``mask`` is true (schema drift: nothing is rejected)."""
        if pc.any(mask).as_py():
            self.warnings.append(_Finding(mask, field, column, reason, None))

    def warning_summaries(self, rows: pa.ChunkedArray | pa.Array,
                          line_of: Callable[[int], int | None] | None = None) -> list[Drift]:
        """One ``Drift`` per warning finding: its first row and line, and how many rows."""
        out = []
        for finding in self.warnings:
            mask = pc.fill_null(finding.mask, False)
            count = pc.sum(mask).as_py() or 0
            first = pc.take(rows, pc.indices_nonzero(mask)[:1]).to_pylist()[0]
            out.append(Drift(finding.reason, count, first, line_of(first) if line_of else None, finding.field,
                             finding.column))
        return out

    def __bool__(self) -> bool:
        return bool(self.findings)

    def errors_for(self, rows: pa.ChunkedArray | pa.Array,
                   line_of: Callable[[int], int | None] | None = None) -> list[RowError]:
        """One ``RowError`` per bad value, in row order; ``rows`` gives each position's data-row number."""
        out: list[RowError] = []
        for finding in self.findings:
            where = pc.indices_nonzero(pc.fill_null(finding.mask, False))
            bad_rows = pc.take(rows, where).to_pylist()
            classes = (value_classes(pc.take(finding.values, where)) if finding.values is not None
                       else ["empty"] * len(bad_rows))
            for row, value_class in zip(bad_rows, classes, strict=True):
                out.append(RowError(row=row, field=finding.field, reason=finding.reason, value_class=value_class,
                                    line=line_of(row) if line_of else None, column=finding.column))
        seen: set[tuple[int | None, str | None]] = set()
        unique = []
        for err in sorted(out, key=lambda e: (e.row or 0)):
            if (err.row, err.field) not in seen:  # the first reason for a value wins; no cascades
                seen.add((err.row, err.field))
                unique.append(err)
        return unique
