"""Operator commands, mounted on the ``leavehub`` CLI by ``register(app)``:

    leavehub quarantine list [--feed VENDOR.FEED]          what is held: id, feed, file, when, reason, errors
    leavehub quarantine show ID [--rows N]                  one entry's error report (row, field, reason, class)
    leavehub quarantine release ID [--reprocess]            re-run a held file (or dismiss it) and archive it
    leavehub reprocess VENDOR.FEED --file PATH [--date D]   post a local file through the pipeline, with alerts
    leavehub backfill VENDOR.FEED --from D --to D           run a feed for each business date in a range
    leavehub check-arrivals [--now ISO] [--lookback-days N] record and alert overdue files and sequence holes

Exit codes: 0 fine, 1 error (config, usage), 2 a file was rejected, 3 ``check-arrivals`` found something new.
Nothing here prints a record value: reports carry row, field, reason and the value's class only.

Example (what the lead adds to ``leavehub/cli.py``)::

    from leavehub.operations.commands import register as register_operations
    register_operations(app)
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from leavehub.console import console, error, fail
from leavehub.settings import Settings
from schemas.errors import ConfigError, LeaveHubError

__all__ = ["EXIT_FOUND", "EXIT_REJECTED", "quarantine_app", "register"]

EXIT_REJECTED = 2
EXIT_FOUND = 3

quarantine_app = typer.Typer(help="Files held in quarantine: list, read the report, release.",
                             no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Mount the operations commands on the main CLI."""
    app.add_typer(quarantine_app, name="quarantine")
    app.command("reprocess")(reprocess)
    app.command("backfill")(backfill_command)
    app.command("check-arrivals")(check_arrivals_command)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(ConfigError(f"{option} {text!r} is not YYYY-MM-DD"))


def _store(settings: Settings) -> Any:
    from leavehub.pipeline.runner import open_store

    return open_store(settings)


# -- quarantine ----------------------------------------------------------------------------------------------


@quarantine_app.command("list")
def quarantine_list(
    feed: Annotated[str | None, typer.Option(help="only this VENDOR.FEED")] = None,
) -> None:
    """Files waiting in quarantine, oldest first (no values: reasons and counts only)."""
    from leavehub.operations.releases import held_files

    held = [h for h in held_files(Settings.from_env().quarantine_dir) if feed is None or h.feed == feed]
    table = Table("id", "feed", "file", "when (UTC)", "reason", "errors",
                  title=f"{len(held)} file(s) in quarantine")
    for h in held:
        when = h.quarantined_at.strftime("%Y-%m-%d %H:%M:%S") if h.quarantined_at else ""
        table.add_row(h.id, h.feed, h.file, when, h.reason, str(h.error_count))
    console.print(table)


@quarantine_app.command("show")
def quarantine_show(
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="id from `leavehub quarantine list`")],
    rows: Annotated[int, typer.Option(help="errors to show")] = 50,
) -> None:
    """One quarantined file's error report: where each bad value is and why, never the value."""
    from leavehub.operations.releases import find_entry

    try:
        held = find_entry(Settings.from_env().quarantine_dir, entry_id)
    except LookupError as exc:
        fail(exc)
    report = held.report()
    errors = report.pop("errors", [])
    for key in sorted(report):
        console.print(f"[bold]{key}[/]: {report[key]}")
    console.print(f"[bold]report[/]: {held.entry.report}")
    table = Table("row", "line", "field", "reason", "value class", title=f"{len(errors)} error(s)", style="red")
    for e in errors[:rows]:
        table.add_row(str(e.get("row", "")), str(e.get("line", "")), str(e.get("field", "")),
                      str(e.get("reason", "")), str(e.get("value_class", "")))
    console.print(table)
    if len(errors) > rows:
        console.print(f"... {len(errors) - rows} more in {held.entry.report}")


@quarantine_app.command("release")
def quarantine_release(
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="id from `leavehub quarantine list`")],
    reprocess: Annotated[bool, typer.Option("--reprocess", help="re-run the file through the pipeline now; "
                                            "without it the entry is dismissed and archived")] = False,
) -> None:
    """Release a held file: re-run it (--reprocess) or dismiss it; either way it leaves the list.

    With --reprocess a file rejected again gets a new quarantine entry with the current errors.
    """
    from leavehub.alerts import Alert, send_alert
    from leavehub.operations.releases import find_entry, release

    settings = Settings.from_env()
    try:
        held = find_entry(settings.quarantine_dir, entry_id)
        result = release(held, reprocess=reprocess, settings=settings)
    except (LookupError, LeaveHubError) as exc:
        fail(exc)
    if result.outcome == "rejected":
        new_id = result.new_entry.name if result.new_entry else "?"
        send_alert(Alert("release_failed", held.feed, None, f"{held.file} rejected again on release "
                         f"({result.errors} error(s))", {"file": held.file, "errors": result.errors,
                                                          "new_quarantine_id": new_id}), settings=settings)
        error("rejected again", f"{held.file} ({result.errors} error(s)); new quarantine entry "
              f"{result.ledger_id or new_id}", style="red")
        raise typer.Exit(EXIT_REJECTED)
    counts = ", ".join(f"{k}={v}" for k, v in (result.records or {}).items())
    console.print(f"{result.outcome}: {held.file} {counts}".rstrip() + f"; archived to {result.archived_to}")


# -- runs ----------------------------------------------------------------------------------------------------


def reprocess(
    feed_id: Annotated[str, typer.Argument(metavar="VENDOR.FEED")],
    file: Annotated[list[Path], typer.Option("--file", exists=True, dir_okay=False, help="local file(s) to post")],
    on: Annotated[str | None, typer.Option("--date", help="business date when the name carries none")] = None,
) -> None:
    """Post local file(s) through the pipeline; a rejected file is quarantined and alerted.

    The same path as a scheduled run (verify, map, validate, store, all or nothing per file); content the
    ledger already holds is a DUPLICATE and posts nothing.
    """
    from leavehub.pipeline.runner import run_feed

    settings = Settings.from_env()
    try:
        outcome = run_feed(feed_id, business_date=_day(on, "--date") if on else None, files=list(file),
                           settings=settings, console=console)
    except LeaveHubError as exc:
        fail(exc)
    console.print(outcome.summary())  # run_feed has alerted every rejected file
    if not outcome.ok:
        raise typer.Exit(EXIT_REJECTED)


def backfill_command(
    feed_id: Annotated[str, typer.Argument(metavar="VENDOR.FEED")],
    start: Annotated[str, typer.Option("--from", help="first business date YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="last business date YYYY-MM-DD (inclusive)")],
) -> None:
    """Run a feed for every business date in a range; stops at the first failure, resumes where it stopped."""
    from leavehub.operations.backfill import backfill

    settings = Settings.from_env()
    try:
        result = backfill(feed_id, _day(start, "--from"), _day(end, "--to"), settings=settings)
    except LeaveHubError as exc:
        fail(exc)
    table = Table("business date", "status", "detail",
                  title=f"backfill {result.feed} {result.start}..{result.end}")
    for d in result.days:
        table.add_row(d.business_date.isoformat() if d.business_date else "-", d.status, d.detail)
    console.print(table)
    if result.without_file:
        console.print(f"no file yet for {len(result.without_file)} date(s): "
                      + ", ".join(d.isoformat() for d in result.without_file))
    if not result.ok:
        raise typer.Exit(EXIT_REJECTED)


def check_arrivals_command(
    now: Annotated[str | None, typer.Option("--now", help="ISO instant to check at (default: now); "
                                            "without an offset it is the employer's local time")] = None,
    lookback_days: Annotated[int, typer.Option(min=1, max=31, help="sending days to look back")] = 3,
    sequence: Annotated[bool, typer.Option("--sequence/--no-sequence",
                                           help="also look for holes in change-file sequences")] = True,
) -> None:
    """Record and alert overdue files, holes in change-file sequences and X12 files a vendor has not
    acknowledged in time (exit 3 when any is new).

    Each overdue date is recorded MISSING in the ledger once; repeated checks stay quiet about it, so a
    monitoring job can run this every few minutes.
    """
    from leavehub.config.vendor import load_vendors
    from leavehub.operations.arrivals import check_acknowledgements, check_arrivals
    from leavehub.operations.sequence import check_sequences

    settings = Settings.from_env()
    try:
        instant = _instant(now, settings)
        vendors = load_vendors(settings.mappings_root)
        store = _store(settings)
        missing = check_arrivals(store, vendors, instant, lookback_days=lookback_days, settings=settings)
        gaps = check_sequences(store, vendors, instant, settings=settings) if sequence else []
        unanswered = check_acknowledgements(store, vendors, instant, settings=settings)
    except (LeaveHubError, ValueError) as exc:
        fail(exc)
    for name, problem in sorted(vendors.errors.items()):
        error(f"{name} not checked", problem, style="yellow")
    table = Table("feed", "business date", "deadline", "expected", title=f"{len(missing)} newly missing file(s)")
    for m in missing:
        table.add_row(m.feed_id, m.business_date.isoformat(), m.deadline.isoformat(), m.expected_name)
    console.print(table)
    if sequence:
        table = Table("feed", "kind", "between", "missing", "new", title=f"{len(gaps)} sequence gap(s)")
        for g in gaps:
            table.add_row(g.feed_id, g.kind, f"{g.after} .. {g.before}", ", ".join(g.missing[:10]),
                          "yes" if g.new else "")
        console.print(table)
    if unanswered:
        table = Table("vendor", "feed", "control number", "sent at", title=f"{len(unanswered)} X12 file(s) "
                      "not acknowledged in time")
        for s in unanswered:
            table.add_row(s.vendor, s.feed, str(s.control_number), s.sent_at.isoformat())
        console.print(table)
    if missing or unanswered or any(g.new for g in gaps):
        raise typer.Exit(EXIT_FOUND)


def _instant(text: str | None, settings: Settings) -> datetime:
    """``--now`` as an aware instant: an offset-less value is the employer's wall-clock time."""
    from datetime import UTC

    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--now {text!r} is not an ISO date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(settings.employer.time_zone))
    return value
