"""File sets in the pipeline: find the files of one extract in the inbox, read and join them, and hand the
joined rows on as ONE arrival, so mapping, staging, rejection and quarantine are the single-file path's.

    names in the inbox -> complete sets (every member of one business date), incomplete ones wait
    each member: verify -> read with its own layout (whole: a set is joined in memory, sized like one extract)
    join on the keys (leavehub.mapping.file_sets) -> chunks of joined rows, lines of the base file

All or nothing for the set: one intake stages every row; a bad member, a bad join or a bad row rejects the
whole set and quarantines every member. The ledger gets one entry for the set (the intake's, named after the
set) and one per member file, with the member's rows, status and errors.

Example::

    sets, waiting = arrived_sets(feed, ["FNX_20261120_vpei.csv", "FNX_20261120_vpeiclaimdetails.csv"])
    # -> [], ["FNX_20261120_vpei.csv", ...]: one member is still missing
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from leavehub.pipeline.feeds import Feed
from schemas.errors import RowError

__all__ = ["ArrivedSet", "MemberRead", "arrived_sets", "joined_chunks", "read_member", "set_digest"]


@dataclass(frozen=True)
class ArrivedSet:
    """The files of one extract: member name (vendor.yaml ``file_set``) -> file name, and its business date."""

    business_date: date | None
    files: dict[str, str]

    @property
    def name(self) -> str:
        """The set's name in the ledger: its base file's name and how many files it joins."""
        first = next(iter(self.files.values()))
        return f"{first} (set of {len(self.files)})"


def arrived_sets(feed: Feed, names: list[str]) -> tuple[list[ArrivedSet], list[str]]:
    """Complete sets among ``names`` in business-date order, and the names of incomplete ones (they wait)."""
    patterns = feed.spec.file_set
    groups: dict[tuple[Any, ...], dict[str, str]] = {}
    for name in sorted(names):
        for member, pattern in patterns.items():
            matched = pattern.match(name)
            if matched is not None:
                key = (matched.business_date or date.min, tuple(sorted(matched.vars.items())))
                groups.setdefault(key, {})[member] = name
                break
    complete, waiting = [], []
    for key in sorted(groups):
        files = groups[key]
        if set(files) == set(patterns):
            ordered = {member: files[member] for member in feed.mapping.file_set.members}
            complete.append(ArrivedSet(key[0] if key[0] != date.min else None, ordered))
        else:
            waiting += files.values()
    return complete, waiting


@dataclass
class MemberRead:
    """One member read whole: its rows as Arrow text, each row's line, row errors and new columns."""

    table: Any
    lines: np.ndarray
    errors: list[RowError] = field(default_factory=list)
    extra_columns: tuple[str, ...] = ()


def read_member(member: str, layout: Any, stream: Any, name: str) -> MemberRead:
    """Read one member file with its layout (``FormatError`` names the file and line, as for one file)."""
    import pyarrow as pa

    from connectors.formats import read_chunks

    tables, lines, errors, extra = [], [], [], ()
    for chunk in read_chunks(layout, stream, name=name):
        tables.append(pa.Table.from_pandas(chunk.frame, preserve_index=False))
        lines.append(chunk.lines())
        errors += [replace(e, reason=f"{member}: {e.reason}") for e in chunk.row_errors]
        extra = chunk.extra_columns or extra
    table = pa.concat_tables(tables) if tables else pa.table({})
    return MemberRead(table, np.concatenate(lines) if lines else np.zeros(0, np.int64), errors, extra)


def joined_chunks(table: Any, lines: np.ndarray, rows: int) -> Iterator[Any]:
    """The joined rows as reader ``Chunk`` s of at most ``rows`` rows whose ``line_of`` gives base lines."""
    from connectors.formats.chunk import Chunk, string_frame

    total = table.num_rows
    for start in range(0, max(total, 1), rows):
        piece = table.slice(start, rows)
        piece_lines = lines[start:start + piece.num_rows]
        first_line = int(piece_lines[0]) if len(piece_lines) else 1
        offsets = piece_lines - (first_line + np.arange(len(piece_lines)))
        yield Chunk(string_frame(piece), start + 1, first_line, tuple(table.column_names),
                    is_last=start + rows >= total, break_offsets=offsets if offsets.any() else None)


def set_digest(digests: list[str]) -> str:
    """The set's content hash: SHA-256 over its members' hashes in member order (a resent set is known)."""
    return hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()
