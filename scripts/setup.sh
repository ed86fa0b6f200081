#!/usr/bin/env bash
# Set up everything LeaveHub needs on a fresh Debian machine: system packages (OpenSSH server for the SFTP
# simulator, GnuPG, Sequoia's sq for OpenPGP interop tests, Chromium + chromedriver for the HTML report test, with
# LEAVEHUB_SETUP_BROWSER=1 as scripts/test.sh sets it), uv,
# and .venv from the hashed lock file.
# Idempotent: a second run only checks (that .venv was built from this lock, pyproject.toml and checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v gpg >/dev/null 2>&1 || need_apt+=(gnupg)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v sftp >/dev/null 2>&1 || need_apt+=(openssh-client)
command -v sq >/dev/null 2>&1 || need_apt+=(sq)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)  # validates docker/ (no engine needed)
if [ "${LEAVEHUB_SETUP_BROWSER:-0}" = 1 ]; then  # tests only (scripts/test.sh): the demo needs no browser
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)          # opens the HTML reconciliation report
  command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # Never start the system sshd: the simulator runs its own on a loopback port.
  echo exit 101 | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
fi

PY=${PYTHON:-python3}
if ! command -v uv >/dev/null 2>&1; then
  "$PY" -m pip install -q "uv==0.13.8" 2>/dev/null || "$PY" -m pip install -q --user "uv==0.13.8"
fi
UV=$(command -v uv || echo "$PY -m uv")

[ -x .venv/bin/python ] || $UV venv -q .venv --python "$PY"
# .venv is rebuilt from the lock (sync, then this checkout editable) only when the lock, pyproject.toml or the
# checkout differ from what it was built from: the stamp is the check (a sync re-hashes 172 packages, and it
# uninstalls the editable install that must then be built again: ~8 s of a demo). Remove .venv to force it.
stamp=.venv/.leavehub-built-from
want="$(pwd) $(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -f "$stamp"
  # --compile-bytecode: every module is compiled once, here, not by every Python process that imports it (the
  # demo and its simulators start several; with PYTHONDONTWRITEBYTECODE set nothing would ever be cached, and
  # Airflow + pandas alone take seconds of CPU to compile)
  VIRTUAL_ENV=.venv $UV pip sync -q --require-hashes --compile-bytecode requirements.lock
  VIRTUAL_ENV=.venv $UV pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv, $(.venv/bin/python --version))"
