"""``mapping check`` refuses a column the declared layout does not have - fixed-width fields included - and
any mapping that reads a column the layout declares ``sensitive: never_read`` (issue 11 §2, §3)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mapping_helpers import ENTITIES

from leavehub.mapping.loader import load_mapping
from schemas.errors import ConfigError

HEAD = """\
version: 1
effective_date: 2026-01-01
vendor: acme
feed: people
direction: in
"""
FIXED = """\
layout:
  type: fixed_width
  record_length: 20
  detail_prefix: D
  fields:
    - {name: ID, start: 2, width: 6}
    - {name: NAME, start: 8, width: 8}
    - {name: DX, start: 16, width: 5, sensitive: never_read}
"""


def load(tmp_path: Path, body: str):
    path = tmp_path / "people.yaml"
    path.write_text(HEAD + textwrap.dedent(body))
    return load_mapping(path, entities=ENTITIES)


def refused(tmp_path: Path, body: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, body)
    return caught.value


def test_a_fixed_width_source_column_the_layout_lacks_is_refused_with_its_line(tmp_path):
    err = refused(tmp_path, FIXED + "targets:\n  - entity: person\n    fields:\n      person_id: ID\n"
                  "      name: [{source: NAMES}, trim]\n")
    assert err.key_path == "targets.0.fields.name.0.source" and err.line == 18
    assert err.reason == "column 'NAMES' is not in the layout's columns (ID, NAME)"
    load(tmp_path, FIXED + "targets:\n  - entity: person\n    fields:\n      person_id: ID\n      name: NAME\n")


def test_a_never_read_column_cannot_be_mapped(tmp_path):
    err = refused(tmp_path, FIXED + "targets:\n  - entity: person\n    fields:\n      person_id: ID\n"
                  "      name: DX\n")
    assert err.reason == "column 'DX' is declared sensitive: never_read; a mapping cannot read it"
    err = refused(tmp_path, "layout: {type: delimited, columns: [ID, {name: DX, sensitive: never_read}]}\n"
                  "targets:\n  - entity: person\n    filter: {column: DX, is_null: true}\n"
                  "    fields:\n      person_id: ID\n")
    assert err.key_path == "targets.0.filter.column"


def test_columns_inside_coalesce_and_concat_parts_are_checked(tmp_path):
    err = refused(tmp_path, FIXED + "targets:\n  - entity: person\n    fields:\n      person_id: ID\n"
                  "      name: {coalesce: [NAME, NICK]}\n")
    assert err.key_path == "targets.0.fields.name.coalesce.1"
    err = refused(tmp_path, FIXED + "targets:\n  - entity: person\n    fields:\n"
                  "      person_id: {concat: {parts: [ID, {const: '-'}, [{source: SEQ}, trim]]}}\n")
    assert err.key_path == "targets.0.fields.person_id.concat.parts.2.0.source"
