"""Reading the store without Python or SQL: current state, a point in either clock, one record's history.

    leavehub show ENTITY [--key K] [--as-of T] [--valid-on D] [--format table|csv|json]
    leavehub history ENTITY KEY [--format table|csv|json]

The store keeps two clocks per version: valid time (``valid_from``/``valid_to``: when it was true for the
business) and recorded time (``recorded_at``/``superseded_at``: when the hub knew it). ``show`` answers "what is
true now" by default, "what did we know at T" with ``--as-of`` and "what was true on D" with ``--valid-on``;
``history`` lists every version of one record with the file and row it came from. PII fields (SSN, birth date,
names, addresses, contacts) are never decrypted here: a present value shows as ``•••``, an absent one as empty.
A record is named by its record key (the ``record_key`` column ``show`` prints).

Example::

    frame = show_frame(store, "leave_period", valid_on=date(2026, 3, 2))
    print(render_text(frame, "csv"))
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from schemas.errors import ConfigError

__all__ = ["MASK", "OutputFormat", "history_frame", "parse_as_of", "render_text", "show_frame"]

MASK = "•••"
OutputFormat = Literal["table", "csv", "json"]
CLOCKS = ("valid_from", "valid_to", "recorded_at", "superseded_at")
SHOW_TAIL = ("valid_from", "valid_to", "recorded_at", "source_vendor", "source_file_id", "source_row")
HISTORY_HEAD = ("version_id", "recorded_at", "superseded_at", "valid_from", "valid_to", "file", "source_file_id",
                "source_row", "source_business_date", "source_vendor")


def entity_fields(entity: str) -> list[str]:
    """The canonical fields of ``entity`` in model order; ConfigError naming the known entities otherwise."""
    from schemas.models import ENTITIES

    if entity not in ENTITIES:
        raise ConfigError(f"unknown entity {entity!r}; one of: {', '.join(sorted(ENTITIES))}")
    return list(ENTITIES[entity].model_fields)


def parse_as_of(text: str) -> datetime:
    """An ISO 8601 instant with a UTC offset (``2026-03-02T08:00:00Z``); a naive time is ambiguous, refused."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--as-of {text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise ConfigError(f"--as-of {text!r} has no UTC offset; add one, e.g. {text}Z or {text}+00:00")
    return value


def show_frame(store: Any, entity: str, *, key: str | None = None, as_of: datetime | None = None,
               valid_on: date | None = None) -> Any:
    """Versions known at ``as_of`` (default now) and true on ``valid_on`` (default: open), PII masked."""
    fields = entity_fields(entity)
    frame = store.current(entity, as_of_recorded=as_of, valid_on=valid_on)
    if key is not None:
        frame = frame[frame["record_key"] == key]
    frame = _masked(frame, fields)
    frame = frame.sort_values(["record_key", "valid_from"], kind="stable")
    return frame[["record_key", *fields, *SHOW_TAIL]].reset_index(drop=True)


def history_frame(store: Any, entity: str, key: str) -> Any:
    """Every version of record ``key``: both clocks, the file (ledger name and id) and row it came from."""
    fields = entity_fields(entity)
    frame = _masked(store.history(entity, key), fields)
    names: dict[int, str] = {}
    for file_id in frame["source_file_id"].dropna().unique():
        rows = store.ledger(file_id=int(file_id), limit=1)
        names[int(file_id)] = rows[0].file_name if rows else ""
    frame["file"] = [names.get(int(i), "") for i in frame["source_file_id"].fillna(0)]
    return frame[[*HISTORY_HEAD, *fields]].reset_index(drop=True)


def _masked(frame: Any, fields: list[str]) -> Any:
    """PII comes from the store as ``<field>_hash``: shown as the mask when present, never as the value."""
    out = frame.copy()
    for name in fields:
        hashed = f"{name}_hash"
        if hashed in out.columns:
            out[name] = [MASK if present else None for present in out[hashed].notna()]
            out = out.drop(columns=[hashed])
    return out


def render_text(frame: Any, fmt: OutputFormat) -> str:
    """``frame`` as CSV (header row, RFC 4180) or JSON (a list of objects); every row, never truncated."""
    records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    if fmt == "json":
        return json.dumps(records, indent=1, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(frame.columns))
        for record in records:
            writer.writerow(["" if v is None else v for v in record.values()])
        return buffer.getvalue()
    raise ConfigError(f"--format {fmt!r}: use table, csv or json")


def _plain(value: Any) -> Any:
    """A cell as JSON-able text or number: dates and times ISO 8601, money exact (a string), null as None."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    try:
        if value != value:  # NaN / NA
            return None
    except (TypeError, ValueError):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
