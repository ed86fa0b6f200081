"""Loading mapping files: errors name the file, the key path and the line; semantic checks; JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from mapping_helpers import ENTITIES

from leavehub.mapping.compiler import InboundMapper, OutboundMapper
from leavehub.mapping.loader import (
    CODES_SCHEMA_PATH,
    SCHEMA_PATH,
    codes_json_schema,
    load_codes,
    load_mapper,
    load_mapping,
    mapping_in_effect,
    mapping_json_schema,
)
from schemas.errors import ConfigError

DATA = Path(__file__).parent / "data" / "harbor_leave"
CODES = """\
tables:
  color: {unknown: reject, values: {R: RED}}
"""
HEAD = """\
version: 1
effective_date: 2026-01-01
vendor: acme
feed: people
direction: in
codes: codes.yaml
"""


def write(tmp_path: Path, body: str, codes: str = CODES) -> Path:
    (tmp_path / "codes.yaml").write_text(codes)
    path = tmp_path / "people.yaml"
    path.write_text(HEAD + textwrap.dedent(body))
    return path


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_mapping(path, entities=ENTITIES)
    return caught.value


def test_reference_harbor_mappings_load_and_compile():
    assert isinstance(load_mapper(DATA / "leave_periods.yaml"), InboundMapper)
    census = load_mapper(DATA / "eligibility_census.yaml")
    assert isinstance(census, OutboundMapper)
    assert census.required_entities == ("employee", "employment", "enrollment")


@pytest.mark.parametrize(("body", "line", "key_path", "reason"), [
    ("targets:\n  - entity: person\n    fields:\n      person_id: [{source: ID}, trimm]\n",
     10, "targets.0.fields.person_id.1", "unknown rule word 'trimm'; a bare word is one of trim, required"),
    ("targets:\n  - entity: person\n    fields:\n      person_id: ID\n      name: [{source: N}, {trimm: true}]\n",
     11, "targets.0.fields.name.1.trimm", "unknown rule"),
    ("targets:\n  - entity: ghost\n    fields:\n      person_id: ID\n", 8, "targets.0.entity", "unknown entity"),
    ("targets:\n  - entity: person\n    fields:\n      person_id: ID\n      nope: X\n",
     11, "targets.0.fields.nope", "has no field 'nope'"),
    ("targets:\n  - entity: person\n    fields:\n      name: N\n", 9, "targets.0.fields",
     "needs these fields mapped: person_id"),
    ("targets:\n  - entity: person\n    fields:\n      person_id: ID\n      name: [{source: N}, {code: colour}]\n",
     11, "targets.0.fields.name.1.code", "unknown code table 'colour'"),
    ("targets:\n  - entity: person\n    fields:\n      person_id: ID\n      name: [N2, {transform: eval}]\n",
     11, "targets.0.fields.name.0", "unknown rule word 'N2'"),
    ("targets:\n  - entity: person\n    fields:\n      person_id: ID\n"
     "      name: [{source: N}, {transform: eval}]\n",
     11, "targets.0.fields.name.1.transform", "not allow-listed"),
    ("targets:\n  - entity: person\n    fields:\n      person_id: ID\n"
     "      birth_date: [{source: D}, {date: '%Y-%m-%d'}, trim]\n",
     11, "targets.0.fields.birth_date.2", "'trim' does not apply to a date value"),
    ("columns: {A: b}\ntargets:\n  - entity: person\n    fields: {person_id: ID}\n", 7, "columns",
     "belongs to outbound"),
    ("targets:\n  - entity: person\n    fields:\n      person_id: ID\n      ssn: [{source: S}, {regex: '(x'}]\n",
     11, "targets.0.fields.ssn.1.regex.pattern", "bad regular expression"),
    ("effective: 2026-01-01\ntargets:\n  - entity: person\n    fields: {person_id: ID}\n", 7, "effective",
     "Extra inputs"),
])
def test_errors_name_file_key_path_and_line(tmp_path, body, line, key_path, reason):
    err = error_of(write(tmp_path, body))
    assert err.file == str(tmp_path / "people.yaml")
    assert (err.line, err.key_path) == (line, key_path)
    assert reason in err.reason
    assert f"{tmp_path / 'people.yaml'}:{line}" in str(err)


OUTBOUND = "source: {entity: person}\ncolumns: {ID: person_id}\n"
INBOUND = "targets:\n  - entity: person\n    fields: {person_id: ID}\n"


@pytest.mark.parametrize(("direction", "body", "line", "key_path", "reason"), [
    ("in", "changes: {column: MARK, codes: {add: A}}\n" + INBOUND, 7, "changes",
     "'changes' belongs to outbound mappings; inbound ones (direction: in) use 'targets'"),
    ("in", "source: {entity: person}\n" + INBOUND, 7, "source", "'source' belongs to outbound mappings"),
    ("out", INBOUND + OUTBOUND, 7, "targets",
     "'targets' belongs to inbound mappings; outbound ones (direction: out) use 'source' and 'columns'"),
    ("out", "file_set: {base: a, join: {b: {layout: {type: delimited}, on: {ID: ID}}}}\n" + OUTBOUND, 7,
     "file_set", "'file_set' belongs to inbound mappings"),
    ("out", "columns: {ID: person_id}\n", 1, "source", "Field required"),  # a missing key: its block's line
    ("sideways", OUTBOUND, 5, "direction", "does not match any of the expected tags: 'in', 'out'"),
])
def test_a_mapping_is_inbound_or_outbound_and_refuses_the_other_directions_keys(tmp_path, direction, body, line,
                                                                                 key_path, reason):
    path = write(tmp_path, body)
    path.write_text(path.read_text().replace("direction: in", f"direction: {direction}", 1))
    err = error_of(path)
    assert (err.file, err.key_path, err.line) == (str(path), key_path, line), err
    assert reason in err.reason


def test_a_mapping_without_a_direction_names_the_missing_key(tmp_path):
    path = write(tmp_path, INBOUND)
    path.write_text(path.read_text().replace("direction: in\n", "", 1))
    err = error_of(path)
    assert err.key_path == "direction" and "'direction'" in err.reason


def test_source_columns_must_be_in_the_layout_when_it_lists_them(tmp_path):
    body = """\
    layout: {type: delimited, columns: [ID, NAME]}
    filters: {column: STATUS, eq: A}
    targets:
      - entity: person
        fields:
          person_id: ID
          name: [{source: NAME}, trim]
    """
    err = error_of(write(tmp_path, body))
    assert (err.key_path, err.line) == ("filters.column", 8)
    err = error_of(write(tmp_path, body.replace("STATUS", "ID").replace("source: NAME", "source: NAMES")))
    assert (err.key_path, err.line, err.reason) == ("targets.0.fields.name.0.source", 13,
                                                   "column 'NAMES' is not in the layout's columns (ID, NAME)")
    load_mapping(write(tmp_path, body.replace("STATUS", "ID")), entities=ENTITIES)


def test_outbound_columns_must_match_the_layout(tmp_path):
    path = tmp_path / "out.yaml"
    path.write_text(HEAD.replace("direction: in", "direction: out") + textwrap.dedent("""\
        layout: {type: delimited, columns: [ID, NAME]}
        source: {entity: person}
        columns: {NAME: name, ID: person_id}
    """))
    (tmp_path / "codes.yaml").write_text(CODES)
    with pytest.raises(ConfigError, match="order differs") as caught:
        load_mapping(path, entities=ENTITIES)
    assert caught.value.line == 9


def test_codes_file_errors_name_the_codes_file_and_line(tmp_path):
    bad_codes = "tables:\n  color:\n    unknown: ignore\n    values: {R: RED}\n"
    err = error_of(write(tmp_path, "targets:\n  - entity: person\n    fields: {person_id: ID}\n", bad_codes))
    assert err.file.endswith("codes.yaml") and err.line == 3 and err.key_path == "tables.color.unknown"
    (tmp_path / "codes.yaml").unlink()
    path = tmp_path / "people.yaml"
    with pytest.raises(ConfigError, match="not found") as caught:
        load_mapping(path, entities=ENTITIES)
    assert caught.value.line == 6


def test_codes_unknown_behaviours_parse():
    codes = load_codes(DATA / "codes.yaml")
    assert codes.tables["gender"].behaviour == ("default", "U")
    assert codes.tables["plan"].behaviour == ("reject", None)


def test_mapping_in_effect_picks_the_latest_revision_not_after_the_business_date():
    v1 = load_mapping(DATA / "leave_periods.yaml")
    v2 = v1.model_copy(update={"version": 2, "effective_date": dt.date(2026, 7, 1)})
    assert mapping_in_effect([v2, v1], dt.date(2026, 3, 31)).version == 1
    assert mapping_in_effect([v1, v2], dt.date(2026, 7, 1)).version == 2
    with pytest.raises(ConfigError):
        mapping_in_effect([v1, v2], dt.date(2025, 12, 31))


def test_published_json_schemas_do_not_drift():
    """Regenerate with: python -c 'from leavehub.mapping.loader import publish_json_schema as p; p()'"""
    assert json.loads(SCHEMA_PATH.read_text()) == mapping_json_schema()
    assert json.loads(CODES_SCHEMA_PATH.read_text()) == codes_json_schema()


def test_json_schema_describes_the_rule_set_for_editors():
    text = json.dumps(mapping_json_schema())
    for word in ("SourceRule", "RegexSpec", "WhenRule", "in_last_days", "effective_date", "OutboundSource"):
        assert word in text


def test_load_compiled_reads_the_codes_file_from_the_vendor_folder_and_compiles_once():
    from leavehub.mapping.compiler import compile_mapping
    from leavehub.mapping.loader import load_compiled

    mapping, mapper = load_compiled(DATA / "leave_periods.yaml")
    assert mapping.feed == "leave_periods" and mapper.entities == ("leave_period",)
    with pytest.raises(ConfigError, match="unknown code table"):
        compile_mapping(load_mapping(DATA / "leave_periods.yaml"))
