"""A feed's plan: vendor.yaml + mapping + codes, cross-checked on load for every vendor, compiled once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leavehub.mapping import compiler
from leavehub.pipeline.feeds import check_vendor_plans, load_feed
from leavehub.settings import Settings
from schemas.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
VENDOR_FOLDERS = sorted(p.parent for root in (ROOT / "mappings", ROOT / "tests" / "vendors" / "data")
                        for p in root.glob("*/vendor.yaml"))


@pytest.mark.parametrize("folder", VENDOR_FOLDERS, ids=lambda p: p.name)
def test_every_feed_of_every_vendor_builds_a_plan_that_agrees_with_vendor_yaml(folder: Path) -> None:
    plans = check_vendor_plans(folder, Settings.from_env({"LEAVEHUB_MAPPINGS": str(folder.parent)}))
    assert plans
    for name, plan in plans.items():
        shared = sum(spec.mapping == plan.spec.mapping for spec in plan.vendor.feeds.values()) > 1
        assert (plan.mapping.vendor, plan.mapping.direction) == (folder.name, plan.spec.direction)
        assert shared or plan.mapping.feed == name
        assert plan.layout.type == plan.spec.format
        assert plan.mapper.__class__.__name__ == ("InboundMapper" if plan.spec.direction == "in"
                                                  else "OutboundMapper")
        if plan.spec.direction == "in":
            assert set(plan.keys) == {t.entity for t in plan.mapping.targets}


def _harbor_copy(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings" / "harbor_leave", root / "harbor_leave")
    return root


def _settings(root: Path) -> Settings:
    return Settings.from_env({"LEAVEHUB_MAPPINGS": str(root)})


@pytest.mark.parametrize(("old", "new", "file", "key_path"), [
    ("direction: in", "direction: out", "leave_periods.yaml", "targets"),  # the mapping's shape disagrees first
    ("feed: leave_periods", "feed: absences", "vendor.yaml", "feeds.leave_periods"),
    ("vendor: harbor_leave", "vendor: meridian_leave", "vendor.yaml", "vendor"),
])
def test_a_fact_stated_in_both_files_must_agree(tmp_path: Path, old: str, new: str, file: str,
                                                key_path: str) -> None:
    root = _harbor_copy(tmp_path)
    mapping = root / "harbor_leave" / "leave_periods.yaml"
    text = mapping.read_text(encoding="utf-8")
    assert old in text
    mapping.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_feed("harbor_leave.leave_periods", _settings(root))
    assert caught.value.key_path == key_path
    assert Path(caught.value.file).name == file


def test_a_layout_of_another_format_than_vendor_yaml_says_is_refused(tmp_path: Path) -> None:
    root = _harbor_copy(tmp_path)
    vendor = root / "harbor_leave" / "vendor.yaml"
    text = vendor.read_text(encoding="utf-8")
    head, feed, tail = text.partition("  leave_periods:")
    vendor.write_text(head + feed + tail.replace("format: delimited", "format: json", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_feed("harbor_leave.leave_periods", _settings(root))
    assert caught.value.key_path == "feeds.leave_periods.format"
    assert "'delimited'" in str(caught.value) and "'json'" in str(caught.value)


def test_a_feed_is_compiled_once_when_its_plan_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = compiler.compile_rules

    def counting(mapping, tables, entities):
        calls.append(mapping.feed)
        return real(mapping, tables, entities)

    monkeypatch.setattr("leavehub.mapping.loader.compile_rules", counting)
    plan = load_feed("harbor_leave.leave_periods", _settings(ROOT / "mappings"))
    assert calls == ["leave_periods"]
    assert plan.mapper is plan.mapper  # a field, not a property compiling again


def _northwind_copy(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings" / "northwind_hris", root / "northwind_hris")
    return root


def test_an_api_feed_finds_its_records_where_vendor_yaml_pagination_says(tmp_path: Path) -> None:
    root = _northwind_copy(tmp_path)
    vendor = root / "northwind_hris" / "vendor.yaml"
    text = vendor.read_text(encoding="utf-8")
    vendor.write_text(text.replace("records_path: data}", "records_path: result.items}", 1), encoding="utf-8")
    assert load_feed("northwind_hris.workers", _settings(root)).layout.records_path == "result.items"
    assert load_feed("northwind_hris.hours_worked", _settings(root)).layout.records_path == "data"


def test_a_mapping_repeating_where_api_records_are_is_refused_naming_the_key(tmp_path: Path) -> None:
    root = _northwind_copy(tmp_path)
    mapping = root / "northwind_hris" / "workers.yaml"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace("layout: {type: json}", "layout: {type: json, records_path: data}", 1),
                       encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_feed("northwind_hris.workers", _settings(root))
    assert caught.value.key_path == "layout.records_path" and Path(caught.value.file).name == "workers.yaml"
    assert "feeds.workers.endpoint.pagination.records_path" in str(caught.value)
