"""The store: versioned canonical records, the file ledger, PII at rest, identity crosswalk.

Public names load lazily so that importing ``leavehub.store`` stays cheap (no pandas or SQLAlchemy until a
store is used); ``Store`` is the entry point.

Example::

    from leavehub.store import FileArrival, Store, SupersedeRule
    store = Store.open(); store.migrate()
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = [
    "AmbiguousIdentity",
    "FileArrival",
    "Intake",
    "LedgerEntry",
    "OutboundBatch",
    "PiiCipher",
    "RecordOutcomes",
    "Store",
    "SupersedePlan",
    "SupersedeRule",
    "VendorIds",
]

_HOME = {
    "AmbiguousIdentity": "leavehub.store.identity",
    "FileArrival": "leavehub.store.ledger",
    "Intake": "leavehub.store.store",
    "LedgerEntry": "leavehub.store.ledger",
    "OutboundBatch": "leavehub.store.ledger",
    "PiiCipher": "leavehub.store.pii",
    "RecordOutcomes": "leavehub.store.versions",
    "Store": "leavehub.store.store",
    "SupersedePlan": "leavehub.store.versions",
    "SupersedeRule": "leavehub.store.versions",
    "VendorIds": "leavehub.store.identity",
}

if TYPE_CHECKING:
    from leavehub.store.identity import AmbiguousIdentity, VendorIds
    from leavehub.store.ledger import FileArrival, LedgerEntry, OutboundBatch
    from leavehub.store.pii import PiiCipher
    from leavehub.store.store import Intake, Store
    from leavehub.store.versions import RecordOutcomes, SupersedePlan, SupersedeRule


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'leavehub.store' has no attribute {name!r}")
