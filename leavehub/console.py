"""The command line's two consoles, shared by every command group (``leavehub.cli``, ``leavehub.payrun.cli``,
``leavehub.operations.commands``).

- ``console`` (stdout): results, at least 160 columns wide, so a line per record or a table row stays one line
  when the output goes to a file or a pipe (a terminal wider than that is used whole);
- ``err`` (stderr): errors, never hard-wrapped (a message naming a long path stays one line to grep);
  ``error`` prints one with its text escaped, so brackets in a message (a mapping's ``[{source: X}]``) are
  shown, not read as rich markup; ``fail`` prints one and ends the command with an exit code.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["console", "err", "error", "fail"]

console = Console(width=max(Console().width, 160))
err = Console(stderr=True, soft_wrap=True)


def error(label: str, message: object, style: str = "bold red") -> None:
    """``label: message`` on stderr, the label styled, the message as it is."""
    err.print(f"[{style}]{escape(label)}[/]: {escape(str(message))}")


def fail(problem: object, code: int = 1) -> NoReturn:
    """``error: problem`` on stderr, then the command exits with ``code``."""
    error("error", problem)
    raise typer.Exit(code)
