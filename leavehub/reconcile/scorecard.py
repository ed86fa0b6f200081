"""The vendor scorecard: how each vendor's feeds behaved over the last N weeks, from the file ledger.

Per vendor and feed, over the business dates in (check date - N weeks, check date]:

- ``files``: business dates a file arrived for (inbound) or files sent (outbound);
- ``on_time`` / ``late``: arrived by / after the feed's declared arrival deadline (vendor.yaml ``arrival``),
  judged on the FIRST file that arrived for the business date; ``missing``: a MISSING row and no file since;
- ``on_time_pct``: on time / (on time + late + missing); empty for a feed without a declared window;
- ``rejected_files`` (REJECTED or QUARANTINED rows), ``rejected_rows`` (rows refused inside any file),
  ``duplicates`` (DUPLICATE rows: the same content or control number again);
- ``sets_acknowledged`` / ``sets_accepted`` / ``acceptance_pct``: 834 transaction sets the carrier answered,
  and how many it accepted (A or E) - for the outbound enrollment feeds;
- ``corrections`` / ``turnaround_hours``: rejected files (or 834 sets) that were followed by a good one for the
  same business date, and the median hours from the rejection to the correction.

Example::

    card = scorecard(ledger, sets, deadlines, check_date=date(2026, 3, 13), weeks=8)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

__all__ = ["ARRIVED", "SCORECARD_COLUMNS", "scorecard"]

SCORECARD_COLUMNS = ("vendor", "feed", "direction", "files", "on_time", "late", "missing", "on_time_pct",
                     "rejected_files", "rejected_rows", "duplicates", "sets_acknowledged", "sets_accepted",
                     "acceptance_pct", "corrections", "turnaround_hours")
ARRIVED = ("RECEIVED", "APPLIED", "REJECTED", "QUARANTINED", "FAILED")
REFUSED = ("REJECTED", "QUARANTINED")
ACCEPTED_SETS = ("ACCEPTED", "ACCEPTED_WITH_ERRORS")
Deadline = Callable[[date], datetime]


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(object), utc=True, errors="coerce")


def scorecard(ledger: pd.DataFrame, sets: pd.DataFrame, deadlines: dict[str, Deadline], *, check_date: date,
              weeks: int) -> pd.DataFrame:
    """One row per vendor and feed seen in the ledger window (``SCORECARD_COLUMNS``)."""
    first_day = check_date - timedelta(weeks=weeks)
    rows = ledger.assign(day=pd.to_datetime(ledger["business_date"].astype(object), errors="coerce").dt.date,
                         at=_utc(ledger["received_at"]))
    rows = rows.loc[(rows["day"] > first_day) & (rows["day"] <= check_date)]
    keys = ["vendor", "feed"]
    card = rows.groupby(keys, as_index=False).agg(direction=("direction", "first"))
    status = rows["status"]
    count = lambda mask: rows.loc[mask].groupby(keys).size()  # noqa: E731
    card = card.set_index(keys)
    card["duplicates"] = count(status == "DUPLICATE")
    card["rejected_files"] = count(status.isin(REFUSED))
    card["rejected_rows"] = rows.groupby(keys)["records_rejected"].sum()

    arrived = rows.loc[status.isin(ARRIVED)].groupby([*keys, "day"], as_index=False)["at"].min()
    sent = count(status == "SENT")
    card["files"] = arrived.groupby(keys).size().reindex(card.index).fillna(0) + sent.reindex(card.index).fillna(0)
    missed = rows.loc[status == "MISSING", [*keys, "day"]].drop_duplicates()
    missed = missed.merge(arrived[[*keys, "day"]], how="left", indicator=True)
    card["missing"] = missed.loc[missed["_merge"] == "left_only"].groupby(keys).size()

    feed_ref = arrived["vendor"] + "." + arrived["feed"]
    pairs = pd.DataFrame({"ref": feed_ref, "day": arrived["day"]}).drop_duplicates()
    has = pairs["ref"].isin(deadlines.keys())
    due = {(r, d): deadlines[r](d) for r, d in zip(pairs.loc[has, "ref"], pairs.loc[has, "day"], strict=True)}
    arrived["due"] = _utc(pd.Series([due.get((r, d)) for r, d in zip(feed_ref, arrived["day"], strict=True)],
                                    dtype=object))
    judged = arrived.loc[arrived["due"].notna()]
    card["on_time"] = judged.loc[judged["at"] <= judged["due"]].groupby(keys).size()
    card["late"] = judged.loc[judged["at"] > judged["due"]].groupby(keys).size()
    card = card.fillna({c: 0 for c in ("duplicates", "rejected_files", "rejected_rows", "files", "missing",
                                       "on_time", "late")})
    windowed = pd.Series([f"{v}.{f}" in deadlines for v, f in card.index], index=card.index)
    judged_total = card["on_time"] + card["late"] + card["missing"]
    card["on_time_pct"] = (100 * card["on_time"] / judged_total.where(judged_total > 0)).where(windowed).round(1)

    turnaround = [_inbound_turnaround(rows, keys), _set_turnaround(sets, first_day, check_date)]
    card = card.join(_acceptance(sets, first_day, check_date), how="outer")
    hours = pd.concat([t for t in turnaround if len(t)], ignore_index=True) if any(len(t) for t in turnaround) \
        else pd.DataFrame({"vendor": [], "feed": [], "hours": []})
    card["corrections"] = hours.groupby(keys).size()
    card["turnaround_hours"] = hours.groupby(keys)["hours"].median().round(1)
    ints = ["files", "on_time", "late", "missing", "rejected_files", "rejected_rows", "duplicates",
            "sets_acknowledged", "sets_accepted", "corrections"]
    card[ints] = card[ints].fillna(0).astype(np.int64)
    card["direction"] = card["direction"].fillna("outbound")
    return card.reset_index()[list(SCORECARD_COLUMNS)].sort_values(keys).reset_index(drop=True)


def _inbound_turnaround(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Hours from the first refused file of a business date to the first file applied after it."""
    refused = rows.loc[rows["status"].isin(REFUSED)].groupby([*keys, "day"], as_index=False)["at"].min()
    good = rows.loc[rows["status"] == "APPLIED", [*keys, "day", "at"]].rename(columns={"at": "fixed"})
    pairs = refused.merge(good, on=[*keys, "day"])
    pairs = pairs.loc[pairs["fixed"] > pairs["at"]].groupby([*keys, "day"], as_index=False).agg(
        at=("at", "first"), fixed=("fixed", "min"))
    return _hours(pairs, "at", "fixed")


def _sets_in(sets: pd.DataFrame, first_day: date, check_date: date) -> pd.DataFrame:
    if not len(sets):
        empty = pd.Series([], dtype="datetime64[ns, UTC]")
        return pd.DataFrame({"vendor": [], "feed": [], "day": [], "status": [], "sent": empty, "acked": empty})
    frame = pd.DataFrame({"vendor": sets["vendor"].astype(str), "feed": sets["feed"].astype(str),
                          "day": pd.to_datetime(sets["business_date"].astype(object), errors="coerce").dt.date,
                          "status": sets["status"].astype(str), "sent": _utc(sets["sent_at"]),
                          "acked": _utc(sets["acknowledged_at"])})
    return frame.loc[(frame["day"] > first_day) & (frame["day"] <= check_date)]


def _acceptance(sets: pd.DataFrame, first_day: date, check_date: date) -> pd.DataFrame:
    frame = _sets_in(sets, first_day, check_date)
    answered = frame.loc[frame["status"] != "SENT"]
    out = pd.DataFrame({
        "sets_acknowledged": answered.groupby(["vendor", "feed"]).size(),
        "sets_accepted": answered.loc[answered["status"].isin(ACCEPTED_SETS)].groupby(["vendor", "feed"]).size()})
    out = out.fillna(0)
    out["acceptance_pct"] = (100 * out["sets_accepted"] / out["sets_acknowledged"].where(
        out["sets_acknowledged"] > 0)).round(1)
    out.index.names = ["vendor", "feed"]
    return out


def _set_turnaround(sets: pd.DataFrame, first_day: date, check_date: date) -> pd.DataFrame:
    """Hours from a refused set's acknowledgement to the next set sent for the same business date."""
    frame = _sets_in(sets, first_day, check_date)
    refused = frame.loc[frame["status"].isin(("REJECTED", "PARTIALLY_ACCEPTED")) & frame["acked"].notna()]
    pairs = refused[["vendor", "feed", "day", "acked"]].merge(frame[["vendor", "feed", "day", "sent"]],
                                                              on=["vendor", "feed", "day"])
    pairs = pairs.loc[pairs["sent"] > pairs["acked"]].groupby(["vendor", "feed", "day", "acked"], as_index=False)[
        "sent"].min()
    return _hours(pairs, "acked", "sent")


def _hours(pairs: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    if not len(pairs):
        return pd.DataFrame({"vendor": [], "feed": [], "hours": []})
    return pd.DataFrame({"vendor": pairs["vendor"], "feed": pairs["feed"],
                         "hours": (pairs[end] - pairs[start]).dt.total_seconds() / 3600})
