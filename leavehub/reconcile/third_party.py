"""Benefit payments vs payroll: the TPA's disability payments reported on the register as memo lines.

Third-party sick pay (STD and LTD benefits the TPA paid) is wages payroll must report: the pay run sends it as
memo lines (LedgerPay ``TPS`` taxable and ``TPN`` non-taxable), on the first check on or after the payment
date, so a check carries the payments dated after the previous check date (from the pay calendar; without an
earlier one, the 14 days before) up to its own check date. Per employee, what the TPA paid in that window
(payments positive, cancellations negative) is compared with what was reported: the memo lines the pay run
sent when it sent anything for the employee on this check (a sent memo payroll lost is the register
detector's ``MEMO_LINE_MISSING``), else the memo lines on the register. Before the check's register (or a
batch for it) is in, nothing is compared.

- ``THIRD_PARTY_PAY_NOT_MEMOED``: reported less than the TPA paid; money: the shortfall;
- ``TPA_CANCELLATION_NOT_REVERSED``: the window holds a TPA cancellation and reported more than the TPA's net
  (payroll did not reverse the memo); money: the excess.

Column operations only; no loop per employee.

Example::

    found = third_party_vs_register(payments, register, sent, pay_periods, file_numbers, check_date=day)
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.reconcile.exceptions import combine, dollars, exception_frame, iso_dates, member, text_column
from leavehub.rules.money import OPEN_END, day_number, days_column, scaled_integers

__all__ = ["MEMO_CODES", "THIRD_PARTY_PLANS", "third_party_vs_register"]

THIRD_PARTY_PLANS = ("STD", "LTD")
MEMO_CODES = ("TPS", "TPN")
"""LedgerPay's memo codes for third-party sick pay (taxable, non-taxable): together they are the gross."""
_FALLBACK_DAYS = 14


def _window_start(pay_periods: pd.DataFrame, day: int) -> int:
    """Day number of the previous check date (payments dated after it belong to this check)."""
    if len(pay_periods) and "check_date" in pay_periods:
        checks = days_column(pay_periods["check_date"])
        earlier = checks[checks < day]
        if len(earlier):
            return int(earlier.max())
    return day - _FALLBACK_DAYS


def third_party_vs_register(payments: pd.DataFrame, register: pd.DataFrame, sent: pd.DataFrame,
                            pay_periods: pd.DataFrame, file_numbers: pd.DataFrame, *,
                            check_date: date) -> pd.DataFrame:
    """Every third-party-sick-pay exception of the check date (one frame, ``EXCEPTION_COLUMNS``)."""
    if not len(payments) or "payment_date" not in payments or not (len(register) or len(sent)):
        return combine([])  # no register and nothing sent for the check date: payroll has not reported yet
    day = day_number(check_date)
    start = _window_start(pay_periods, day)
    paid_on = days_column(payments["payment_date"])
    keep = (paid_on > start) & (paid_on <= day) & (paid_on < OPEN_END) \
        & member(text_column(payments, "plan"), THIRD_PARTY_PLANS)
    pay = pd.DataFrame({"employee_id": text_column(payments, "employee_id")[keep],
                        "cents": scaled_integers(payments["gross"])[keep],
                        "cancel": text_column(payments, "txn_type")[keep] == "CANCELLATION"})
    if not len(pay):
        return combine([])
    tpa = pay.groupby("employee_id").agg(net=("cents", "sum"), cancels=("cancel", "any"))
    ids = tpa.index.to_numpy(dtype=object)

    links = pd.Series(text_column(file_numbers, "payroll_file_number"),
                      index=text_column(file_numbers, "employee_id"))
    links = links[~links.index.duplicated(keep="last")]
    linked = links.reindex(ids).to_numpy(dtype=object)
    files = np.where(pd.isna(linked), ids, linked).astype(object)
    reg_memo = pd.Series(scaled_integers(register["amount"]) if len(register) else np.zeros(0, np.int64),
                         index=text_column(register, "payroll_file_number"), dtype=np.int64)
    reg_memo = reg_memo[(text_column(register, "line_type") == "MEMO") & member(text_column(register, "code"),
                                                                                 MEMO_CODES)]
    on_register = reg_memo.groupby(level=0).sum().reindex(files).fillna(0).to_numpy(np.int64)
    sent_ids = text_column(sent, "employee_id")
    sent_memo = pd.Series(np.asarray(sent["amount_cents"], dtype=np.int64) if len(sent) else np.zeros(0, np.int64),
                          index=sent_ids, dtype=np.int64)
    sent_memo = sent_memo[(text_column(sent, "line_type") == "MEMO") & member(text_column(sent, "code"),
                                                                               MEMO_CODES)]
    by_hub = sent_memo.groupby(level=0).sum().reindex(ids).fillna(0).to_numpy(np.int64)
    reported = np.where(member(ids, set(sent_ids)), by_hub, on_register)

    net = tpa["net"].to_numpy(np.int64)
    short = net - reported
    window = "payments dated " + iso_dates(np.array([start + 1]))[0] + " to " + check_date.isoformat()
    subject = ids + "/" + check_date.isoformat()
    not_memoed = short > 0
    not_reversed = (short < 0) & tpa["cancels"].to_numpy(bool)
    return combine([
        exception_frame("THIRD_PARTY_PAY_NOT_MEMOED", ids[not_memoed], subject[not_memoed], short[not_memoed],
                        "the TPA paid " + dollars(net[not_memoed]) + " of STD/LTD benefits (" + window
                        + "); the check reports " + dollars(reported[not_memoed])
                        + " as third-party sick pay memos", check_date),
        exception_frame("TPA_CANCELLATION_NOT_REVERSED", ids[not_reversed], subject[not_reversed],
                        -short[not_reversed],
                        "the TPA's payments net to " + dollars(net[not_reversed]) + " after a cancellation ("
                        + window + "); the check still reports " + dollars(reported[not_reversed])
                        + " as third-party sick pay memos", check_date),
    ])
