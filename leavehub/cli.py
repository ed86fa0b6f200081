"""``leavehub``: the command line of the hub (typer + rich).

    leavehub vendors                                  list vendors and their feeds
    leavehub mapping check PATH...                    validate mapping / vendor.yaml files
    leavehub mapping preview VENDOR.FEED SAMPLE       canonical rows and errors for a sample file
    leavehub run VENDOR.FEED [--date D] [--file F]    run one exchange
    leavehub db upgrade | db check                    migrate the store / check its schema version
    leavehub schema export                            regenerate schemas/json/
    leavehub show ENTITY [--key K] [--as-of T] [--valid-on D] [--format F]   current records, PII masked
    leavehub history ENTITY KEY [--format F]          every version of one record, its file, row and clocks
    leavehub archive list [--vendor V]                processed vendor files kept (sealed) by the hub
    leavehub archive open VENDOR NAME [--out F]       the exact bytes of one, for an authorised operator
    leavehub archive open --path FILE [--out F]       any sealed file kept under LEAVEHUB_HOME (outbox, quarantine)
    leavehub pay preview|run --company CO --check-date D   a pay period's LedgerPay pay data (payrun/cli.py)
    leavehub fmla balance|eligibility EMPLOYEE [--on D]    FMLA from the store

Plugins (the simulators' ``leavehub sandbox up``) register under the ``leavehub.cli_plugins`` entry point group;
no product module imports them.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from datetime import UTC, date, datetime
from enum import StrEnum
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leavehub.console import console, err, error, fail
from leavehub.operations.commands import register as register_operations
from leavehub.payrun.cli import fmla_app, pay_app
from leavehub.settings import Settings
from schemas.errors import ConfigError, LeaveHubError

app = typer.Typer(help="LeaveHub: leave, pay and premium exchanges between HRIS, payroll, TPA and carrier.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
mapping_app = typer.Typer(help="Check and preview mapping files.", no_args_is_help=True)
schema_app = typer.Typer(help="The canonical schema.", no_args_is_help=True)
archive_app = typer.Typer(help="Processed vendor files the hub keeps, sealed at rest.", no_args_is_help=True)
db_app = typer.Typer(help="The store's database: migrate it, check its schema version.", no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")
app.add_typer(schema_app, name="schema")
app.add_typer(archive_app, name="archive")
app.add_typer(db_app, name="db")
premiums_app = typer.Typer(help="Premiums during leave: the ledger per plan and bucket.", no_args_is_help=True)
app.add_typer(premiums_app, name="premiums")
app.add_typer(pay_app, name="pay")
app.add_typer(fmla_app, name="fmla")
register_operations(app)  # quarantine list/show/release, reprocess, backfill, check-arrivals


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="DEBUG logging")] = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # `db upgrade` prints its own one line


@app.command()
def vendors() -> None:
    """List vendors and their feeds (a broken vendor is shown, not hidden)."""
    from leavehub.config.vendor import load_vendors

    settings = Settings.from_env()
    loaded = load_vendors(settings.mappings_root)
    table = Table("feed", "dir", "format", "kind", "file / endpoint", "schedule", title="LeaveHub feeds")
    for name, vendor in sorted(loaded.vendors.items()):
        for feed_name, feed in sorted(vendor.feeds.items()):
            where = (str(feed.file_pattern) if feed.file_pattern
                     else " + ".join(map(str, feed.file_set.values())) if feed.file_set
                     else feed.endpoint.path if feed.endpoint else "")
            table.add_row(f"{name}.{feed_name}", feed.direction, feed.format, feed.file_kind, where,
                          _schedule_text(feed.schedule))
    console.print(table)
    for name, problem in sorted(loaded.errors.items()):
        error(name, problem)
    if loaded.errors:
        raise typer.Exit(1)


def _schedule_text(schedule: object) -> str:
    kind = getattr(schedule, "type", None)
    if kind == "cron":
        return f"{schedule.cron} ({schedule.timezone})"
    if kind == "asset":
        return "after " + ", ".join(schedule.assets)
    if kind == "pay_calendar":
        return f"{schedule.event} {schedule.offset_days:+d} d"
    return "manual"


@mapping_app.command("check")
def mapping_check(paths: Annotated[list[Path], typer.Argument(help="mapping or vendor.yaml files")]) -> None:
    """Validate mapping files; each error names the file, the key path and the line."""
    from leavehub.mapping.loader import load_codes, load_mapping
    from leavehub.pipeline.feeds import check_vendor_plans

    failed = 0
    for path in paths:
        try:
            if path.name == "vendor.yaml":
                check_vendor_plans(path.parent)
            elif path.name == "codes.yaml":
                load_codes(path)
            else:
                load_mapping(path)
            console.print(f"[green]ok[/]   {path}")
        except ConfigError as exc:
            failed += 1
            err.print("[red]FAIL[/]", escape(str(exc)))
    if failed:
        raise typer.Exit(1)


class PreviewFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@mapping_app.command("preview")
def mapping_preview(
    feed_id: Annotated[str, typer.Argument(metavar="VENDOR.FEED")],
    sample: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    rows: Annotated[int, typer.Option(help="records to show per entity (errors are always all listed)")] = 20,
    on: Annotated[str | None, typer.Option("--date", help="business date YYYY-MM-DD")] = None,
    fmt: Annotated[PreviewFormat, typer.Option("--format", help="table, csv (errors on stderr) or json")]
    = PreviewFormat.table,
) -> None:
    """Show the canonical rows (and every error) a sample file maps to. Nothing is stored.

    Exit 0: the sample maps cleanly; 2: it has errors (bad input, as `leavehub run` would reject it);
    1: configuration problem. PII fields are masked in every format; output is never truncated.
    """
    from leavehub.pipeline.preview import preview_file

    try:
        result = preview_file(feed_id, sample, rows=rows, business_date=_date(on))
    except LeaveHubError as exc:
        fail(exc)
    records = {entity: _masked_records(entity, frame.head(rows)) for entity, frame in result.frames.items()}
    errors = [e.as_dict() for e in result.errors]
    if fmt is PreviewFormat.json:
        report = {"feed": feed_id, "file": sample.name, "error_count": len(errors), "errors": errors,
                  "entities": {e: {"count": result.counts[e], "records": r} for e, r in records.items()}}
        sys.stdout.write(json.dumps(report, indent=2, default=str, ensure_ascii=False) + "\n")
    elif fmt is PreviewFormat.csv:
        _write_csv(sys.stdout, [{"entity": e, **r} for e, rs in records.items() for r in rs])
        _write_csv(sys.stderr, errors)
    else:
        out = console if console.is_terminal else Console(width=1 << 16)  # piped: wide enough for anything
        for entity, recs in records.items():
            out.print(_record_table(entity, recs, result.counts[entity]))
        if errors:
            table = Table("row", "line", "field", "reason", "value class", title=f"{len(errors)} error(s)",
                          style="red")
            for e in result.errors:
                table.add_row(str(e.row or ""), str(e.line or ""), str(e.field or ""), e.reason,
                              str(e.value_class or ""))
            out.print(table)
    if errors:
        raise typer.Exit(2)


def _masked_records(entity: str, frame: Any) -> list[dict[str, str]]:
    """Canonical records as text, PII fields masked ("•••" when present)."""
    from schemas.models import ENTITIES
    from schemas.types import pii_fields

    masked = set(pii_fields(ENTITIES[entity])) if entity in ENTITIES else set()
    out = []
    for i, record in enumerate(frame.to_dict("records")):
        shown = {"_row": str(record.get("_row", i + 1))}
        for name, value in record.items():
            if name != "_row":
                shown[str(name)] = "•••" if name in masked and _present(value) else _text(value)
        out.append(shown)
    return out


def _write_csv(stream: Any, records: list[dict[str, Any]]) -> None:
    if not records:
        return
    columns = list(dict.fromkeys(k for r in records for k in r))
    writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)


def _record_table(entity: str, records: list[dict[str, str]], total: int) -> Table:
    """Canonical records as a table, one column per record (fields read down)."""
    table = Table("field", *[f"#{r['_row']}" for r in records], title=f"{entity}: {total} row(s)")
    for name in (records[0] if records else {}):
        if name != "_row":
            table.add_row(name, *[r.get(name, "") for r in records])
    return table


def _present(value: object) -> bool:
    return _text(value) != ""


def _text(value: object) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return ""
    return ";".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


@app.command()
def run(
    feed_id: Annotated[str, typer.Argument(metavar="VENDOR.FEED")],
    on: Annotated[str | None, typer.Option("--date", help="business date YYYY-MM-DD (default: today)")] = None,
    file: Annotated[list[Path] | None, typer.Option("--file", help="inbound file(s); default: the vendor's inbox")]
    = None,
    whole: Annotated[bool, typer.Option("--whole", help="an API pull asks for everything, not only what "
                                                        "changed since the last pull ({last_pull})")] = False,
) -> None:
    """Run one exchange: post inbound files or build and send an outbound file.

    Exit 0: every file applied (or was a duplicate) / the batch went out; 2: at least one file was rejected and
    quarantined (the others still posted); 1: configuration, store or transport problem (the run stopped).
    A --file whose name does not match the feed's file pattern needs --date.
    """
    from leavehub.pipeline.runner import run_feed

    try:
        outcome = run_feed(feed_id, business_date=_date(on), files=file or None, console=console,
                           settings=Settings.from_env(), whole=whole)
    except LeaveHubError as exc:
        fail(exc)
    console.print(outcome.summary())
    if not outcome.ok:
        raise typer.Exit(2)


@app.command()
def reconcile(
    check_date: Annotated[str, typer.Option("--check-date", help="check date YYYY-MM-DD")],
    out: Annotated[Path | None, typer.Option("--out", help="folder for the reports (default: <home>/reports)")]
    = None,
) -> None:
    """Reconcile one check date: leave administrator vs HRIS, benefit payments, 834 acknowledgements,
    premium arrears and the vendor scorecard; writes an XLSX workbook and a self-contained HTML report."""
    from leavehub.config.vendor import load_vendors
    from leavehub.pipeline.runner import open_store
    from leavehub.reconcile.run import run_reconciliation

    day = _date(check_date, "--check-date")
    if day is None:
        raise typer.Exit(1)
    settings = Settings.from_env()
    try:
        employer = settings.employer
        vendors = load_vendors(settings.mappings_root)
        files = run_reconciliation(open_store(settings), vendors, check_date=day,
                                   out_dir=out or settings.home / "reports",
                                   weeks=employer.reconciliation.scorecard_weeks,
                                   mappings_root=settings.mappings_root)
    except LeaveHubError as exc:
        fail(exc)
    console.print(f"{files.exceptions} exception(s), ${files.amount_cents / 100:,.2f} at stake")
    console.print(f"workbook: {files.workbook}")
    console.print(f"html:     {files.html}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the store's schema to this release (safe to run again, and by two deploy steps at once)."""
    from leavehub.pipeline.runner import open_store

    try:
        store = open_store(Settings.from_env(), upgrade=True)
    except LeaveHubError as exc:
        fail(exc)
    console.print(f"store schema at {store.schema_revisions()[1]}")


@db_app.command("check")
def db_check() -> None:
    """Exit 0 when the store's schema is what this release needs, else 1 (run `leavehub db upgrade`)."""
    from leavehub.pipeline.runner import open_store

    try:
        open_store(Settings.from_env())
    except LeaveHubError as exc:
        fail(exc)
    console.print("store schema is current")


@schema_app.command("export")
def schema_export(dest: Annotated[Path | None, typer.Option(help="folder (default schemas/json)")] = None) -> None:
    """Regenerate the canonical JSON Schemas (CI fails when they drift from the models)."""
    from schemas.export import export_json_schemas

    written = export_json_schemas(dest) if dest else export_json_schemas()
    console.print(f"wrote {len(written)} schema file(s)")


TABLE_RECORDS_ACROSS = 4
FormatOption = Annotated[str, typer.Option("--format", help="table, csv or json (csv/json: every row, in full)")]


@app.command()
def show(
    entity: Annotated[str, typer.Argument(help="a canonical entity, e.g. leave_period")],
    key: Annotated[str | None, typer.Option("--key", help="one record (its record_key)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="what the hub knew at this instant (ISO + offset)")]
    = None,
    valid_on: Annotated[str | None, typer.Option("--valid-on", help="what was true on this day (YYYY-MM-DD)")]
    = None,
    fmt: FormatOption = "table",
) -> None:
    """Records as stored: true now (or on --valid-on), as known now (or at --as-of). PII shown as •••."""
    from leavehub.operations.reading import parse_as_of, show_frame

    try:
        instant = parse_as_of(as_of) if as_of is not None else None
        day = _date(valid_on, "--valid-on")
        frame = show_frame(_read_store(), entity, key=key, as_of=instant, valid_on=day)
    except LeaveHubError as exc:
        fail(exc)
    _print_frame(frame, fmt, f"{entity}: {len(frame)} record(s)")


@app.command()
def history(
    entity: Annotated[str, typer.Argument(help="a canonical entity, e.g. leave_period")],
    key: Annotated[str, typer.Argument(help="the record's record_key (as `leavehub show` prints it)")],
    fmt: FormatOption = "table",
) -> None:
    """Every version of one record: valid and recorded clocks, the file and row each came from. PII as •••."""
    from leavehub.operations.reading import history_frame

    try:
        frame = history_frame(_read_store(), entity, key)
    except LeaveHubError as exc:
        fail(exc)
    if frame.empty:
        fail(LookupError(f"no {entity} record with key {key!r} (see `leavehub show {entity}`)"))
    _print_frame(frame, fmt, f"{entity} {key}: {len(frame)} version(s)")


@premiums_app.command("status")
def premiums_status(
    employee: Annotated[str | None, typer.Argument(help="one employee id (default: everyone with a bucket)")]
    = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="the day lateness is counted to (YYYY-MM-DD)")]
    = None,
    fmt: FormatOption = "table",
) -> None:
    """Per plan and coverage bucket: due, deducted, recovered, waived, outstanding, days late; then the
    shares 30+ days late (29 CFR 825.212 notice). Only employee ids are shown."""
    from leavehub.operations.premiums import premium_status

    try:
        day = _date(as_of, "--as-of") or datetime.now(UTC).date()
        ledger, late = premium_status(_read_store(), employee, as_of=day)
    except LeaveHubError as exc:
        fail(exc)
    if fmt != "table":
        _print_frame(ledger, fmt, "premium ledger")
        return
    table = Table(*ledger.columns, title=f"premium ledger as of {day.isoformat()}: {len(ledger)} bucket(s)")
    for row in ledger.itertuples(index=False):
        table.add_row(*[_text(v) for v in row])
    console.print(table)
    if len(late):
        notice = Table(*late.columns, title="30+ days late: written notice now, coverage may end 15 days after")
        for row in late.itertuples(index=False):
            notice.add_row(*[_text(v) for v in row])
        console.print(notice)


@premiums_app.command("after-leave")
def premiums_after_leave(
    company: Annotated[str, typer.Option("--company", help="payroll company code, e.g. NWD")],
    employee: Annotated[str | None, typer.Argument(help="one employee id (default: everyone with an outcome)")]
    = None,
    fmt: FormatOption = "table",
) -> None:
    """After leave (29 CFR 825.213): the employer's health premium share to recover from those who did not
    return (unpaid weeks only; billed, or deducted from final pay where the state allows), then the COBRA
    qualifying events of those who never came back. Only employee ids are shown."""
    from leavehub.operations.premiums import after_leave

    try:
        owed, cobra = after_leave(_read_store(), company, employee)
    except LeaveHubError as exc:
        fail(exc)
    if fmt == "json":  # one document: both lists
        both = {"employer_share": owed.to_dict("records"), "cobra_events": cobra.to_dict("records")}
        typer.echo(json.dumps(both, default=str, indent=1))
        return
    if fmt != "table":
        _print_frame(owed, fmt, "employer share to recover")
        _print_frame(cobra, fmt, "COBRA qualifying events")
        return
    for frame, title in ((owed, "employer share to recover (29 CFR 825.213)"), (cobra, "COBRA qualifying events")):
        table = Table(*frame.columns, title=f"{title}: {len(frame)}")
        for row in frame.itertuples(index=False):
            table.add_row(*[_text(v) for v in row])
        console.print(table)


@premiums_app.command("record")
def premiums_record(
    company: Annotated[str, typer.Option("--company", help="payroll company code, e.g. NWD")],
    check_date: Annotated[str, typer.Option("--check-date", help="the check whose register arrived (YYYY-MM-DD)")],
) -> None:
    """Write the check's premium ledger entries from its payroll register: shares not taken (BLOCKED) and
    catch-up collected (RECOVERED); idempotent, and `leavehub pay run` does it for every earlier check."""
    from leavehub.operations.premium_entries import record_premium_ledger

    try:
        day = _date(check_date, "--check-date")
        assert day is not None
        recorded = record_premium_ledger(_read_store(), company, day)
    except LeaveHubError as exc:
        fail(exc)
    console.print(f"premium ledger {company} {day.isoformat()}: {recorded.status}, {recorded.entries} entr"
                  f"{'y' if recorded.entries == 1 else 'ies'}")


@premiums_app.command("payment")
def premiums_payment(
    employee: Annotated[str, typer.Argument(help="the employee id who paid")],
    company: Annotated[str, typer.Option("--company", help="payroll company code, e.g. NWD")],
    plan: Annotated[str, typer.Option("--plan", help="the plan paid for: MEDICAL, DENTAL, VISION, STD, LTD ...")],
    amount: Annotated[str, typer.Option("--amount", help="what was paid, e.g. 120.00 (0.00 reverses it)")],
    received: Annotated[str, typer.Option("--received", help="the day the payment came in (YYYY-MM-DD)")],
    reference: Annotated[str, typer.Option("--reference", help="the check or receipt number: the payment's id")],
) -> None:
    """Record a direct premium payment (prepay or pay-as-you-go during unpaid leave): it pays the oldest share
    still owed, so it stops counting as late, and the carrier's last-premium-paid date moves with it. The same
    reference again corrects it."""
    from decimal import Decimal, InvalidOperation

    from leavehub.operations.premium_entries import record_direct_payment

    try:
        day = _date(received, "--received")
        assert day is not None
        try:
            paid = Decimal(amount)
        except InvalidOperation:
            raise ConfigError(f"--amount {amount!r} is not a number like 120.00") from None
        recorded = record_direct_payment(_read_store(), company, employee, plan.upper(), paid, day, reference)
    except LeaveHubError as exc:
        fail(exc)
    console.print(f"premium payment {reference} of {employee} ({plan.upper()} {paid:.2f}, received "
                  f"{day.isoformat()}): {recorded.status}")


def _read_store():  # type: ignore[no-untyped-def]
    from leavehub.pipeline.runner import open_store

    return open_store(Settings.from_env())


def _print_frame(frame: object, fmt: str, title: str) -> None:
    from leavehub.operations.reading import render_text

    if fmt == "table":  # fields read down, a few records across, so every value stays readable
        records = frame.to_dict("records")  # type: ignore[attr-defined]
        console.print(f"[bold]{title}[/]")
        for start in range(0, len(records), TABLE_RECORDS_ACROSS):
            shown = records[start:start + TABLE_RECORDS_ACROSS]
            table = Table("field")
            for i in range(len(shown)):
                table.add_column(f"#{start + i + 1}", overflow="fold")  # a value is wrapped, never cut
            for name in frame.columns:  # type: ignore[attr-defined]
                table.add_row(str(name), *[_text(r[name]) for r in shown])
            console.print(table)
        return
    try:
        sys.stdout.write(render_text(frame, fmt))  # type: ignore[arg-type]
    except LeaveHubError as exc:
        fail(exc)


@archive_app.command("list")
def archive_list(vendor: Annotated[str | None, typer.Option(help="only this vendor")] = None) -> None:
    """Archived vendor files (names, sizes, when): nothing is opened, no key is needed."""
    from leavehub.operations.archive import archived_files

    try:
        kept = archived_files(Settings.from_env(), vendor)
    except LeaveHubError as exc:
        fail(exc)
    table = Table("vendor", "file", "sealed bytes", "archived at", title=f"{len(kept)} archived file(s)")
    for k in kept:
        table.add_row(k.vendor, k.name, str(k.size), k.archived_at.isoformat(timespec="seconds"))
    console.print(table)


@archive_app.command("open")
def archive_open(
    vendor: Annotated[str | None, typer.Argument(help="the vendor (with NAME)")] = None,
    name: Annotated[str | None, typer.Argument(help="the archived file name (as `archive list` shows it)")] = None,
    path: Annotated[Path | None, typer.Option("--path", help="instead: any sealed file under LEAVEHUB_HOME "
                                               "(outbox, quarantine)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write here (0600) instead of standard output")]
    = None,
) -> None:
    """Write the exact bytes received; needs the deployment's LEAVEHUB_PII_KEY in the environment."""
    import os

    from leavehub.operations.archive import open_archived, open_kept

    if (path is None) == (vendor is None or name is None):
        fail(ConfigError("give VENDOR NAME, or --path FILE"))
    try:
        settings = Settings.from_env()
        if path is not None:
            opened = open_kept(settings, path)
        else:
            opened = open_archived(settings, str(vendor), str(name))
        with opened as plain:
            if out is None:
                sink = sys.stdout.buffer
                while block := plain.read(1 << 20):
                    sink.write(block)
                sink.flush()
                return
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as sink:
                while block := plain.read(1 << 20):
                    sink.write(block)
    except (LeaveHubError, LookupError, FileExistsError) as exc:
        if out is not None and not isinstance(exc, FileExistsError):
            out.unlink(missing_ok=True)
        fail(exc)


def _date(text: str | None, option: str = "--date") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(ConfigError(f"{option} {text!r} is not YYYY-MM-DD"))
    return None


def _load_plugins() -> None:
    for ep in entry_points(group="leavehub.cli_plugins"):
        try:
            app.add_typer(ep.load(), name=ep.name)
        except Exception as exc:
            error(f"plugin {ep.name} not loaded", exc, style="yellow")


def main() -> None:
    _load_plugins()
    app()
