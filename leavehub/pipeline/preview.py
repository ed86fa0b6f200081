"""Preview a mapping on a sample file: canonical rows and every error, nothing stored.

Example::

    result = preview_file("harbor_leave.absences", Path("sample.csv"), rows=20)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from leavehub.pipeline.feeds import load_feed
from leavehub.pipeline.inbound import business_date_of
from schemas.errors import RejectedInput, RowError

__all__ = ["Preview", "preview_file"]


@dataclass
class Preview:
    frames: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def preview_file(feed_id: str, sample: Path, *, rows: int = 20, business_date: date | None = None) -> Preview:
    import pandas as pd

    from connectors.formats import read_chunks
    from leavehub.pipeline.runner import today  # the employer's day, as a scheduled run would take it

    feed = load_feed(feed_id)
    bday = business_date_of(feed, sample.name, business_date) or today(feed.settings)
    out = Preview()
    try:
        with sample.open("rb") as stream:
            for chunk in read_chunks(feed.layout, stream, name=sample.name):
                mapped = feed.mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=bday,
                                           line_of=chunk.line_of)
                out.errors += list(chunk.row_errors) + mapped.errors
                for entity, frame in mapped.frames.items():
                    out.counts[entity] = out.counts.get(entity, 0) + len(frame)
                    head = out.frames.get(entity)
                    if head is None or len(head) < rows:
                        out.frames[entity] = frame.head(rows) if head is None else \
                            pd.concat([head, frame]).head(rows)
    except RejectedInput as exc:
        out.errors += exc.errors or [RowError(row=None, field=exc.field, reason=exc.reason, line=exc.line)]
    return out
