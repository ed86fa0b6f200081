"""One pay run for a company and check date: price, diff against what was sent, then build, seal and deliver.

    calendar -> pay window (+ processing deadline)
    store frames -> rules engine (this period) + retro (each earlier period already sent, re-priced with its
                    own window and diffed against the lines sent for it) -> the batch's lines
    retro re-prices only what may have changed: the people with a pay input recorded after the watermark of the
                    latest earlier batch (``inputs_watermark``: the newest recorded_at its pricing had read);
                    everyone when the policy, the rule tables or the premium history differ from what that batch
                    was priced with (``rules_digest``), or when it has no watermark. Unchanged inputs price the
                    same lines, so the retro diff of everybody else would be empty: it is not computed
    pay book: nothing built yet -> NEW; built, not sent -> the same Batch ID again; sent and unchanged -> nothing;
              sent, changed, not processed -> REPLACE under the same Batch ID; processed (the register carries
              the Batch ID) and changed -> refused (corrections go on a later check as retro lines); changed
              after a LATER check's batch went out -> refused too (that batch's retro lines were diffed against
              this one as sent: a REPLACE would pay the change twice)
    -> PR<CO>EPI_<BATCHID>.csv -> encrypt + sign -> put under a temporary name, then rename -> ledger SENT

A batch never goes out after the period's processing deadline unless the caller passes ``override_deadline``.
Outcomes are values (``PayRunOutcome.status``); a missing calendar period is a ``ConfigError``.

Example::

    plan = plan_pay_run(store, settings, "NWD", date(2026, 3, 20))      # preview: lines with explanations
    outcome = run_pay(store, settings, "NWD", date(2026, 3, 20))        # SENT / UNCHANGED / REFUSED_...
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from leavehub.payrun.book import PayBatch, PayBook
from leavehub.payrun.import_file import import_rows, pay_codes, write_import
from leavehub.payrun.inputs import (
    batch_people,
    changed_people,
    due_check_dates,
    file_numbers,
    inputs_watermark,
    leave_inputs,
    pay_period,
    period_people,
    premium_contributions,
)
from leavehub.rules.lines import INSTRUCTION_COLUMNS
from leavehub.rules.overpayments import RECOVERY_RULE
from leavehub.rules.pay import LeaveInputs, price_period
from leavehub.rules.retro import retro_diff
from leavehub.rules.wages import wage_plans

__all__ = ["PayRunOutcome", "PayRunPlan", "deliver_batch", "effective_batches", "instruction_records",
           "plan_pay_run", "run_due", "run_pay"]

VENDOR = "ledgerpay"
Status = Literal["SENT", "UNCHANGED", "NOTHING_TO_PAY", "REFUSED_DEADLINE", "REFUSED_PROCESSED",
                 "REFUSED_LATER_CHECK"]
_DATES = ("pay_period_start", "pay_period_end", "check_date", "original_period_start", "original_period_end")


@dataclass(frozen=True)
class PayRunPlan:
    """What a run would send: the lines (instruction records with explanations), under which Batch ID and
    action, and why nothing would be sent when that is the answer (``status`` then says which)."""

    company: str
    check_date: date
    period_start: date
    period_end: date
    deadline: datetime | None
    lines: list[dict[str, Any]]
    receivables: list[dict[str, Any]]
    batch_id: str | None
    action: Literal["NEW", "REPLACE"] | None
    status: Status | Literal["TO_SEND"]
    reason: str = ""
    previous: PayBatch | None = field(default=None, repr=False)
    inputs_watermark: datetime | None = None  # the newest recorded_at of the inputs, read before them
    rules_digest: str | None = None
    repriced: int | None = None  # employees whose earlier periods were re-priced; None: everyone's were


@dataclass(frozen=True)
class PayRunOutcome:
    status: Status
    batch_id: str | None
    file_name: str
    lines: int
    reason: str = ""


def instruction_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Instruction frame -> JSON-able records (Decimal as text, dates ISO), in the frame's order; one Arrow cast
    per column, no per-value Python."""
    if not len(frame):
        return []
    table = pa.Table.from_pandas(frame[list(INSTRUCTION_COLUMNS)], preserve_index=False)
    columns = [pc.cast(column, pa.string()) if pa.types.is_decimal(column.type) or pa.types.is_date(column.type)
               or pa.types.is_null(column.type) else column for column in table.columns]
    return pa.table(columns, names=table.column_names).to_pylist()


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records -> an instruction frame typed as the engine's (exact decimals, Arrow dates)."""
    cols: dict[str, pa.Array] = {}
    for name in INSTRUCTION_COLUMNS:
        values = [r.get(name) for r in records]
        if name in _DATES:
            cols[name] = pa.array([date.fromisoformat(v) if v else None for v in values], pa.date32())
        elif name in ("hours", "amount"):
            precision = 9 if name == "hours" else 14
            cols[name] = pa.array([Decimal(v) if v is not None else None for v in values],
                                  pa.decimal128(precision, 2))
        else:
            cols[name] = pa.array(values, pa.string())
    return pa.table(cols).to_pandas(types_mapper=pd.ArrowDtype)


def _receivable_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso")) if len(frame) else []


def effective_batches(book: PayBook, company: str, before: date, **lines: Any) -> list[PayBatch]:
    """Per earlier check date, the batch payroll holds: the latest one that went out (oldest check first).
    ``lines``: what ``PayBook.batches`` loads of their lines (all of them by default)."""
    latest: dict[str, PayBatch] = {}
    for batch in book.batches(company, before=before, **lines):
        if batch.status != "BUILT":
            latest[batch.check_date] = batch
    return list(latest.values())


def _only(inputs: LeaveInputs, people: set[str]) -> LeaveInputs:
    """``inputs`` cut to ``people`` (frames without ``employee_id``, plan-level ones, stay whole)."""
    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        if not len(frame) or "employee_id" not in frame:
            return frame
        return frame.loc[frame["employee_id"].astype(str).isin(people).to_numpy()]

    return LeaveInputs(**{f.name: cut(getattr(inputs, f.name)) for f in fields(inputs)})


def _retro(inputs: LeaveInputs, sent_batches: list[PayBatch], period: Any, history: Any, tables: Any,
           only: set[str] | None = None) -> tuple[list[pd.DataFrame], list[dict[str, Any]]]:
    """Retro lines (on this check) and new receivables for every earlier period already sent: each re-priced
    with its own window and diffed against the lines sent for it (earlier retro lines and receivables count).
    With ``only``, for those employees alone (the others' inputs did not change: their diff is empty)."""
    parts: list[pd.DataFrame] = []
    receivables: list[dict[str, Any]] = []
    if only is not None:
        if not only:
            return parts, receivables
        inputs = _only(inputs, only)
    mine = (lambda row: True) if only is None else (lambda row: row["employee_id"] in only)
    sent_lines = [line for b in sent_batches for line in b.lines if mine(line)]
    sent_receivables = [r for b in sent_batches for r in b.receivables if mine(r)]
    for start in sorted({b.period_start for b in sent_batches}):
        old_check = next(b.check_date for b in sent_batches if b.period_start == start)
        old_window = period.window_of(date.fromisoformat(old_check))
        sent = _frame([line for line in sent_lines if line["original_period_start"] == start])
        booked = pd.DataFrame([r for r in sent_receivables if str(r["original_period_start"])[:10] == start])
        if len(booked):
            for name in ("original_period_start", "original_period_end"):
                booked[name] = pd.to_datetime(booked[name]).dt.date
        fresh = price_period(inputs, old_window, history, tables)
        retro = retro_diff(fresh, sent, booked if len(booked) else None, period.window, inputs.leave_periods,
                           tables)
        parts.append(retro.lines)
        receivables += _receivable_records(retro.receivables)
    return parts, receivables


def _premium_history(store: Any, span: Any, window: Any, history: Any, tables: Any) -> pd.DataFrame:
    """The plan-level premium contributions behind third-party sick pay's taxable share, for every policy year
    a check of ``span`` looks back on (``third_party_pay.premium_years`` before each check's year)."""
    from leavehub.rules.schedule import PERIODS_PER_YEAR
    from leavehub.rules.third_party import premium_history

    plans = sorted({plan for day in (span.first, span.paid_until)
                    for plan, rule in tables.third_party_sick_pay_on(day).items()
                    if rule.taxable_share_source == "premium_history"})
    years = history.on(window.period_start).third_party_pay.premium_years
    first, last = span.first.year - years, span.paid_until.year - 1
    if not plans:
        return pd.DataFrame()
    found = premium_contributions(store, plans, first, last)
    return premium_history(found, PERIODS_PER_YEAR[window.pay_frequency], range(first, last + 1))


def _outstanding(sent_batches: list[PayBatch], new: list[dict[str, Any]]) -> pd.DataFrame:
    """Overpayments still owed per employee and case: every receivable booked (earlier batches and this run's
    retro) less the recovery deductions already sent for it; the engine deducts them where the state allows."""
    booked = [r for b in sent_batches for r in b.receivables] + new
    if not booked:
        return pd.DataFrame()
    recovered: dict[tuple[str, str], int] = {}
    for line in (ln for b in sent_batches for ln in b.lines if ln["rule"] == RECOVERY_RULE):
        key = (line["employee_id"], line["case_number"])
        recovered[key] = recovered.get(key, 0) + int(Decimal(line["amount"]) * 100)
    owed: dict[tuple[str, str], dict[str, Any]] = {}
    for r in booked:
        key = (r["employee_id"], r["case_number"])
        row = owed.setdefault(key, {"employee_id": key[0], "case_number": key[1], "cents": 0,
                                    "recovery": r["recovery"], "rule_version": r.get("rule_version"),
                                    "cap_percent": None if r.get("cap_percent") is None
                                    else Decimal(str(r["cap_percent"])), "cap_basis": r.get("cap_basis")})
        row["cents"] += int(r["amount_cents"])
    rows = []
    for key, row in owed.items():
        left = row.pop("cents") - recovered.get(key, 0)
        if left > 0:
            rows.append({**row, "outstanding": Decimal(left).scaleb(-2)})
    return pd.DataFrame(rows)


def rules_digest(history: Any, tables: Any, premium_history: pd.DataFrame) -> str:
    """One digest of everything a pricing reads besides the people's own inputs: the policy, the rule tables and
    the plan-level premium history. When it differs from a batch's, every earlier period is re-priced."""
    digest = hashlib.sha256()
    digest.update(history.model_dump_json().encode())
    digest.update(tables.model_dump_json().encode())
    digest.update(premium_history.to_csv(index=False).encode() if len(premium_history) else b"")
    return digest.hexdigest()


def plan_pay_run(store: Any, settings: Any, company: str, check_date: date, *, now: datetime | None = None,
                 override_deadline: bool = False) -> PayRunPlan:
    """Price ``company``'s period paid on ``check_date`` and decide what to send (nothing is written)."""
    from leavehub.config.policy import load_policy
    from leavehub.config.rule_tables import load_rule_tables

    now = now or datetime.now(UTC)
    book = PayBook(store)
    book.acknowledge(company)
    period = pay_period(store, company, check_date)
    window = period.window
    history, tables = load_policy(), load_rule_tables()
    watermark = inputs_watermark(store)  # before the inputs are read: a version recorded meanwhile counts later
    heads = effective_batches(book, company, check_date, lines=False)
    span = period.span(sorted({date.fromisoformat(b.check_date) for b in heads}))
    premium_history = _premium_history(store, span, window, history, tables)
    digest = rules_digest(history, tables, premium_history)
    reference = heads[-1] if heads else None
    since = reference.inputs_watermark if reference is not None and reference.rules_digest == digest else None
    if since is None:  # never priced with a watermark, or other rules: every earlier period, everyone
        people, only = period_people(span), None
        sent_batches = effective_batches(book, company, check_date)
    else:
        changed = changed_people(since).subquery()
        retro_people = select(changed.c.employee_id).where(changed.c.employee_id.in_(period_people(span)))
        with store.engine.connect() as connection:
            only = {str(row[0]) for row in connection.execute(retro_people)}
        people = period_people(period.span([]), also=retro_people)
        sent_batches = effective_batches(book, company, check_date, lines_of=retro_people, rules=(RECOVERY_RULE,))
    inputs = replace(leave_inputs(store, company, people, check_date, wage_plans(tables.state_plans)),
                     premium_history=premium_history)
    parts, receivables = _retro(inputs, sent_batches, period, history, tables, only)
    owed = _outstanding(sent_batches, receivables)
    parts.insert(0, price_period(replace(inputs, receivables=owed), window, history, tables).lines)
    priced = [p for p in parts if len(p)]
    lines = instruction_records(pd.concat(priced, ignore_index=True)) if priced else []
    previous = book.latest(company, check_date)
    base = dict(company=company, check_date=check_date, period_start=window.period_start,
                period_end=window.period_end, deadline=period.deadline, lines=lines, receivables=receivables,
                previous=previous, inputs_watermark=watermark, rules_digest=digest,
                repriced=None if only is None else len(only))
    if previous is not None and previous.status != "BUILT" and previous.lines == lines:
        return PayRunPlan(**base, batch_id=previous.batch_id, action=None, status="UNCHANGED",
                          reason=f"batch {previous.batch_id} already carries these lines")
    if previous is None and not lines:
        return PayRunPlan(**base, batch_id=None, action=None, status="NOTHING_TO_PAY",
                          reason="nobody of this company is on leave or owed an adjustment in this period")
    if previous is not None and previous.status == "ACKNOWLEDGED":
        return PayRunPlan(**base, batch_id=previous.batch_id, action=None, status="REFUSED_PROCESSED",
                          reason=f"payroll processed batch {previous.batch_id}; the change goes on a later check "
                                 "as retro lines")
    later = [b for b in book.batches(company, after=check_date, lines=False) if b.status != "BUILT"] \
        if previous is not None and previous.status != "BUILT" else []
    if later:  # its retro lines were diffed against this batch as sent: replacing it now would pay twice
        return PayRunPlan(**base, batch_id=previous.batch_id, action=None, status="REFUSED_LATER_CHECK",
                          reason=f"batch {later[0].batch_id} of the later check {later[0].check_date} already "
                                 f"went out, priced against batch {previous.batch_id} as sent; the change goes on "
                                 "the next check as retro lines")
    if previous is None:
        batch_id, action = book.next_batch_id(company, check_date), "NEW"
    elif previous.status == "BUILT":
        batch_id, action = previous.batch_id, previous.action
    else:
        batch_id, action = previous.batch_id, "REPLACE"
    if period.deadline is not None and now >= period.deadline and not override_deadline:
        return PayRunPlan(**base, batch_id=batch_id, action=action, status="REFUSED_DEADLINE",
                          reason=f"the processing deadline {period.deadline.isoformat()} has passed "
                                 "(--override-deadline to send anyway)")
    return PayRunPlan(**base, batch_id=batch_id, action=action, status="TO_SEND")


def run_pay(store: Any, settings: Any, company: str, check_date: date, *, now: datetime | None = None,
            override_deadline: bool = False, connections: Any = None) -> PayRunOutcome:
    """Record the premium ledger of every earlier check whose register arrived (catch-up reads it), plan, and
    when there is something to send: record the batch BUILT, deliver it, record it SENT."""
    from leavehub.operations.premium_entries import record_registered_checks

    record_registered_checks(store, company, before=check_date)
    plan = plan_pay_run(store, settings, company, check_date, now=now, override_deadline=override_deadline)
    if plan.status != "TO_SEND":
        return PayRunOutcome(plan.status, plan.batch_id, "", len(plan.lines), plan.reason)
    assert plan.batch_id is not None and plan.action is not None
    book = PayBook(store)
    batch = PayBatch(batch_id=plan.batch_id, company=company, check_date=check_date.isoformat(),
                     period_start=plan.period_start.isoformat(), period_end=plan.period_end.isoformat(),
                     action=plan.action, status="BUILT", lines=plan.lines, receivables=plan.receivables,
                     sends=plan.previous.sends if plan.previous is not None else 0,
                     inputs_watermark=plan.inputs_watermark, rules_digest=plan.rules_digest)
    book.save(batch)
    name, size, sha_sent, sha_plain = deliver_batch(store, settings, batch, connections)
    book.mark(batch.batch_id, "SENT", file_name=name, sha256=sha_sent, sends=batch.sends + 1)
    _record_sent(store, batch, name, size, sha_sent, sha_plain)
    return PayRunOutcome("SENT", batch.batch_id, name, len(batch.lines))


def run_due(store: Any, settings: Any, company: str, *, lead: timedelta, now: datetime | None = None,
            connections: Any = None) -> dict[date, PayRunOutcome]:
    """The scheduled pay run: ``run_pay`` for every check date of ``company`` whose processing deadline is still
    ahead and at most ``lead`` away (earliest first). A check date already sent and unchanged is ``UNCHANGED``;
    a changed one is replaced while payroll has not processed it. What the pay-run DAG calls."""
    now = now or datetime.now(UTC)
    return {check: run_pay(store, settings, company, check, now=now, connections=connections)
            for check in due_check_dates(store, company, now, lead)}


@dataclass(frozen=True)
class _PayDataFeed:
    """What the outbound transport and the staging folder read of a feed: the vendor, its folder, the settings.
    The pay-data import is not a factory feed (the pay run builds it, there is no mapping to compile)."""

    vendor: Any
    folder: Path
    settings: Any

    @property
    def id(self) -> str:
        return f"{self.vendor.vendor}.pay_data"


def deliver_batch(store: Any, settings: Any, batch: PayBatch, connections: Any) -> tuple[str, int, str, str]:
    """Write the import into encrypted staging, seal it (OpenPGP when the vendor has it), put it on the wire."""
    from connectors.staging import StagingArea
    from leavehub.config.vendor import load_vendor
    from leavehub.pipeline.at_rest import work_dir
    from leavehub.pipeline.exchange import open_file_transport, resolve_connection

    folder = settings.mappings_root / VENDOR
    feed = _PayDataFeed(load_vendor(folder), folder, settings)
    codes = pay_codes(folder)
    lines = [{**line, "hours": Decimal(line["hours"]) if line["hours"] is not None else None,
              "amount": Decimal(line["amount"]) if line["amount"] is not None else None} for line in batch.lines]
    rows = import_rows(lines, batch_id=batch.batch_id, action=batch.action, company=batch.company, codes=codes,
                       file_numbers=file_numbers(store, batch_people(batch.batch_id)))
    pgp = feed.vendor.pgp
    name = f"PR{batch.company}EPI_{batch.batch_id}.csv" + (".pgp" if pgp is not None else "")
    with StagingArea(base_dir=work_dir(feed)) as staging:  # type: ignore[arg-type]
        with staging.writer("plain") as sink:
            write_import(rows, sink)
        out = Path(staging.path("out"))
        out.mkdir()
        artifact = out / name
        if pgp is not None:
            from connectors.pgp import PgpKeys, encrypt_sign

            keys = PgpKeys.from_connection((connections or resolve_connection)(pgp.connection_id))
            sealed = encrypt_sign(staging.path("plain"), artifact, keys=keys, armor=pgp.armor,
                                  staging_key=staging.key)
            sha_sent, sha_plain = sealed.sha256, sealed.sha256_plaintext
        else:
            with staging.reader("plain") as src, artifact.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            sha_sent = sha_plain = hashlib.sha256(artifact.read_bytes()).hexdigest()
        with open_file_transport(feed, connections) as transport:  # type: ignore[arg-type]
            transport.put(artifact, name)
        return name, artifact.stat().st_size, sha_sent, sha_plain


def _record_sent(store: Any, batch: PayBatch, name: str, size: int, sha_sent: str, sha_plain: str) -> None:
    """The file ledger's SENT row, under a feed per company and check date (``pay_data.<CO>.<YYYYMMDD>``)."""
    from schemas.version import SCHEMA_VERSION

    feed = f"pay_data.{batch.company}.{batch.check_date.replace('-', '')}"
    row = store.build_batch(VENDOR, feed, watermark=datetime.now(UTC))
    store.set_batch_record_count(row.batch_id, len(batch.lines))
    store.record_send(row.batch_id, file_name=name, size=size, sha256_sent=sha_sent, sha256_plaintext=sha_plain,
                      business_date=date.fromisoformat(batch.check_date), schema_version=SCHEMA_VERSION)
