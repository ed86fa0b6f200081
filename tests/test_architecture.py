"""The folder tree is the architecture: pin DESIGN.md's "Who may import whom", the one-way dependencies inside
the engine, each package's public names and the light package imports."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"schemas", "connectors", "leavehub", "sandbox", "bench", "tests", "dags"}
# layer -> the top-level packages of ours it may import: dags -> leavehub -> connectors -> schemas, and every
# layer may use schemas (the shared language and the one exception tree). sandbox/, bench/, tests/ may import
# anything; no product layer imports them (they are in no product layer's set).
ALLOWED = {
    "schemas": set(),
    "connectors": {"schemas"},
    "leavehub": {"connectors", "schemas"},
    "dags": {"leavehub", "schemas"},
}
# inside the engine, one way only: module prefix -> module prefixes of ours it must never import
ONE_WAY = {
    "leavehub.pipeline": ("leavehub.operations", "leavehub.cli", "leavehub.reconcile", "leavehub.payrun"),
    "leavehub.store": ("leavehub.pipeline", "leavehub.operations", "leavehub.cli"),
    "leavehub.mapping": ("leavehub.pipeline", "leavehub.operations", "leavehub.store", "leavehub.cli"),
    "leavehub.config": ("leavehub.pipeline", "leavehub.operations", "leavehub.store", "leavehub.cli"),
    "leavehub.alerts": ("leavehub.pipeline", "leavehub.operations", "leavehub.store"),
    "leavehub.mapping.compiler": ("leavehub.mapping.loader",),
    "leavehub.pipeline.outbound": ("leavehub.pipeline.inbound",),
}


def _imports(path: Path, *, with_names: bool = False) -> list[tuple[int, str]]:
    """Absolute imports; ``with_names``: ``from leavehub.x import y`` as ``leavehub.x.y`` (module or name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += ([(node.lineno, f"{node.module}.{alias.name}") for alias in node.names] if with_names
                      else [(node.lineno, node.module)])
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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_engine_depends_one_way() -> None:
    """pipeline never reaches up into operations (alerts are a leaf both use), the compiler never into the
    loader, outbound never into inbound (shared helpers live in at_rest / exchange)."""
    bad = []
    for path in sorted((ROOT / "leavehub").rglob("*.py")):
        module = _module_name(path)
        for prefix, forbidden in ONE_WAY.items():
            if module != prefix and not module.startswith(prefix + "."):
                continue
            for lineno, name in _imports(path, with_names=True):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    bad.append(f"{path.relative_to(ROOT)}:{lineno} imports {name}")
    assert not bad, "a dependency against the engine's direction:\n" + "\n".join(bad)


# Each package's public names, pinned: a name added to or dropped from an ``__init__`` is a deliberate API
# change made here too. None: the package exports nothing itself; import its modules.
PUBLIC = {
    "schemas": ["ConfigError", "DuplicateInput", "FormatError", "LeaveHubError", "RejectedInput", "RowError",
                "SignatureError", "TransientError", "ValidationFailed"],
    "connectors": None,
    "connectors.formats": ["BusinessDateField", "Chunk", "CountField", "DelimitedLayout", "FixedField",
                           "FixedMarkerField", "FixedMarkerRecord", "FixedWidthLayout", "JsonLayout", "Layout",
                           "LiteralField", "TrailerSpec", "WriteResult", "frame_from_records", "page_records",
                           "parse_layout", "read_chunks", "read_records", "write_chunks"],
    "connectors.transports": ["HostKeyMismatch", "LocalTransport", "RemoteFile", "SftpSettings", "SftpTransport",
                              "Transport", "TransportBase", "UnsafeRemoteName"],
    "leavehub": None,
    "leavehub.config": None,
    "leavehub.mapping": ["CodesFile", "InboundMapper", "MappedChunk", "MappingFile", "OutboundMapper",
                         "compile_mapping", "load_codes", "load_compiled", "load_mapper", "load_mapping",
                         "mapping_in_effect", "publish_json_schema", "register_transform", "validate_frame"],
    "leavehub.operations": ["BackfillResult", "HeldFile", "MissingFile", "SequenceGap", "backfill",
                            "check_arrivals", "check_sequences", "find_entry", "held_files", "release"],
    "leavehub.payrun": None,
    "leavehub.pipeline": None,
    "leavehub.reconcile": None,
    "leavehub.rules": None,
    "leavehub.store": ["AmbiguousIdentity", "FileArrival", "Intake", "LedgerEntry", "OutboundBatch", "PiiCipher",
                       "RecordOutcomes", "Store", "SupersedePlan", "SupersedeRule", "VendorIds"],
    "dags.leavehub_airflow": None,
}


def _packages() -> list[str]:
    found = []
    for init in sorted(ROOT.glob("*/**/__init__.py")):
        rel = init.relative_to(ROOT)
        if rel.parts[0] in ALLOWED and "migrations" not in rel.parts:
            found.append(".".join(rel.parent.parts))
    return found


def test_every_package_is_pinned() -> None:
    assert sorted(_packages()) == sorted(PUBLIC), "add the new package's public names to PUBLIC"


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_each_package_exports_exactly_its_pinned_names(package: str) -> None:
    module = importlib.import_module(package)
    exported = getattr(module, "__all__", None)
    assert (sorted(exported) if exported is not None else None) == PUBLIC[package]
    for name in exported or ():
        assert getattr(module, name) is not None, f"{package}.{name} does not resolve"


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
