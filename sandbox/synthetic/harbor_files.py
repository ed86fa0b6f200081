"""Harbor Leave's inbound CHANGE files, written byte for byte as ``docs/vendors.md`` says.

Comma CSV, RFC 4180 (minimal quoting, CRLF line ends), UTF-8 without BOM, a header row with the spec's
column names, dates ``YYYY-MM-DD``, money 2 dp, flags ``Y``/``N``, UPDATED_AT ISO-8601 UTC with ``Z``,
empty for unknown. One file per business date that has something to say (leave and absences daily,
payments weekly on Fridays), a few header-only files on quiet dates (CHANGE feeds do send those), and
scenario 7's duplicate: an earlier file's exact bytes again under a later date's name. Plaintext only: the
OpenPGP layer is someone else's.

Example::

    paths = write_harbor_files(generate_employer(), Path("/tmp/harbor"), through=date(2026, 6, 30))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox.synthetic.calendar import next_business_day
from sandbox.synthetic.model import AbsenceVersion, BenefitPayment, LeavePeriodVersion, SyntheticEmployer

LEAVE_COLUMNS = (
    "CASE_NUMBER", "ABSENCE_PERIOD_KEY", "EMPLOYEE_ID", "LEAVE_REASON", "PERIOD_TYPE", "PLAN", "DECISION",
    "PERIOD_START", "PERIOD_END", "NOTICE_DATE", "DECISION_DATE", "LAST_DAY_WORKED", "RTW_DATE", "RTW_OUTCOME",
    "REDUCED_HOURS_WEEK", "WEEKLY_BENEFIT", "PTO_ELECTION", "TOPUP_AGREEMENT", "ADVANCE_AGREEMENT",
    "PREMIUM_METHOD", "COVERAGE_REVOKED", "UPDATED_AT",
)
ABSENCE_COLUMNS = ("ABSENCE_PERIOD_KEY", "EPISODE_ID", "EMPLOYEE_ID", "ABSENCE_DATE", "HOURS", "PLANS",
                   "DECISION", "UPDATED_AT")
PAY_COLUMNS = (
    "PAYMENT_KEY", "CASE_NUMBER", "EMPLOYEE_ID", "PLAN", "TXN_TYPE", "PERIOD_START", "PERIOD_END", "GROSS",
    "FIT", "SIT", "SS_EE", "MED_EE", "NET", "TAXABLE_PCT", "NONTAXABLE", "PAYMENT_DATE", "REVERSES_PAYMENT_KEY",
)
FILE_PREFIX = {"LEAVE": "HARBOR_LEAVE", "ABSENCE": "HARBOR_ABSENCE", "PAY": "HARBOR_PAY"}


def cell(value: Any) -> str:
    """One CSV cell in Harbor's spelling: empty, Y/N, ISO date, 2-dp amount, UTC timestamp, or text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, tuple):
        return ";".join(value)
    return str(value)


def leave_row(p: LeavePeriodVersion) -> list[str]:
    return [cell(v) for v in (
        p.case_number, p.absence_period_key, p.employee_id, p.leave_reason, p.period_type, p.plan, p.decision,
        p.period_start, p.period_end, p.notice_date, p.decision_date, p.last_day_worked, p.rtw_date,
        p.rtw_outcome, p.reduced_hours_week, p.weekly_benefit, p.pto_election, p.topup_agreement,
        p.advance_agreement, p.premium_method, p.coverage_revoked, p.updated_at)]


def absence_row(a: AbsenceVersion) -> list[str]:
    return [cell(v) for v in (a.absence_period_key, a.episode_id, a.employee_id, a.absence_date, a.hours,
                              a.plans, a.decision, a.updated_at)]


def pay_row(p: BenefitPayment) -> list[str]:
    return [cell(v) for v in (
        p.payment_key, p.case_number, p.employee_id, p.plan, p.txn_type, p.period_start, p.period_end, p.gross,
        p.fit, p.sit, p.ss_ee, p.med_ee, p.net, str(p.taxable_pct), p.nontaxable, p.payment_date,
        p.reverses_payment_key)]


def render_csv(columns: Iterable[str], rows: Iterable[list[str]]) -> bytes:
    """RFC 4180: minimal quoting, CRLF after every record including the last, UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _group(items: Iterable[Any], through: date) -> dict[date, list[Any]]:
    groups: dict[date, list[Any]] = {}
    for item in items:
        if item.sent_on <= through:
            groups.setdefault(item.sent_on, []).append(item)
    return groups


def _quiet_dates(busy: dict[date, list[Any]], year: int, through: date, weekly: bool) -> list[date]:
    """One header-only file per quarter (per half year for the weekly feed), on the first quiet date."""
    starts = [date(year, m, 1) for m in ((1, 7) if weekly else (1, 4, 7, 10))]
    out: list[date] = []
    for start in starts:
        day = next_business_day(start)
        if weekly:
            day += timedelta(days=(4 - day.weekday()) % 7)
        while day in busy and day <= through:
            day += timedelta(days=7 if weekly else 1)
            day = day if weekly else next_business_day(day)
        if day <= through:
            out.append(day)
    return out


def write_harbor_files(emp: SyntheticEmployer, dest_dir: Path, through: date | None = None) -> list[Path]:
    """Write every LEAVE, ABSENCE and PAY change file with a business date up to ``through`` (default as_of)."""
    through = through or emp.as_of
    dest_dir.mkdir(parents=True, exist_ok=True)
    feeds: list[tuple[str, list[Any], tuple[str, ...], Callable[[Any], list[str]], bool]] = [
        ("LEAVE", emp.leave_periods, LEAVE_COLUMNS, leave_row, False),
        ("ABSENCE", emp.absences, ABSENCE_COLUMNS, absence_row, False),
        ("PAY", emp.payments, PAY_COLUMNS, pay_row, True),
    ]
    written: list[Path] = []
    for kind, items, columns, to_row, weekly in feeds:
        groups = _group(items, through)
        for quiet in _quiet_dates(groups, emp.year, through, weekly):
            groups[quiet] = []
        contents = {day: render_csv(columns, (to_row(i) for i in groups[day])) for day in sorted(groups)}
        for resend in emp.resends:
            quiet = not groups.get(resend.resend_date)  # never hide real rows behind a duplicate
            due = resend.kind == kind and resend.resend_date <= through
            if due and quiet and resend.original_date in contents:
                contents[resend.resend_date] = contents[resend.original_date]
        for day in sorted(contents):
            path = dest_dir / f"{FILE_PREFIX[kind]}_{day:%Y%m%d}.csv"
            path.write_bytes(contents[day])
            written.append(path)
    return sorted(written)
