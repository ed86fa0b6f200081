"""Builders the store tests share: file arrivals, timestamps, leave_period chunks, the test PII key.

A module of its own (not conftest) so test files import it by a name no other test folder uses.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa

from leavehub.store import FileArrival, PiiCipher

TEST_KEY = PiiCipher(hashlib.sha256(b"leavehub tests only").digest())


def arrival(content: str = "file-1", *, name: str | None = None, vendor: str = "harbor_leave",
            feed: str = "leave_periods", kind: str = "change", business_date: date | None = date(2026, 3, 2),
            control_number: str | None = None, record_count: int | None = None) -> FileArrival:
    """A FileArrival whose plaintext hash is derived from ``content`` (same content = same hash)."""
    plain = hashlib.sha256(content.encode()).hexdigest()
    received = hashlib.sha256((content + (name or "")).encode()).hexdigest()
    return FileArrival(vendor, feed, "inbound", name or f"{content}.csv.pgp", 1234, received, plain,
                       control_number, business_date, kind, "1.0.0", "1", record_count)


def stamp(day: int, hour: int = 8) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def leave_periods(*rows: dict[str, Any]) -> pd.DataFrame:
    """A leave_period chunk with Arrow dtypes; each row names record key, decision and updated_at."""
    base = {"case_number": "NTN-1", "employee_id": "W1", "plan": "FMLA", "period_type": "CONTINUOUS",
            "period_start": date(2026, 3, 2), "weekly_benefit": Decimal("1200.00")}
    records = []
    for i, row in enumerate(rows):
        record = {**base, **row}
        record.setdefault("absence_period_key", record["record_key"])
        record.setdefault("_row", i + 1)
        records.append(record)
    schema = pa.schema([("record_key", pa.string()), ("_row", pa.int64()), ("case_number", pa.string()),
                        ("absence_period_key", pa.string()), ("employee_id", pa.string()),
                        ("plan", pa.string()), ("period_type", pa.string()), ("decision", pa.string()),
                        ("period_start", pa.date32()), ("weekly_benefit", pa.decimal128(14, 2)),
                        ("updated_at", pa.timestamp("us", tz="UTC"))]
                       + ([("valid_from", pa.date32())] if any("valid_from" in r for r in records) else []))
    table = pa.Table.from_pylist(records, schema=schema)
    return table.to_pandas(types_mapper=pd.ArrowDtype)
