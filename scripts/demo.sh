#!/usr/bin/env bash
# Set up and run the demo: simulators + a synthetic employer of ~2,000 employees, every reference exchange
# end to end, twice (the second pass posts and sends nothing new). Files and reports land under var/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m sandbox.demo "$@"
