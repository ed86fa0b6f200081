"""Fixtures for the format tests (helpers live in ``format_helpers``)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def pipe_layout() -> dict[str, Any]:
    """Harbor's eligibility census shape: pipe, CRLF, header, TRL|count|YYYYMMDD."""
    return {"type": "delimited", "delimiter": "|", "columns": ["EMPLOYEE_ID", "SSN", "HOURS"],
            "trailer": {"tag": "TRL"}}
