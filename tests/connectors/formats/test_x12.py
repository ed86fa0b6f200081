"""The X12 writer and acknowledgement reader, refereed by pyx12 (its Python API, not the x12valid exit code).

Every 834 the Summit Mutual mapping writes (full and change, from canonical rows in a real store) must be
valid for 005010X220A1 with pyx12's 999 saying accepted; injected errors must make pyx12 say otherwise.
"""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from connectors.formats import parse_layout, read_chunks, write_chunks
from connectors.formats.x12 import read_acknowledgement, tokenize
from sandbox.x12_check import validate_x12
from schemas.errors import ConfigError, FormatError

DAY = date(2026, 12, 7)
CREATED = datetime(2026, 12, 7, 13, 0, 5, tzinfo=UTC)


class _Batch:
    def __init__(self, number: int) -> None:
        self.control_number = number


@pytest.fixture
def summit(tmp_path: Any) -> Any:
    """A SQLite store holding the Summit population (60 employees), and the full and change feeds."""
    from leavehub.pipeline.feeds import load_feed
    from leavehub.store import PiiCipher, Store
    from sandbox.summit_population import load_population, summit_population

    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}", cipher=PiiCipher(os.urandom(32)))
    store.migrate()
    population = summit_population(60, business_date=DAY)
    load_population(store, population, business_date=DAY)
    feeds = load_feed("summit_mutual.enrollment_full"), load_feed("summit_mutual.enrollment_change")
    yield store, population, *feeds
    store.dispose()


def _write(feed: Any, frame: pd.DataFrame, number: int = 17) -> str:
    from leavehub.pipeline.outbound import x12_params

    sink = io.BytesIO()
    write_chunks(feed.layout, [frame], sink, business_date=DAY, params=x12_params(feed, _Batch(number), CREATED))
    return sink.getvalue().decode("ascii")


def _segments(text: str) -> list[str]:
    return [s for s in text.split("~") if s]


def test_the_full_834_is_valid_for_pyx12_and_says_what_the_spec_asks(summit):
    from leavehub.pipeline.outbound import build_frame

    store, population, full, _ = summit
    text = _write(full, build_frame(full, store=store, business_date=DAY))
    verdict = validate_x12(text)
    assert verdict.valid and verdict.set_status == "A" and verdict.group_status == "A"
    segs = _segments(text)
    assert segs[0] == ("ISA*00*          *00*          *ZZ*NWDLEAVEHUB    *ZZ*SUMMITMUTUAL   "
                       "*261207*1300*^*00501*000000017*1*P*:")
    assert segs[1] == "GS*BE*NWDLEAVEHUB*SUMMITMUTUAL*20261207*1300*17*X*005010X220A1"
    assert segs[3] == "BGN*00*17*20261207*1300****RX"
    assert "N1*P5*Northwind Demo Company*FI*123456789" in segs and "N1*IN*Summit Mutual*FI*987654321" in segs
    st, se = segs.index("ST*834*0001*005010X220A1"), next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    assert segs[se] == f"SE*{se - st + 1}*0001" and segs[-2] == "GE*1*17" and segs[-1] == "IEA*1*000000017"
    ins = [s for s in segs if s.startswith("INS*")]
    assert len(ins) == 60 and all(s.split("*")[3] == "030" for s in ins)
    assert {s.split("*")[4] for s in ins} == {"", "37", "38"} and "L1" in {s.split("*")[-1] for s in ins}
    assert not any(s.startswith("DTP*303") for s in segs)  # maintenance dates are for change files
    # disability leave only: 297/296; unpaid (FMLA, no PTO) leave: 543 in the coverage loop; X -> U
    assert sum(s.startswith("DTP*297") for s in segs) == sum(s.startswith("DTP*296") for s in segs) == 1
    assert sum(s.startswith("DTP*543") for s in segs) == 4  # two unpaid members, STD and LTD each
    paid = {f"DTP*543*D8*{d:%Y%m%d}" for d in population.frames["premium_ledger_entry"]["coverage_end"]}
    assert {s for s in segs if s.startswith("DTP*543")} == paid, "the premium ledger's paid-through date"
    assert any(s.startswith("DMG*D8*") and s.endswith("*U") for s in segs)
    assert {s.split("*")[3] for s in segs if s.startswith("HD*")} == {"STD", "LTD"}


def test_the_change_834_marks_adds_changes_terms_and_reinstatements_and_is_valid(summit):
    from leavehub.pipeline.outbound import build_frame
    from sandbox.summit_population import SummitPopulation, load_population

    store, population, _, change = summit
    since = datetime.now(UTC)
    frames = population.frames
    later = since + timedelta(seconds=1)
    enrollment = frames["enrollment"].copy()
    enrollment.loc[enrollment.employee_id == "E0000010", "benefit_salary"] = Decimal(99000)  # change
    new_hire = enrollment[enrollment.employee_id == "E0000002"].assign(employee_id="E0000099")
    employee = frames["employee"][frames["employee"].employee_id == "E0000002"].assign(employee_id="E0000099")
    employment = frames["employment"][frames["employment"].employee_id == "E0000002"]
    employment = employment.assign(employee_id="E0000099")
    ended = enrollment[(enrollment.employee_id == "E0000020") & (enrollment.plan_type == "STD")].assign(
        effective_to=DAY - timedelta(days=1))                                                      # term
    leave = frames["leave_period"].copy()
    revoked = leave[leave.coverage_revoked].iloc[0]
    leave.loc[leave.absence_period_key == revoked.absence_period_key, "coverage_revoked"] = False  # reinstate
    for frame in (enrollment, new_hire, employee, employment, ended, leave):
        frame["updated_at"] = later
    changed = enrollment[enrollment.employee_id == "E0000010"]
    load_population(store, SummitPopulation({
        "employee": employee, "employment": employment,
        "enrollment": pd.concat([changed, new_hire, ended], ignore_index=True),
        "leave_period": leave[leave.absence_period_key == revoked.absence_period_key]}),
        business_date=DAY, feed="later")
    frame = build_frame(change, store=store, business_date=DAY, since=since)
    marks = dict(zip(frame.MEMBER_ID + "/" + frame.HD03, frame.MAINTENANCE, strict=True))
    assert marks == {"E0000010/STD": "001", "E0000010/LTD": "001", "E0000099/STD": "021", "E0000099/LTD": "021",
                     "E0000020/STD": "024", f"{revoked.employee_id}/STD": "025",
                     f"{revoked.employee_id}/LTD": "025"}
    text = _write(change, frame, number=18)
    verdict = validate_x12(text)
    assert verdict.valid and verdict.set_status == "A"
    segs = _segments(text)
    assert segs[3].endswith("****2")
    assert sum(s == "DTP*303*D8*20261207" for s in segs) == sum(s.startswith("INS*") for s in segs) == 4


@pytest.mark.parametrize("mutation", ["bad date", "wrong SE count", "unknown HD03"])
def test_pyx12_catches_injected_errors(summit, mutation):
    from leavehub.pipeline.outbound import build_frame

    store, _, full, _ = summit
    text = _write(full, build_frame(full, store=store, business_date=DAY))
    if mutation == "bad date":
        broken = text.replace("DTP*348*D8*20260101", "DTP*348*D8*20261341", 1)
    elif mutation == "wrong SE count":
        broken = re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m.group(1)) + 1}*", text)
    else:
        broken = text.replace("**STD*", "**XYZ*", 1)
    assert broken != text
    verdict = validate_x12(broken)
    assert not verdict.valid and verdict.set_status == "R"


SMALL = {"type": "x12", "transaction_set": "834", "implementation": "005010X220A1", "functional_id": "BE",
         "sender": {"id": "HUB"}, "receiver": {"id": "CARRIER"},
         "header": [["BGN", "00", {"param": "control_number"}, {"param": "created_date"},
                     {"param": "created_time"}, "", "", "",
                     {"param": "file_kind", "codes": {"full": "RX", "change": "2"}}]],
         "record": {"key": ["ID"], "segments": [["INS", "Y", "18", "030", "", "A"],
                                                ["REF", "0F", {"column": "ID"}],
                                                ["DTP", "297", "D8", {"column": "D"}]],
                    "repeat": [["HD", "030", "", {"column": "LINE"}]]}}


def _small(rows: list[dict[str, Any]], chunks: int = 1, **params: Any) -> str:
    frame = pd.DataFrame(rows, dtype="string[pyarrow]")
    size = max(1, len(frame) // chunks)
    frames = [frame.iloc[i:i + size] for i in range(0, len(frame), size)]
    sink = io.BytesIO()
    run = {"control_number": 5, "created": CREATED, "file_kind": "change", **params}
    result = write_chunks(parse_layout(SMALL), frames, sink, business_date=DAY, params=run)
    assert result.bytes == len(sink.getvalue())
    return sink.getvalue().decode("ascii")


def test_envelope_counts_records_across_frames_and_leaves_out_empty_segments():
    rows = [{"ID": "A", "D": None, "LINE": "STD"}, {"ID": "A", "D": None, "LINE": "LTD"},
            {"ID": "B", "D": "20261101", "LINE": "STD"}]
    text = _small(rows, chunks=3)  # a record split across frames stays one record
    segs = _segments(text)
    assert [s for s in segs if s.startswith(("INS", "HD", "DTP"))] == [
        "INS*Y*18*030**A", "HD*030**STD", "HD*030**LTD", "INS*Y*18*030**A", "DTP*297*D8*20261101", "HD*030**STD"]
    assert segs[3] == "BGN*00*5*20261207*1300****2"
    assert segs[-3] == "SE*11*0001" and segs[-2] == "GE*1*5" and segs[-1] == "IEA*1*000000005"
    assert len(segs[0]) == 105  # ISA is fixed width


@pytest.mark.parametrize("value", ["A*B", "A~", "A:B", "A^B", "A\nB"])
def test_a_value_holding_a_separator_is_refused_without_echoing_it(value):
    with pytest.raises(FormatError) as caught:
        _small([{"ID": "A", "D": value, "LINE": "STD"}])
    assert "field D" in str(caught.value) and value not in str(caught.value)


def test_run_params_and_codes_are_checked():
    with pytest.raises(ConfigError, match="no code"):
        _small([{"ID": "A", "D": None, "LINE": "STD"}], file_kind="weekly")
    with pytest.raises(ValueError, match="control_number"):
        _small([{"ID": "A", "D": None, "LINE": "STD"}], control_number=10**9)
    with pytest.raises(ConfigError):
        parse_layout({**SMALL, "header": [["SE", "1"]]})  # the envelope is the writer's


ACK = ("ISA*00*          *00*          *ZZ*SUMMITMUTUAL   *ZZ*NWDLEAVEHUB    *261207*1400*^*00501*000000901*0*P*:~"
       "GS*FA*SUMMITMUTUAL*NWDLEAVEHUB*20261207*1400*901*X*005010X231A1~ST*999*0001*005010X231A1~"
       "AK1*BE*17*005010X220A1~AK2*834*0001*005010X220A1~IK3*DTP*25*2300*8~IK4*3*1251*8~IK3*HD*30**1~"
       "IK5*R*5~AK9*R*1*1*0~SE*10*0001~GE*1*901~TA1*000000017*261207*1300*A*000~IEA*1*000000901~")


def test_a_999_reads_into_set_status_with_segment_and_element_in_error():
    ack = read_acknowledgement(ACK.encode(), name="SUMMIT_999_000000017.x12")
    assert ack.control_number == 901
    assert [(t.control_number, t.status) for t in ack.interchanges] == [(17, "A")]
    (group,) = ack.groups
    assert (group.group_control, group.status, group.sets_accepted) == (17, "R", 0)
    (one,) = group.sets
    assert (one.set_control, one.status) == ("0001", "R")
    assert one.errors[0].as_dict() == {"segment_id": "DTP", "position": 25, "loop": "2300", "code": "8",
                                       "element_position": "3", "element_reference": "1251", "element_code": "8"}
    assert one.errors[1].segment_id == "HD" and one.errors[1].element_position is None
    (chunk,) = read_chunks(parse_layout(SMALL), io.BytesIO(ACK.encode()), name="ack.x12")
    assert chunk.frame.loc[0, "STATUS"] == "R" and chunk.frame.loc[0, "GROUP_CONTROL"] == "17"


def test_pyx12s_own_999_reads_back_as_accepted(summit):
    from leavehub.pipeline.outbound import build_frame

    store, _, full, _ = summit
    verdict = validate_x12(_write(full, build_frame(full, store=store, business_date=DAY)))
    ack = read_acknowledgement(verdict.acknowledgement.encode(), name="pyx12.999")
    assert ack.groups[0].group_control == 17 and ack.groups[0].sets[0].status == "A"


@pytest.mark.parametrize("data", [b"", b"ISA", b"GS*BE~", ACK.replace("AK9*R*1*1*0~", "").encode(),
                                  ACK.replace("IK5*R*5~", "IK5*Q*5~").encode(), "ISA\u00e9".encode(),
                                  ACK.encode()[:200], ACK.replace("*000000901*0*P", "*00000090X*0*P").encode()])
def test_malformed_acknowledgements_are_format_errors(data):
    with pytest.raises(FormatError):
        read_acknowledgement(data, name="bad.x12")


def test_tokenize_takes_separators_from_isa():
    text = ACK.replace("*", "|").replace("~", "\n").replace("|^|", "|^|")
    text = text[:104] + ":" + "\n" + text[106:]
    segs = list(tokenize(text.encode(), name="pipes.x12"))
    assert segs[1][:2] == ["GS", "FA"] and segs[-1][0] == "IEA"


def test_mapping_check_refuses_an_x12_layout_reading_a_column_the_mapping_does_not_write(tmp_path):
    import shutil

    from leavehub.mapping.loader import load_mapping
    from leavehub.settings import REPO_ROOT

    folder = tmp_path / "summit_mutual"
    shutil.copytree(REPO_ROOT / "mappings" / "summit_mutual", folder)
    path = folder / "enrollment_834.yaml"
    path.write_text(path.read_text().replace("{column: HIRE_DATE}", "{column: HIRE_DAET}"))
    with pytest.raises(ConfigError, match="HIRE_DAET") as caught:
        load_mapping(path)
    assert caught.value.line is not None
