"""File formats: streaming readers and writers for the layouts a mapping file declares.

``read_chunks`` turns a delimited, fixed-width or JSON file into bounded pandas chunks of Arrow strings with
row and line numbers; ``write_chunks`` streams frames out with header, RFC 4180 quoting, formula
neutralising and a counted trailer. Everything is exported lazily: importing this package costs nothing,
the first use of a name imports pandas and pyarrow.

Example::

    from connectors.formats import parse_layout, read_chunks
    layout = parse_layout({"type": "delimited", "delimiter": "|"})
    for chunk in read_chunks(layout, path, name=path.name): ...
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "BusinessDateField",
    "Chunk",
    "CountField",
    "DelimitedLayout",
    "FixedField",
    "FixedMarkerField",
    "FixedMarkerRecord",
    "FixedWidthLayout",
    "JsonLayout",
    "Layout",
    "LiteralField",
    "TrailerSpec",
    "WriteResult",
    "frame_from_records",
    "page_records",
    "parse_layout",
    "read_chunks",
    "read_records",
    "write_chunks",
]

_HOME = {
    "Chunk": "chunk",
    "WriteResult": "chunk",
    "read_chunks": "dispatch",
    "write_chunks": "dispatch",
    "frame_from_records": "json_records",
    "page_records": "json_records",
    "read_records": "json_records",
}

if TYPE_CHECKING:
    from connectors.formats.chunk import Chunk, WriteResult
    from connectors.formats.dispatch import read_chunks, write_chunks
    from connectors.formats.json_records import frame_from_records, page_records, read_records
    from connectors.formats.layouts import (
        BusinessDateField,
        CountField,
        DelimitedLayout,
        FixedField,
        FixedMarkerField,
        FixedMarkerRecord,
        FixedWidthLayout,
        JsonLayout,
        Layout,
        LiteralField,
        TrailerSpec,
        parse_layout,
    )


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_HOME.get(name, 'layouts')}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
