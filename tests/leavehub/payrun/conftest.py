"""Pay-run fixtures: ``ledgerpay_hub`` (a local hub that also holds LedgerPay on local folders, no OpenPGP)."""

from __future__ import annotations

import shutil

import pytest
import yaml
from local_hubs import LocalHub, local_hub, local_vendor_yaml, pipeline_pg_url

from leavehub.settings import REPO_ROOT

__all__ = ["LocalHub", "ledgerpay_hub", "local_hub", "pipeline_pg_url"]


@pytest.fixture
def ledgerpay_hub(local_hub: LocalHub) -> LocalHub:
    """``local_hub`` plus mappings/ledgerpay rewritten for local folders (export in, import out)."""
    target = local_hub.mappings / "ledgerpay"
    shutil.copytree(REPO_ROOT / "mappings" / "ledgerpay", target)
    vendor = local_vendor_yaml(REPO_ROOT / "mappings" / "ledgerpay" / "vendor.yaml")
    vendor["transport"] = {"type": "local", "inbound_dir": "export", "outbound_dir": "import",
                           "archive_dir": "archive"}
    (target / "vendor.yaml").write_text(yaml.safe_dump(vendor, sort_keys=False), encoding="utf-8")
    return local_hub
