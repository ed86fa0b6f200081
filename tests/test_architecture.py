"""The folder tree is the architecture: pin DESIGN.md's "Who may import whom" and the light package imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"schemas", "connectors", "leavehub", "sandbox", "bench", "tests", "dags"}
# layer -> the top-level packages of ours it may import
ALLOWED = {
    "schemas": set(),
    "connectors": {"schemas"},
    "leavehub": {"connectors", "schemas"},
    "dags": {"leavehub", "connectors", "schemas"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_design_allows(layer: str) -> None:
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for lineno, name in _imports(path):
            top = name.split(".")[0]
            if top in OURS and top != layer and top not in ALLOWED[layer]:
                bad.append(f"{path.relative_to(ROOT)}:{lineno} imports {name}")
            if layer != "dags" and top == "airflow":
                bad.append(f"{path.relative_to(ROOT)}:{lineno} imports airflow (only dags/ may)")
    assert not bad, "imports against DESIGN.md:\n" + "\n".join(bad)


def test_package_imports_stay_light() -> None:
    """A DAG file or an Airflow retry rule imports these at parse time: no pandas, paramiko, requests."""
    code = (
        "import sys, schemas, connectors, leavehub, connectors.formats, connectors.transports\n"
        "heavy = sorted(m for m in ('pandas', 'paramiko', 'requests', 'pyarrow', 'gnupg', 'sqlalchemy')"
        " if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported by package __init__: {out.stdout.strip()}"


RULES_FORBIDDEN = {"sqlalchemy", "airflow", "paramiko", "requests", "psycopg", "gnupg", "subprocess", "socket"}
RULES_FORBIDDEN_OURS = ("leavehub.store", "leavehub.pipeline", "leavehub.operations", "connectors")
IO_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes", "read_csv", "to_csv", "read_parquet",
            "to_parquet", "load_policy", "load_rule_tables", "load_employer"}


def test_rules_engine_is_pure() -> None:
    """leavehub/rules/ takes frames and config objects and returns frames: no store, network, Airflow or I/O."""
    bad = []
    for path in sorted((ROOT / "leavehub" / "rules").rglob("*.py")):
        rel = path.relative_to(ROOT)
        for lineno, name in _imports(path):
            if name.split(".")[0] in RULES_FORBIDDEN or name.startswith(RULES_FORBIDDEN_OURS):
                bad.append(f"{rel}:{lineno} imports {name}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in IO_CALLS:
                    bad.append(f"{rel}:{node.lineno} calls {called}")
    assert not bad, "the rules engine must stay pure:\n" + "\n".join(bad)
