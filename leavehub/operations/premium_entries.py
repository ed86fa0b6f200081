"""Record the premium ledger of a check date from what payroll did: ``premium_ledger_entry`` rows in the store.

The payroll register of a check is the proof of which deductions were not taken. Once it has arrived, the
period is priced again (``leavehub.rules.pay.price_period``: who was on leave without pay, each enrolled
plan's share per coverage bucket, a Jan 1 split included) and, per employee:

- ``BLOCKED`` (+): each bucket's share the check could not carry (leave without pay), less whatever the
  register shows payroll took anyway for that deduction code (filled bucket by bucket, oldest first); a bucket
  whose share payroll took is written with 0.00, so a restated register corrects an earlier entry;
- ``RECOVERED`` (-) / ``REFUND`` (+): the register's ``DED`` lines that came from our pay data (they carry a
  Batch ID) under a code the employee is enrolled with: catch-up collected (or refunded) on that check.
- ``DEDUCTED`` (0.00): per plan blocked on the check, the last day premiums were paid (the 834's DTP*543).

A direct payment (prepay, pay-as-you-go) is an ``EMPLOYEE_PAYMENT`` (-) entry under its reference
(``record_direct_payment``, ``leavehub premiums payment``); it moves the paid-through marker too.

Entry ids are derived from what they are (kind, employee, plan, deduction code, coverage bucket or check), so
recording a check again writes the same records: unchanged content is a duplicate and nothing is posted; a
restated register supersedes the earlier amounts under the same ids. The rows go into the store through one
intake like any file (vendor ``leavehub``, feed ``premium_ledger``), so their history and the ledger row say
where every entry came from. Reconciliation's arrears aging and ``leavehub premiums status`` read these rows.

Example::

    recorded = record_premium_ledger(store, "NWD", date(2026, 3, 20))
    recorded.status, recorded.entries        # ("APPLIED", 3) / ("UNCHANGED", 3) / ("NO_REGISTER", 0)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from leavehub.rules.money import scaled_integers
from leavehub.rules.premium_ledger import COLLECTED
from leavehub.rules.register import register_deductions

__all__ = ["HUB_VENDOR", "LEDGER_FEED", "PAYMENT_FEED", "LedgerRecord", "premium_entries", "record_direct_payment",
           "record_premium_ledger", "record_registered_checks"]

HUB_VENDOR = "leavehub"
LEDGER_FEED = "premium_ledger"
PAYMENT_FEED = "premium_payments"
RecordStatus = Literal["APPLIED", "UNCHANGED", "NO_REGISTER"]
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass(frozen=True)
class LedgerRecord:
    """What recording one check date did: ``entries`` is how many entries the check has (-1: not looked at,
    the check was recorded after its register last changed)."""

    company: str
    check_date: date
    status: RecordStatus
    entries: int


def _check_register(store: Any, company: str, check_date: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The check's register lines and the identity links of their file numbers (only those rows)."""
    from sqlalchemy import and_, select

    from leavehub.store.tables import versions_table

    r, links = versions_table("payroll_register_line"), versions_table("identity_link")
    mine = and_(r.c.payroll_company_code == company, r.c.check_date == check_date)
    register = store.current("payroll_register_line", where=mine)
    if not len(register):
        return register, register
    numbers = select(r.c.payroll_file_number).where(mine, r.c.superseded_at.is_(None))
    return register, store.current("identity_link", where=and_(links.c.payroll_company_code == company,
                                                               links.c.payroll_file_number.in_(numbers)))


def _blocked(arrears: pd.DataFrame, taken: pd.DataFrame) -> pd.DataFrame:
    """One BLOCKED entry per bucket: the share less what payroll took anyway for that code, oldest first."""
    rows = arrears.loc[arrears["entry_type"].astype(str) == "BLOCKED"].copy()
    if not len(rows):
        return rows
    rows = rows.sort_values(["employee_id", "deduction_code", "coverage_start"], kind="stable")
    code = rows["employee_id"].astype(str) + "|" + rows["deduction_code"].astype(str)
    took_key = (taken["employee_id"].astype(str) + "|" + taken["deduction_code"].astype(str)).to_numpy()
    took = pd.Series(scaled_integers(taken["amount"]), index=took_key).groupby(level=0).sum() if len(taken) \
        else pd.Series(dtype=np.int64)
    due = rows["amount_cents"].to_numpy(np.int64)
    pool = np.maximum(took.reindex(code).fillna(0).to_numpy(np.int64), 0)
    before = pd.Series(due).groupby(code.to_numpy()).cumsum().to_numpy() - due
    rows["amount_cents"] = due - np.clip(pool - before, 0, due)
    return rows


def _paid_through(blocked: pd.DataFrame, earlier: pd.DataFrame, check_date: date) -> pd.DataFrame:
    """Per employee and plan blocked on this check: a ``DEDUCTED`` marker (0.00) dated the last day premiums
    were paid (DTP*543). That is the day before the first bucket of the unbroken run of blocked buckets this
    check continues (earlier checks' ``BLOCKED`` entries above 0.00 extend the run back) - or, when what was
    collected since (direct payments, catch-up, less refunds; filled oldest bucket first, as the premium ledger
    fills them) pays for buckets of the run, the last day of the last bucket paid. The marker's id names the
    run's first bucket, so a payment (or its reversal) moves the same marker. Runs are found with a sort and a
    cumulative sum, not a loop."""
    owed = blocked.loc[blocked["amount_cents"].to_numpy(np.int64) > 0]
    if not len(owed):
        return pd.DataFrame()
    keys = ["employee_id", "plan_type", "deduction_code"]
    now = pd.DataFrame({k: owed[k].astype(str).to_numpy() for k in keys})
    now["first"] = pd.to_datetime(owed["coverage_start"]).to_numpy()
    now["last"] = pd.to_datetime(owed["coverage_end"]).to_numpy()
    now["cents"] = owed["amount_cents"].to_numpy(np.int64)
    now["current"] = True
    parts = [now]
    paid = pd.Series(dtype=np.int64)
    if len(earlier):
        kind = earlier["entry_type"].astype(str)
        old = earlier.loc[(kind == "BLOCKED") & (scaled_integers(earlier["amount"]) > 0)]
        parts.append(pd.DataFrame({**{k: old[k].astype(str).to_numpy() for k in keys},
                                   "first": pd.to_datetime(old["coverage_start"]).to_numpy(),
                                   "last": pd.to_datetime(old["coverage_end"]).to_numpy(),
                                   "cents": scaled_integers(old["amount"]), "current": False}))
        moved = earlier.loc[kind.isin(COLLECTED).to_numpy()]
        if len(moved):
            plan = moved[keys].astype(str).agg("|".join, axis=1).to_numpy()
            paid = pd.Series(-scaled_integers(moved["amount"]), index=plan).groupby(level=0).sum()
    runs = pd.concat(parts, ignore_index=True).sort_values([*keys, "first", "current"]).drop_duplicates(
        [*keys, "first"], keep="last")
    same = (runs[keys].shift() == runs[keys]).all(axis=1)
    gap = ~same | (runs["first"] != runs["last"].shift() + pd.Timedelta(days=1))
    runs["run"] = gap.cumsum()
    runs["start"] = runs.groupby("run")["first"].transform("min")
    plan = runs[keys].agg("|".join, axis=1)
    covered = runs.groupby(plan.to_numpy())["cents"].cumsum().to_numpy() <= \
        paid.reindex(plan.to_numpy()).fillna(0).to_numpy(np.int64)
    runs["through"] = (runs["start"] - pd.Timedelta(days=1)).where(~covered, runs["last"])
    current = runs.loc[runs["current"]]
    mine = runs.loc[runs["run"].isin(set(current["run"]))].groupby("run", as_index=False).agg(
        **{k: (k, "first") for k in keys}, start=("start", "first"), through=("through", "max"))
    day = mine["through"].dt.date
    return pd.DataFrame({
        **{k: mine[k].to_numpy() for k in keys}, "share": "EMPLOYEE", "entry_type": "DEDUCTED",
        "coverage_start": day.to_numpy(), "coverage_end": day.to_numpy(),
        "plan_year": [d.year for d in day], "amount_cents": 0, "check_date": check_date, "case_number": None,
        "premium_method": None, "rule_version": None, "key": [d.isoformat() for d in mine["start"].dt.date]})


def _collected(taken: pd.DataFrame, enrollments: pd.DataFrame, window: Any) -> pd.DataFrame:
    """Catch-up collected (RECOVERED, -) or paid back (REFUND, +) on the check: our batches' DED lines."""
    ours = taken.loc[taken["batch_id"].notna() & (taken["batch_id"].astype(str) != "")]
    if not len(ours) or not len(enrollments):
        return pd.DataFrame()
    plans = enrollments.loc[enrollments["deduction_code"].notna(), ["employee_id", "deduction_code", "plan_type"]]
    plans = plans.astype(str).drop_duplicates(["employee_id", "deduction_code"], keep="last")
    got = pd.DataFrame({"employee_id": ours["employee_id"].astype(str).to_numpy(),
                        "deduction_code": ours["deduction_code"].astype(str).to_numpy(),
                        "cents": scaled_integers(ours["amount"])})
    got = got.groupby(["employee_id", "deduction_code"], as_index=False)["cents"].sum().merge(
        plans, on=["employee_id", "deduction_code"])
    got = got.loc[got["cents"] != 0]
    return pd.DataFrame({
        "employee_id": got["employee_id"].to_numpy(), "plan_type": got["plan_type"].to_numpy(),
        "deduction_code": got["deduction_code"].to_numpy(), "share": "EMPLOYEE",
        "entry_type": np.where(got["cents"].to_numpy() > 0, "RECOVERED", "REFUND"),
        "coverage_start": window.period_start, "coverage_end": window.period_end,
        "plan_year": window.check_date.year, "amount_cents": -got["cents"].to_numpy(np.int64),
        "check_date": window.check_date, "case_number": None, "premium_method": "CATCH_UP",
        "rule_version": None})


def premium_entries(store: Any, company: str, check_date: date, *, history: Any = None,
                    tables: Any = None) -> pd.DataFrame | None:
    """The check's entries as canonical ``premium_ledger_entry`` rows (with ``record_key``), None when its
    register has not arrived. Nothing is written."""
    from sqlalchemy import and_, or_

    from leavehub.config.policy import load_policy
    from leavehub.config.rule_tables import load_rule_tables
    from leavehub.payrun.inputs import leave_inputs, pay_period, period_people
    from leavehub.rules.pay import price_period
    from leavehub.rules.wages import wage_plans
    from leavehub.store.tables import versions_table

    register, links = _check_register(store, company, check_date)
    if not len(register):
        return None
    period = pay_period(store, company, check_date)
    tables = tables or load_rule_tables()
    # priced as the pay run priced the check: with the register before it (a state's AWW by quarters decides a
    # top-up, so whether the check paid anything), without the ledger and the net that catch-up reads
    inputs = leave_inputs(store, company, period_people(period.span([])), check_date,
                          wage_plans(tables.state_plans))
    priced = price_period(replace(inputs, premium_ledger=pd.DataFrame(), net_pay=pd.DataFrame()), period.window,
                          history or load_policy(), tables)
    taken = register_deductions(register, links)
    blocked = _blocked(priced.arrears, taken)
    entries = versions_table("premium_ledger_entry")
    blocked_ids = list(set(blocked.get("employee_id", pd.Series(dtype=str)).astype(str)))
    earlier = store.current("premium_ledger_entry", where=and_(
        or_(entries.c.check_date < check_date, entries.c.entry_type == "EMPLOYEE_PAYMENT"),
        entries.c.employee_id.in_(blocked_ids))) if len(blocked) else pd.DataFrame()
    parts = [p for p in (blocked, _paid_through(blocked, earlier, check_date) if len(blocked) else blocked,
                         _collected(taken, inputs.enrollments, period.window)) if len(p)]
    frame = _canonical(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(), check_date)
    return _with_withdrawn(frame, store.current("premium_ledger_entry", where=entries.c.check_date == check_date),
                           check_date)


def _with_withdrawn(frame: pd.DataFrame, stored: pd.DataFrame, check_date: date) -> pd.DataFrame:
    """Entries recorded earlier for this check that the register no longer proves (a restated register, a
    leave withdrawn) are written again with 0.00, so nothing stale stays owed."""
    if not len(stored):
        return frame
    days = pd.to_datetime(stored["check_date"].astype(object), errors="coerce").dt.date
    ids = stored["entry_id"].astype(str)
    ours = stored.loc[((days == check_date) & ids.str.match(r"^(BLOCKED|DEDUCTED|RECOVERED|REFUND)\|")
                       & ~ids.isin(set(frame["entry_id"].astype(str)))).to_numpy(bool)]
    if not len(ours):
        return frame
    gone = ours[[c for c in frame.columns if c in ours.columns]].copy()
    gone["amount"] = pd.Series([Decimal("0.00")] * len(gone), dtype=frame["amount"].dtype, index=gone.index)
    gone["recorded_at"] = pd.Series([datetime.now(UTC)] * len(gone), dtype=frame["recorded_at"].dtype,
                                    index=gone.index)
    gone["record_key"] = gone["entry_id"].astype(object)
    out = pd.concat([frame.drop(columns="_row"), gone], ignore_index=True)
    out.insert(1, "_row", pd.Series(range(1, len(out) + 1), dtype=pd.ArrowDtype(pa.int64())))
    return out.sort_values("record_key", kind="stable").reset_index(drop=True)


def _canonical(moves: pd.DataFrame, check_date: date) -> pd.DataFrame:
    from leavehub.store.stage_tables import arrow_type
    from leavehub.store.tables import entity_columns

    n = len(moves)
    kind = moves["entry_type"].astype(str) if n else pd.Series(dtype=str)
    starts = [d.isoformat() for d in pd.to_datetime(moves["coverage_start"]).dt.date] if n else []
    # an entry's id says what it is: a bucket's BLOCKED share; a DEDUCTED marker of the run starting on ``key``;
    # a collection on this check, or a direct payment under its ``key`` (the payment's reference)
    suffix = [str(k) if isinstance(k, str) else None for k in moves["key"]] if n and "key" in moves else [None] * n
    entry_id = [f"{k}|{e}|{p}|{c}|{s}|{y}" if k == "BLOCKED" else f"{k}|{e}|{p}|{c}|{x or check_date.isoformat()}"
                for k, e, p, c, s, y, x in zip(kind, moves.get("employee_id", []), moves.get("plan_type", []),
                                               moves.get("deduction_code", []), starts, moves.get("plan_year", []),
                                               suffix, strict=True)]
    values: dict[str, list[Any]] = {
        "entry_id": entry_id,
        "amount": [Decimal(int(c)).scaleb(-2) for c in moves["amount_cents"]] if n else [],
        "recorded_at": [datetime.now(UTC)] * n,
        "plan_year": [int(y) for y in moves["plan_year"]] if n else [],
    }
    for name in ("coverage_start", "coverage_end", "check_date"):
        values[name] = list(pd.to_datetime(moves[name]).dt.date) if n else []
    arrays = {}
    for col in entity_columns("premium_ledger_entry"):
        raw = values.get(col.name)
        if raw is None:
            raw = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                   for v in moves[col.name].astype(object)] if n and col.name in moves else [None] * n
        arrays[col.name] = pa.array(raw, arrow_type(col))
    frame = pa.table(arrays).to_pandas(types_mapper=pd.ArrowDtype)
    frame.insert(0, "_row", pd.Series(range(1, n + 1), dtype=pd.ArrowDtype(pa.int64())))
    frame.insert(0, "record_key", frame["entry_id"].astype(object))
    return frame.sort_values("record_key", kind="stable").reset_index(drop=True)


def _content_digest(frame: pd.DataFrame, company: str, check_date: date) -> str:
    """What the entries say (not when they were computed): the same content twice is a duplicate."""
    shown = frame.drop(columns=["recorded_at", "_row"]).astype(str)
    text = f"{company}|{check_date.isoformat()}\n" + shown.to_csv(index=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_premium_ledger(store: Any, company: str, check_date: date, *, history: Any = None,
                          tables: Any = None) -> LedgerRecord:
    """Write ``company``'s entries of ``check_date`` (see the module doc); idempotent per check date."""
    from leavehub.store import FileArrival, SupersedeRule
    from schemas.errors import DuplicateInput
    from schemas.version import SCHEMA_VERSION

    frame = premium_entries(store, company, check_date, history=history, tables=tables)
    if frame is None:
        return LedgerRecord(company, check_date, "NO_REGISTER", 0)
    digest = _content_digest(frame, company, check_date)
    arrival = FileArrival(HUB_VENDOR, LEDGER_FEED, "inbound", f"premium_ledger_{company}_{check_date:%Y%m%d}",
                          None, digest, digest, None, check_date, "change", SCHEMA_VERSION, None, len(frame))
    try:
        with store.intake(arrival) as intake:
            if len(frame):
                intake.stage("premium_ledger_entry", frame, SupersedeRule.FILE_DATE)
    except DuplicateInput:
        return LedgerRecord(company, check_date, "UNCHANGED", len(frame))
    return LedgerRecord(company, check_date, "APPLIED", len(frame))


def record_registered_checks(store: Any, company: str, *, before: date, history: Any = None,
                             tables: Any = None) -> list[LedgerRecord]:
    """Record every check date of ``company``'s pay calendar before ``before`` whose register has arrived and
    changed since it was last recorded (each idempotent): what the pay run calls first, so catch-up sees every
    arrears entry payroll's registers prove."""
    from sqlalchemy import and_, func, select

    from leavehub.store.tables import FILE_LEDGER, versions_table

    r, f, cal = versions_table("payroll_register_line"), FILE_LEDGER.c, versions_table("pay_period")
    # per check date of the calendar, when its register last changed: one index seek each (the register's
    # (company, check_date, recorded_at) index), never a scan of every register line received
    days = select(cal.c.check_date).where(cal.c.superseded_at.is_(None), cal.c.valid_to.is_(None),
                                          cal.c.payroll_company_code == company, cal.c.check_date < before) \
        .distinct().subquery()
    # the first row of a backward walk of that index, not max(): PostgreSQL turns max(recorded_at), or an
    # equality on check_date ordered by recorded_at, into a backward walk of the recorded_at index filtering
    # every line of every later check (an intake's lines share one recorded_at); a one-day range keeps check_date
    # in the order, which only the (check_date, company, recorded_at) index gives. SQLite seeks the equality.
    day = days.c.check_date
    same_day = r.c.check_date == day if store.engine.dialect.name == "sqlite" \
        else and_(r.c.check_date >= day, r.c.check_date <= day)
    latest = select(r.c.recorded_at).where(r.c.payroll_company_code == company, same_day) \
        .order_by(r.c.check_date.desc(), r.c.payroll_company_code.desc(), r.c.recorded_at.desc()).limit(1) \
        .scalar_subquery()
    with store.engine.connect() as connection:
        changed = {day: at for day, at in connection.execute(select(days.c.check_date, latest)).all()
                   if at is not None}
        recorded = dict(connection.execute(select(f.business_date, func.max(f.received_at)).where(
            f.vendor == HUB_VENDOR, f.feed == LEDGER_FEED, f.status.in_(("APPLIED", "DUPLICATE")),
            f.file_name.like(f"premium_ledger_{company}_%")).group_by(f.business_date)).all())
    out = []
    for day in sorted(changed):
        if day in recorded and _aware(recorded[day]) > _aware(changed[day]):
            out.append(LedgerRecord(company, day, "UNCHANGED", -1))  # recorded after its register's last change
            continue
        out.append(record_premium_ledger(store, company, day, history=history, tables=tables))
    return out


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record_direct_payment(store: Any, company: str, employee: str, plan_type: str, amount: Decimal,
                          received: date, reference: str) -> LedgerRecord:
    """An employee's direct premium payment (prepay or pay-as-you-go, during unpaid leave) for one plan: an
    ``EMPLOYEE_PAYMENT`` entry (-amount) under its ``reference`` (a check or receipt number), which the premium
    ledger applies to the oldest bucket still owed, so the share stops counting as late. The same reference
    again with the same amount is ``UNCHANGED``; with another amount it corrects the payment (0.00 reverses a
    bounced one). Then the company's latest registered check is recorded again, so the paid-through marker
    (DTP*543 of the carrier's 834) moves with the payment. The deduction code comes from the enrollment in force
    on ``received``; an employee without one is a ``ConfigError``."""
    from sqlalchemy import and_, func, or_, select

    from leavehub.store import FileArrival, SupersedeRule
    from leavehub.store.tables import versions_table
    from schemas.errors import ConfigError, DuplicateInput
    from schemas.version import SCHEMA_VERSION

    if not _REFERENCE.match(reference):
        raise ConfigError(f"payment reference {reference!r}: 1-40 letters, digits, '.', '_' or '-'",
                          key_path="reference")
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ConfigError(f"payment amount {amount}: 0.00 or more, in cents", key_path="amount")
    e = versions_table("enrollment")
    in_force = and_(e.c.employee_id == employee, e.c.plan_type == plan_type, e.c.effective_from <= received,
                    or_(e.c.effective_to.is_(None), e.c.effective_to >= received))
    enrolled = store.current("enrollment", where=in_force)
    if not len(enrolled) or enrolled["deduction_code"].isna().all():
        raise ConfigError(f"employee {employee} has no {plan_type} enrollment with a deduction code in force on "
                          f"{received.isoformat()}", key_path="plan")
    lp = versions_table("leave_period")
    mine = and_(lp.c.employee_id == employee, lp.c.premium_method.is_not(None), lp.c.period_start <= received)
    leave = store.current("leave_period", where=mine)
    method = str(leave.sort_values("period_start")["premium_method"].iloc[-1]) if len(leave) else None
    moves = pd.DataFrame([{
        "employee_id": employee, "plan_type": plan_type,
        "deduction_code": str(enrolled["deduction_code"].dropna().iloc[-1]), "share": "EMPLOYEE",
        "entry_type": "EMPLOYEE_PAYMENT", "coverage_start": received, "coverage_end": received,
        "plan_year": received.year, "amount_cents": -int(amount * 100), "check_date": received,
        "case_number": None, "premium_method": method, "rule_version": None, "key": reference}])
    frame = _canonical(moves, received)
    digest = _content_digest(frame, company, received)
    # dated the day it is recorded, not received: a correction recorded later always supersedes the payment
    arrival = FileArrival(HUB_VENDOR, PAYMENT_FEED, "inbound", f"premium_payment_{company}_{reference}", None,
                          digest, digest, None, datetime.now(UTC).date(), "change", SCHEMA_VERSION, None,
                          len(frame))
    try:
        with store.intake(arrival) as intake:
            intake.stage("premium_ledger_entry", frame, SupersedeRule.FILE_DATE)
        status: RecordStatus = "APPLIED"
    except DuplicateInput:
        status = "UNCHANGED"
    r = versions_table("payroll_register_line")
    with store.engine.connect() as connection:
        latest = connection.execute(select(func.max(r.c.check_date)).where(
            r.c.payroll_company_code == company, r.c.superseded_at.is_(None))).scalar_one_or_none()
    if latest is not None:
        record_premium_ledger(store, company, latest)
    return LedgerRecord(company, received, status, len(frame))
