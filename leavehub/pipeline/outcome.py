"""What a run did, as values: one ``Receipt`` per inbound file, one ``RunOutcome`` per run.

One status vocabulary, the file ledger's (``schemas.codes.FileStatus``), is shared by the ledger, the
CLI and the Airflow task:

    APPLIED       every row of the file is in the store (or the file was empty)
    DUPLICATE     the same content (or control number) was received before: nothing posted
    REJECTED      bad content or name: nothing posted, the file kept in quarantine beside its report
                  (the ledger row then reads QUARANTINED: rejected, and safely kept)
    SENT          an outbound batch went out; ALREADY_SENT when the ledger already held its SENT row

Bad input is an outcome, never an exception: the inbound steps return a ``Receipt`` whatever the file held.
Exceptions are left for what a run cannot handle (a transport or store failure, broken configuration); they
stop the run. Only the caller turns outcomes into an exit code (CLI) or a failed/skipped task (Airflow).

Example::

    outcome = run_feed("harbor_leave.leave_periods")
    [r.status for r in outcome.receipts]      # ["APPLIED", "REJECTED"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from schemas.errors import RejectedInput, RowError

__all__ = ["RECORD_OUTCOMES", "Receipt", "ReceiptStatus", "Rejection", "RunOutcome"]

ReceiptStatus = Literal["APPLIED", "DUPLICATE", "REJECTED"]
"""What became of one inbound file: a subset of the ledger's ``FileStatus``."""

RECORD_OUTCOMES = ("applied", "tie_applied", "unchanged", "stale", "overridden", "duplicate", "closed")
"""What became of each record of an applied file, as the store counts it per entity
(``leavehub.store.RecordOutcomes``; ``closed``: stored keys a FULL file no longer lists)."""


@dataclass
class Rejection:
    """Why a file's content or name is refused: where and why, never a value.

    ``ledger_id`` is the REJECTED ledger row once one is recorded.
    """

    error_class: str
    reason: str
    errors: list[RowError] = field(default_factory=list)
    line: int | None = None
    field: str | None = None
    ledger_id: int | None = None

    def __post_init__(self) -> None:
        if not self.errors:  # one report shape: a file-level problem is listed like a row error
            self.errors = [RowError(row=None, field=self.field, reason=self.reason, line=self.line)]

    @classmethod
    def of(cls, exc: RejectedInput) -> Rejection:
        """A reader's or verifier's own verdict (its message is written to carry no value)."""
        return cls(type(exc).__name__, exc.reason, list(exc.errors), exc.line, exc.field)

    @classmethod
    def unexpected(cls, exc: BaseException, *, reason: str = "content no reader expected") -> Rejection:
        """An exception nobody foresaw for this content: named by its class only (its text may quote a value)."""
        return cls("FormatError", f"{reason} ({type(exc).__name__})")


@dataclass
class Receipt:
    """What happened to one inbound file. No values: names, counts, reasons and where the report is."""

    feed: str
    file: str  # the name as the vendor sent it (never shortened)
    status: ReceiptStatus
    business_date: date | None
    records: dict[str, int] = field(default_factory=dict)  # rows read per entity
    errors: int = 0
    quarantine_report: Path | None = None
    ledger_id: int | None = None
    reason: str | None = None  # why a file was rejected (file level); row errors are in the report
    record_outcomes: dict[str, dict[str, int]] = field(default_factory=dict)  # entity -> RECORD_OUTCOMES
    warnings: list[RowError] = field(default_factory=list)  # schema drift: new columns, unseen codes
    duplicate_of: int | None = None  # DUPLICATE: the ledger entry that first brought this content

    @property
    def rejected(self) -> bool:
        return self.status == "REJECTED"

    @property
    def changed(self) -> bool:
        """APPLIED and it wrote a version or closed one: the store holds something new. A file or pull whose
        records were all unchanged or stale is APPLIED (it is on record) but changed nothing."""
        return self.status == "APPLIED" and any(
            counts.get("applied", 0) + counts.get("tie_applied", 0) + counts.get("closed", 0)
            for counts in self.record_outcomes.values())

    def describe_outcomes(self) -> str:
        """``leave_period: applied 3, tie_applied 1, unchanged 2`` (zero counts left out)."""
        parts = []
        for entity, counts in sorted(self.record_outcomes.items()):
            shown = ", ".join(f"{k} {counts[k]}" for k in RECORD_OUTCOMES if counts.get(k))
            parts.append(f"{entity}: {shown or 'nothing'}")
        return "; ".join(parts) or "no records"


@dataclass
class RunOutcome:
    """One run of one feed: the receipts of the files it took, or what it sent."""

    feed: str
    business_date: date | None = None
    receipts: list[Receipt] = field(default_factory=list)
    sent: Any = None  # leavehub.pipeline.outbound.Sent
    skipped: list[str] = field(default_factory=list)  # inbox names that are not this feed's (pattern)
    # an X12 feed reads the partner's TA1/999 answers first (leavehub.pipeline.acknowledgements.AckReceipt)
    acknowledgements: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.rejected for r in self.receipts)

    @property
    def rejected(self) -> list[Receipt]:
        return [r for r in self.receipts if r.rejected]

    @property
    def applied(self) -> list[Receipt]:
        return [r for r in self.receipts if r.status == "APPLIED"]

    @property
    def changed(self) -> list[Receipt]:
        """The receipts that brought something new into the store (``Receipt.changed``)."""
        return [r for r in self.receipts if r.changed]

    def summary(self) -> str:
        if self.sent:
            acks = "".join(f"\n  ACK {a.status:<9} {a.file} "
                           + ", ".join(f"{s.control_number}/{s.set_control} {s.status}" for s in a.sets)
                           for a in self.acknowledgements)
            return f"{self.feed}: {self.sent.status} {self.sent.file} ({self.sent.records} records){acks}"
        if not self.receipts:
            return f"{self.feed}: no files waiting"
        lines = [f"{self.feed}: {len(self.receipts)} file(s)"]
        for r in self.receipts:
            extra = f" report: {r.quarantine_report}" if r.quarantine_report else ""
            why = f" ({r.reason})" if r.reason and r.rejected else ""
            counts = r.describe_outcomes() if r.record_outcomes else \
                ", ".join(f"{k}={v}" for k, v in r.records.items())
            lines.append(f"  {r.status:<9} {r.file} {counts}{why}{extra}")
            lines += [f"  WARNING   {w.reason}" + (f" (line {w.line})" if w.line else "") for w in r.warnings]
        return "\n".join(lines)
