"""Dates the synthetic employer lives by: biweekly pay periods, business days, holidays, send times.

The pay calendar is anchored so that one period spans Jan 1 of the leave year (scenario 8 needs a period
across a plan-year rate change) and reaches back far enough for the 12-month look-back of leaves that
start in December of the prior year.
"""

from __future__ import annotations

import functools
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sandbox.synthetic.model import PayPeriod
from sandbox.synthetic.reference import HOLIDAYS_MONTH_DAY

CENT = Decimal("0.01")
ONE_DAY = timedelta(days=1)


def money(value: Decimal) -> Decimal:
    """Round half-up to cents, the way vendors print 2-dp amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pay_periods(year: int) -> list[PayPeriod]:
    """Biweekly Sunday-Saturday periods from late in year-2 through the end of ``year``.

    The anchor period starts on the Sunday before Jan 1 of ``year`` (a week earlier when Jan 1 is itself a
    Sunday), so it always spans Jan 1.
    """
    jan1 = date(year, 1, 1)
    anchor = jan1 - timedelta(days=(jan1.weekday() + 1) % 7)
    if anchor == jan1:
        anchor -= timedelta(days=7)
    start = anchor - timedelta(days=14 * 28)
    periods: list[PayPeriod] = []
    while start <= date(year, 12, 31):
        end = start + timedelta(days=13)
        periods.append(PayPeriod(start=start, end=end, check_date=end + timedelta(days=6)))
        start += timedelta(days=14)
    return periods


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month + 1, 1) - ONE_DAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def holidays(year: int) -> frozenset[date]:
    """Paid holidays: New Year, Memorial Day, Independence Day, Labor Day, Thanksgiving, Christmas."""
    days = {date(year, m, d) for m, d in HOLIDAYS_MONTH_DAY}
    days.add(_last_weekday(year, 5, 0))
    days.add(_nth_weekday(year, 9, 0, 1))
    days.add(_nth_weekday(year, 11, 3, 4))
    return frozenset(days)


def next_business_day(day: date) -> date:
    """The first Monday-Friday on or after ``day`` (vendors send files on business dates)."""
    while day.weekday() >= 5:
        day += ONE_DAY
    return day


def friday_on_or_after(day: date) -> date:
    return day + timedelta(days=(4 - day.weekday()) % 7)


@functools.lru_cache(maxsize=4096)  # 2,000 workers share a few hundred (period, schedule) spans
def workdays(start: date, end: date, days_per_week: int) -> tuple[date, ...]:
    """Scheduled workdays in [start, end]: Monday onwards, ``days_per_week`` days a week."""
    out: list[date] = []
    day = start
    while day <= end:
        if day.weekday() < days_per_week:
            out.append(day)
        day += ONE_DAY
    return tuple(out)


def updated_at(sent_on: date, rng: random.Random) -> datetime:
    """A vendor UPDATED_AT on the evening before the file's business date (UTC, whole seconds)."""
    moment = time(rng.randint(13, 23), rng.randint(0, 59), rng.randint(0, 59))
    return datetime.combine(sent_on - ONE_DAY, moment, tzinfo=UTC)


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)
