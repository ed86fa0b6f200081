"""The leave administrator's book: cases, period versions, episodes and benefit payments as Harbor sends them.

Harbor's feeds are CHANGE files of append-only facts, so the book records every VERSION of an absence
period (Pending on notice, the decision, corrections, the return to work), every reported episode, and every
payment transaction (a cancellation or recovery is a new row naming the key it reverses). Nothing is sent
after ``as_of``: an event later than that has not happened yet.

Example::

    book = LeaveBook(rng, as_of)
    case = book.open_case()
    fmla = book.draft(case, worker, "Child Bonding", "Continuous", "FMLA", start, end, notice)
    book.lifecycle(fmla, decision="Approved", decision_date=notice + timedelta(days=5))
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox.synthetic.calendar import add_months, friday_on_or_after, money, next_business_day, updated_at
from sandbox.synthetic.model import AbsenceVersion, BenefitPayment, LeavePeriodVersion, Worker
from sandbox.synthetic.reference import DEFAULT_STATE_INCOME_TAX, STATE_INCOME_TAX

PERIOD_CLASS = "14449"
PAYMENT_CLASS = "7326"
ONE_DAY = timedelta(days=1)


class LeaveBook:
    """Allocates Harbor's keys and keeps every row Harbor would send, in the order it sends them."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.periods: list[LeavePeriodVersion] = []
        self.absences: list[AbsenceVersion] = []
        self.payments: list[BenefitPayment] = []
        self._case_no = 104_000
        self._period_no = 0
        self._episode_no = 0
        self._payment_no = 0
        self._last_sent: dict[str, date] = {}

    # --- keys ----------------------------------------------------------------------------------------

    def open_case(self) -> str:
        self._case_no += self.rng.randint(1, 9)
        return f"NTN-{self._case_no}"

    def _period_key(self) -> str:
        self._period_no += 1
        return f"{PERIOD_CLASS}-{self._period_no}"

    def _payment_key(self) -> str:
        self._payment_no += 1
        return f"{PAYMENT_CLASS}-{self._payment_no}"

    # --- absence periods -----------------------------------------------------------------------------

    def draft(
        self, case_number: str, worker: Worker, reason: str, period_type: str, plan: str,
        start: date, end: date, notice: date, **fields: Any,
    ) -> LeavePeriodVersion:
        """An unsent period in state Pending; ``fields`` override any column (weekly_benefit=...)."""
        row = LeavePeriodVersion(
            case_number=case_number, absence_period_key=self._period_key(), employee_id=worker.worker_id,
            leave_reason=reason, period_type=period_type, plan=plan, decision="Pending",
            period_start=start, period_end=end, notice_date=notice, decision_date=None,
            last_day_worked=_last_day_worked(start) if period_type == "Continuous" else None,
            rtw_date=None, rtw_outcome=None, reduced_hours_week=None, weekly_benefit=None,
            pto_election=False, topup_agreement=False, advance_agreement=False, premium_method="Payroll",
            coverage_revoked=False, updated_at=updated_at(notice, self.rng), sent_on=notice,
        )
        return replace(row, **fields)

    def send(self, current: LeavePeriodVersion, event: date, **changes: Any) -> LeavePeriodVersion:
        """Send a new version the business day after ``event`` (strictly after the previous version).

        Returns the new current state; if that day is past ``as_of`` nothing is sent and the old state
        comes back unchanged.
        """
        on = next_business_day(event + ONE_DAY)
        previous = self._last_sent.get(current.absence_period_key)
        if previous is not None and on <= previous:
            on = next_business_day(previous + ONE_DAY)
        if on > self.as_of:
            return current
        row = replace(current, **changes, updated_at=updated_at(on, self.rng), sent_on=on)
        self._last_sent[row.absence_period_key] = on
        self.periods.append(row)
        return row

    def latest_version(self, absence_period_key: str) -> LeavePeriodVersion:
        """The last version sent for a period key."""
        for row in reversed(self.periods):
            if row.absence_period_key == absence_period_key:
                return row
        raise KeyError(absence_period_key)

    def lifecycle(
        self, draft: LeavePeriodVersion, *, decision: str, decision_date: date,
        rtw_outcome: str | None = "Returned", rtw_date: date | None = None, decision_changes: dict | None = None,
    ) -> LeavePeriodVersion:
        """Pending on notice, then the decision, then (approved and ended) the return to work."""
        current = self.send(draft, draft.notice_date)
        current = self.send(current, decision_date, decision=decision, decision_date=decision_date,
                            **(decision_changes or {}))
        if decision == "Approved" and rtw_outcome and draft.period_type == "Continuous":
            rtw = rtw_date or draft.period_end + ONE_DAY
            current = self.send(current, rtw + timedelta(days=self.rng.randint(0, 4)),
                                rtw_date=rtw, rtw_outcome=rtw_outcome)
        return current

    # --- episodes ------------------------------------------------------------------------------------

    def episode(
        self, period: LeavePeriodVersion, day: date, hours: Decimal, plans: tuple[str, ...],
        decision: str = "Approved", reported_after_days: int = 1,
    ) -> AbsenceVersion | None:
        """Report one intermittent or reduced-schedule episode (unsent if reported after ``as_of``)."""
        on = next_business_day(day + timedelta(days=reported_after_days))
        if on > self.as_of:
            return None
        self._episode_no += 1
        row = AbsenceVersion(period.absence_period_key, f"EP-{self._episode_no:07d}", period.employee_id, day,
                             hours, plans, decision, updated_at(on, self.rng), on)
        self.absences.append(row)
        return row

    def resend_episode(self, episode: AbsenceVersion, event: date, **changes: Any) -> AbsenceVersion:
        on = max(next_business_day(event + ONE_DAY), next_business_day(episode.sent_on + ONE_DAY))
        if on > self.as_of:
            return episode
        row = replace(episode, **changes, updated_at=updated_at(on, self.rng), sent_on=on)
        self.absences.append(row)
        return row

    # --- payments ------------------------------------------------------------------------------------

    def payment(
        self, period: LeavePeriodVersion, worker: Worker, start: date, end: date, gross: Decimal,
        taxable_pct: int, *, txn_type: str = "Standard", paid_on: date | None = None,
        reverses: str | None = None,
    ) -> BenefitPayment | None:
        """One payment row with taxes withheld on the taxable part; unsent if paid after ``as_of``.

        Workers' comp is not third-party sick pay: no FICA, and nothing for W-2 box 12 code J (NONTAXABLE 0).
        """
        paid_on = paid_on or friday_on_or_after(end + ONE_DAY)
        if paid_on > self.as_of:
            return None
        taxable = money(gross * taxable_pct / 100)
        fica = (_fica_applies(period.last_day_worked or period.period_start, start)
                and txn_type != "Zero Dollar" and period.plan != "WC")
        fit = money(taxable * Decimal("0.10"))
        sit = money(taxable * STATE_INCOME_TAX.get(worker.work_state, DEFAULT_STATE_INCOME_TAX))
        ss = money(taxable * Decimal("0.062")) if fica else Decimal("0.00")
        med = money(taxable * Decimal("0.0145")) if fica else Decimal("0.00")
        row = BenefitPayment(
            payment_key=self._payment_key(), case_number=period.case_number, employee_id=worker.worker_id,
            plan=period.plan, txn_type=txn_type, period_start=start, period_end=end, gross=money(gross),
            fit=fit, sit=sit, ss_ee=ss, med_ee=med, net=money(gross) - fit - sit - ss - med,
            taxable_pct=taxable_pct, nontaxable=Decimal("0.00") if period.plan == "WC" else money(gross) - taxable,
            payment_date=paid_on,
            reverses_payment_key=reverses, sent_on=friday_on_or_after(paid_on),
        )
        self.payments.append(row)
        return row

    def pay_weekly(
        self, period: LeavePeriodVersion, worker: Worker, weekly: Decimal, taxable_pct: int,
        start: date | None = None, end: date | None = None,
    ) -> list[BenefitPayment]:
        """Standard weekly benefit payments over [start, end]; a short last week is prorated by days."""
        rows: list[BenefitPayment] = []
        day, stop = start or period.period_start, end or period.period_end
        while day <= stop:
            week_end = min(day + timedelta(days=6), stop)
            gross = weekly * ((week_end - day).days + 1) / 7
            row = self.payment(period, worker, day, week_end, gross, taxable_pct)
            if row is None:
                break
            rows.append(row)
            day = week_end + ONE_DAY
        return rows

    def pay_monthly(
        self, period: LeavePeriodVersion, worker: Worker, monthly: Decimal, taxable_pct: int,
    ) -> list[BenefitPayment]:
        """LTD pays by the month from the period start."""
        rows: list[BenefitPayment] = []
        day = period.period_start
        while day <= period.period_end:
            month_end = min(add_months(day, 1) - ONE_DAY, period.period_end)
            row = self.payment(period, worker, day, month_end, monthly, taxable_pct)
            if row is None:
                break
            rows.append(row)
            day = month_end + ONE_DAY
        return rows

    def cancel(self, original: BenefitPayment, period: LeavePeriodVersion, worker: Worker,
               weeks_later: int = 1) -> BenefitPayment | None:
        """Reverse a payment with a new Cancellation row: negative amounts, naming the key it reverses."""
        on = original.payment_date + timedelta(weeks=weeks_later)
        if on > self.as_of:
            return None
        row = replace(
            original, payment_key=self._payment_key(), txn_type="Cancellation", gross=-original.gross,
            fit=-original.fit, sit=-original.sit, ss_ee=-original.ss_ee, med_ee=-original.med_ee,
            net=-original.net, nontaxable=-original.nontaxable, payment_date=on,
            reverses_payment_key=original.payment_key, sent_on=on,
        )
        self.payments.append(row)
        return row


def _last_day_worked(start: date) -> date:
    """The last weekday before a continuous leave starts."""
    day = start - ONE_DAY
    while day.weekday() >= 5:
        day -= ONE_DAY
    return day


def _fica_applies(last_day_worked: date, paid_for: date) -> bool:
    """Social security and Medicare stop after 6 calendar months after the month the employee last worked."""
    cutoff = add_months(date(last_day_worked.year, last_day_worked.month, 1), 7)
    return paid_for < cutoff
