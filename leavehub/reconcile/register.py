"""Payroll register vs the pay instructions sent: did payroll pay what the hub told it to, on one check date?

Inputs: ``pay_sent`` (``SENT_COLUMNS``: every line of the pay-data batches the pay run sent for the check date,
already in the register's terms: payroll file number, line type and LedgerPay code, with the instruction's
``kind``, its employee and Batch ID, hours and amount in hundredths/cents) and ``register`` (the check date's
canonical ``payroll_register_line`` rows). Payroll turns each sent line into a register line carrying its
Batch ID (lines of one employee, type and code in one batch add up), so both sides are summed per file number,
line type, code and Batch ID and compared key by key:

- ``REGULAR_PAY_NOT_CANCELLED``: a Cancel Pay line (``EARN REG`` with the pay for the time worked) is not on the
  register under its Batch ID, and payroll paid regular pay of its own instead; money: what it paid above
  the pay for the time worked;
- ``BLOCKED_DEDUCTION_TAKEN``: a Block Ded line is not on the register as 0.00 under its Batch ID and payroll
  took that deduction anyway (payroll's own arrears logic collecting twice); money: what it took beyond the
  adjustments the hub sent for that code;
- ``MEMO_LINE_MISSING`` / ``REGISTER_LINE_MISSING``: any other sent line (a memo line / anything else) the
  register does not carry under its Batch ID; money: the line's amount;
- ``TOPUP_ABOVE_CAP``: a top-up (the codes in ``TOPUP_CODES``) paid above the capped amount the hub sent;
  money: the excess;
- ``REGISTER_AMOUNT_MISMATCH``: any other line whose register amount or hours differ from what was sent;
  money: the difference.

Each exception's subject is ``<batch>/<file number>/<line type>/<code>``. Register lines for employees the hub
sent nothing for are payroll's business and not compared. Column operations only; no loop per employee.

Example::

    found = register_vs_sent(pay_sent, register, check_date=date(2026, 3, 20))
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.reconcile.exceptions import combine, dollars, exception_frame, member, text_column
from leavehub.rules.money import scaled_integers

__all__ = ["SENT_COLUMNS", "TOPUP_CODES", "register_vs_sent"]

SENT_COLUMNS = ("employee_id", "file_number", "batch_id", "kind", "line_type", "code", "hours_units",
                "amount_cents")
TOPUP_CODES = ("STU", "PFT")
"""LedgerPay's codes for top-ups the pay rules cap (STD top-up, state PFL top-up)."""
_KEY = ["file_number", "line_type", "code", "batch_id"]


def _hours(units: np.ndarray) -> np.ndarray:
    return dollars(units)  # hundredths of an hour read like cents: 4000 -> "40.00"


def register_vs_sent(sent: pd.DataFrame, register: pd.DataFrame, *, check_date: date) -> pd.DataFrame:
    """Every register-vs-instructions exception of the check date (one frame, ``EXCEPTION_COLUMNS``)."""
    if not len(sent):
        return combine([])
    exp = pd.DataFrame({c: text_column(sent, c) for c in ("employee_id", "file_number", "batch_id", "kind",
                                                          "line_type", "code")})
    exp["hours"] = np.asarray(sent["hours_units"], dtype=np.int64)
    exp["cents"] = np.asarray(sent["amount_cents"], dtype=np.int64)
    exp = exp.groupby(_KEY, as_index=False, sort=False).agg(
        employee_id=("employee_id", "first"), kind=("kind", "first"), hours=("hours", "sum"),
        cents=("cents", "sum"))
    none = np.zeros(0, np.int64)
    reg = pd.DataFrame({"file_number": text_column(register, "payroll_file_number"),
                        "line_type": text_column(register, "line_type"), "code": text_column(register, "code"),
                        "batch_id": text_column(register, "batch_id"),
                        "r_hours": scaled_integers(register["hours"]) if len(register) else none,
                        "r_cents": scaled_integers(register["amount"]) if len(register) else none})
    reg = reg.loc[member(reg["file_number"], set(exp["file_number"]))]
    per_key = reg.groupby(_KEY, as_index=False, sort=False)[["r_hours", "r_cents"]].sum()
    pairs = exp.merge(per_key, on=_KEY, how="left", indicator=True)
    on_register = (pairs["_merge"] == "both").to_numpy()
    paid = pairs["r_cents"].fillna(0).to_numpy(np.int64)
    paid_hours = pairs["r_hours"].fillna(0).to_numpy(np.int64)
    sent_cents, sent_hours = pairs["cents"].to_numpy(np.int64), pairs["hours"].to_numpy(np.int64)
    kind = pairs["kind"].to_numpy(dtype=object)
    subject = (pairs["batch_id"] + "/" + pairs["file_number"] + "/" + pairs["line_type"] + "/" + pairs["code"]) \
        .to_numpy(dtype=object)
    what = (pairs["line_type"] + " " + pairs["code"]).to_numpy(dtype=object)

    # what payroll put on each file number's check per type and code, under any Batch ID or none
    total = reg.groupby(["file_number", "line_type", "code"])["r_cents"].sum()
    index = pd.MultiIndex.from_frame(pairs[["file_number", "line_type", "code"]])
    anywhere = total.reindex(index).fillna(0).to_numpy(np.int64)
    adjusted = exp.loc[exp["kind"] != "BLOCK_DEDUCTION"].groupby(["file_number", "line_type", "code"])["cents"] \
        .sum()
    sent_elsewhere = adjusted.reindex(index).fillna(0).to_numpy(np.int64)

    cancel = kind == "CANCEL_REGULAR_PAY"
    not_cancelled = cancel & ~on_register & (anywhere > sent_cents)
    block = kind == "BLOCK_DEDUCTION"
    taken_here = block & on_register & (paid != 0)
    taken_elsewhere = block & ~on_register & (anywhere - sent_elsewhere != 0)
    taken = taken_here | taken_elsewhere
    taken_cents = np.where(taken_here, paid, anywhere - sent_elsewhere)
    missing = ~on_register & ~not_cancelled & ~taken
    memo = pairs["line_type"].to_numpy(dtype=object) == "MEMO"
    differs = on_register & ~taken & ((paid != sent_cents) | (paid_hours != sent_hours))
    topup = differs & member(pairs["code"], TOPUP_CODES) & (paid > sent_cents)
    off = differs & ~topup

    ids = pairs["employee_id"].to_numpy(dtype=object)

    def frame(kind_name: str, pick: np.ndarray, cents: np.ndarray, reason: np.ndarray) -> pd.DataFrame:
        return exception_frame(kind_name, ids[pick], subject[pick], np.abs(cents[pick]), reason[pick], check_date)

    batch = pairs["batch_id"].to_numpy(dtype=object)
    sent_text = "sent " + dollars(sent_cents) + " and " + _hours(sent_hours) + " hours"
    paid_text = "the register shows " + dollars(paid) + " and " + _hours(paid_hours) + " hours"
    return combine([
        frame("REGULAR_PAY_NOT_CANCELLED", not_cancelled, anywhere - sent_cents,
              "batch " + batch + " cancelled regular pay, paying " + dollars(sent_cents)
              + " for the time worked; payroll paid " + dollars(anywhere) + " of regular pay"),
        frame("BLOCKED_DEDUCTION_TAKEN", taken, taken_cents,
              "batch " + batch + " blocked deduction " + pairs["code"].to_numpy(dtype=object)
              + "; payroll took " + dollars(taken_cents)),
        frame("MEMO_LINE_MISSING", missing & memo, sent_cents,
              "batch " + batch + " sent memo line " + what + " of " + dollars(sent_cents)
              + "; the register does not carry it"),
        frame("REGISTER_LINE_MISSING", missing & ~memo, sent_cents,
              "batch " + batch + " sent " + what + " (" + sent_text + "); the register does not carry it"),
        frame("TOPUP_ABOVE_CAP", topup, paid - sent_cents,
              "batch " + batch + " sent top-up " + what + " of " + dollars(sent_cents)
              + " (capped by the policy); payroll paid " + dollars(paid)),
        frame("REGISTER_AMOUNT_MISMATCH", off, paid - sent_cents,
              "batch " + batch + " " + what + ": " + sent_text + "; " + paid_text),
    ])
