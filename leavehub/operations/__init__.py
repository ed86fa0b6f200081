"""Operations: what keeps the nightly exchanges honest when nobody is watching.

    arrivals   check_arrivals: a file not here by its arrival window -> ledger MISSING (once) + alert
    sequence   check_sequences: a hole in a change feed's dates or {seq} numbers -> MISSING + alert
    releases   quarantine list / show / release (re-run through receive_file, then archive)
    backfill   run a feed for each business date in a range (outbound skips dates already SENT)
    commands   the typer commands; ``register(app)`` mounts them on the ``leavehub`` CLI

Public names load lazily so that importing ``leavehub.operations`` stays cheap (no typer, SQLAlchemy or pandas
until a function is used).

Example::

    from leavehub.operations import check_arrivals

Alerts are sent through ``leavehub.alerts`` (a leaf the pipeline and operations both use).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = [
    "BackfillResult",
    "HeldFile",
    "MissingFile",
    "SequenceGap",
    "backfill",
    "check_arrivals",
    "check_sequences",
    "find_entry",
    "held_files",
    "release",
]

_HOME = {
    "MissingFile": "leavehub.operations.arrivals",
    "check_arrivals": "leavehub.operations.arrivals",
    "SequenceGap": "leavehub.operations.sequence",
    "check_sequences": "leavehub.operations.sequence",
    "HeldFile": "leavehub.operations.releases",
    "find_entry": "leavehub.operations.releases",
    "held_files": "leavehub.operations.releases",
    "release": "leavehub.operations.releases",
    "BackfillResult": "leavehub.operations.backfill",
    "backfill": "leavehub.operations.backfill",
}

if TYPE_CHECKING:
    from leavehub.operations.arrivals import MissingFile, check_arrivals
    from leavehub.operations.backfill import BackfillResult, backfill
    from leavehub.operations.releases import HeldFile, find_entry, held_files, release
    from leavehub.operations.sequence import SequenceGap, check_sequences


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'leavehub.operations' has no attribute {name!r}")
