"""Store URL resolution and the light package import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from leavehub.settings import REPO_ROOT, Settings
from leavehub.store.engine import resolve_url
from schemas.errors import ConfigError


def test_the_default_store_is_a_sqlite_file_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEAVEHUB_DB_URL", raising=False)
    monkeypatch.delenv("LEAVEHUB_HOME", raising=False)
    assert resolve_url(None) == Settings.from_env().db_url == f"sqlite:///{REPO_ROOT / 'var' / 'leavehub.db'}"


def test_the_environment_and_then_the_argument_override_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAVEHUB_DB_URL", "postgresql+psycopg://postgres@127.0.0.1/leavehub")
    assert resolve_url(None).startswith("postgresql+psycopg://")
    assert resolve_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_an_unsupported_or_broken_url_is_a_config_error_that_hides_the_password() -> None:
    with pytest.raises(ConfigError, match="unsupported"):
        resolve_url("mysql://u:secret@host/db")
    with pytest.raises(ConfigError) as caught:
        resolve_url("::not a url secretpw")
    assert "secretpw" not in str(caught.value)


def test_importing_the_store_package_does_not_import_pandas_or_sqlalchemy() -> None:
    code = "import sys, leavehub.store; print('pandas' in sys.modules, 'sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
