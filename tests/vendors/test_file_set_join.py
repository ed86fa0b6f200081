"""File sets without the pipeline: the FINEOS-like extract's three files read with their own layouts, joined
on their class/index ids and mapped; every join problem is a row error naming its file's line."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from vendor_hub import DATA

from connectors.formats import parse_layout
from leavehub.mapping.file_sets import join_file_set
from leavehub.mapping.loader import load_mapper, load_mapping
from leavehub.pipeline.file_sets import joined_chunks, read_member
from schemas.errors import ConfigError

FOLDER = DATA / "bay_state_claims"
DAY = "20261120"


def sample(member: str) -> bytes:
    return (FOLDER / "samples" / f"FNX_{DAY}_{member}.csv").read_bytes()


def read_set(files: dict[str, bytes]):
    mapping = load_mapping(FOLDER / "payments.yaml")
    spec = mapping.file_set
    layouts = {spec.base: parse_layout(mapping.layout),
               **{m: parse_layout(member.layout) for m, member in spec.join.items()}}
    read = {m: read_member(m, layouts[m], io.BytesIO(data), f"{m}.csv") for m, data in files.items()}
    base = read.pop(spec.base)
    return join_file_set(spec, base.table, base.lines, {m: (r.table, r.lines) for m, r in read.items()})


def members() -> dict[str, bytes]:
    return {m: sample(m) for m in ("vpei", "vpeipaymentdetails", "vpeiclaimdetails")}


def test_the_three_files_join_in_base_order_and_map_with_base_lines():
    joined = read_set(members())
    assert joined.errors == []
    assert joined.table.column_names[:2] == ["C", "I"] and "PEC_CLASSID" not in joined.table.column_names
    assert "DIAGNOSIS" not in joined.table.column_names and "PAYEEBANKACCO" not in joined.table.column_names
    mapper = load_mapper(FOLDER / "payments.yaml")
    [chunk] = list(joined_chunks(joined.table, joined.lines, 100))
    mapped = mapper.apply(chunk.frame, first_row=chunk.first_row, business_date=dt.date(2026, 11, 20),
                          line_of=chunk.line_of)
    assert mapped.errors == []
    rows = mapped.frames["benefit_payment"].to_dict("records")
    assert [r["payment_key"] for r in rows] == ["501", "502", "503"]
    assert [r["gross"] for r in rows] == [Decimal("850.00"), Decimal("1100.00"), Decimal("120.00")], "coalesce"
    assert [r["case_number"] for r in rows] == ["NTN-8801-ABS-01", None, "NTN-8801-ABS-01"], "Please Select"
    assert rows[0]["employee_id"] == "BSC-40001" and rows[1]["plan"] == "MA_PFML"
    assert rows[1]["payment_date"] == dt.date(2026, 11, 20), "the earliest date known: the extraction day"
    assert rows[2]["period_start"] == dt.date(2026, 11, 1), "the detail row of 503 is first in its file"


def test_a_missing_repeated_or_orphan_detail_row_is_a_row_error_with_that_files_line():
    files = members()
    details = files["vpeipaymentdetails"].decode().splitlines()
    details[2] = details[2].replace("7326,501", "7326,999")      # 501 has no detail row; 999 matches nothing
    details.append(details[3])                                     # 502's detail repeats (line 5 of the file)
    files["vpeipaymentdetails"] = ("\r\n".join(details) + "\r\n").encode()
    joined = read_set(files)
    found = sorted((e.line, e.reason) for e in joined.errors)
    assert found == [(2, "no vpeipaymentdetails row for this record"),
                     (3, "vpeipaymentdetails: this row matches no record of the base file"),
                     (5, "vpeipaymentdetails: the key of line 4 repeats")]


def test_mapping_check_refuses_a_join_key_or_a_clash_the_layouts_do_not_allow(tmp_path):
    text = (FOLDER / "payments.yaml").read_text(encoding="utf-8")
    (tmp_path / "codes.yaml").write_bytes((FOLDER / "codes.yaml").read_bytes())
    path = tmp_path / "payments.yaml"
    path.write_text(text.replace("I: PEC_INDEXID}", "I: PEC_INDEX}", 1))
    with pytest.raises(ConfigError, match="join key 'PEC_INDEX' is not a column of vpeipaymentdetails"):
        load_mapping(path)
    path.write_text(text.replace("ABSENCECASENU, BENEFITTYPE", "ABSENCECASENU, BENEFITTYPE, PAYMENTSTARTP"))
    with pytest.raises(ConfigError, match="'PAYMENTSTARTP' of vpeiclaimdetails is also in vpeipaymentdetails"):
        load_mapping(path)
    path.write_text(text.replace("[{source: BUSINESSNETBE_MONAMT}", "[{source: DIAGNOSIS}"))
    with pytest.raises(ConfigError, match="never_read"):
        load_mapping(path)


def test_the_join_is_vectorized_and_keeps_order_at_size():
    n = 20_000
    ids = np.arange(n).astype(str)
    base = pa.table({"C": pa.array(["1"] * n), "I": pa.array(ids), "V": pa.array(ids)})
    detail = pa.table({"PC": pa.array(["1"] * n), "PI": pa.array(ids[::-1]), "W": pa.array(ids[::-1])})
    from leavehub.mapping.model import FileSet

    spec = FileSet.model_validate({"base": "b", "join": {"d": {"layout": {}, "on": {"C": "PC", "I": "PI"},
                                                                "required": True}}})
    joined = join_file_set(spec, base, np.arange(2, n + 2), {"d": (detail, np.arange(2, n + 2))})
    assert joined.errors == [] and joined.table["V"].to_pylist() == joined.table["W"].to_pylist() == list(ids)
    assert joined.lines[:3].tolist() == [2, 3, 4]
