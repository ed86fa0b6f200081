"""Export one JSON Schema per canonical entity, so non-Python consumers (and reviewers) see the contract.

The files under ``schemas/json/`` are generated and committed; a test fails when they drift from the
models. Output is stable (sorted keys, two-space indent, newline at end) so a diff shows only real changes.
Each schema carries ``$id``, the schema version, the entity name, its natural key and, in words, the
cross-field rules (``x-record-checks``) that JSON Schema itself cannot express.

Regenerate with ``leavehub schema export`` or ``python -m schemas.export``; check with
``python -m schemas.export --check`` (exit 1 on drift).

Example::

    export_json_schemas(Path("schemas/json"))  # [.../absence.schema.json, ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas.models import ENTITIES
from schemas.types import CanonicalModel
from schemas.version import SCHEMA_VERSION

__all__ = [
    "DEFAULT_DEST",
    "REGENERATE_HINT",
    "SCHEMA_SUFFIX",
    "drifted_files",
    "entity_json_schema",
    "export_json_schemas",
    "render_json_schemas",
    "schema_id",
]

DEFAULT_DEST = Path(__file__).resolve().parent / "json"
SCHEMA_SUFFIX = ".schema.json"
REGENERATE_HINT = (
    "regenerate with `python -m schemas.export` (or `leavehub schema export`) and commit schemas/json/"
)


def schema_id(entity: str, version: str = SCHEMA_VERSION) -> str:
    """The stable ``$id`` of an entity's schema: ``urn:leavehub:canonical:leave_period:1.0.0``."""
    return f"urn:leavehub:canonical:{entity}:{version}"


def entity_json_schema(entity: str, model: type[CanonicalModel]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one canonical model, with LeaveHub's ``x-`` annotations."""
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = schema_id(entity)
    schema["x-entity"] = entity
    schema["x-schema-version"] = SCHEMA_VERSION
    schema["x-natural-key"] = list(model.natural_key)
    if model.record_checks:  # cross-field rules JSON Schema cannot say: stated for the reader
        schema["x-record-checks"] = [check.message for check in model.record_checks]
    return schema


def render_json_schemas() -> dict[str, str]:
    """File name -> exact file text for every entity, as ``export_json_schemas`` would write it."""
    return {
        f"{entity}{SCHEMA_SUFFIX}": json.dumps(entity_json_schema(entity, model), indent=2, sort_keys=True,
                                               ensure_ascii=False) + "\n"
        for entity, model in sorted(ENTITIES.items())
    }


def export_json_schemas(dest: Path = DEFAULT_DEST) -> list[Path]:
    """Write every entity's schema into ``dest`` (and delete schemas of entities that no longer exist).

    Files whose content is unchanged are not rewritten, so timestamps move only on real changes.
    """
    dest.mkdir(parents=True, exist_ok=True)
    rendered = render_json_schemas()
    written: list[Path] = []
    for name, text in rendered.items():
        path = dest / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    for stale in dest.glob(f"*{SCHEMA_SUFFIX}"):
        if stale.name not in rendered:
            stale.unlink()
    return written


def drifted_files(dest: Path = DEFAULT_DEST) -> list[str]:
    """Names of schema files in ``dest`` that are missing, different from the models, or stale."""
    rendered = render_json_schemas()
    drift = []
    for name, text in rendered.items():
        path = dest / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            drift.append(name)
    drift.extend(p.name for p in dest.glob(f"*{SCHEMA_SUFFIX}") if p.name not in rendered)
    return sorted(drift)


def main(argv: list[str] | None = None) -> int:
    """``python -m schemas.export [--check] [DEST]``: write the schemas, or with --check report drift."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    dest = Path(rest[0]) if rest else DEFAULT_DEST
    if check:
        drift = drifted_files(dest)
        if drift:
            print(f"JSON schemas out of date: {', '.join(drift)}; {REGENERATE_HINT}", file=sys.stderr)
            return 1
        print(f"{len(ENTITIES)} JSON schemas up to date (schema {SCHEMA_VERSION})")
        return 0
    paths = export_json_schemas(dest)
    print(f"wrote {len(paths)} JSON schemas (schema {SCHEMA_VERSION}) to {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
