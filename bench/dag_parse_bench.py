"""Benchmark what LeaveHub's DAG file adds to a cold parse: ``import airflow.sdk`` alone vs + the dags folder.

Why: the dag-processor re-parses every DAG file every few minutes and every worker parses it again before each
task, so the file must stay cheap however many vendors there are. This builds a temp mappings root with about
50 vendor feeds (copies of the repo's vendor folders, renamed; the built-in samples while mappings/ is empty),
then, each time in a fresh interpreter, times ``import airflow.sdk`` alone and ``import airflow.sdk`` + executing
``dags/leavehub_dags.py``; the difference is what we cost. It also checks that parsing imported none of pandas,
pyarrow, paramiko, requests or gnupg (beyond what airflow.sdk itself loads, SQLAlchemy for one), and times
serializing the DAGs the way the dag-processor stores them (informative).

Target: median(sdk + dags) - median(sdk alone) < 0.5 s for 50 feeds; no heavy module imported by parsing.

Usage: ``.venv/bin/python bench/dag_parse_bench.py [--smoke] [--feeds 50] [--repeat 7]``; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"
DAG_FILE = DAGS / "leavehub_dags.py"
HEAVY = ("pandas", "pyarrow", "paramiko", "requests", "gnupg", "sqlalchemy")
MUST_NOT_LOAD = ("pandas", "paramiko", "requests")
TARGET_S = 0.5

SAMPLES = {
    "harbor_leave": """\
version: 1
vendor: harbor_leave
name: Harbor Leave
role: tpa
transport: {type: sftp, connection_id: harbor_sftp, inbound_dir: /outbound/, outbound_dir: /inbound/}
pgp: {connection_id: harbor_pgp}
feeds:
  leave_periods:
    direction: in
    format: delimited
    mapping: leave_periods.yaml
    file_pattern: "HARBOR_LEAVE_{date:%Y%m%d}.csv.pgp"
    file_kind: change
    record_key: [ABSENCE_PERIOD_KEY]
    supersede: {rule: updated_at, column: UPDATED_AT}
    schedule: {type: cron, cron: "30 6 * * *", timezone: America/New_York}
  eligibility:
    direction: out
    format: delimited
    mapping: eligibility.yaml
    file_pattern: "HARBOR_ELIG_{date:%Y%m%d}.txt.pgp"
    file_kind: full
    schedule: {type: asset, assets: [northwind_hris.workers]}
""",
    "northwind_hris": """\
version: 1
vendor: northwind_hris
name: Northwind HRIS
role: hris
transport: {type: http, connection_id: northwind_api, token_path: /oauth/token}
feeds:
  workers:
    direction: in
    format: json
    mapping: workers.yaml
    file_kind: change
    record_key: [id]
    supersede: {rule: updated_at, column: updated_at}
    endpoint: {path: /v1/workers, pagination: {type: cursor, page_size: 500}}
    schedule: {type: cron, cron: "0 2 * * *", timezone: America/Los_Angeles}
""",
    "ledgerpay": """\
version: 1
vendor: ledgerpay
name: LedgerPay
role: payroll
transport: {type: local, inbound_dir: export, outbound_dir: import}
feeds:
  pay_data:
    direction: out
    format: delimited
    mapping: pay_data.yaml
    file_pattern: "PR_{date:%Y%m%d}.csv"
    file_kind: change
    schedule: {type: pay_calendar, event: pay_date, offset_days: -2}
""",
}

PROBE = textwrap.dedent("""
    import importlib.util, json, sys, time
    mode, dags, dag_file, heavy, serialize = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(","), \\
        sys.argv[5] == "1"
    t0 = time.perf_counter()
    import airflow.sdk
    t1 = time.perf_counter()
    out = {"sdk_s": t1 - t0}
    if mode == "dags":
        before = {m for m in heavy if m in sys.modules}
        sys.path.append(dags)
        spec = importlib.util.spec_from_file_location("leavehub_dags_bench", dag_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        t2 = time.perf_counter()
        from airflow.sdk import DAG
        found = [v for v in vars(module).values() if isinstance(v, DAG)]
        out.update(parse_s=t2 - t1, total_s=t2 - t0, dags=len(found), errors=module.VENDOR_ERRORS,
                   heavy_by_sdk=sorted(before), heavy_by_parse=sorted(m for m in heavy
                                                                      if m in sys.modules and m not in before))
        if serialize:
            from airflow.serialization.serialized_objects import DagSerialization
            t3 = time.perf_counter()
            for dag in found:
                DagSerialization.to_dict(dag)
            out["serialize_s"] = time.perf_counter() - t3
    else:
        out["total_s"] = t1 - t0
    print(json.dumps(out))
""")


def _good_repo_vendors() -> dict[str, Path]:
    """Repo vendor folders that load cleanly (a half-written one would only add noise)."""
    sys.path.insert(0, str(ROOT))
    from leavehub.config.vendor import load_vendors

    mappings = ROOT / "mappings"
    if not mappings.is_dir():
        return {}
    found = load_vendors(mappings)
    return {name: mappings / name for name in found.vendors}


def build_mappings(dest: Path, feeds_wanted: int) -> tuple[int, str]:
    """Copies of one vendor set, every vendor name suffixed ``_cNN`` (asset references too); returns feeds."""
    import yaml

    sources = _good_repo_vendors()
    origin = "repo mappings/" if sources else "built-in samples"
    texts: dict[str, str] = {}
    if sources:
        texts = {name: (path / "vendor.yaml").read_text(encoding="utf-8") for name, path in sources.items()}
    else:
        texts = dict(SAMPLES)
    per_set = sum(len(yaml.safe_load(t)["feeds"]) for t in texts.values())
    copies = max(1, math.ceil(feeds_wanted / per_set))
    for k in range(copies):
        for name, text in texts.items():
            new_text = text
            for other in texts:
                new_text = re.sub(rf"\b{re.escape(other)}\b", f"{other}_c{k:02d}", new_text)
            folder = dest / f"{name}_c{k:02d}"
            if sources:
                shutil.copytree(sources[name], folder)
            else:
                folder.mkdir(parents=True)
                for feed in yaml.safe_load(text)["feeds"].values():
                    (folder / feed["mapping"]).write_text("# mapping\n", encoding="utf-8")
            (folder / "vendor.yaml").write_text(new_text, encoding="utf-8")
    return per_set * copies, origin


def probe(mode: str, env: dict[str, str], serialize: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(DAGS), str(DAG_FILE), ",".join(HEAVY), "1" if serialize else "0"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    if out.returncode != 0:
        raise SystemExit(f"probe {mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="2 repeats: proves the benchmark runs")
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    repeat = 2 if args.smoke else args.repeat

    with tempfile.TemporaryDirectory(prefix="lh_dagbench_") as tmp:
        mappings, home = Path(tmp) / "mappings", Path(tmp) / "airflow_home"
        mappings.mkdir()
        home.mkdir()
        feeds, origin = build_mappings(mappings, args.feeds)
        env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "LEAVEHUB_MAPPINGS": str(mappings), "PYTHONDONTWRITEBYTECODE": "1"}
        probe("sdk", env)  # warm the OS file cache and write airflow.cfg once; not counted
        sdk_runs, dag_runs = [], []
        for i in range(repeat):  # interleaved, so machine load drifts hit both sides alike
            sdk_runs.append(probe("sdk", env))
            dag_runs.append(probe("dags", env, serialize=(i == 0)))

    sdk_only = statistics.median(r["total_s"] for r in sdk_runs)
    with_dags = statistics.median(r["total_s"] for r in dag_runs)
    parse_only = statistics.median(r["parse_s"] for r in dag_runs)
    sdk_in_dag_runs = statistics.median(r["sdk_s"] for r in dag_runs)
    extra = with_dags - sdk_only
    first = dag_runs[0]
    heavy = sorted({m for r in dag_runs for m in r["heavy_by_parse"]})
    forbidden = [m for m in MUST_NOT_LOAD if m in heavy or m in first["heavy_by_sdk"]]

    print(f"vendor feeds: {feeds} ({origin}), DAGs built: {first['dags']}, vendor errors: {len(first['errors'])}")
    print(f"import airflow.sdk alone       median {sdk_only:.3f} s  ({repeat} cold runs)")
    print(f"import airflow.sdk + dags/     median {with_dags:.3f} s")
    print(f"difference (what we add)       {extra:.3f} s   target < {TARGET_S} s  "
          f"{'OK' if extra < TARGET_S else 'MISSED'}   ratio {with_dags / sdk_only:.2f}x")
    per_feed_ms = parse_only / max(feeds, 1) * 1000
    print(f"DAG file exec alone            median {parse_only:.3f} s  ({per_feed_ms:.1f} ms/feed; same runs' "
          f"airflow.sdk import {sdk_in_dag_runs:.3f} s: the difference above also carries machine noise)")
    print(f"serialize {first['dags']} DAGs (dag-processor) {first.get('serialize_s', float('nan')):.3f} s")
    print(f"loaded by airflow.sdk itself:  {', '.join(first['heavy_by_sdk']) or 'none'}")
    print(f"loaded by parsing our file:    {', '.join(heavy) or 'none'}")
    print(f"{'OK' if not forbidden else 'FAIL'}: {', '.join(MUST_NOT_LOAD)} "
          f"{'not in sys.modules after parsing' if not forbidden else 'imported: ' + ', '.join(forbidden)}")
    result = {
        "bench": "dag_parse", "feeds": feeds, "dags": first["dags"], "origin": origin, "repeat": repeat,
        "vendor_errors": len(first["errors"]), "sdk_only_s": round(sdk_only, 4),
        "sdk_plus_dags_s": round(with_dags, 4), "difference_s": round(extra, 4),
        "dag_file_exec_s": round(parse_only, 4),
        "sdk_in_dag_runs_s": round(sdk_in_dag_runs, 4), "ratio": round(with_dags / sdk_only, 3),
        "serialize_s": round(first.get("serialize_s", float("nan")), 4), "target_s": TARGET_S,
        "target_met": extra < TARGET_S, "heavy_by_parse": heavy, "forbidden_loaded": forbidden,
    }
    print(json.dumps(result))
    assert not forbidden, f"parsing the DAG file imported {forbidden}"
    # one DAG per feed, plus the watchman DAG (leavehub__check_arrivals) when a feed declares an arrival window,
    # plus the reconciliation DAG (leavehub__reconcile, from employer.yaml)
    assert first["dags"] in (feeds + 1, feeds + 2), \
        f"built {first['dags']} DAGs for {feeds} feeds: {first['errors']}"
    return 0


if __name__ == "__main__":
    sys.exit(main())
