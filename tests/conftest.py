"""Suite-wide policy: under CI=true a test that needs a real peer never skips - it fails.

Individual fixtures skip with a message when a peer (sshd, gpg, sq, PostgreSQL, an HTTP server) is missing on a
developer's machine; in CI that skip is turned into a failure here, in one place.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PEER_MARKS = ("realpeer", "postgres")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and any(item.get_closest_marker(m) for m in PEER_MARKS):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"real-peer test skipped under CI=true (must pass or fail): {reason}"
