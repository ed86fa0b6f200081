"""What a pay run reads from the store: the company's pay window and deadline, and the canonical frames of the
employees the run is about - and only theirs.

Most of a workforce has nothing to price in a period, so the run never reads it. "The people" of a run are one
SQL set, computed by the database: employees with a leave period overlapping the days priced (this period and
every earlier period a retro diff re-prices), an intermittent episode on those days, a third-party payment the
checks carry, a line in the pay book for an earlier check the span re-prices, or a receivable (a retro diff must
see them even when their leave is gone). A run re-prices earlier periods only for the people whose inputs changed
since the last batch was priced (``changed_people`` after its ``inputs_watermark``; see ``leavehub.payrun.run``).
Each entity is then one select of the current versions whose ``employee_id`` is in that set, streamed as Arrow
record batches (``leavehub.store.current_state``): no per-person query and no full-table read. An employee
whose identity link names another payroll company code is left out (a single-company employer's HRIS may send
none: then everyone counts). ``File #`` comes from the same link (``payroll_file_number``), looked up for the
employees of the batch only. Catch-up's inputs (premium ledger entries, the register's last paid net) are read
the same way, for the people only; anyone with a premium ledger entry is one of the people (arrears may be
collected from a check with no leave on it).

Example::

    period = pay_period(store, "NWD", date(2026, 3, 20))    # window, deadline, the calendar's earlier checks
    inputs = leave_inputs(store, "NWD", period_people(period.span(earlier_checks)))
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Numeric, and_, cast, false, func, or_, select, union

from leavehub.rules.pay import LeaveInputs
from leavehub.rules.register import register_net_pay, register_wages
from leavehub.rules.schedule import PayWindow, pay_window
from leavehub.store.current_state import high_water, read_versions
from leavehub.store.tables import PAY_BATCH, PAY_BATCH_LINE, PAY_BATCH_RECEIVABLE, versions_table
from schemas.errors import ConfigError

__all__ = ["INPUT_ENTITIES", "CompanyPeriod", "Span", "batch_people", "changed_people", "due_check_dates",
           "file_numbers", "inputs_watermark", "leave_inputs", "pay_period", "period_people",
           "premium_contributions", "register_reads"]

_FRAMES = {"employment": "employment", "leave_periods": "leave_period", "absences": "absence",
           "benefit_payments": "benefit_payment", "enrollments": "enrollment", "time_off": "time_off_balance"}
"""LeaveInputs field -> the entity read for it (the people's current versions)."""

INPUT_ENTITIES = (*_FRAMES.values(), "premium_ledger_entry", "identity_link")
"""Every entity a person's pricing reads: a version of one of them recorded after a batch's watermark means the
person's earlier periods may price differently now (a closed or superseded version comes with a new version, so
``recorded_at`` alone tells)."""


@dataclass(frozen=True)
class Span:
    """The days a run prices (``first`` .. ``last``: the earliest re-priced period's start to this period's
    end) and the payment dates its checks carry memo lines for (after ``paid_after``, up to ``paid_until``)."""

    company: str
    first: date
    last: date
    paid_after: date
    paid_until: date


@dataclass(frozen=True)
class CompanyPeriod:
    """The pay period of one check date, its processing deadline, and every window of the company's calendar."""

    window: PayWindow
    deadline: datetime | None
    calendar: pd.DataFrame

    def window_of(self, check_date: date) -> PayWindow:
        return pay_window(self.calendar, self.window.payroll_company_code, check_date)

    def span(self, earlier_checks: list[date]) -> Span:
        """The span of this window and the windows of ``earlier_checks`` (the periods a retro re-prices)."""
        windows = [self.window, *(self.window_of(check) for check in earlier_checks)]
        paid_after = min(w.previous_check_date or w.period_start for w in windows)
        return Span(self.window.payroll_company_code, min(w.period_start for w in windows),
                    max(w.period_end for w in windows), paid_after, max(w.check_date for w in windows))


def _current(entity: str) -> Any:
    v = versions_table(entity)
    return v, and_(v.c.superseded_at.is_(None), v.c.valid_to.is_(None))


def pay_period(store: Any, company: str, check_date: date) -> CompanyPeriod:
    """The window paid on ``check_date``; a check date the calendar lacks is a ``ConfigError`` naming it."""
    v = versions_table("pay_period")
    with store.engine.connect() as connection:
        calendar = read_versions(connection, "pay_period", extra=v.c.payroll_company_code == company)
    try:
        window = pay_window(calendar, company, check_date)
    except KeyError as exc:
        raise ConfigError(f"the LedgerPay pay calendar has no period of company {company} with check date "
                          f"{check_date.isoformat()} (load LEDGERPAY_CALENDAR_{company}_{check_date:%Y})",
                          key_path="pay_period") from exc
    rows = calendar.loc[pd.to_datetime(calendar["check_date"]).dt.date == check_date]
    deadline = rows["processing_deadline"].iloc[0]
    deadline = None if pd.isna(deadline) else pd.Timestamp(deadline).to_pydatetime()
    return CompanyPeriod(window, deadline, calendar)


def due_check_dates(store: Any, company: str, now: datetime, lead: timedelta) -> list[date]:
    """``company``'s check dates whose processing deadline is still ahead of ``now`` and at most ``lead`` away,
    earliest first: what a scheduled pay run sends (the company's calendar rows only)."""
    v = versions_table("pay_period")
    with store.engine.connect() as connection:
        calendar = read_versions(connection, "pay_period", extra=v.c.payroll_company_code == company)
    if not len(calendar):
        return []
    deadline = pd.to_datetime(calendar["processing_deadline"].astype(object), utc=True)
    due = (deadline > pd.Timestamp(now)) & (deadline <= pd.Timestamp(now + lead))
    return sorted({pd.Timestamp(d).date() for d in calendar.loc[due.to_numpy(), "check_date"]})


def period_people(span: Span, also: Any = None) -> Any:
    """The SQL set (a select of ``employee_id``) of everyone a run over ``span`` must price (and ``also``: a
    select of more employee ids)."""
    lp, lp_open = _current("leave_period")
    ab, ab_open = _current("absence")
    bp, bp_open = _current("benefit_payment")
    pl, pl_open = _current("premium_ledger_entry")
    book, ln, owed = PAY_BATCH.c, PAY_BATCH_LINE.c, PAY_BATCH_RECEIVABLE.c
    return union(
        select(lp.c.employee_id).where(lp_open, lp.c.period_start <= span.last, lp.c.period_end >= span.first),
        select(ab.c.employee_id).where(ab_open, ab.c.absence_date.between(span.first, span.last)),
        select(bp.c.employee_id).where(bp_open, bp.c.payment_date > span.paid_after,
                                       bp.c.payment_date <= span.paid_until),
        select(ln.employee_id).join(PAY_BATCH, book.batch_id == ln.batch_id)
        .where(book.company == span.company, book.status != "BUILT", book.check_date > span.paid_after,
               book.check_date < span.paid_until),
        select(owed.employee_id).join(PAY_BATCH, book.batch_id == owed.batch_id)
        .where(book.company == span.company, book.status != "BUILT", book.check_date < span.paid_until),
        select(pl.c.employee_id).where(pl_open),
        *([also] if also is not None else []),
    )


def inputs_watermark(store: Any) -> datetime | None:
    """The newest ``recorded_at`` of the pay inputs (``INPUT_ENTITIES``): read it BEFORE the inputs, and a later
    run that asks for ``changed_people(watermark)`` sees every version the pricing may have missed."""
    with store.engine.connect() as connection:
        marks = [high_water(connection, entity) for entity in INPUT_ENTITIES]
    return max((mark for mark in marks if mark is not None), default=None)


def changed_people(since: datetime) -> Any:
    """The SQL set of employees with a version of a pay input recorded after ``since`` (the index on
    ``recorded_at`` finds them)."""
    return union(*(select(versions_table(e).c.employee_id).where(versions_table(e).c.recorded_at > since)
                   for e in INPUT_ENTITIES))


def leave_inputs(store: Any, company: str, people: Any, check_date: date | None = None,
                 wage_plans: Collection[str] = ()) -> LeaveInputs:
    """The canonical frames one pricing reads: the current versions of ``people`` (a select of employee ids,
    or a list of them), cut to ``company``'s employees. With ``check_date``, also what catch-up and the
    register-based rules need (``leavehub.rules.register``): their premium ledger entries; the lines of each
    one's latest check before that date that paid earnings (the net, the disposable earnings); and every earnings
    line of the people on a leave of ``wage_plans`` (a state's AWW by quarters). The rest of the register -
    every check of every employee - is never read."""
    links, links_open = _current("identity_link")
    elsewhere = select(links.c.employee_id).where(links_open, links.c.payroll_company_code.is_not(None),
                                                  links.c.payroll_company_code != company)
    entities = {**_FRAMES, **({"premium_ledger": "premium_ledger_entry"} if check_date is not None else {})}
    frames = {}
    with store.engine.connect() as connection:
        for name, entity in entities.items():
            v = versions_table(entity)
            mine = and_(v.c.employee_id.in_(people), v.c.employee_id.not_in(elsewhere))
            frames[name] = read_versions(connection, entity, extra=mine)
        if check_date is not None:
            known = read_versions(connection, "identity_link", extra=links.c.employee_id.in_(people),
                                  columns=("employee_id", "payroll_company_code", "payroll_file_number"))
            lines, earnings = register_reads(connection, company, check_date, people, wage_plans)
            frames["net_pay"] = register_net_pay(lines, known, before=check_date)
            frames["wages"] = register_wages(earnings, known)
    return LeaveInputs(**frames)


def register_reads(connection: Any, company: str, check_date: date, people: Any,
                    wage_plans: Collection[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the lines of each person's latest check before ``check_date`` with earnings above zero, every earnings
    line of the people on a leave of ``wage_plans``), both through the register's file-number index."""
    links, links_open = _current("identity_link")
    r, r_open = _current("payroll_register_line")
    theirs = select(links.c.payroll_file_number).where(links_open, links.c.employee_id.in_(people))
    mine = and_(r.c.payroll_company_code == company, r.c.check_date < check_date)
    # payroll never pays negative earnings (less pay is a receivable), so a check paid earnings when one of its
    # EARN lines is above zero: found in the file-number index alone, grouped in its order
    last = select(r.c.payroll_file_number, func.max(r.c.check_date)) \
        .where(r_open, mine, r.c.payroll_file_number.in_(theirs), r.c.line_type == "EARN",
               cast(r.c.amount, Numeric(14, 2)) > 0) \
        .group_by(r.c.payroll_file_number)
    latest = sorted((day, file_number) for file_number, day in connection.execute(last))
    # a check date's file numbers per branch, each an equality seek on the file-number index; at most
    # IN_CHUNK file numbers a statement (SQLite and PostgreSQL cap the parameters of one statement)
    parts = []
    for start in range(0, len(latest), IN_CHUNK):
        by_day: dict[date, list[str]] = {}
        for day, file_number in latest[start:start + IN_CHUNK]:
            by_day.setdefault(day, []).append(file_number)
        parts.append(read_versions(connection, "payroll_register_line", columns=REGISTER_COLUMNS, extra=and_(
            r.c.payroll_company_code == company,
            or_(false(), *(and_(r.c.check_date == day, r.c.payroll_file_number.in_(files))
                           for day, files in by_day.items())))))
    lines = pd.concat(parts, ignore_index=True) if parts else \
        read_versions(connection, "payroll_register_line", columns=REGISTER_COLUMNS, extra=false())
    lp, lp_open = _current("leave_period")
    on_plans = select(lp.c.employee_id).where(lp_open, lp.c.employee_id.in_(people),
                                              lp.c.plan.in_(sorted(wage_plans)))
    earnings = read_versions(connection, "payroll_register_line", columns=REGISTER_COLUMNS, extra=and_(
        mine, r.c.line_type == "EARN", r.c.payroll_file_number.in_(
            select(links.c.payroll_file_number).where(links_open, links.c.employee_id.in_(on_plans)))))
    return lines, earnings


IN_CHUNK = 5_000
"""File numbers per register statement of a pay run (far below SQLite's 32,766 and PostgreSQL's 65,535
parameters)."""


REGISTER_COLUMNS = ("payroll_company_code", "payroll_file_number", "check_date", "line_type", "amount")
"""What the pay run reads of its people's register lines (a year of checks is many lines): their net, their
disposable earnings and their wages by quarter come from these."""


def premium_contributions(store: Any, plans: list[str], first_year: int, last_year: int) -> pd.DataFrame:
    """Every enrollment (all participants: the taxable share is the plan's) of ``plans`` in force at some time
    of ``first_year`` .. ``last_year``: what third-party sick pay's premium history is worked out from."""
    v = versions_table("enrollment")
    with store.engine.connect() as connection:
        return read_versions(connection, "enrollment", extra=and_(
            v.c.plan_type.in_(plans), v.c.effective_from <= date(last_year, 12, 31),
            or_(v.c.effective_to.is_(None), v.c.effective_to >= date(first_year, 1, 1))))


def batch_people(batch_id: str) -> Any:
    """The SQL set of the employees a pay-book batch has lines for."""
    return select(PAY_BATCH_LINE.c.employee_id).where(PAY_BATCH_LINE.c.batch_id == batch_id)


def file_numbers(store: Any, people: Any = None) -> dict[str, str]:
    """Employee id -> payroll file number, where the identity link carries one (of ``people`` - a select of
    employee ids or a list - when given)."""
    v, is_open = _current("identity_link")
    wanted = and_(is_open, v.c.payroll_file_number.is_not(None),
                  *([v.c.employee_id.in_(people)] if people is not None else []))
    with store.engine.connect() as connection:
        rows = connection.execute(select(v.c.employee_id, v.c.payroll_file_number).where(wanted)
                                  .order_by(v.c.version_id)).all()
    return {str(employee): str(number) for employee, number in rows}
