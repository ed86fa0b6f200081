"""Pay-run fixtures: ``ledgerpay_hub`` (a local hub that also holds LedgerPay on local folders, no OpenPGP)."""

from __future__ import annotations

import pytest
from local_hubs import LocalHub, local_hub, pipeline_pg_url, with_ledgerpay

__all__ = ["LocalHub", "ledgerpay_hub", "local_hub", "pipeline_pg_url"]


@pytest.fixture
def ledgerpay_hub(local_hub: LocalHub) -> LocalHub:
    """``local_hub`` plus mappings/ledgerpay rewritten for local folders (export in, import out)."""
    return with_ledgerpay(local_hub)
