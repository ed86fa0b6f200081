"""Small helpers the fault tests share (fixtures live in ``conftest.py``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bytes_under", "leave_rows", "stored_keys"]


def bytes_under(folder: Path) -> int:
    """Bytes in every file under ``folder`` (what a fault left on disk)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def leave_rows(all_rows: list[dict[str, str]], n: int, skip: int = 0) -> list[dict[str, str]]:
    """The first rows of ``n`` distinct leave periods after ``skip`` of them (one row per period key)."""
    seen: dict[str, dict[str, str]] = {}
    for row in all_rows:
        seen.setdefault(row["ABSENCE_PERIOD_KEY"], row)
        if len(seen) == n + skip:
            break
    return list(seen.values())[skip:]


def stored_keys(store) -> set[str]:
    """Absence period keys of the leave periods current in ``store``."""
    return set(store.current("leave_period")["absence_period_key"])
