"""docker/ is valid: the compose file passes a real compose parser, which really fails on a broken copy.

No Docker engine runs here; ``config -q`` validates and interpolates without one. The compose binary is the
docker CLI's plugin (``docker compose``) if present, else Debian's ``docker-compose``; without either, the
binary tests skip (and fail under CI=true: marked realpeer) while the YAML checks below still run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "docker-compose.yaml"
ENV_EXAMPLE = DOCKER / ".env.example"
DOCKERFILE = DOCKER / "Dockerfile"
AIRFLOW_SERVICES = {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-worker", "airflow-triggerer"}
SERVICES = AIRFLOW_SERVICES | {"postgres", "redis", "sftp-sim", "hris-sim"}
SECRETS = ("AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "POSTGRES_PASSWORD", "LEAVEHUB_DB_PASSWORD",
           "HRIS_SIM_CLIENT_SECRET")


def compose_command() -> list[str] | None:
    """``docker compose`` when the plugin answers, else ``docker-compose``, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30,
                               check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.fixture(scope="module")
def compose() -> list[str]:
    cmd = compose_command()
    if cmd is None:
        pytest.skip("no compose binary (docker compose plugin or Debian's docker-compose)")
    return cmd


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    """docker/.env.example with a dummy value for every blank secret (as a developer's docker/.env)."""
    lines = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#") and not value:
            value = f"dummy-{key.lower()}"
        lines.append(f"{key}{sep}{value}")
    path = tmp_path / "test.env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_config(compose: list[str], compose_file: Path, env_file: Path,
               *profiles: str) -> subprocess.CompletedProcess[str]:
    args = [*compose, "-f", str(compose_file), "--env-file", str(env_file)]
    for profile in profiles:
        args += ["--profile", profile]
    return subprocess.run([*args, "config", "-q"], capture_output=True, text=True, timeout=60, check=False,
                          cwd=compose_file.parent)


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = COMPOSE.read_text(encoding="utf-8")
    assert old in text, f"breakage anchor {old!r} not in the compose file"
    copy = tmp_path / "docker-compose.yaml"
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    shutil.copytree(DOCKER / "postgres-init", tmp_path / "postgres-init")
    return copy


# --- with a compose binary ----------------------------------------------------------------------------


@pytest.mark.realpeer
@pytest.mark.parametrize("profiles", [(), ("sandbox",)], ids=["default", "sandbox"])
def test_compose_file_is_valid(compose: list[str], env_file: Path, profiles: tuple[str, ...]) -> None:
    result = run_config(compose, COMPOSE, env_file, *profiles)
    assert result.returncode == 0, result.stderr


@pytest.mark.realpeer
@pytest.mark.parametrize(("old", "new"), [
    ("    command: scheduler", "    commandd: scheduler"),                                # unknown key
    ("condition: service_completed_successfully", "condition: service_finished"),       # bad enum value
    ('network_mode: "service:airflow-worker"', 'network_mode: "service:no-such-svc"'),  # dangling reference
    ("\n  redis:\n", "\n  redis: [\n"),                                                   # YAML syntax
], ids=["unknown-key", "bad-condition", "dangling-network-mode", "yaml-syntax"])
def test_compose_config_fails_on_a_broken_copy(compose: list[str], env_file: Path, tmp_path: Path,
                                               old: str, new: str) -> None:
    result = run_config(compose, broken_copy(tmp_path, old, new), env_file, "sandbox")
    assert result.returncode != 0, f"compose accepted a broken file:\n{result.stdout[-1000:]}"


@pytest.mark.realpeer
def test_compose_refuses_to_start_without_a_secret(compose: list[str], env_file: Path) -> None:
    text = env_file.read_text(encoding="utf-8")
    env_file.write_text(re.sub(r"(?m)^AIRFLOW_JWT_SECRET=.*$", "AIRFLOW_JWT_SECRET=", text), encoding="utf-8")
    result = run_config(compose, COMPOSE, env_file)
    assert result.returncode != 0
    assert "AIRFLOW_JWT_SECRET" in result.stderr


# --- structure, without a binary ----------------------------------------------------------------------


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_has_the_celery_stack_and_the_simulators() -> None:
    doc = load_compose()
    assert set(doc["services"]) >= SERVICES
    common = doc["x-airflow-common"]["environment"]
    assert common["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common["LEAVEHUB_DB_URL"].startswith("postgresql+psycopg://")
    for name in AIRFLOW_SERVICES:
        env = doc["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == common["AIRFLOW__API_AUTH__JWT_SECRET"], name
    for sim in ("sftp-sim", "hris-sim"):
        assert doc["services"][sim]["profiles"] == ["sandbox"]
        assert doc["services"][sim]["network_mode"] == "service:airflow-worker"


def test_secrets_come_only_from_env_and_are_blank_in_the_example() -> None:
    text = "\n".join(line for line in COMPOSE.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("#"))
    env = load_compose()["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__FERNET_KEY"].startswith("${AIRFLOW_FERNET_KEY:?")
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW_JWT_SECRET:?")
    example = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
                   if "=" in line and not line.startswith("#"))
    for secret in SECRETS:
        assert secret in example and example[secret] == "", secret
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))  # $${X} is the container's, not compose's
    defaulted = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*):-", text))
    missing = used - set(example) - defaulted
    assert not missing, f"compose uses variables docker/.env.example does not list: {sorted(missing)}"
    assert not (DOCKER / ".env").exists() or "docker/.env" in (DOCKER / "Dockerfile.dockerignore").read_text()


def test_dockerfile_builds_on_the_locked_airflow_from_the_hashed_lock() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    (airflow_version,) = re.findall(r"(?m)^apache-airflow==([0-9.]+)", lock)
    assert f"apache/airflow:{airflow_version}-python3.11" in text
    assert re.search(r"pip install [^\n]*--require-hashes -r requirements\.lock", text)
    assert re.search(r"pip install [^\n]*--no-deps", text)
    assert re.search(r"apt-get install [^\n]*gnupg openssh-client", text)
