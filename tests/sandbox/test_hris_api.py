"""The HRIS simulator as an HTTP peer: how fast it answers on a kept-alive connection.

Pinned: a page costs what the server does, not a TCP timer. A response is written as headers then body; without
TCP_NODELAY the body's last segment waits for the client's delayed ACK (40 ms on Linux), which made a
261-page pull of the demo's hours worked spend 10 s idle.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
from hris_fixture import client_for, running_simulator, write_dataset

from connectors.transports.pagination import CursorPagination

pytestmark = [pytest.mark.realpeer, pytest.mark.timeout(60)]


def test_pages_on_a_kept_alive_connection_do_not_wait_for_delayed_acks(tmp_path: Path) -> None:
    write_dataset(tmp_path, workers=1234)
    with running_simulator(tmp_path) as sim, client_for(sim) as api:
        pages = api.iter_pages("/v1/workers", pagination=CursorPagination(page_size=50))
        next(pages)  # the token and the connection
        took = []
        while True:
            started = time.perf_counter()
            page = next(pages, None)
            if page is None:
                break
            took.append(time.perf_counter() - started)
    assert len(took) == 24
    # a Nagle stall is >= 40 ms on every page; a loaded 2-core machine serves a page in a few ms
    assert statistics.median(took) < 0.025, f"median page {statistics.median(took) * 1000:.0f} ms"
