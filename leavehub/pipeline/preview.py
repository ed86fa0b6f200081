"""Preview a mapping on a sample file: canonical rows and every error, nothing stored.

Example::

    result = preview_file("harbor_leave.absences", Path("sample.csv"), rows=20)

A feed made of a file set previews the sample with the other files of its set that lie beside it, joined.
"""

from __future__ import annotations

import contextlib
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
        with contextlib.ExitStack() as held:
            if feed.spec.file_set is not None:  # a set: the sample and its sibling files, joined as a run would
                from leavehub.pipeline.file_sets import sample_set

                chunks, out.errors = sample_set(feed, sample, 100_000)
            else:
                chunks = read_chunks(feed.layout, held.enter_context(sample.open("rb")), name=sample.name)
            for chunk in chunks:
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
