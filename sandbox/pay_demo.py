"""The demo's pay period: after the leave feeds, LedgerPay publishes its calendar, the hub runs one biweekly pay
period for company NWD, payroll (the simulator) applies the import and sends its register back, and the lines of
three employees on different kinds of leave are printed with their explanations.

The period is the one whose check date is ``check_date`` (default: the demo year's first check of June, when
the synthetic employer has people on every kind of leave). The demo runs long after that period's processing
deadline, so it sends with the override (``leavehub pay run --override-deadline``) and says so.

Example::

    run_pay_period(stack, settings, console, year=2026)
"""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rich.console import Console

__all__ = ["biweekly_calendar", "run_pay_period"]

COMPANY = "NWD"


def biweekly_calendar(year: int) -> list[dict[str, Any]]:
    """Biweekly periods Monday to Sunday from the first Monday of ``year``; the check is the Friday after the
    period; pay data is due two days before the check, 17:00 UTC."""
    first = date(year, 1, 1)
    first += timedelta(days=(7 - first.weekday()) % 7)
    periods = []
    start = first
    while start.year == year:
        end = start + timedelta(days=13)
        check = end + timedelta(days=5)
        periods.append({"frequency": "BIWEEKLY", "period_start": start, "period_end": end, "check_date": check,
                        "deadline": datetime.combine(check - timedelta(days=2), time(17), tzinfo=UTC)})
        start = end + timedelta(days=1)
    return periods


def _pick_three(lines: list[dict[str, Any]]) -> list[str]:
    """Three employees on different kinds of leave: an STD top-up or salary continuation, a state-plan top-up
    or third-party memo or PTO, and unpaid leave only."""
    by_employee: dict[str, set[str]] = {}
    for line in lines:
        by_employee.setdefault(line["employee_id"], set()).add(line["pay_code"] or line["kind"])
    wanted = ({"STD_TOPUP", "SALARY_CONTINUATION"}, {"STATE_PFL_TOPUP", "THIRD_PARTY_TAXABLE", "PTO_HOURS"},
              {"UNPAID_LEAVE_HOURS"})
    chosen: list[str] = []
    for codes in wanted:
        for employee, has in sorted(by_employee.items()):
            if employee not in chosen and has & codes:
                chosen.append(employee)
                break
    return chosen


def run_pay_period(stack: Any, settings: Any, console: Console, *, year: int, check_date: date | None = None
                   ) -> bool:
    """Calendar in, pay run out, register back; True when the register acknowledged the batch."""
    from leavehub.payrun.run import plan_pay_run, run_pay
    from leavehub.pipeline.runner import open_store, run_feed

    started = clock.monotonic()
    payroll = stack.ledgerpay
    periods = biweekly_calendar(year)
    period = next(p for p in periods if (check_date is None and p["check_date"].month == 6)
                  or p["check_date"] == check_date)
    payroll.publish_calendar(COMPANY, year, periods)
    store = open_store(settings)
    try:
        calendar = run_feed("ledgerpay.pay_calendar", settings=settings, store=store)
        console.print(f"  ledgerpay.pay_calendar  {calendar.receipts[0].status if calendar.receipts else '-'} "
                      f"({len(periods)} periods)")
        plan = plan_pay_run(store, settings, COMPANY, period["check_date"], override_deadline=True)
        sent = run_pay(store, settings, COMPANY, period["check_date"], override_deadline=True)
        console.print(f"  pay run {COMPANY} check {period['check_date']}: {sent.status} {sent.file_name} "
                      f"({sent.lines} lines; past its deadline, sent with --override-deadline)")
        payroll.apply_imports()
        payroll.run_payroll(COMPANY, check_date=period["check_date"],
                            period=(period["period_start"], period["period_end"]))
        register = run_feed("ledgerpay.payroll_register", settings=settings, store=store)
        again = plan_pay_run(store, settings, COMPANY, period["check_date"], override_deadline=True)
        acknowledged = again.previous is not None and again.previous.status == "ACKNOWLEDGED"
        status = register.receipts[0].status if register.receipts else "-"
        console.print(f"  ledgerpay.payroll_register  {status}; "
                      f"batch {sent.batch_id} {'ACKNOWLEDGED' if acknowledged else 'not acknowledged'}")
        for employee in _pick_three(plan.lines):
            console.rule(f"{employee}", style="dim")
            for line in (ln for ln in plan.lines if ln["employee_id"] == employee):
                value = " ".join(f"{k} {line[k]}" for k in ("hours", "amount") if line[k] is not None)
                console.print(f"  {line['kind']} {line['pay_code'] or line['deduction_code'] or ''} {value}",
                              markup=False, highlight=False)
                console.print(f"      {line['explanation']} [rule {line['rule']}; "
                              f"case {line['case_number'] or '-'}; {line['rule_version']}]",
                              markup=False, highlight=False, style="dim")
        console.print(f"  pay period done in {clock.monotonic() - started:.1f} s")
        return sent.status == "SENT" and acknowledged
    finally:
        store.dispose()
