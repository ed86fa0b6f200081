#!/usr/bin/env bash
# Run every benchmark at its --smoke size (CI): proves the benchmarks still run; figures are informative only.
# bench/*_bench.py includes reconcile_bench.py (issue 10: one check date, compute and render apart).
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*_bench.py; do
  echo "-- $b --smoke"
  timeout 300 .venv/bin/python "$b" --smoke | tail -n 3
done
# The fault suite already ran in the test stage when its junit XML is given: count it instead of running it twice.
if [ -n "${1:-}" ] && [ -f "$1" ]; then
  echo "-- bench/fault_report.py --junit $1"
  .venv/bin/python bench/fault_report.py --junit "$1" | tail -n 8
else
  echo "-- bench/fault_report.py --smoke"
  timeout 900 .venv/bin/python bench/fault_report.py --smoke | tail -n 8
fi
