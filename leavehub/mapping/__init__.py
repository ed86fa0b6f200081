"""The mapping language and its compiler: vendor records <-> canonical leave entities, as column operations.

Public API (imported lazily, so ``import leavehub.mapping`` stays cheap and pulls in no pandas)::

    load_mapping(path) -> MappingFile          # validated; errors name file, key path and line
    load_mapper(path) -> InboundMapper | OutboundMapper
    load_compiled(path) -> (MappingFile, mapper)  # one load, one compilation (what a FeedPlan holds)
    compile_mapping(mapping, codes) -> InboundMapper | OutboundMapper
    InboundMapper.apply(frame, first_row, business_date) -> MappedChunk(frames, errors)
    OutboundMapper.apply(frames, business_date) -> DataFrame; OutboundMapper.required_entities
    validate_frame(frame, model) -> list[RowError]
    publish_json_schema() -> Path              # leavehub/mapping/mapping.schema.json

Example::

    from leavehub.mapping import load_mapper
    chunk = load_mapper("mappings/harbor_leave/leave_periods.yaml").apply(frame, 1, date(2026, 11, 20))
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "CodesFile",
    "InboundMapper",
    "MappedChunk",
    "MappingFile",
    "OutboundMapper",
    "compile_mapping",
    "load_codes",
    "load_compiled",
    "load_mapper",
    "load_mapping",
    "mapping_in_effect",
    "publish_json_schema",
    "register_transform",
    "validate_frame",
]

_HOME = {
    "CodesFile": "model", "MappingFile": "model",
    "InboundMapper": "compiler", "MappedChunk": "compiler", "OutboundMapper": "compiler",
    "compile_mapping": "compiler",
    "load_codes": "loader", "load_compiled": "loader", "load_mapper": "loader", "load_mapping": "loader",
    "mapping_in_effect": "loader",
    "publish_json_schema": "loader",
    "register_transform": "transforms",
    "validate_frame": "validate",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"leavehub.mapping.{_HOME[name]}"), name)
    raise AttributeError(f"module 'leavehub.mapping' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
