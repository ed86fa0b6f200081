"""The reconciliation's store side: read one check date's input frames, keep what it found.

Thin on purpose: the canonical frames come from ``Store.current`` (PII stays hashed: no detector needs it),
the file ledger and the 834 transaction sets are plain selects, and the exceptions found are written to
``reconciliation_exception`` (a re-run for the same check date replaces that date's rows, in one
transaction). Premium arrears come from the ``premium_ledger_entry`` records in the premium rules' arrears
shape (positive: owed; negative: paid down), the rows ``leavehub.operations.premium_entries`` records from each
check's register (the same rows ``leavehub premiums status`` reads). What the
pay run sent for the check date comes from the pay book in the store (``leavehub.payrun.book``), put in
the register's terms (file number, line type, LedgerPay code) by ``pay_sent``; the register is the check date's
``payroll_register_line`` rows.

Example::

    inputs = load_inputs(store, check_date=date(2026, 3, 13), weeks=8)
    save_exceptions(store, result.exceptions, check_date=date(2026, 3, 13))
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import delete, insert, select

from leavehub.reconcile.compute import ReconcileInputs
from leavehub.reconcile.exceptions import EXCEPTION_COLUMNS
from leavehub.reconcile.register import SENT_COLUMNS
from leavehub.rules.money import scaled_integers
from leavehub.rules.premiums import ARREARS_COLUMNS
from leavehub.store import Store
from leavehub.store.ledger import utc_now
from leavehub.store.tables import FILE_LEDGER, RECONCILIATION_EXCEPTION, X12_TRANSACTION_SET, versions_table

__all__ = ["TREND_PERIODS", "check_date_for_run", "load_inputs", "pay_sent", "save_exceptions"]

TREND_PERIODS = 6
SET_LOOKBACK = timedelta(days=365)


def _select(store: Store, statement) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        result = connection.execute(statement)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def load_inputs(store: Store, *, check_date: date, weeks: int, mappings_root: Path | None = None
                ) -> ReconcileInputs:
    """The check date's frames; ``mappings_root`` (LedgerPay's codes) puts what the pay run sent in the
    register's terms (without it that frame is empty)."""
    first_day = check_date - timedelta(weeks=weeks)
    ledger = FILE_LEDGER.c
    sets = X12_TRANSACTION_SET.c
    saved = RECONCILIATION_EXCEPTION.c
    history = _select(store, select(*(getattr(saved, c) for c in EXCEPTION_COLUMNS if c != "action"))
                      .where(saved.check_date < check_date).order_by(saved.check_date.desc()))
    keep = sorted(set(history["check_date"]))[-(TREND_PERIODS - 1):]
    links = _file_numbers(store)
    history = history.loc[history["check_date"].isin(keep)]
    return ReconcileInputs(
        leave_periods=store.current("leave_period"),
        employment=store.current("employment"),
        benefit_payments=store.current("benefit_payment"),
        ledger=_select(store, select(ledger.vendor, ledger.feed, ledger.direction, ledger.business_date,
                                     ledger.status, ledger.received_at, ledger.records_read,
                                     ledger.records_rejected)
                       .where(ledger.business_date > first_day, ledger.business_date <= check_date)),
        transaction_sets=_select(store, select(sets.vendor, sets.feed, sets.business_date, sets.control_number,
                                               sets.set_control, sets.status, sets.sent_at, sets.acknowledged_at)
                                 .where(sets.business_date > check_date - SET_LOOKBACK,
                                        sets.business_date <= check_date)),
        arrears=_arrears(store.current("premium_ledger_entry")),
        pay_sent=pay_sent(store, mappings_root, links, check_date) if mappings_root
        else pd.DataFrame({c: pd.Series(dtype=object) for c in SENT_COLUMNS}),
        register=store.current("payroll_register_line",
                               where=versions_table("payroll_register_line").c.check_date == check_date),
        pay_periods=store.current("pay_period"),
        bill_lines=store.current("premium_bill_line"),
        enrollments=store.current("enrollment"),
        file_numbers=pd.DataFrame({"employee_id": list(links), "payroll_file_number": list(links.values())}),
        history=history,
    )


def _file_numbers(store: Store) -> dict[str, str]:
    from leavehub.payrun.inputs import file_numbers

    return file_numbers(store)


_REGISTER_LINE = {"CANCEL_REGULAR_PAY": "EARN", "HOURS": "EARN", "EARNINGS": "EARN", "MEMO": "MEMO",
                  "DEDUCTION_ADJUSTMENT": "DED", "BLOCK_DEDUCTION": "DED"}
"""The register line type payroll makes of each instruction kind (LedgerPay's import rules)."""


def pay_sent(store: Store, mappings_root: Path, file_numbers: dict[str, str], check_date: date) -> pd.DataFrame:
    """Every line of the batches the pay run sent for ``check_date`` (every company), in the register's terms
    (``SENT_COLUMNS``): a Cancel Pay line is ``EARN REG`` with its Reg Earnings, hours and earnings are ``EARN``
    and memos ``MEMO`` under LedgerPay's code for the pay code, deduction adjustments and blocks are ``DED``
    under the deduction code (a block's amount is 0.00: nothing is taken)."""
    from leavehub.payrun.book import PayBook
    from leavehub.payrun.import_file import pay_codes

    records = [{**line, "batch_id": batch.batch_id} for batch in PayBook(store).batches(check_date=check_date)
               if batch.status != "BUILT" for line in batch.lines]
    if not records:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SENT_COLUMNS})
    lines = pd.DataFrame(records)
    kind = lines["kind"].astype(str)
    codes = pay_codes(mappings_root / "ledgerpay")
    ids = lines["employee_id"].astype(str)
    deduction = kind.isin(["DEDUCTION_ADJUSTMENT", "BLOCK_DEDUCTION"])
    code = np.where(kind == "CANCEL_REGULAR_PAY", "REG",
                    np.where(deduction, lines["deduction_code"].astype(object),
                             lines["pay_code"].map(codes).astype(object)))
    amount = _cents(lines["amount"])
    return pd.DataFrame({
        "employee_id": ids, "file_number": ids.map(lambda e: file_numbers.get(e, e)),
        "batch_id": lines["batch_id"], "kind": kind, "line_type": kind.map(_REGISTER_LINE), "code": code,
        "hours_units": np.where(kind == "HOURS", _cents(lines["hours"]), 0),
        "amount_cents": np.where(kind.isin(["HOURS", "BLOCK_DEDUCTION"]), 0, amount)})


def _cents(text: pd.Series) -> np.ndarray:
    values = pa.array(text.astype(object).where(text.notna(), None), pa.string()).cast(pa.decimal128(18, 2))
    return scaled_integers(pd.Series(pd.arrays.ArrowExtensionArray(values)))


def _arrears(entries: pd.DataFrame) -> pd.DataFrame:
    if not len(entries):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ARREARS_COLUMNS})
    out = pd.DataFrame({c: entries[c] if c in entries else None for c in ARREARS_COLUMNS})
    out["amount_cents"] = scaled_integers(entries["amount"])
    out["check_date"] = entries["check_date"].fillna(entries["coverage_start"])
    return out


def save_exceptions(store: Store, exceptions: pd.DataFrame, *, check_date: date) -> int:
    """Replace ``check_date``'s stored exceptions with ``exceptions``; returns how many were stored."""
    table = RECONCILIATION_EXCEPTION
    now = utc_now()
    rows = [{"check_date": check_date, "exception_type": t, "employee_id": e or None, "subject_key": s,
             "amount_cents": int(c), "reason": r, "first_seen": f, "recorded_at": now}
            for t, e, s, c, r, f in zip(exceptions["exception_type"], exceptions["employee_id"],
                                        exceptions["subject_key"], exceptions["amount_cents"].astype(np.int64),
                                        exceptions["reason"], exceptions["first_seen"], strict=True)]
    with store.engine.begin() as connection:
        connection.execute(delete(table).where(table.c.check_date == check_date))
        if rows:
            connection.execute(insert(table), rows)
    return len(rows)


def check_date_for_run(store: Store, run_day: date) -> date:
    """The check date a run without one reconciles: the pay calendar's latest check date on or before
    ``run_day`` when the store holds the calendar, else ``run_day``."""
    periods = store.current("pay_period")
    if len(periods):
        days = pd.to_datetime(periods["check_date"].astype(object), errors="coerce").dt.date.dropna()
        earlier = [d for d in set(days) if d <= run_day]
        if earlier:
            return max(earlier)
    return run_day
