"""docs/fixed-width.md: its layout reads its sample, field by field, and is the layout the add-a-vendor guide uses.

Pinned: the header and trailer are checked and not data (business date from the header, count from the
trailer); zero-padded and space-padded fields come back without their padding; the layout's and a field's
null words read as empty; the example is the same layout the guide walks (one example, not two that drift).
"""

from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd
import pytest

from connectors.formats import read_chunks
from connectors.formats.layouts import parse_layout
from leavehub.config.yaml_lines import load_located
from leavehub.settings import REPO_ROOT
from schemas.errors import FormatError

DOC = REPO_ROOT / "docs" / "fixed-width.md"
GUIDE = REPO_ROOT / "docs" / "add-a-vendor.md"


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def example() -> tuple[object, bytes]:
    text = DOC.read_text(encoding="utf-8")
    [layout_text] = blocks(text, "yaml")
    [sample] = blocks(text, "text")
    return parse_layout(load_located(DOC, text=layout_text).data), sample.encode()


def test_the_layout_reads_the_sample() -> None:
    layout, sample = example()
    chunks = list(read_chunks(layout, io.BytesIO(sample), name="BIRCHWOOD_LEAVE_20260302.txt"))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    assert chunks[-1].business_date == date(2026, 3, 2)
    assert frame["PERIOD_ID"].tolist() == ["4417-01", "4417-02", "4520-01"]
    assert frame["CASE_ID"].tolist() == ["4417", "4417", "4520"], "zero padding removed"
    assert frame["BENEFIT"].isna().tolist() == [True, False, True], "the field's null word"
    assert frame["END"].isna().tolist() == [False, True, True], "the layout's null word"
    assert frame["BENEFIT"][1] == "0123450" and frame["UPDATED"][0] == "2026-03-02T08:15:00Z"


def test_a_wrong_trailer_count_and_a_foreign_record_type_are_caught() -> None:
    layout, sample = example()
    with pytest.raises(FormatError, match="count"):
        list(read_chunks(layout, io.BytesIO(sample.replace(b"TRL000003", b"TRL000004")), name="x.txt"))
    bad = sample.replace(b"D00004520", b"X00004520")
    chunks = list(read_chunks(layout, io.BytesIO(bad), name="x.txt"))
    [error] = [e for c in chunks for e in c.row_errors]
    assert error.line == 4 and "detail prefix" in error.reason


def test_the_example_is_the_guides_layout() -> None:
    guide_mapping = [b for b in blocks(GUIDE.read_text(encoding="utf-8"), "yaml")
                     if "feed: leave_periods" in b and "targets:" in b]
    [mapping_text] = guide_mapping
    guide_layout = parse_layout(load_located(GUIDE, text=mapping_text).data["layout"])
    layout, _ = example()
    assert guide_layout == layout
    [sample] = blocks(DOC.read_text(encoding="utf-8"), "text")
    assert sample in GUIDE.read_text(encoding="utf-8")
