"""``leavehub sandbox ...``: the simulators, plugged into the CLI through the ``leavehub.cli_plugins`` entry point.

    leavehub sandbox up [--employees N]   start sshd + HRIS API in the background, seeded with a synthetic employer
    leavehub sandbox env                  print AIRFLOW_CONN_* exports (eval "$(leavehub sandbox env)")
    leavehub sandbox status | down
    leavehub sandbox demo                 the README's demo
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from leavehub.settings import Settings

app = typer.Typer(help="Vendor simulators and the synthetic employer.", no_args_is_help=True)


def _root() -> Path:
    return Settings.from_env().home / "sandbox"


def _state_file() -> Path:
    return _root().parent / "sandbox.state.json"


@app.command()
def up(employees: Annotated[int, typer.Option(help="synthetic employees")] = 2000,
       seed: Annotated[int, typer.Option()] = 7) -> None:
    """Start the simulators in the background (until `leavehub sandbox down`)."""
    state = _state_file()
    if state.exists():
        typer.echo(f"already up (state in {state}); run `leavehub sandbox down` first")
        raise typer.Exit(1)
    state.parent.mkdir(parents=True, exist_ok=True)
    log = (state.parent / "sandbox.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.serve", "--root", str(_root()), "--state", str(state),
                             "--employees", str(employees), "--seed", str(seed)],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while not state.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            typer.echo(f"sandbox failed to start; see {log.name}")
            raise typer.Exit(1)
        time.sleep(0.2)
    typer.echo(json.dumps(json.loads(state.read_text())["describe"], indent=1))
    typer.echo('connections: eval "$(leavehub sandbox env)"')


@app.command()
def env() -> None:
    """Print `export AIRFLOW_CONN_...` lines for the running sandbox (contains sandbox-only secrets)."""
    body = json.loads(_state_file().read_text())
    for key, value in sorted(body["env"].items()):
        typer.echo(f"export {key}='{value}'")


@app.command()
def status() -> None:
    """What is running where."""
    state = _state_file()
    if not state.exists():
        typer.echo("down")
        raise typer.Exit(1)
    typer.echo(json.dumps(json.loads(state.read_text())["describe"], indent=1))


@app.command()
def down() -> None:
    """Stop the simulators started by `up`."""
    state = _state_file()
    if not state.exists():
        typer.echo("not running")
        return
    pid = json.loads(state.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        state.unlink(missing_ok=True)
    deadline = time.monotonic() + 30
    while state.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    typer.echo("down")


@app.command()
def demo(employees: Annotated[int, typer.Option()] = 2000) -> None:
    """Run the demo (the README's first command)."""
    from sandbox.demo import main

    raise typer.Exit(main(["--employees", str(employees)]))
