"""The mapping language's shapes: shorthands, single-key rules, closed sets, code-table behaviours, the API."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from pydantic import ValidationError

from leavehub.mapping.model import (
    CodeTable,
    DecimalRule,
    RequiredRule,
    SourceRule,
    Target,
    TrimRule,
    steps_of,
)


def fields_of(text: str) -> dict:
    return Target.model_validate({"entity": "person", "fields": yaml.safe_load(text)}).fields


def test_a_field_is_a_column_name_one_rule_or_a_pipeline_with_bare_words():
    fields = fields_of("a: COL\nb: {decimal: 2}\nc: [{source: X}, trim, required]\n")
    assert steps_of(fields["a"]) == [SourceRule(source="COL")]
    assert steps_of(fields["b"]) == [DecimalRule(decimal=2)]
    assert steps_of(fields["c"]) == [SourceRule(source="X"), TrimRule(trim=True), RequiredRule(required=True)]


@pytest.mark.parametrize("text", [
    "a: [{source: X}, {case: shout}]",          # closed set of cases
    "a: [{source: X, trim: true}]",              # one rule per object
    "a: [{source: X}, {regex: {pattern: x, grp: 1}}]",
    "a: [{source: X}, {decimal: {scale: 2, rounding: up}}]",
    "a: {const: 1.5}",                            # YAML floats are not exact money
    "a: []",
    "a: [{source: X}, {bool: {true: Y}}]",
])
def test_invalid_rules_are_rejected(text):
    with pytest.raises(ValidationError):
        fields_of(text)


def test_yaml_true_false_keys_are_accepted_in_bool_rules():
    [_, rule] = steps_of(fields_of("a: [{source: X}, {bool: {true: [Y, J], false: N}}]")["a"])
    assert rule.values("true") == ["Y", "J"] and rule.values("false") == ["N"]


@pytest.mark.parametrize(("unknown", "behaviour"), [
    ("reject", ("reject", None)), ("pass", ("pass", None)), ("default OTHER", ("default", "OTHER")),
    ({"default": "OTHER X"}, ("default", "OTHER X")),
])
def test_code_table_unknown_behaviours_are_explicit(unknown, behaviour):
    assert CodeTable(unknown=unknown, values={"a": "A"}).behaviour == behaviour


def test_code_table_needs_an_unknown_behaviour_from_the_closed_set():
    with pytest.raises(ValidationError):
        CodeTable.model_validate({"values": {"a": "A"}})
    with pytest.raises(ValidationError):
        CodeTable(unknown="ignore", values={"a": "A"})


def test_reverse_table_prefers_the_first_vendor_code_then_send():
    table = CodeTable(unknown="reject", values={"Y": "TRUE", "Yes": "TRUE", "F": "F"}, send={"X": "U"})
    assert table.outbound() == {"TRUE": "Y", "F": "F", "X": "U"}


def test_importing_leavehub_and_the_mapping_package_stays_light():
    code = ("import sys, leavehub, leavehub.mapping; "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'paramiko', 'requests') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
