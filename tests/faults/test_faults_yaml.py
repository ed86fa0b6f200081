"""YAML alias bombs and other hostile config: every loader answers a ConfigError with file and line, fast.

Every config file of the hub (vendor.yaml, mapping files, codes.yaml, employer.yaml) goes through
``leavehub.config.yaml_lines``; these tests feed each loader the attacks, and check that ``leavehub vendors`` and
the DAG parse report the broken vendor and carry on with the others.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from leavehub.config.employer import load_employer
from leavehub.config.vendor import load_vendor, load_vendors
from leavehub.config.yaml_lines import load_located
from leavehub.mapping.loader import load_codes, load_mapping
from schemas.errors import ConfigError

pytestmark = [pytest.mark.fault, pytest.mark.timeout(120)]

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"

# 1.8 KB that expands to 10^9 strings when built naively (the classic "billion laughs").
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))

ATTACKS: dict[str, tuple[str, int, str]] = {
    # name: (YAML appended at the top of a real file, line of the problem, words the error must have)
    "alias_bomb": (LAUGHS, 1, "alias"),
    "self_reference": ("loop: &loop [*loop]\n", 1, "alias"),
    "self_reference_map": ("loop: &loop {again: *loop}\n", 1, "alias"),
    "anchor_only": ("kept: &kept {x: 1}\n", 1, "anchor"),
    "python_object": ("boom: !!python/object/apply:os.system [\"true\"]\n", 1, "tag"),
    "python_name": ("boom: !!python/name:os.system\n", 1, "tag"),
    "custom_tag": ("boom: !secret value\n", 1, "tag"),
    "huge_integer": ("big: " + "9" * 5000 + "\n", 1, "integer"),
    "big_integer": ("big: 123456789012345678901234567890\n", 1, "integer"),
    "complex_key": ("? [a, b]\n: value\n", 1, "key"),
    "deep_nesting": ("deep: " + "[" * 5000 + "]" * 5000 + "\n", 1, "nest"),
    "deep_block_nesting": ("deep:\n" + "- " * 3000 + "x\n", 2, "nest"),
}


def _attack(name: str, real: Path, dest: Path) -> Path:
    text, _, _ = ATTACKS[name]
    dest.write_text(text + real.read_text(encoding="utf-8"), encoding="utf-8")
    return dest


def _refused(load: Callable[[], object], name: str, file: Path) -> ConfigError:
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load()
    assert time.monotonic() - started < 5, "refusing a hostile config took too long"
    _, line, words = ATTACKS[name]
    err = caught.value
    assert err.file is not None and Path(err.file).name == file.name
    assert err.line == line, f"{err} names line {err.line}, not {line}"
    assert words in str(err).lower()
    return err


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_mapping_file_attack_is_a_config_error_with_line(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "harbor_leave"
    shutil.copytree(MAPPINGS / "harbor_leave", folder)
    target = _attack(name, MAPPINGS / "harbor_leave" / "absences.yaml", folder / "absences.yaml")
    _refused(lambda: load_mapping(target), name, target)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_codes_file_attack_is_a_config_error_with_line(name: str, tmp_path: Path) -> None:
    target = _attack(name, MAPPINGS / "harbor_leave" / "codes.yaml", tmp_path / "codes.yaml")
    _refused(lambda: load_codes(target), name, target)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_vendor_yaml_attack_is_a_config_error_with_line(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "harbor_leave"
    shutil.copytree(MAPPINGS / "harbor_leave", folder)
    target = _attack(name, MAPPINGS / "harbor_leave" / "vendor.yaml", folder / "vendor.yaml")
    _refused(lambda: load_vendor(folder), name, target)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_employer_yaml_attack_is_a_config_error_with_line(name: str, tmp_path: Path) -> None:
    target = _attack(name, REPO / "employer.yaml", tmp_path / "employer.yaml")
    _refused(lambda: load_employer(target), name, target)


def test_oversized_config_file_is_refused_without_parsing(tmp_path: Path) -> None:
    target = tmp_path / "codes.yaml"
    target.write_text("# padding\n" * 1_000_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="larger than"):
        load_located(target)


def test_plain_yaml_still_loads_with_lines() -> None:
    doc = load_located("x.yaml", text="a: 1\nb:\n  - c: '*not an alias*'\n    d: 2026-01-01\n")
    assert doc.data == {"a": 1, "b": [{"c": "*not an alias*", "d": doc.data["b"][0]["d"]}]}
    assert doc.line_of(("b", 0, "d")) == 4


def _bombed_mappings(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, root)
    _attack("alias_bomb", MAPPINGS / "harbor_leave" / "vendor.yaml", root / "harbor_leave" / "vendor.yaml")
    return root


def test_load_vendors_skips_the_bombed_vendor_and_keeps_the_others(tmp_path: Path) -> None:
    found = load_vendors(_bombed_mappings(tmp_path))
    assert "harbor_leave" in found.errors and "alias" in str(found.errors["harbor_leave"])
    assert "northwind_hris" in found.vendors


def test_leavehub_vendors_reports_the_bombed_vendor_without_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, LEAVEHUB_MAPPINGS=str(_bombed_mappings(tmp_path)), LEAVEHUB_HOME=str(tmp_path / "home"),
               PYTHONPATH=str(REPO), COLUMNS="200")
    proc = subprocess.run([sys.executable, "-c", "from leavehub.cli import main; main()", "vendors"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    assert "harbor_leave" in proc.stderr and "alias" in proc.stderr
    assert "northwind_hris.workers" in proc.stdout


def test_dag_parse_reports_the_bombed_vendor_and_builds_the_others(tmp_path: Path) -> None:
    pytest.importorskip("airflow")
    env = dict(os.environ, LEAVEHUB_MAPPINGS=str(_bombed_mappings(tmp_path)), LEAVEHUB_HOME=str(tmp_path / "home"),
               PYTHONPATH=os.pathsep.join([str(REPO / "dags"), str(REPO)]))
    code = ("import warnings; warnings.simplefilter('ignore'); import leavehub_dags as d; "
            "print(sorted(d.VENDOR_ERRORS)); print(sorted(k for k in vars(d) if k.startswith('northwind')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False, cwd=str(REPO / "dags"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    errors, dags = proc.stdout.strip().splitlines()[-2:]
    assert "harbor_leave" in errors
    assert "northwind" in dags
