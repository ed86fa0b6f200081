"""Change marks for outbound files: what happened to each record since the last file sent to the vendor.

A FULL file marks every record ``audit``. A CHANGE file compares the vendor-shaped rows of now with the rows
the same mapping gives over the store as it was when the previous batch was built (the store keeps every
version, so nothing extra is remembered between runs), matched on the feed's ``record_key``:

    only now                    -> add
    only before                 -> term (written from its last values: they are all the vendor knew)
    both, leaving the ``reinstate_when_leaving`` state -> reinstate
    both, any other value differs                      -> change
    both, equal                 -> not in the file

Each mark is translated through the mapping's ``changes.codes`` (for an 834: 030, 021, 024, 025, 001).

Example::

    frame = mark_changes(now, before, feed.mapping.changes, key=["MEMBER_ID", "HD03"], business_date=day)
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from leavehub.mapping.model import ChangeMarks
from schemas.errors import ConfigError

__all__ = ["mark_changes", "mark_full"]


def _marked(frame: pd.DataFrame, marks: ChangeMarks, kinds: list[str], day: date | None) -> pd.DataFrame:
    out = frame.copy()
    out[marks.column] = pd.Series([marks.codes[k] for k in kinds], index=out.index, dtype="string[pyarrow]")
    if marks.date_column is not None:
        value = day.strftime(marks.date_format) if day is not None else None
        out[marks.date_column] = pd.Series([value] * len(out), index=out.index, dtype="string[pyarrow]")
    return out


def mark_full(frame: pd.DataFrame, marks: ChangeMarks) -> pd.DataFrame:
    """Every record of a full file is an ``audit`` record (no maintenance date)."""
    return _marked(frame, marks, ["audit"] * len(frame), None)


def _in_state(frame: pd.DataFrame, marks: ChangeMarks, business_date: date) -> pd.Series:
    if marks.reinstate_when_leaving is None or frame.empty:
        return pd.Series(False, index=frame.index)
    from leavehub.mapping.batch import Batch, ErrorSink
    from leavehub.mapping.compiler import to_arrow
    from leavehub.mapping.conditions import compile_condition

    def kind(name: str) -> Any:
        if name not in frame.columns:
            raise ConfigError(f"changes.reinstate_when_leaving names {name!r}, not a column of the mapping",
                              key_path="changes.reinstate_when_leaving")
        return "string"

    test = compile_condition(marks.reinstate_when_leaving, kind, {}, ("changes", "reinstate_when_leaving"))
    batch = Batch(lambda name: to_arrow(frame[name]), len(frame), business_date, ErrorSink())
    return pd.Series(test(batch).to_numpy(zero_copy_only=False), index=frame.index)


def _signature(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    text = frame[columns].astype("string").fillna("\x00")
    return pd.util.hash_pandas_object(text, index=False)


def mark_changes(now: pd.DataFrame, before: pd.DataFrame, marks: ChangeMarks, *, key: list[str],
                 business_date: date) -> pd.DataFrame:
    """The rows of a CHANGE file: changed records of ``now`` plus terms from ``before``, marked."""
    missing = [k for k in key if k not in now.columns]
    if missing:
        raise ConfigError(f"record_key {missing} is not a column of the mapping", key_path="record_key")
    compared = [c for c in now.columns if c not in (marks.column, marks.date_column)]
    left = now.assign(_sig=_signature(now, compared).to_numpy(), _state=_in_state(now, marks, business_date))
    right = before.assign(_sig=_signature(before, compared).to_numpy(),
                          _state=_in_state(before, marks, business_date))
    left_keys = left[key].astype("string")
    right_keys = right[key].astype("string")
    joined = left_keys.assign(_pos=range(len(left))).merge(
        right_keys.assign(_old=range(len(right))), on=key, how="outer", indicator=True, sort=False)
    kinds_now: list[str] = []
    rows_now: list[int] = []
    terms: list[int] = []
    for pos, old, side in zip(joined["_pos"], joined["_old"], joined["_merge"], strict=True):
        if side == "left_only":
            rows_now.append(int(pos))
            kinds_now.append("add")
        elif side == "right_only":
            terms.append(int(old))
        else:
            p, o = int(pos), int(old)
            if bool(right["_state"].iat[o]) and not bool(left["_state"].iat[p]):
                rows_now.append(p)
                kinds_now.append("reinstate")
            elif left["_sig"].iat[p] != right["_sig"].iat[o]:
                rows_now.append(p)
                kinds_now.append("change")
    parts = [_marked(now.iloc[rows_now], marks, kinds_now, business_date)]
    if terms:
        parts.append(_marked(before.iloc[terms], marks, ["term"] * len(terms), business_date))
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    return out.sort_values(key, kind="stable").reset_index(drop=True)
