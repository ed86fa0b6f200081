"""The exception frame: one row per disagreement found on a check date, the same shape for every detector.

Columns (``EXCEPTION_COLUMNS``): ``exception_type`` (a key of ``EXCEPTION_TYPES``), ``employee_id`` (empty
for a file-level exception such as an 834 set), ``subject_key`` (what the exception is about: a case, a
payment, a transaction set; with the type it identifies the exception from one period to the next),
``amount_cents`` (the money at stake, int64 cents; ``Decimal`` only where it is shown), ``reason`` (plain
words: dates, plans, codes and amounts, never a name, SSN, birth date or diagnosis), ``action`` (what to do),
``first_seen`` (the check date it was first reported: an exception still open from an earlier period keeps
its date, so a report can say "open since") and ``check_date``.

Example::

    frame = exception_frame("LEAVE_NOT_IN_HRIS", employee_ids, subject_keys, cents, reasons, check_date)
    frame = carry_open_since(frame, previous)      # first_seen from the previous period's exceptions
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from leavehub.rules.money import OPEN_END, from_day_numbers

__all__ = ["EXCEPTION_COLUMNS", "EXCEPTION_TYPES", "ExceptionType", "carry_open_since", "combine", "dollars",
           "empty_exceptions", "exception_frame", "iso_dates", "member", "text_column", "to_decimal"]

EXCEPTION_COLUMNS = ("exception_type", "employee_id", "subject_key", "amount_cents", "reason", "action",
                     "first_seen", "check_date")


@dataclass(frozen=True)
class ExceptionType:
    """What a type of exception means, who acts on it, and what they should do."""

    title: str
    area: str
    action: str


EXCEPTION_TYPES: dict[str, ExceptionType] = {
    "LEAVE_NOT_IN_HRIS": ExceptionType(
        "On leave at the TPA, active in the HRIS", "leave vs HRIS",
        "Set the employee on leave in the HRIS (or ask the TPA to close the period) before payroll runs"),
    "HRIS_LEAVE_NOT_AT_TPA": ExceptionType(
        "On leave in the HRIS, no open leave at the TPA", "leave vs HRIS",
        "Confirm with the TPA whether a leave exists; return the employee to active in the HRIS if not"),
    "RETURN_DATE_MISMATCH": ExceptionType(
        "Return dates disagree", "leave vs HRIS",
        "Agree the actual return date with the TPA and correct the HRIS or the case"),
    "TERMINATED_OPEN_CASE": ExceptionType(
        "Terminated in the HRIS with an open leave case", "leave vs HRIS",
        "Tell the TPA of the termination so it closes the case and stops benefit payments"),
    "REGULAR_PAY_NOT_CANCELLED": ExceptionType(
        "Regular pay not cancelled for unpaid leave", "payroll register",
        "Ask payroll to recover the regular pay paid for unpaid leave and to apply the batch's Cancel Pay"),
    "BLOCKED_DEDUCTION_TAKEN": ExceptionType(
        "Blocked deduction taken anyway", "payroll register",
        "Ask payroll to refund it (the employee's share is not owed twice): the premium ledger counts what was "
        "taken as paid, and a restated register with the refund puts the share back in arrears"),
    "REGISTER_LINE_MISSING": ExceptionType(
        "Pay instruction missing from the register", "payroll register",
        "Ask payroll why the batch line was not applied; send it again on the next check if it was lost"),
    "MEMO_LINE_MISSING": ExceptionType(
        "Third-party sick pay memo line missing from the register", "payroll register",
        "Ask payroll to add the memo line before quarter end so the W-2 reports the third-party sick pay"),
    "REGISTER_AMOUNT_MISMATCH": ExceptionType(
        "Register amount differs from the instruction sent", "payroll register",
        "Ask payroll to correct the line; the difference goes on the next check as an adjustment"),
    "TOPUP_ABOVE_CAP": ExceptionType(
        "Top-up paid above the policy cap", "payroll register",
        "Ask payroll to recover the excess top-up and pay only the capped amount sent"),
    "PAYMENT_NO_APPROVED_PERIOD": ExceptionType(
        "Benefit payment with no approved period", "benefit payments",
        "Ask the TPA which approved period the payment belongs to; recover it if there is none"),
    "PAYMENT_NOT_REVERSED": ExceptionType(
        "Payment for a cancelled or denied period not reversed", "benefit payments",
        "Ask the TPA to cancel the payment (or record the overpayment) and tell payroll"),
    "CANCELLATION_UNMATCHED": ExceptionType(
        "Cancellation that does not match the payment it reverses", "benefit payments",
        "Ask the TPA to correct the cancellation so it reverses the whole original payment"),
    "THIRD_PARTY_PAY_NOT_MEMOED": ExceptionType(
        "Third-party sick pay not reported on the register", "benefit payments vs payroll",
        "Send the TPA's payments as memo lines (taxable and non-taxable) on the next check, before quarter end"),
    "TPA_CANCELLATION_NOT_REVERSED": ExceptionType(
        "TPA cancellation not reversed in payroll", "benefit payments vs payroll",
        "Send negative memo lines for the cancelled payment so the W-2 does not report sick pay never paid"),
    "X12_SET_NOT_RESENT": ExceptionType(
        "834 set rejected or partially accepted, not yet resent", "carrier",
        "Correct the enrollment data named in the 999 and resend the file with new control numbers"),
    "BILLED_TERMINATED": ExceptionType(
        "Carrier bills a terminated employee", "carrier bill",
        "Send the termination to the carrier (834) and short-pay the line; ask for a credit"),
    "BILLED_NOT_ENROLLED": ExceptionType(
        "Carrier bills a coverage the employee is not enrolled in", "carrier bill",
        "Dispute the line with the carrier and check the last 834 sent for the employee"),
    "NOT_BILLED": ExceptionType(
        "Enrolled employee missing from the carrier bill", "carrier bill",
        "Ask the carrier whether the coverage is in force; resend the enrollment (834) if not"),
    "BILL_VOLUME_OR_RATE_WRONG": ExceptionType(
        "Carrier bill volume or rate wrong", "carrier bill",
        "Send the carrier the right covered salary (834) and ask it to re-bill the line"),
    "PREMIUM_30_DAYS_LATE": ExceptionType(
        "Employee premium share 30 days late or more", "premiums",
        "Send the 30-days-late notice; coverage may end only 15 days after the written notice"),
}
"""Every exception type the reconciliation reports today, in report order."""


def empty_exceptions() -> pd.DataFrame:
    return exception_frame("LEAVE_NOT_IN_HRIS", [], [], [], [], None)


def exception_frame(exception_type: str, employee_ids: Any, subject_keys: Any, amount_cents: Any,
                    reasons: Any, check_date: date | None) -> pd.DataFrame:
    """Exceptions of one type from aligned columns (arrays or Series); ``first_seen`` starts at the check date."""
    kind = EXCEPTION_TYPES[exception_type]
    n = len(subject_keys)
    return pd.DataFrame({
        "exception_type": np.full(n, exception_type, dtype=object),
        "employee_id": np.asarray(employee_ids, dtype=object),
        "subject_key": np.asarray(subject_keys, dtype=object),
        "amount_cents": np.asarray(amount_cents, dtype=np.int64),
        "reason": np.asarray(reasons, dtype=object),
        "action": np.full(n, kind.action, dtype=object),
        "first_seen": np.full(n, check_date, dtype=object),
        "check_date": np.full(n, check_date, dtype=object),
    }, columns=list(EXCEPTION_COLUMNS))


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """All detectors' exceptions in one frame, in ``EXCEPTION_TYPES`` order, then employee and subject."""
    found = [f for f in frames if len(f)]
    if not found:
        return empty_exceptions()
    out = pd.concat(found, ignore_index=True)
    order = {name: i for i, name in enumerate(EXCEPTION_TYPES)}
    out["_order"] = out["exception_type"].map(order)
    out = out.sort_values(["_order", "employee_id", "subject_key"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def carry_open_since(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """``first_seen`` of each exception still open since an earlier period: the earlier ``first_seen``.

    An exception is the same one when its type and subject key match; one that closed and came back later
    starts again (the previous frame holds only what was open last period).
    """
    if previous is None or not len(previous) or not len(current):
        return current
    seen = previous.drop_duplicates(["exception_type", "subject_key"]) \
        .set_index(["exception_type", "subject_key"])["first_seen"]
    index = pd.MultiIndex.from_arrays([current["exception_type"], current["subject_key"]])
    earlier = seen.reindex(index).to_numpy(dtype=object)
    out = current.copy()
    has = pd.notna(earlier)
    out.loc[has, "first_seen"] = earlier[has]
    return out


def to_decimal(cents: Any) -> Decimal:
    """Cents as exact dollars: ``to_decimal(12345) == Decimal("123.45")``."""
    return Decimal(int(cents)).scaleb(-2)


def text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as plain ``str`` values (null -> "", a date as ISO text); a missing column is all "".

    Through Arrow (one cast, one fill), not a Python ``str()`` per value: the store's frames are Arrow-backed.
    """
    if column not in frame or not len(frame):
        return np.full(len(frame), "", dtype=object)
    try:
        arr = pa.array(frame[column], from_pandas=True)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        return np.asarray(pc.fill_null(arr, "").to_numpy(zero_copy_only=False), dtype=object)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # mixed Python objects
        values = frame[column].astype(object)
        return values.where(values.notna(), "").astype(str).to_numpy(dtype=object)


def member(values: Any, choices: Any) -> np.ndarray:
    """``values`` in ``choices``, element-wise, by hashing (``np.isin`` sorts object arrays: slow)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object).isin(list(choices)).to_numpy()


def iso_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers as ISO dates for a reason text; an open end reads "open"."""
    days = np.asarray(days, dtype=np.int64)
    text = from_day_numbers(days).astype(object).astype(str).to_numpy(dtype=object)
    return np.where(days >= OPEN_END, "open", text).astype(object)


def dollars(cents: Any) -> np.ndarray:
    """Cents as plain dollar text for a reason: ``-1234`` -> ``"-12.34"``."""
    cents = np.asarray(cents, dtype=np.int64)
    whole, part = np.divmod(np.abs(cents), 100)
    sign = pd.Series(np.where(cents < 0, "-", ""), dtype=object)
    text = sign + pd.Series(whole, dtype=object).astype(str) + "." + pd.Series(part, dtype=object).astype(str) \
        .str.zfill(2)
    return text.to_numpy(dtype=object)
