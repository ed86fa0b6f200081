"""Hours per worker per biweekly pay period, as the HRIS reports them: worked vs paid-not-worked codes.

Codes: REG and OT are worked (they count toward FMLA's 1,250 hours); PTO, SICK, HOL (holiday), STC (salary
continuation) and LOA (leave of absence, unpaid by payroll) are not. Leave comes from the administrator's
current decisions, so a worker on approved continuous leave shows LOA (or PTO where they elected it) for
the scheduled days off, and intermittent episodes cut the day's worked hours. Only complete periods up to
``as_of`` are reported.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sandbox.synthetic.calendar import holidays, workdays
from sandbox.synthetic.model import AbsenceVersion, HoursLine, LeavePeriodVersion, PayPeriod, Worker

WORKED_CODES = frozenset({"REG", "OT"})
ONE_DAY = timedelta(days=1)
_TAKEN = ("Approved", "Exhausted")


def leave_days(
    periods: list[LeavePeriodVersion], absences: list[AbsenceVersion],
) -> dict[str, dict[date, tuple[str, Decimal | None]]]:
    """Per worker, day -> (hours code, hours or None for the whole scheduled day), from current decisions."""
    latest: dict[str, LeavePeriodVersion] = {}
    for p in periods:
        latest[p.absence_period_key] = p  # rows are kept in send order: the last one is current
    out: dict[str, dict[date, tuple[str, Decimal | None]]] = {}
    for p in latest.values():
        if p.decision not in _TAKEN or p.period_type != "Continuous":
            continue
        days = out.setdefault(p.employee_id, {})
        last = min(p.period_end, p.rtw_date - ONE_DAY) if p.rtw_date else p.period_end
        day = p.period_start
        while day <= last:
            if p.plan == "SALARY_CONT":
                days[day] = ("STC", None)
            elif day not in days:
                days[day] = ("PTO" if p.pto_election and (day - p.period_start).days < 7 else "LOA", None)
            day += ONE_DAY
    episodes: dict[str, AbsenceVersion] = {}
    for a in absences:
        episodes[a.episode_id] = a
    for a in episodes.values():
        if a.decision != "Approved":
            continue
        owner = latest.get(a.absence_period_key)
        code = "PTO" if owner is not None and owner.pto_election else "LOA"
        out.setdefault(a.employee_id, {}).setdefault(a.absence_date, (code, a.hours))
    return out


def build_hours(
    rng: random.Random, workers: list[Worker], pay_periods: list[PayPeriod], as_of: date,
    leave: dict[str, dict[date, tuple[str, Decimal | None]]],
    overrides: dict[str, dict[date, list[HoursLine]]],
) -> list[HoursLine]:
    """Every worker's hours lines for each complete pay period they were employed in."""
    paid_days = frozenset().union(*(holidays(y) for y in range(pay_periods[0].start.year, as_of.year + 1)))
    periods = [p for p in pay_periods if p.end <= as_of]
    lines: list[HoursLine] = []
    for w in workers:
        fixed = overrides.get(w.worker_id, {})
        days_off = leave.get(w.worker_id, {})
        daily = w.scheduled_hours_per_week / w.scheduled_days_per_week
        overtime = w.flsa == "non_exempt" and w.full_time
        for p in periods:
            if p.start in fixed:
                lines.extend(fixed[p.start])
                continue
            first, last = max(p.start, w.hire_date), min(p.end, w.termination_date or p.end)
            if first > last:
                continue
            totals: dict[str, Decimal] = {}
            scheduled = workdays(first, last, w.scheduled_days_per_week)
            chosen_pto = rng.choice(scheduled) if scheduled and rng.random() < 0.12 else None
            chosen_sick = rng.choice(scheduled) if scheduled and rng.random() < 0.04 else None
            for day in scheduled:
                off = days_off.get(day)
                if day in paid_days:
                    code, hours = ("HOL", daily) if w.full_time else ("", Decimal(0))
                elif off is not None and off[1] is None:
                    code, hours = off[0], daily
                elif off is not None:
                    taken = min(off[1], daily)
                    totals[off[0]] = totals.get(off[0], Decimal(0)) + taken
                    code, hours = "REG", daily - taken
                elif day == chosen_pto:
                    code, hours = "PTO", daily
                elif day == chosen_sick:
                    code, hours = "SICK", daily
                else:
                    code, hours = "REG", daily
                if hours:
                    totals[code] = totals.get(code, Decimal(0)) + hours
            if overtime and totals.get("REG") and rng.random() < 0.25:
                totals["OT"] = Decimal(rng.randint(2, 32)) / 4
            for code in sorted(totals):
                hours = totals[code].quantize(Decimal("0.01"))
                if hours > 0:
                    lines.append(HoursLine(w.worker_id, p.start, p.end, code, hours, code in WORKED_CODES))
    return lines
