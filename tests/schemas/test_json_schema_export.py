"""The committed JSON Schemas in schemas/json/ must match the models; export output is stable."""

from __future__ import annotations

import json

from schemas.export import (
    DEFAULT_DEST,
    REGENERATE_HINT,
    drifted_files,
    export_json_schemas,
    main,
    render_json_schemas,
    schema_id,
)
from schemas.models import ENTITIES
from schemas.version import SCHEMA_VERSION


def test_committed_json_schemas_match_the_models():
    drift = drifted_files(DEFAULT_DEST)
    assert not drift, f"JSON schemas out of date: {drift}; {REGENERATE_HINT}"


def test_export_writes_one_file_per_entity_with_id_version_and_natural_key(tmp_path):
    paths = export_json_schemas(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{e}.schema.json" for e in ENTITIES)
    schema = json.loads((tmp_path / "leave_period.schema.json").read_text(encoding="utf-8"))
    assert schema["$id"] == schema_id("leave_period") == f"urn:leavehub:canonical:leave_period:{SCHEMA_VERSION}"
    assert schema["x-schema-version"] == SCHEMA_VERSION == "1.0.0"
    assert schema["x-natural-key"] == ["absence_period_key"]
    assert schema["additionalProperties"] is False


def test_export_is_byte_stable_sorted_and_ends_with_newline(tmp_path):
    export_json_schemas(tmp_path)
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    export_json_schemas(tmp_path)
    assert first == {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    text = first["employee.schema.json"].decode()
    assert text.endswith("}\n")
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_pii_marker_reaches_the_json_schema():
    employee = json.loads(render_json_schemas()["employee.schema.json"])
    assert employee["properties"]["ssn"]["x-pii"] == "ssn"
    assert employee["properties"]["birth_date"]["x-pii"] == "birth_date"
    assert "x-pii" not in employee["properties"]["employee_id"]


def test_drift_is_detected_for_edited_missing_and_stale_files(tmp_path):
    export_json_schemas(tmp_path)
    assert drifted_files(tmp_path) == []
    (tmp_path / "absence.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "employee.schema.json").unlink()
    (tmp_path / "retired_entity.schema.json").write_text("{}\n", encoding="utf-8")
    assert drifted_files(tmp_path) == [
        "absence.schema.json", "employee.schema.json", "retired_entity.schema.json",
    ]
    export_json_schemas(tmp_path)
    assert drifted_files(tmp_path) == []
    assert not (tmp_path / "retired_entity.schema.json").exists()


def test_check_mode_exits_1_on_drift_and_tells_how_to_regenerate(tmp_path, capsys):
    assert main(["--check", str(tmp_path)]) == 1
    assert "python -m schemas.export" in capsys.readouterr().err
    assert main([str(tmp_path)]) == 0
    assert main(["--check", str(tmp_path)]) == 0
