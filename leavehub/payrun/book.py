"""The pay book: every pay-data batch built for a company and check date, with its lines and its state.

A batch moves BUILT -> SENT -> ACKNOWLEDGED (a register line carries its Batch ID). Its Batch ID
(``<CO><YYYYMMDD><NN>``) is assigned when it is built and reused on every retry and on a ``REPLACE``; its lines
are the instruction frame it carries (with each line's explanation), so a later run diffs against exactly what
was sent. One JSON file per batch under ``<home>/payrun/<CO>/<YYYYMMDD>/`` (0600 in 0700 folders), written to
a temporary name and renamed, so a crash never leaves half a batch.

Example::

    book = PayBook(settings.home)
    latest = book.latest("NWD", date(2026, 3, 20))    # None before the first build
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from leavehub.pipeline.at_rest import private_dir

__all__ = ["BatchStatus", "PayBatch", "PayBook"]

BatchStatus = Literal["BUILT", "SENT", "ACKNOWLEDGED"]


@dataclass(frozen=True)
class PayBatch:
    """One pay-data batch: what it carries (``lines``: instruction records, text values) and where it stands."""

    batch_id: str
    company: str
    check_date: str
    period_start: str
    period_end: str
    action: Literal["NEW", "REPLACE"]
    status: BatchStatus
    lines: list[dict[str, Any]] = field(default_factory=list)
    receivables: list[dict[str, Any]] = field(default_factory=list)
    file_name: str = ""
    sha256: str = ""
    sends: int = 0

    def with_status(self, status: BatchStatus, **changes: Any) -> PayBatch:
        return replace(self, status=status, **changes)


class PayBook:
    """The batches of every company and check date, kept under the hub's home."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.root = self.home / "payrun"

    def _folder(self, company: str, check_date: date | str) -> Path:
        day = check_date if isinstance(check_date, str) else check_date.isoformat()
        return self.root / company / day.replace("-", "")

    def batches(self, company: str, check_date: date | str | None = None) -> list[PayBatch]:
        """The company's batches (of one check date when given), oldest first."""
        if not self.root.is_dir():
            return []
        folders = [self._folder(company, check_date)] if check_date is not None else \
            sorted(p for p in (self.root / company).glob("*") if p.is_dir())
        found = []
        for folder in folders:
            for path in sorted(folder.glob("*.json")):
                found.append(PayBatch(**json.loads(path.read_text(encoding="utf-8"))))
        return sorted(found, key=lambda b: (b.check_date, b.batch_id))

    def latest(self, company: str, check_date: date | str) -> PayBatch | None:
        mine = self.batches(company, check_date)
        return mine[-1] if mine else None

    def next_batch_id(self, company: str, check_date: date) -> str:
        return f"{company}{check_date:%Y%m%d}{len(self.batches(company, check_date)) + 1:02d}"

    def save(self, batch: PayBatch) -> None:
        folder = private_dir(self._folder(batch.company, batch.check_date), under=self.home)
        tmp = folder / f".{batch.batch_id}.json.part"
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(batch), sort_keys=True, indent=1))
        tmp.replace(folder / f"{batch.batch_id}.json")
