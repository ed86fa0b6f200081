#!/usr/bin/env bash
# Set up and run every test: lint, then pytest (real sshd, gpg, sq, HTTP servers, SQLite and PostgreSQL).
# Under CI=true a test that needs a real peer fails instead of skipping, and each stage prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { local name=$1; shift; local t0=$SECONDS; echo "== $name"; "$@"; echo "== $name took $((SECONDS - t0)) s"; }

stage setup env LEAVEHUB_SETUP_BROWSER=1 bash scripts/setup.sh
stage lint .venv/bin/ruff check .
mkdir -p var/artifacts
# Two workers (LEAVEHUB_TEST_WORKERS), each taking whole test files: much of the suite waits on sshd, gpg, HTTP
# servers and PostgreSQL, so two files at a time take about half the time of one on two cores.
stage tests .venv/bin/python -m pytest -q -p no:cacheprovider -n "${LEAVEHUB_TEST_WORKERS:-2}" --dist loadfile \
  --junitxml=var/artifacts/junit.xml -o junit_family=xunit1 "$@"
stage bench-smoke bash bench/run_smoke.sh var/artifacts/junit.xml
