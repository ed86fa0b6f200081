"""A feed's record key and supersede stamp, from vendor.yaml: the one place that says what identifies a record.

vendor.yaml names the vendor's key columns (``record_key``, composite keys as a list; a feed whose mapping
produces several entities names them per entity; ``"{date}"`` names the file's business date, for a record that
a file's name dates but no column carries, like the bill month of a monthly bill) and, under the ``updated_at``
rule, the vendor's stamp column (``supersede.column``). Here each name is resolved against the feed's mapping to
the canonical field it fills (a field whose rule starts from exactly that column or JSON path; when several do,
the entity's natural-key field first, else the first in the mapping). A name no field starts from is a
``ConfigError`` naming vendor.yaml's key path, raised by ``leavehub mapping check`` and when the feed is loaded.

The stored ``record_key`` is the key fields' canonical values in that order, joined with ``|`` (a ``|`` or
``\\`` inside a value is escaped, so two different keys never join to the same text). An empty key part is a
row error: a partial key would merge different records; except a part the canonical model's natural key
declares optional (a register line payroll made itself has no batch id): empty is then one value of it.

Example::

    keys = feed_keys(vendor, "leave_periods", mapping.targets)
    keys["leave_period"].fields                       # ("absence_period_key",)
    frame, errors = keyed_frame(frame, keys["leave_period"])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemas.errors import ConfigError, RowError

if TYPE_CHECKING:
    import pandas as pd

    from leavehub.config.vendor import VendorConfig

__all__ = ["EntityKey", "feed_keys", "keyed_frame"]


@dataclass(frozen=True)
class EntityKey:
    """How one entity of a feed is keyed: canonical key fields (vendor.yaml order), their vendor columns, and
    the canonical field holding the supersede stamp (``updated_at`` rule only)."""

    entity: str
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    stamp: str | None = None


def _start_column(rule: Any) -> str | None:
    """The one vendor column or JSON path a field rule starts from (None: a constant, concat, ...)."""
    from leavehub.mapping.model import PathRule, SourceRule, steps_of

    first = steps_of(rule)[0]
    if isinstance(first, SourceRule) and isinstance(first.source, str):
        return first.source
    if isinstance(first, PathRule):
        return first.path
    return None


FILE_DATE_KEY = "{date}"
"""A ``record_key`` part naming the file's business date (the ``{date}`` of its name), not a column."""


def _from_business_date(rule: Any) -> bool:
    from leavehub.mapping.model import BusinessDateRule, steps_of

    return isinstance(steps_of(rule)[0], BusinessDateRule)


def _field_from(column: str, fields: dict[str, Any], natural_key: tuple[str, ...]) -> str | None:
    if column == FILE_DATE_KEY:
        filled = [name for name, rule in fields.items() if _from_business_date(rule)]
    else:
        filled = [name for name, rule in fields.items() if _start_column(rule) == column]
    preferred = [name for name in filled if name in natural_key]
    return (preferred or filled or [None])[0]


def feed_keys(vendor: VendorConfig, feed_name: str, targets: list[Any], *, file: str | None = None
              ) -> dict[str, EntityKey]:
    """Resolve ``feeds.<feed_name>.record_key`` and ``supersede.column`` against the mapping's ``targets``."""
    from schemas.models import ENTITIES

    feed = vendor.feeds[feed_name]
    where = f"feeds.{feed_name}"
    declared = feed.record_key
    entities = [t.entity for t in targets]
    if isinstance(declared, dict):
        unknown = sorted(set(declared) - set(entities))
        missing = [e for e in entities if e not in declared]
        if unknown or missing:
            detail = f"names entities the mapping does not produce: {unknown}" if unknown \
                else f"has no key for mapped entities: {missing}"
            raise ConfigError(f"record_key {detail}", file=file, key_path=f"{where}.record_key")
    keys: dict[str, EntityKey] = {}
    for target in targets:
        columns = declared[target.entity] if isinstance(declared, dict) else declared
        path = f"{where}.record_key" + (f".{target.entity}" if isinstance(declared, dict) else "")
        natural = getattr(ENTITIES.get(target.entity), "natural_key", ())
        fields = []
        for column in columns:
            name = _field_from(column, target.fields, natural)
            if name is None:
                reason = (f"(the file's business date) is taken by no {target.entity} field in the mapping "
                          "({business_date: true})" if column == FILE_DATE_KEY
                          else f"is not the source of any {target.entity} field in the mapping")
                raise ConfigError(f"record_key column {column!r} {reason}", file=file, key_path=path)
            if name in fields:
                raise ConfigError(f"record_key names {column!r} twice for {target.entity}", file=file,
                                  key_path=path)
            fields.append(name)
        stamp = None
        supersede = feed.supersede
        if supersede is not None and supersede.column is not None:
            stamp = _field_from(supersede.column, target.fields, ("updated_at",))
            if stamp is None:
                raise ConfigError(f"supersede column {supersede.column!r} is not the source of any "
                                  f"{target.entity} field in the mapping", file=file,
                                  key_path=f"{where}.supersede.column")
        keys[target.entity] = EntityKey(target.entity, tuple(fields), tuple(columns), stamp)
    return keys


def keyed_frame(frame: pd.DataFrame, key: EntityKey) -> tuple[pd.DataFrame, list[RowError]]:
    """``frame`` with its ``record_key`` column, and a row error for every row with an empty key part."""
    import pandas as pd
    import pyarrow as pa

    errors: list[RowError] = []
    parts = []
    optional = _optional_key_fields(key.entity)
    for name in key.fields:
        text = frame[name].astype(pd.ArrowDtype(pa.string()))
        empty = (text.isna() | (text.str.strip() == "")).fillna(True).to_numpy(dtype=bool)
        if empty.any() and name not in optional:
            rows = frame["_row"].to_numpy()[empty] if "_row" in frame.columns else [None] * int(empty.sum())
            lines = frame["_line"].to_numpy()[empty] if "_line" in frame.columns else [None] * len(rows)
            errors += [RowError(row=None if r is None else int(r), line=None if ln is None else int(ln),
                                field=name, value_class="empty",
                                reason="a record key part is empty (a partial key would merge records)")
                       for r, ln in zip(rows, lines, strict=True)]
        parts.append(text.fillna("").str.replace("\\", "\\\\", regex=False).str.replace("|", "\\|", regex=False))
    record_key = parts[0]
    for part in parts[1:]:
        record_key = record_key + "|" + part
    out = frame.copy(deep=False)
    out["record_key"] = record_key
    return out, errors


def _optional_key_fields(entity: str) -> frozenset[str]:
    """Natural-key fields of ``entity`` that the canonical model lets be empty (``None`` is a key value)."""
    from schemas.models import ENTITIES

    model = ENTITIES.get(entity)
    if model is None:
        return frozenset()
    return frozenset(f for f in model.natural_key if not model.model_fields[f].is_required())
