"""File sets: a feed made of several files that arrive together and are joined on keys before mapping.

A FINEOS payment extract is three files of one run: ``vpei`` (one row per payment), ``vpeipaymentdetails`` and
``vpeiclaimdetails`` (one row per payment each, keyed by the payment's class and index ids). The mapping names
the base file and, per other member, its layout and the columns it joins on; every member is read with its
own layout, then the members are joined onto the base rows (vectorized Arrow hash joins), and the mapping runs
on the joined rows as if they were one file. Row numbers and lines are the base file's.

Nothing is dropped quietly: a member row whose key repeats, has an empty part or matches no base row is a row
error naming that file's line; a base row without its ``required`` member row is a row error on the base line.
A column name two members share is refused when the mapping loads (give one a ``prefix``).

Example (mapping file)::

    layout: {type: delimited, columns: [C, I, AMOUNT_MONAMT, ...]}     # the base file
    file_set:
      base: vpei
      join:
        vpeipaymentdetails:
          layout: {type: delimited, columns: [PEC_CLASSID, PEC_INDEXID, PAYMENTSTARTP, ...]}
          on: {C: PEC_CLASSID, I: PEC_INDEXID}                         # base column: this file's column
          required: true
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leavehub.mapping.model import FileSet, member_columns
from schemas.errors import RowError

__all__ = ["JoinedSet", "join_file_set"]

_POSITION = "\x00position"


@dataclass(frozen=True)
class JoinedSet:
    """The joined rows (text columns, base order), each row's base data-row number and line, and the errors
    the join found (repeated, empty or orphan member keys; missing required rows)."""

    table: pa.Table
    rows: np.ndarray
    lines: np.ndarray
    errors: list[RowError]


def join_file_set(spec: FileSet, base: pa.Table, base_lines: np.ndarray,
                  members: dict[str, tuple[pa.Table, np.ndarray]]) -> JoinedSet:
    """Join every member onto ``base`` (rows and lines as read); errors name each file's own lines."""
    errors: list[RowError] = []
    joined = base.append_column(_POSITION, pa.array(np.arange(base.num_rows, dtype=np.int64)))
    for name, member in spec.join.items():
        table, lines = members[name]
        right_keys = list(member.on.values())
        left_keys = list(member.on)
        table = table.append_column(_POSITION + name, pa.array(np.arange(table.num_rows, dtype=np.int64)))
        errors += _bad_member_keys(name, table, lines, right_keys)
        errors += _orphans(name, table, lines, right_keys, joined.select(left_keys), left_keys)
        names = member_columns(member, [c for c in table.column_names if not c.startswith(_POSITION)])
        renamed = table.rename_columns([names.get(c, c) for c in table.column_names])
        joined = joined.join(renamed, keys=left_keys, right_keys=right_keys, join_type="left outer",
                             use_threads=False)
        joined = joined.drop_columns([c for c in right_keys if c in joined.column_names and c not in left_keys])
        hit = pc.is_valid(joined[_POSITION + name])
        if member.required:
            missing = pc.indices_nonzero(pc.invert(hit))
            for position in pc.take(joined[_POSITION], missing).to_pylist():
                errors.append(RowError(row=position + 1, field=None, column=", ".join(left_keys),
                                       reason=f"no {name} row for this record", line=int(base_lines[position])))
        joined = joined.drop_columns([_POSITION + name])
    joined = joined.sort_by(_POSITION)
    positions = joined[_POSITION].to_numpy()
    return JoinedSet(joined.drop_columns([_POSITION]), positions + 1, np.asarray(base_lines)[positions], errors)


def _bad_member_keys(name: str, table: pa.Table, lines: np.ndarray, keys: list[str]) -> list[RowError]:
    """A key with an empty part, or one that repeats (both lines named), in member ``name``."""
    errors = []
    empty = pc.is_null(table[keys[0]])
    for key in keys[1:]:
        empty = pc.or_(empty, pc.is_null(table[key]))
    for position in pc.indices_nonzero(empty).to_pylist():
        errors.append(RowError(row=position + 1, field=None, column=f"{name}:{','.join(keys)}",
                               reason=f"{name}: a key part is empty", value_class="empty",
                               line=int(lines[position])))
    position_column = _POSITION + name
    counts = table.group_by(keys, use_threads=False).aggregate(
        [(position_column, "count"), (position_column, "min"), (position_column, "max")])
    repeated = pc.greater(counts[f"{position_column}_count"], 1)
    for first, last in zip(pc.filter(counts[f"{position_column}_min"], repeated).to_pylist(),
                           pc.filter(counts[f"{position_column}_max"], repeated).to_pylist(), strict=True):
        errors.append(RowError(row=last + 1, field=None, column=f"{name}:{','.join(keys)}",
                               reason=f"{name}: the key of line {int(lines[first])} repeats",
                               line=int(lines[last])))
    return errors


def _orphans(name: str, table: pa.Table, lines: np.ndarray, keys: list[str], base_keys: pa.Table,
             left_keys: list[str]) -> list[RowError]:
    """Member rows that match no base row: never dropped quietly."""
    unmatched = table.select([*keys, _POSITION + name]).join(
        base_keys, keys=keys, right_keys=left_keys, join_type="left anti", use_threads=False)
    return [RowError(row=position + 1, field=None, column=f"{name}:{','.join(keys)}",
                     reason=f"{name}: this row matches no record of the base file", line=int(lines[position]))
            for position in sorted(unmatched[_POSITION + name].to_pylist())
            if all(table[k][position].is_valid for k in keys)]
