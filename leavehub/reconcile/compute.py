"""One check date's reconciliation from its input frames: every detector, the aging, the scorecard, the trend.

Pure: frames in, a ``Reconciliation`` out; the store reads are ``loader``'s. ``ReconcileInputs`` names every
frame a detector reads, so the pay and premium work adds a frame (the payroll register, the pay instructions,
the carrier bill) and a detector, and nothing else changes.

Example::

    result = compute(inputs, deadlines, check_date=date(2026, 3, 13), weeks=8)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from leavehub.reconcile.acknowledgements import sets_not_resent
from leavehub.reconcile.arrears import arrears_aging
from leavehub.reconcile.carrier_bill import bill_vs_enrollments
from leavehub.reconcile.exceptions import carry_open_since, combine
from leavehub.reconcile.leave_hris import leave_vs_hris
from leavehub.reconcile.payments import payments_vs_periods
from leavehub.reconcile.register import SENT_COLUMNS, register_vs_sent
from leavehub.reconcile.result import Reconciliation, trend_of
from leavehub.reconcile.scorecard import Deadline, scorecard
from leavehub.reconcile.third_party import third_party_vs_register
from leavehub.rules.premiums import ARREARS_COLUMNS

__all__ = ["ReconcileInputs", "compute"]


def _empty(columns: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class ReconcileInputs:
    """The frames of one check date. ``history`` is earlier check dates' exceptions as stored (the newest of
    them carries "open since"); ``arrears`` is in the premium rules' ``ARREARS_COLUMNS`` shape; ``pay_sent``
    is what the pay run sent for the check date (``register.SENT_COLUMNS``) and ``register`` the check date's
    payroll register lines; ``pay_periods`` is the pay calendar and ``file_numbers`` links employees to payroll
    file numbers (``employee_id``, ``payroll_file_number``); ``bill_lines`` are the carrier's premium bill lines
    and ``enrollments`` the benefit enrollments."""

    leave_periods: pd.DataFrame
    employment: pd.DataFrame
    benefit_payments: pd.DataFrame
    ledger: pd.DataFrame
    transaction_sets: pd.DataFrame = field(default_factory=_empty)
    arrears: pd.DataFrame = field(default_factory=lambda: _empty(ARREARS_COLUMNS))
    pay_sent: pd.DataFrame = field(default_factory=lambda: _empty(SENT_COLUMNS))
    register: pd.DataFrame = field(default_factory=_empty)
    pay_periods: pd.DataFrame = field(default_factory=_empty)
    file_numbers: pd.DataFrame = field(default_factory=lambda: _empty(("employee_id", "payroll_file_number")))
    bill_lines: pd.DataFrame = field(default_factory=_empty)
    enrollments: pd.DataFrame = field(default_factory=_empty)
    history: pd.DataFrame | None = None


def compute(inputs: ReconcileInputs, deadlines: dict[str, Deadline], *, check_date: date,
            weeks: int) -> Reconciliation:
    aging, late = arrears_aging(inputs.arrears, check_date=check_date)
    found = combine([
        leave_vs_hris(inputs.leave_periods, inputs.employment, check_date=check_date),
        payments_vs_periods(inputs.benefit_payments, inputs.leave_periods, check_date=check_date),
        sets_not_resent(inputs.transaction_sets, check_date=check_date),
        bill_vs_enrollments(inputs.bill_lines, inputs.enrollments, inputs.employment, check_date=check_date),
        register_vs_sent(inputs.pay_sent, inputs.register, check_date=check_date),
        third_party_vs_register(inputs.benefit_payments, inputs.register, inputs.pay_sent, inputs.pay_periods,
                                inputs.file_numbers, check_date=check_date),
        late,
    ])
    history = inputs.history
    previous = None
    if history is not None and len(history):
        earlier = history.loc[history["check_date"] < check_date]
        if len(earlier):
            previous = earlier.loc[earlier["check_date"] == earlier["check_date"].max()]
    found = carry_open_since(found, previous)
    card = scorecard(inputs.ledger, inputs.transaction_sets, deadlines, check_date=check_date, weeks=weeks)
    return Reconciliation(check_date, found, aging, card, trend_of(found, history, check_date))
