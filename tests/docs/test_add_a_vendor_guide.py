"""docs/add-a-vendor.md is walked end to end: its files are written and its commands run, in the page's order.

A fenced block whose info string says ``file=PATH`` is written to PATH (relative to a scratch copy of the
repository's mappings); every line of a ``bash`` block is run: ``leavehub ...`` through the real CLI (globs and
``$VARS`` expanded as a shell would), anything else through bash. Every command must succeed. Then the store
holds the guide's three leave periods, the fixed-width details came through (implied decimals, null words,
constants in concat), PII-free output, and the processed file sits sealed in the archive.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.settings import REPO_ROOT
from leavehub.store.pii import generate_key

pytestmark = pytest.mark.timeout(180)

GUIDE = REPO_ROOT / "docs" / "add-a-vendor.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def steps(text: str) -> list[tuple[str, str, str]]:
    """(kind, target, body): ("file", PATH, content) or ("run", "", command line), in page order."""
    out = []
    for lang, info, body in BLOCK.findall(text):
        target = re.search(r"file=(\S+)", info)
        if target:
            out.append(("file", target.group(1), body))
        elif lang == "bash":
            out += [("run", "", line) for line in body.splitlines() if line.strip() and not line.startswith("#")]
    return out


def run_line(line: str, cwd: Path, env: dict[str, str]) -> str:
    words = shlex.split(line, comments=True)
    if words[0] != "leavehub":
        done = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{line!r} failed: {done.stderr}"
        return done.stdout
    args = []
    for word in words[1:]:
        word = os.path.expandvars(word)
        args += sorted(glob.glob(word, root_dir=cwd)) if any(c in word for c in "*?[") else [word]
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, args)
    finally:
        os.chdir(old)
    assert result.exit_code == 0, f"{line!r} exited {result.exit_code}: {result.output}"
    return result.stdout


def test_the_guide_adds_a_fixed_width_vendor_end_to_end(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "mappings", root / "mappings")
    shutil.copy(REPO_ROOT / "employer.yaml", root / "employer.yaml")
    home = tmp_path / "home"
    env = {"LEAVEHUB_HOME": str(home), "LEAVEHUB_MAPPINGS": str(root / "mappings"),
           "LEAVEHUB_EMPLOYER": str(root / "employer.yaml"), "LEAVEHUB_DB_URL": f"sqlite:///{home / 'lh.db'}",
           "LEAVEHUB_PII_KEY": generate_key()}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LEAVEHUB_ENV", raising=False)

    walked = steps(GUIDE.read_text(encoding="utf-8"))
    assert [k for k, _, _ in walked].count("file") >= 4 and [k for k, _, _ in walked].count("run") >= 8
    outputs = {}
    for kind, target, body in walked:
        if kind == "file":
            path = root / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        else:
            outputs[body] = run_line(body, root, {**os.environ, **env})

    records = json.loads(run_line("leavehub show leave_period --format json", root, env))
    got = {r["absence_period_key"]: r for r in records}
    assert sorted(got) == ["4417-01", "4417-02", "4520-01"]
    assert got["4417-02"]["case_number"] == "BW-4417", "constant + zero-trimmed case id"
    assert got["4417-02"]["weekly_benefit"] == "1234.50", "implied decimals: 0123450 is 1234.50"
    assert got["4417-02"]["period_end"] is None, "00000000 is no date"
    assert got["4417-01"]["weekly_benefit"] is None, "the field's own null word"
    assert (got["4520-01"]["period_type"], got["4520-01"]["decision"]) == ("INTERMITTENT", "PENDING")
    history = next(out for line, out in outputs.items() if line.startswith("leavehub history"))
    assert "BIRCHWOOD_LEAVE_20260302.txt" in history
    archive = home / "exchange" / "birchwood_leave" / "archive"
    assert [p.name for p in archive.iterdir()] == ["BIRCHWOOD_LEAVE_20260302.txt.lhstg"]
    assert not list((home / "exchange" / "birchwood_leave" / "drop").iterdir())


def test_the_walker_can_fail():
    """A guide whose command fails, or whose file does not validate, fails the walk."""
    with pytest.raises(AssertionError):
        run_line("false", Path.cwd(), dict(os.environ))
    with pytest.raises(AssertionError):
        run_line("leavehub mapping check docs/add-a-vendor.md", REPO_ROOT, dict(os.environ))
