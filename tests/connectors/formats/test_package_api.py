"""Importing ``connectors.formats`` stays light (its ``__all__`` is pinned with every package's in
tests/test_architecture.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_connectors_formats_imports_no_pandas_or_pyarrow() -> None:
    code = ("import sys, connectors, connectors.formats\n"
            "from connectors.formats import parse_layout\n"
            "parse_layout({'type': 'delimited'})\n"
            "heavy = ('pandas', 'pyarrow', 'numpy', 'paramiko', 'requests')\n"
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
