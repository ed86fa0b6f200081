"""LeaveHub's Airflow DAGs: one per vendor feed, built from ``mappings/*/vendor.yaml`` (LEAVEHUB_MAPPINGS), the
arrivals watchman, and the reconciliation after each check date (employer.yaml ``reconciliation``).

The one DAG file of the project. It reads the vendor config once per parse and stays cheap: no pandas,
pyarrow, paramiko, requests, SQLAlchemy or gnupg, no network or database at import time (see
``bench/dag_parse_bench.py``). A broken vendor folder costs only that vendor's DAGs; its error is logged, raised
as a ``VendorConfigWarning`` and kept in ``VENDOR_ERRORS``. The factory and the task callables live in the
``leavehub_airflow`` package beside this file (on ``sys.path`` as part of the DAG bundle, and listed in
``.airflowignore``).
"""

from __future__ import annotations

from leavehub_airflow.factory import build_feed_dags

from leavehub.settings import Settings

_settings = Settings.from_env()
_built = build_feed_dags(_settings.mappings_root, _settings.employer_file)

VENDOR_ERRORS: dict[str, str] = _built.errors
"""Vendor (or vendor.feed) -> why it has no DAGs; empty when every vendor folder is sound."""

globals().update(_built.dags)
