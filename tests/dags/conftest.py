"""DAG-test fixtures: ONE throwaway Airflow home on SQLite for the whole test run, migrated once.

Airflow reads its configuration when it is first imported, so ``airflow_home`` sets ``AIRFLOW_HOME`` (and the
metadata DB URL, the dags folder, no example DAGs) before anything imports airflow, then runs
``airflow db migrate`` once, in a child process with that environment. If some earlier test module had
already imported Airflow with another home, the in-process ORM is pointed at this one (``configure_vars`` +
``reconfigure_orm``) so ``dag.test()`` and the migrated database agree.

``test_dagbag.py`` keeps its own module-scoped ``airflow_home`` (parsing needs no database, so it skips the
migration); inside that module its fixture overrides this one, and it restores the environment it changed.

Example::

    def test_something(airflow_home: Path) -> None:
        dag.test(logical_date=...)      # runs against <airflow_home>/airflow.db
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
MIGRATE_TIMEOUT_S = 300


def airflow_env(home: Path) -> dict[str, str]:
    """The settings that pin Airflow to ``home``: its config, SQLite metadata DB, our dags folder."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    }


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated SQLite Airflow home for the session; the dags folder is on ``sys.path`` as in a bundle."""
    home = tmp_path_factory.mktemp("airflow_session_home")
    env = airflow_env(home)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=MIGRATE_TIMEOUT_S, check=False)
    if done.returncode != 0:
        pytest.fail(f"airflow db migrate failed ({done.returncode}): {done.stderr[-3000:]}")
    print(f"airflow db migrate: {time.monotonic() - started:.1f} s")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    if "airflow.settings" in sys.modules:  # imported earlier under another home: point the ORM here
        from airflow import settings

        settings.configure_vars()
        settings.reconfigure_orm()
    if str(DAGS) not in sys.path:
        sys.path.append(str(DAGS))  # as the dag-processor's BundleDagBag does
    try:
        yield home
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
