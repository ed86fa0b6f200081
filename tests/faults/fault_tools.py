"""Small helpers the fault tests share (fixtures live in ``conftest.py``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bytes_under"]


def bytes_under(folder: Path) -> int:
    """Bytes in every file under ``folder`` (what a fault left on disk)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
