"""Benefit payments vs leave periods: every payment the TPA made should sit inside an approved period, and a
payment for a period that was later cancelled or denied should be reversed.

A STANDARD payment is settled when a CANCELLATION names it (``reverses_payment_key``). Otherwise, matched on
employee and plan against the periods whose dates overlap the payment's (a payment without dates uses its
payment date):

- an APPROVED period overlaps it (or one that was approved and has since been EXHAUSTED or CLOSED): fine;
- only periods that were DENIED, CANCELLED or WITHDRAWN overlap it: PAYMENT_NOT_REVERSED (money: the gross);
- no period overlaps it at all: PAYMENT_NO_APPROVED_PERIOD (money: the gross).

A CANCELLATION that names a payment we do not have, or whose gross is not the exact negative of the
original's, is CANCELLATION_UNMATCHED (money: what is left unreversed, or the whole cancellation when its
original is unknown). Whether payroll reversed its memo lines is the pay side's reconciliation.

Example::

    found = payments_vs_periods(benefit_payments, leave_periods, check_date=date(2026, 3, 13))
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.reconcile.exceptions import combine, dollars, exception_frame, iso_dates, member, text_column
from leavehub.rules.money import OPEN_END, days_column, scaled_integers

__all__ = ["payments_vs_periods"]

ENDED = ("DENIED", "CANCELLED", "WITHDRAWN")
PAID = ("APPROVED", "EXHAUSTED", "CLOSED")
"""Decisions under which the TPA paid: approved, and approved periods that ran out or closed since."""


def payments_vs_periods(payments: pd.DataFrame, periods: pd.DataFrame, *, check_date: date) -> pd.DataFrame:
    """Every benefit-payment exception (one frame, ``EXCEPTION_COLUMNS``)."""
    if not len(payments):
        return combine([])
    pay = pd.DataFrame({
        "payment_key": text_column(payments, "payment_key"), "employee_id": text_column(payments, "employee_id"),
        "plan": text_column(payments, "plan"), "txn": text_column(payments, "txn_type"),
        "reverses": text_column(payments, "reverses_payment_key"), "cents": scaled_integers(payments["gross"]),
        "start": days_column(payments["period_start"]), "end": days_column(payments["period_end"]),
        "paid_on": days_column(payments["payment_date"]) if "payment_date" in payments else OPEN_END})
    pay["start"] = np.where(pay["start"] >= OPEN_END, pay["paid_on"], pay["start"])
    pay["end"] = np.where(pay["end"] >= OPEN_END, pay["start"], pay["end"])
    cancels = pay.loc[pay["txn"] == "CANCELLATION"]
    reversed_keys = set(cancels["reverses"])
    standard = pay.loc[(pay["txn"] == "STANDARD").to_numpy() & ~member(pay["payment_key"], reversed_keys)]
    return combine([_unsupported(standard, periods, check_date), _unmatched(cancels, pay, check_date)])


def _unsupported(standard: pd.DataFrame, periods: pd.DataFrame, check_date: date) -> pd.DataFrame:
    per = pd.DataFrame({"employee_id": text_column(periods, "employee_id"), "plan": text_column(periods, "plan"),
                        "decision": text_column(periods, "decision"),
                        "p_start": days_column(periods["period_start"]) if len(periods) else [],
                        "p_end": days_column(periods["period_end"]) if len(periods) else []})
    pairs = standard[["payment_key", "employee_id", "plan", "start", "end"]].merge(
        per, on=["employee_id", "plan"], how="inner")
    overlap = (pairs["p_start"] <= pairs["end"]) & (pairs["p_end"] >= pairs["start"])
    pairs = pairs.loc[overlap]
    approved = set(pairs.loc[member(pairs["decision"], PAID), "payment_key"])
    ended = set(pairs.loc[member(pairs["decision"], ENDED), "payment_key"])
    keys = standard["payment_key"]
    span = iso_dates(standard["start"].to_numpy(np.int64)) + " to " + iso_dates(standard["end"].to_numpy(np.int64))
    in_ended, in_approved = member(keys, ended), member(keys, approved)
    not_reversed = in_ended & ~in_approved
    nothing = ~in_ended & ~in_approved
    pick = standard.loc[not_reversed]
    first = exception_frame(
        "PAYMENT_NOT_REVERSED", pick["employee_id"], pick["payment_key"], pick["cents"],
        pick["plan"].to_numpy(dtype=object) + " payment of " + dollars(pick["cents"]) + " for "
        + span[not_reversed] + " falls in a period that was denied, cancelled or withdrawn, and no cancellation "
        "reverses it", check_date)
    pick = standard.loc[nothing]
    second = exception_frame(
        "PAYMENT_NO_APPROVED_PERIOD", pick["employee_id"], pick["payment_key"], pick["cents"],
        pick["plan"].to_numpy(dtype=object) + " payment of " + dollars(pick["cents"]) + " for " + span[nothing]
        + " has no leave period of that plan at the TPA", check_date)
    return combine([first, second])


def _unmatched(cancels: pd.DataFrame, pay: pd.DataFrame, check_date: date) -> pd.DataFrame:
    original = pd.Series(pay["cents"].to_numpy(np.int64), index=pay["payment_key"].to_numpy(dtype=object))
    original = original[~original.index.duplicated(keep="last")]
    known = member(cancels["reverses"], original.index)
    first = original.reindex(cancels["reverses"].to_numpy(dtype=object)).fillna(0).to_numpy(np.int64)
    left = first + cancels["cents"].to_numpy(np.int64)  # a cancellation is negative: 0 when it reverses all
    bad = ~known | (left != 0)
    rows = cancels.loc[bad]
    at_stake = np.where(known[bad], np.abs(left[bad]), np.abs(rows["cents"].to_numpy(np.int64)))
    named = rows["reverses"].to_numpy(dtype=object)
    reason = np.where(
        known[bad],
        "cancellation of " + dollars(rows["cents"]) + " reverses payment " + named + " of "
        + dollars(first[bad]),
        "cancellation of " + dollars(rows["cents"]) + " names payment " + named + ", which the TPA never sent")
    return exception_frame("CANCELLATION_UNMATCHED", rows["employee_id"], rows["payment_key"], at_stake, reason,
                           check_date)
