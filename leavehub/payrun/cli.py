"""``leavehub pay ...`` and ``leavehub fmla ...`` (registered by ``leavehub.cli``).

    leavehub pay preview --company CO --check-date D      every line with its explanation (nothing is sent)
    leavehub pay run --company CO --check-date D [--override-deadline]
    leavehub fmla balance EMPLOYEE [--on D]
    leavehub fmla eligibility EMPLOYEE --on D             eligible or not, and why not (SERVICE/HOURS/WORKSITE)

Exit codes: 0 done (or nothing to do); 1 configuration or store problem; 2 refused (past the processing
deadline, or the batch was processed by payroll). Output names employees by id only (no PII).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from leavehub.console import console, fail
from leavehub.settings import Settings
from schemas.errors import ConfigError, LeaveHubError

__all__ = ["fmla_app", "pay_app"]

pay_app = typer.Typer(help="Pay during leave: preview and send a pay period's LedgerPay pay data.",
                      no_args_is_help=True)
fmla_app = typer.Typer(help="FMLA eligibility and balances from the store.", no_args_is_help=True)

Company = Annotated[str, typer.Option("--company", help="payroll company code, e.g. NWD")]
CheckDate = Annotated[str, typer.Option("--check-date", help="check date YYYY-MM-DD")]


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not YYYY-MM-DD")


def _store():  # type: ignore[no-untyped-def]
    from leavehub.pipeline.runner import open_store

    settings = Settings.from_env()
    return open_store(settings), settings


@pay_app.command("preview")
def pay_preview(company: Company, check_date: CheckDate) -> None:
    """The lines a run would send, each with its rule, case, period, policy and rule versions, and why."""
    from leavehub.payrun.run import plan_pay_run

    try:
        store, settings = _store()
        plan = plan_pay_run(store, settings, company, _day(check_date, "--check-date"))
    except LeaveHubError as exc:
        fail(exc)
    console.print(f"{company} check {plan.check_date} (period {plan.period_start} - {plan.period_end}); "
                  f"batch {plan.batch_id or '-'} {plan.action or ''}; deadline {plan.deadline}", soft_wrap=True)
    for line in plan.lines:
        code = line["pay_code"] or line["deduction_code"] or ""
        value = " ".join(f"{k} {line[k]}" for k in ("hours", "amount") if line[k] is not None)
        console.print(f"{line['employee_id']} {line['kind']} {code} {value} | case {line['case_number'] or '-'} | "
                      f"period {line['original_period_start']} - {line['original_period_end']} | "
                      f"rule {line['rule']} | versions {line['rule_version'] or '-'} | "
                      f"{line['explanation'] or ''}",
                      soft_wrap=True, markup=False, highlight=False)
    retro = ("earlier periods re-priced for everyone" if plan.repriced is None else
             f"earlier periods re-priced for {plan.repriced} employee(s) whose inputs changed since the last "
             "batch")
    console.print(f"{len(plan.lines)} line(s); {retro}; {plan.status}{': ' + plan.reason if plan.reason else ''}")


@pay_app.command("run")
def pay_run(company: Company, check_date: CheckDate,
            override_deadline: Annotated[bool, typer.Option("--override-deadline",
                                                            help="send even after the processing deadline")]
            = False) -> None:
    """Build the pay-data import for the period and send it (NEW, or REPLACE while payroll has not processed)."""
    from leavehub.payrun.run import run_pay

    try:
        store, settings = _store()
        outcome = run_pay(store, settings, company, _day(check_date, "--check-date"),
                          override_deadline=override_deadline)
    except LeaveHubError as exc:
        fail(exc)
    console.print(f"{outcome.status} batch {outcome.batch_id or '-'} {outcome.file_name} "
                  f"({outcome.lines} line(s)){': ' + outcome.reason if outcome.reason else ''}")
    if outcome.status.startswith("REFUSED"):
        raise typer.Exit(2)


def _print(facts: dict) -> None:
    for key, value in facts.items():
        console.print(f"{key:>26}: {value if value is not None else 'unknown'}")


@fmla_app.command("balance")
def fmla_balance(employee: Annotated[str, typer.Argument(metavar="EMPLOYEE")],
                 on: Annotated[str | None, typer.Option("--on", help="as of YYYY-MM-DD (default today)")] = None
                 ) -> None:
    """Entitlement, hours used and remaining in the leave year (caregiver and bonding too)."""
    from leavehub.payrun.fmla_view import balance_on

    try:
        store, _ = _store()
        _print(balance_on(store, employee, _day(on, "--on") if on else date.today()))
    except LeaveHubError as exc:
        fail(exc)


@fmla_app.command("eligibility")
def fmla_eligibility(employee: Annotated[str, typer.Argument(metavar="EMPLOYEE")],
                     on: Annotated[str, typer.Option("--on", help="the day asked about YYYY-MM-DD")]) -> None:
    """Eligible on that day or not; when not, which test failed (SERVICE, HOURS, WORKSITE)."""
    from leavehub.payrun.fmla_view import eligibility_on

    try:
        store, _ = _store()
        facts = eligibility_on(store, employee, _day(on, "--on"))
    except (LeaveHubError, ConfigError) as exc:
        fail(exc)
    verdicts = {True: "ELIGIBLE", False: "NOT ELIGIBLE", None: "UNKNOWN (hours worked not known)"}
    verdict = verdicts[facts["eligible"]]
    console.print(f"{employee} on {facts['on']}: {verdict}"
                  + (f" - failed: {', '.join(facts['reasons'])}" if facts["reasons"] else ""))
    _print(facts)
