#!/usr/bin/env bash
# Run every benchmark at its --smoke size (CI): proves the benchmarks still run; figures are informative only.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*_bench.py; do
  echo "-- $b --smoke"
  timeout 300 .venv/bin/python "$b" --smoke | tail -n 3
done
echo "-- bench/fault_report.py --smoke"
timeout 900 .venv/bin/python bench/fault_report.py --smoke | tail -n 8
