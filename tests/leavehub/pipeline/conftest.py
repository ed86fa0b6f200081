"""Pipeline fixtures: ``local_hub`` (a hub on local folders over SQLite or PostgreSQL) and ``harbor_leave_rows``.

They live in ``tests/local_hubs.py`` so the fault suite uses the same ones.
"""

from local_hubs import LocalHub, harbor_leave_rows, local_hub, local_vendor_yaml, pipeline_pg_url

__all__ = ["LocalHub", "harbor_leave_rows", "local_hub", "local_vendor_yaml", "pipeline_pg_url"]
