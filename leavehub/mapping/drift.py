"""Schema drift: what changed in a vendor's file that the mapping still reads - reported, never ignored.

A delimited file with a column its layout does not declare, or a code a table passes or defaults but does not
list, still applies: each is a per-file warning in the run's summary, on the file's ledger entry and on the
alert channel (``schema_drift``). A missing declared column is not drift: it rejects the file (line 1).

Example::

    merge_drift([Drift("schema drift: code(s) not in table reason read as PERSONAL", 2, 5, 7, "reason", "R")])
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.errors import RowError

__all__ = ["Drift", "merge_drift"]


@dataclass(frozen=True)
class Drift:
    """Schema drift seen in a file (a new column, a code no table lists): reported as a warning, never a
    rejection. Where it was first seen, on how many rows; never a value."""

    reason: str
    rows: int
    row: int | None = None
    line: int | None = None
    field: str | None = None
    column: str | None = None

    def as_error(self) -> RowError:
        """The warning in the one report shape (a ``RowError``), its row count in the reason."""
        return RowError(row=self.row, field=self.field, reason=f"{self.reason} ({self.rows} row(s))",
                        line=self.line, column=self.column)


def merge_drift(found: list[Drift]) -> list[Drift]:
    """One warning per (reason, field, column): rows summed, the first row and line kept."""
    merged: dict[tuple[str, str | None, str | None], Drift] = {}
    for drift in found:
        key = (drift.reason, drift.field, drift.column)
        seen = merged.get(key)
        merged[key] = drift if seen is None else Drift(drift.reason, seen.rows + drift.rows, seen.row, seen.line,
                                                       drift.field, drift.column)
    return list(merged.values())
