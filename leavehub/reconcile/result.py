"""What one reconciliation found, as the reports render it, and the one rule both reports follow for SSNs.

``Reconciliation`` holds the frames of one check date: ``exceptions`` (``EXCEPTION_COLUMNS``), ``aging``
(``AGING_COLUMNS``), ``scorecard`` (``SCORECARD_COLUMNS``) and ``trend`` (``TREND_COLUMNS``: exceptions and
money at stake per type on this and recent check dates). ``summary()`` is the per-type count and money the
reports lead with. Every text a report writes goes through ``mask_ssns``: a nine-digit SSN shape anywhere
in it is shown as ``***-**-`` and its last four digits.

Example::

    result = Reconciliation(check_date, exceptions, aging, card, trend)
    result.summary()      # exception_type, title, area, count, amount_cents - one row per type
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from leavehub.reconcile.exceptions import EXCEPTION_TYPES

__all__ = ["TREND_COLUMNS", "Reconciliation", "mask_ssns", "trend_of"]

TREND_COLUMNS = ("check_date", "exception_type", "count", "amount_cents")
_SSN = re.compile(r"(?<!\d)\d{3}([- ]?)\d{2}\1(\d{4})(?!\d)")


def mask_ssns(text: str) -> str:
    """``"SSN 123-45-6789"`` -> ``"SSN ***-**-6789"`` (also without dashes); other text unchanged."""
    return _SSN.sub(lambda m: "***-**-" + m.group(2), text)


@dataclass(frozen=True)
class Reconciliation:
    check_date: date
    exceptions: pd.DataFrame
    aging: pd.DataFrame
    scorecard: pd.DataFrame
    trend: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Count and money at stake per exception type, every type listed (zero when none was found)."""
        found = self.exceptions.groupby("exception_type").agg(count=("subject_key", "size"),
                                                              amount_cents=("amount_cents", "sum"))
        rows = [{"exception_type": name, "title": kind.title, "area": kind.area,
                 "count": int(found["count"].get(name, 0)),
                 "amount_cents": int(found["amount_cents"].get(name, 0))}
                for name, kind in EXCEPTION_TYPES.items()]
        return pd.DataFrame(rows)


def trend_of(exceptions: pd.DataFrame, history: pd.DataFrame | None, check_date: date,
             periods: int = 6) -> pd.DataFrame:
    """Count and money per type on ``check_date`` and up to ``periods - 1`` earlier check dates of ``history``
    (earlier periods' exceptions as stored, ``EXCEPTION_COLUMNS``)."""
    frames = [exceptions.assign(check_date=check_date)]
    if history is not None and len(history):
        earlier = history.loc[history["check_date"] < check_date]
        keep = sorted(set(earlier["check_date"]))[-(periods - 1):] if periods > 1 else []
        frames.append(earlier.loc[earlier["check_date"].isin(keep)])
    rows = pd.concat(frames, ignore_index=True)
    out = rows.groupby(["check_date", "exception_type"], as_index=False).agg(
        count=("subject_key", "size"), amount_cents=("amount_cents", "sum"))
    dates = pd.DataFrame({"check_date": sorted(set(rows["check_date"]) | {check_date})})
    out = dates.merge(out, how="left", on="check_date")
    out["exception_type"] = out["exception_type"].fillna("")
    out[["count", "amount_cents"]] = out[["count", "amount_cents"]].fillna(0).astype("int64")
    return out[list(TREND_COLUMNS)]
