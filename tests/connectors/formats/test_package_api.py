"""The public face of ``connectors.formats``: what it exports, and that importing it stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import connectors.formats as formats

ROOT = Path(__file__).resolve().parents[3]
PUBLIC = {
    "BusinessDateField", "Chunk", "CountField", "DelimitedLayout", "FixedField", "FixedMarkerField",
    "FixedMarkerRecord", "FixedWidthLayout", "JsonLayout", "Layout", "LiteralField", "TrailerSpec", "WriteResult",
    "frame_from_records", "next_cursor", "page_records", "parse_layout", "read_chunks", "write_chunks",
}


def test_public_api_is_pinned_and_every_name_resolves() -> None:
    assert set(formats.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(formats, name) is not None
    with pytest.raises(AttributeError):
        formats.no_such_thing  # noqa: B018


def test_importing_connectors_formats_imports_no_pandas_or_pyarrow() -> None:
    code = ("import sys, connectors, connectors.formats\n"
            "from connectors.formats import parse_layout\n"
            "parse_layout({'type': 'delimited'})\n"
            "heavy = ('pandas', 'pyarrow', 'numpy', 'paramiko', 'requests')\n"
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
