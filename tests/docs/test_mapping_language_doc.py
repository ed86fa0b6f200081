"""docs/mapping-language.md cannot drift from the rule models in leavehub/mapping/model.py.

Every rule the models know (each ``STEP_CLASSES`` key, each optional key of a target, each rule-bearing key of a
mapping file) has a ``### `name` `` section whose YAML example parses, validates against ``MappingFile``,
compiles against the canonical entities and the Harbor code tables, and actually uses that rule. Every condition
operator appears in an example. Every YAML block on the page, not only the sections' first, must compile.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from leavehub.config.yaml_lines import load_located
from leavehub.mapping.compiler import compile_mapping
from leavehub.mapping.loader import load_codes
from leavehub.mapping.model import OPERATORS, STEP_CLASSES, InboundMapping, OutboundMapping, Target, parse_mapping
from leavehub.settings import REPO_ROOT

DOC = REPO_ROOT / "docs" / "mapping-language.md"
HEADING = re.compile(r"^###\s+`([a-z_]+)`\s*$", re.MULTILINE)
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
FILE_KEYS = {"version", "effective_date", "vendor", "feed", "direction", "description", "layout", "codes",
             "targets"}  # the file's frame, shown in "A whole file"; every other key is a rule with a section


def rule_names() -> set[str]:
    """Every word a mapping author can write that means a rule, read from the models (never a copy here)."""
    target_keys = set(Target.model_fields) - {"entity", "fields"}
    file_keys = {f.alias or name for model in (InboundMapping, OutboundMapping)
                 for name, f in model.model_fields.items()} - FILE_KEYS
    return set(STEP_CLASSES) | target_keys | file_keys


def sections(text: str) -> dict[str, str]:
    """``name -> section text`` for each ``### `name` `` heading (up to the next heading of any level)."""
    found = {}
    marks = list(HEADING.finditer(text))
    for mark in marks:
        rest = text[mark.end():]
        stop = re.search(r"^#{2,3}\s", rest, re.MULTILINE)
        found[mark.group(1)] = rest[:stop.start()] if stop else rest
    return found


def parse(block: str) -> Any:
    """YAML as the mapping loader reads it (keys stay text: ``on:`` is the word, not YAML 1.1's true)."""
    return load_located(DOC, text=block).data


def as_mapping(block: str) -> dict[str, Any]:
    """A YAML example as a whole mapping file: fragments are wrapped by their ``# entity:`` / ``# out:`` line."""
    doc = parse(block)
    if isinstance(doc, dict) and "version" in doc:
        return doc
    first = block.strip().splitlines()[0]
    frame = {"version": 1, "effective_date": "2026-01-01", "vendor": "harbor_leave", "feed": "docs_example"}
    if (out := re.match(r"#\s*out:\s*([a-z_]+)", first)) is not None:
        return {**frame, "direction": "out", "source": {"entity": out.group(1)}, "columns": doc}
    entity = re.match(r"#\s*entity:\s*([a-z_]+)", first)
    return {**frame, "direction": "in",
            "targets": [{"entity": entity.group(1) if entity else "leave_period", "fields": doc}]}


def compiles(block: str) -> dict[str, Any]:
    doc = as_mapping(block)
    mapping = parse_mapping(doc)
    codes = load_codes(REPO_ROOT / "mappings" / "harbor_leave" / "codes.yaml")
    compile_mapping(mapping, codes=codes)
    return doc


def words(node: Any) -> set[str]:
    """Every key and every bare string in a parsed YAML tree (a bare word like ``trim`` is a rule too)."""
    if isinstance(node, dict):
        return {str(k) for k in node} | {w for v in node.values() for w in words(v)}
    if isinstance(node, list):
        return {w for item in node for w in words(item)}
    return {node} if isinstance(node, str) else set()


TEXT = DOC.read_text(encoding="utf-8")
SECTIONS = sections(TEXT)


@pytest.mark.parametrize("rule", sorted(rule_names()))
def test_every_rule_has_a_section_whose_example_compiles_and_uses_it(rule: str) -> None:
    assert rule in SECTIONS, f"docs/mapping-language.md has no section '### `{rule}`' for the rule {rule!r}"
    blocks = YAML_BLOCK.findall(SECTIONS[rule])
    assert blocks, f"the section for {rule!r} has no ```yaml example"
    doc = compiles(blocks[0])
    assert rule in words(doc), f"the example of {rule!r} does not use {rule!r}"


def test_every_yaml_block_on_the_page_compiles() -> None:
    blocks = YAML_BLOCK.findall(TEXT)
    assert len(blocks) >= len(rule_names())
    for block in blocks:
        compiles(block)


def test_every_condition_operator_is_shown() -> None:
    used = set().union(*(words(parse(b)) for b in YAML_BLOCK.findall(TEXT)))
    missing = [op for op in OPERATORS if op not in used]
    assert not missing, f"no example on the page uses the condition operator(s) {missing}"


def test_a_missing_section_or_a_broken_example_is_caught() -> None:
    """The checks above can fail: a page without a section, and an example that does not validate."""
    without = sections(TEXT.replace("### `trim`", "### trimming"))
    assert "trim" not in without
    with pytest.raises(ValueError):
        compiles("case_number: [{source: CASE_NUMBER}, {trimm: true}]")
    with pytest.raises(Exception, match="not_a_field"):
        compiles("not_a_field: [{source: X}]")


def test_docs_point_only_inside_the_repository() -> None:
    """README, docs, mapping comments and code name no file outside the repository; repo paths docs name exist."""
    code = [p for top in ("leavehub", "connectors", "schemas", "dags", "sandbox", "bench", "tests")
            for p in sorted((REPO_ROOT / top).rglob("*.py")) if p != Path(__file__).resolve()]
    texts = {p: p.read_text(encoding="utf-8") for p in [REPO_ROOT / "README.md", *sorted(
        (REPO_ROOT / "docs").glob("*.md")), *sorted((REPO_ROOT / "mappings").rglob("*.yaml")), *code]}
    for path, text in texts.items():
        for outside in ("../shared", "DOMAIN.md", "vendor-specs", "/work/"):
            assert outside not in text, f"{path.relative_to(REPO_ROOT)} points outside the repository: {outside}"
    for path in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        for named in re.findall(r"`((?:docs|leavehub|connectors|schemas|mappings|tests|sandbox|bench|dags)"
                                r"/[\w./-]+\.\w+)`", texts[path]):
            assert (REPO_ROOT / named).exists(), f"{path.relative_to(REPO_ROOT)} names a missing file {named}"


def test_the_page_exists_in_the_repository() -> None:
    assert Path(DOC).is_file()
