"""X12: a streaming writer driven by an :class:`~connectors.formats.x12_layout.X12Layout`, and a tokenizer
and acknowledgement reader for what a trading partner answers (TA1 and 999).

Writing: one interchange (ISA/IEA) with one functional group (GS/GE) with one transaction set (ST/SE). The
writer owns the envelope rules: separators ``*`` element, ``:`` component, ``^`` repetition, ``~`` segment;
ISA13 and GS06 are the batch's control number (ISA13 zero-padded to 9 digits); SE01 counts the segments of
the set including ST and SE; GE01 counts the sets of the group; IEA01 the groups of the interchange. Records
are written as they come (consecutive rows with the same key are one record), so memory stays bounded by the
frame size. A value holding a separator or a control character is refused (FormatError naming the column
and the record, never the value); letters with diacritics are sent without them (X12's character set).

Reading: :func:`tokenize` takes the separators from the ISA segment itself and yields segments as lists of
elements; :func:`read_acknowledgement` turns TA1 and 999 segments into values; anything malformed is a
:class:`~schemas.errors.FormatError`, never another exception.

Example::

    result = write_x12(layout, frames, sink, business_date=day,
                       params={"control_number": 42, "created": now, "file_kind": "full"})
    ack = read_acknowledgement(Path("SUMMIT_999_000000042.x12").read_bytes(), name="SUMMIT_999_000000042.x12")
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from connectors.formats.x12_layout import ColumnElement, ParamElement, X12Layout, X12Segment
from schemas.errors import ConfigError, FormatError

__all__ = [
    "Acknowledgement",
    "GroupAck",
    "InterchangeAck",
    "SegmentError",
    "SetAck",
    "read_acknowledgement",
    "read_x12_acknowledgements",
    "tokenize",
    "write_x12",
]

ELEMENT, COMPONENT, REPETITION, SEGMENT = "*", ":", "^", "~"
_FORBIDDEN = frozenset(ELEMENT + COMPONENT + REPETITION + SEGMENT) | {chr(c) for c in range(32)} | {"\x7f"}
MAX_CONTROL_NUMBER = 999_999_999
MAX_SEGMENT_CHARS = 4096
MAX_SEGMENTS = 200_000
MAX_SET_ERRORS = 10_000  # also the most TA1s in a file and sets in a group
MAX_ACK_BYTES = 64 * 1024 * 1024
ACK_COLUMNS = ("ACK_CONTROL", "GROUP_CONTROL", "GROUP_STATUS", "TRANSACTION_SET", "SET_CONTROL", "STATUS",
               "ERRORS")


# --- writing ---------------------------------------------------------------------------------------------

def _ascii(value: str) -> str:
    if value.isascii():
        return value
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


class _Compiled:
    """A segment with params resolved: per element either a literal or a column index."""

    def __init__(self, segment: X12Segment, params: Mapping[str, str], index: Mapping[str, int]) -> None:
        self.id = segment.id
        self.parts: list[tuple[bool, Any]] = []  # (is_column, literal text or column index)
        for element in segment.elements:
            if isinstance(element, ColumnElement):
                self.parts.append((True, index[element.column]))
            elif isinstance(element, ParamElement):
                self.parts.append((False, _param(element, params)))
            else:
                self.parts.append((False, element))
        self.has_columns = any(is_col for is_col, _ in self.parts)

    def render(self, row: tuple[str, ...]) -> str | None:
        values = [row[part] if is_col else part for is_col, part in self.parts]
        if self.has_columns and not any(row[part] for is_col, part in self.parts if is_col):
            return None
        while values and not values[-1]:
            values.pop()
        return ELEMENT.join((self.id, *values)) + SEGMENT


def _param(element: ParamElement, params: Mapping[str, str]) -> str:
    if element.param not in params:
        raise ConfigError(f"x12 layout uses param {element.param!r} that this run does not provide "
                          f"(known: {', '.join(sorted(params))})", key_path="layout")
    value = params[element.param]
    if element.codes is not None:
        if value not in element.codes:
            raise ConfigError(f"param {element.param} value {value!r} has no code in the layout",
                              key_path="layout")
        value = element.codes[value]
    return value


def _run_params(business_date: date | None, params: Mapping[str, Any]) -> dict[str, str]:
    created = params.get("created")
    if not isinstance(created, datetime):
        raise ValueError("an X12 write needs params['created'] (the file's creation time)")
    number = params.get("control_number")
    if not isinstance(number, int) or not 1 <= number <= MAX_CONTROL_NUMBER:
        raise ValueError("an X12 write needs params['control_number'] in 1..999999999")
    day = business_date or created.date()
    out = {k: str(v) for k, v in params.items() if k not in ("created", "control_number") and v is not None}
    out.update(business_date=day.strftime("%Y%m%d"), created_date=created.strftime("%Y%m%d"),
               created_time=created.strftime("%H%M"), control_number=str(number))
    return out


def _envelope(layout: X12Layout, number: int, created: datetime) -> tuple[str, str]:
    isa = ELEMENT.join((
        "ISA", "00", " " * 10, "00", " " * 10,
        layout.sender.qualifier, layout.sender.id.ljust(15),
        layout.receiver.qualifier, layout.receiver.id.ljust(15),
        created.strftime("%y%m%d"), created.strftime("%H%M"), REPETITION, "00501", f"{number:09d}",
        layout.ack_requested, layout.usage, COMPONENT)) + SEGMENT
    gs = ELEMENT.join(("GS", layout.functional_id, layout.sender.id.strip(), layout.receiver.id.strip(),
                       created.strftime("%Y%m%d"), created.strftime("%H%M"), str(number), "X",
                       layout.implementation)) + SEGMENT
    return isa, gs


def _rows(frames: Iterable[Any], columns: tuple[str, ...]) -> Iterator[tuple[list[tuple[str, ...]], int]]:
    """Each frame's rows as tuples of text ('' for null), in ``columns`` order, with the first row number."""
    first = 1
    for frame in frames:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ConfigError(f"x12 layout reads columns the mapping does not produce: {', '.join(missing)}",
                              key_path="layout")
        arrays = [frame[c].to_numpy(dtype=object, na_value="") for c in columns]
        rows = list(zip(*arrays, strict=True)) if arrays else []
        yield rows, first
        first += len(rows)


def _clean(row: tuple[Any, ...], columns: tuple[str, ...], number: int) -> tuple[str, ...]:
    out = []
    for name, value in zip(columns, row, strict=True):
        text = _ascii(str(value).strip())
        if _FORBIDDEN.intersection(text):
            raise FormatError("value holds an X12 separator or control character", field=name, line=number)
        out.append(text)
    return tuple(out)


def write_x12(layout: X12Layout, frames: Iterable[Any], sink: BinaryIO, *, business_date: date | None,
              params: Mapping[str, Any]) -> tuple[int, int, str]:
    """Write one interchange; returns (records, bytes, sha256). ``params`` must hold ``control_number``
    (ISA13/GS06) and ``created`` (ISA09/10, GS04/05) and every other param the layout names."""
    run = _run_params(business_date, params)
    number = int(run["control_number"])
    columns = layout.columns
    index = {name: i for i, name in enumerate(columns)}
    header = [_Compiled(s, run, index) for s in layout.header]
    per_record = [_Compiled(s, run, index) for s in layout.record.segments]
    per_row = [_Compiled(s, run, index) for s in layout.record.repeat]
    trailer = [_Compiled(s, run, index) for s in layout.trailer]
    key_slice = len(layout.record.key)
    digest = hashlib.sha256()
    size = 0

    def put(text: str) -> None:
        nonlocal size
        data = text.encode("ascii")
        digest.update(data)
        sink.write(data)
        size += len(data)

    isa, gs = _envelope(layout, number, params["created"])
    set_control = "0001"
    put(isa + gs + ELEMENT.join(("ST", layout.transaction_set, set_control, layout.implementation)) + SEGMENT)
    count = 1  # ST
    empty_row = ("",) * len(columns)
    for compiled in header:
        if (text := compiled.render(empty_row)) is not None:
            put(text)
            count += 1
    records = 0
    current: tuple[str, ...] | None = None
    for rows, first in _rows(frames, columns):
        out: list[str] = []
        for offset, raw in enumerate(rows):
            row = _clean(raw, columns, first + offset)
            key = row[:key_slice]
            if key != current:
                if not all(key):
                    raise FormatError("record key is empty", field=columns[0], line=first + offset)
                current = key
                records += 1
                out.extend(t for c in per_record if (t := c.render(row)) is not None)
            out.extend(t for c in per_row if (t := c.render(row)) is not None)
        count += len(out)
        put("".join(out))
    for compiled in trailer:
        if (text := compiled.render(empty_row)) is not None:
            put(text)
            count += 1
    count += 1  # SE
    put(ELEMENT.join(("SE", str(count), set_control)) + SEGMENT + ELEMENT.join(("GE", "1", str(number)))
        + SEGMENT + ELEMENT.join(("IEA", "1", f"{number:09d}")) + SEGMENT)
    return records, size, digest.hexdigest()


# --- reading ---------------------------------------------------------------------------------------------

def tokenize(data: bytes, *, name: str) -> Iterator[list[str]]:
    """The segments of an X12 interchange as lists of elements (``[id, el1, ...]``), separators from ISA.

    Line breaks after a segment terminator are ignored. Lazy and bounded: a segment longer than 4,096
    characters or more than 200,000 segments is a FormatError.
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not ASCII text (byte {exc.start + 1})", file=name) from None
    text = text.lstrip("\r\n\t ")
    if len(text) < 106 or not text.startswith("ISA"):
        raise FormatError("does not start with a complete ISA segment", file=name, line=1)
    element, component, terminator = text[3], text[104], text[105]
    if len({element, component, terminator}) != 3 or element.isalnum() or element.isspace() \
            or terminator.isalnum() or terminator == " ":
        raise FormatError("ISA separators are not distinct punctuation", file=name, line=1)
    start, number = 0, 0
    while start < len(text):
        end = text.find(terminator, start)
        end = len(text) if end < 0 else end
        if end - start > MAX_SEGMENT_CHARS + 2:
            raise FormatError("segment longer than allowed", file=name, line=number + 1)
        segment, start = text[start:end].strip("\r\n"), end + 1
        if not segment:
            continue
        number += 1
        if number > MAX_SEGMENTS:
            raise FormatError("more segments than allowed", file=name, line=number)
        if len(segment) > MAX_SEGMENT_CHARS:
            raise FormatError("segment longer than allowed", file=name, line=number)
        elements = segment.split(element)
        if not elements[0].isalnum() or not 2 <= len(elements[0]) <= 3:
            raise FormatError("segment id is not 2-3 letters or digits", file=name, line=number)
        yield elements


@dataclass(frozen=True)
class SegmentError:
    """An IK3 (segment in error) with its IK4 (element in error) when the partner named one."""

    segment_id: str
    position: int | None
    loop: str | None
    code: str | None
    element_position: str | None = None
    element_reference: str | None = None
    element_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class SetAck:
    """One acknowledged transaction set (AK2 ... IK5): ``status`` A, E, P, R (M and W fold into R)."""

    transaction_set: str
    set_control: str
    status: str
    errors: tuple[SegmentError, ...] = ()


@dataclass(frozen=True)
class GroupAck:
    """One acknowledged functional group (AK1 ... AK9); ``group_control`` is the GS06 it answers."""

    functional_id: str
    group_control: int
    status: str
    sets_included: int | None
    sets_received: int | None
    sets_accepted: int | None
    sets: tuple[SetAck, ...] = ()


@dataclass(frozen=True)
class InterchangeAck:
    """A TA1: the ISA13 it answers and A (accepted), E (accepted with errors) or R (rejected)."""

    control_number: int
    status: str
    note_code: str


@dataclass(frozen=True)
class Acknowledgement:
    """Everything a TA1/999 file says, with the file's own ISA13."""

    control_number: int
    interchanges: tuple[InterchangeAck, ...] = ()
    groups: tuple[GroupAck, ...] = ()

    def records(self) -> list[dict[str, Any]]:
        """One flat record per acknowledged set (group status beside it), for a frame or a report."""
        return [{"group_control": g.group_control, "group_status": g.status, "transaction_set": s.transaction_set,
                 "set_control": s.set_control, "status": s.status, "errors": [e.as_dict() for e in s.errors]}
                for g in self.groups for s in g.sets]


SET_CODES = {"A": "A", "E": "E", "P": "P", "R": "R", "M": "R", "W": "R", "X": "R"}


def _number(value: str, *, name: str, line: int, what: str) -> int:
    if not value.strip().isdigit() or len(value.strip()) > 9:
        raise FormatError(f"{what} is not a control number", file=name, line=line, field=what)
    return int(value.strip())


def _at(seg: list[str], i: int) -> str:
    return seg[i].strip() if len(seg) > i else ""


def _optional_int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) <= 9 else None


def read_acknowledgement(data: bytes, *, name: str) -> Acknowledgement:
    """Parse a TA1/999 interchange; a structure the 999 guide does not allow is a FormatError."""
    interchanges: list[InterchangeAck] = []
    groups: list[GroupAck] = []
    own_number: int | None = None
    group: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    for line, seg in enumerate(tokenize(data, name=name), start=1):
        sid = seg[0]
        if sid == "ISA":
            if len(seg) != 17:
                raise FormatError("ISA does not have 16 elements", file=name, line=line)
            own_number = _number(seg[13], name=name, line=line, what="ISA13")
        elif sid == "TA1":
            if len(interchanges) >= MAX_SET_ERRORS:
                raise FormatError("more TA1 segments than allowed", file=name, line=line)
            status = _at(seg, 4)
            if status not in ("A", "E", "R"):
                raise FormatError("TA104 is not A, E or R", file=name, line=line, field="TA104")
            interchanges.append(InterchangeAck(_number(_at(seg, 1), name=name, line=line, what="TA101"),
                                               status, _at(seg, 5)))
        elif sid == "AK1":
            if group is not None:
                raise FormatError("AK1 before the previous group's AK9", file=name, line=line)
            group = {"functional_id": _at(seg, 1),
                     "group_control": _number(_at(seg, 2), name=name, line=line, what="AK102"), "sets": []}
        elif sid == "AK2":
            if group is None or current is not None:
                raise FormatError("AK2 outside a group or before the previous IK5", file=name, line=line)
            if len(group["sets"]) >= MAX_SET_ERRORS:
                raise FormatError("more acknowledged sets in one group than allowed", file=name, line=line)
            current = {"transaction_set": _at(seg, 1), "set_control": _at(seg, 2), "errors": []}
        elif sid == "IK3":
            if current is None:
                raise FormatError("IK3 outside an AK2", file=name, line=line)
            if len(current["errors"]) >= MAX_SET_ERRORS:
                raise FormatError("more segment errors in one set than allowed", file=name, line=line)
            current["errors"].append(SegmentError(_at(seg, 1), _optional_int(_at(seg, 2)), _at(seg, 3) or None,
                                                  _at(seg, 4) or None))
        elif sid == "IK4":
            if current is None or not current["errors"]:
                raise FormatError("IK4 without an IK3", file=name, line=line)
            last = current["errors"].pop()
            current["errors"].append(SegmentError(last.segment_id, last.position, last.loop, last.code,
                                                  _at(seg, 1) or None, _at(seg, 2) or None, _at(seg, 3) or None))
        elif sid == "IK5":
            if current is None or group is None:
                raise FormatError("IK5 outside an AK2", file=name, line=line)
            code = _at(seg, 1)
            if code not in SET_CODES:
                raise FormatError("IK501 is not an acknowledgement code", file=name, line=line, field="IK501")
            group["sets"].append(SetAck(current["transaction_set"], current["set_control"], SET_CODES[code],
                                        tuple(current["errors"])))
            current = None
        elif sid == "AK9":
            if group is None or current is not None:
                raise FormatError("AK9 outside a group", file=name, line=line)
            code = _at(seg, 1)
            if code not in SET_CODES:
                raise FormatError("AK901 is not an acknowledgement code", file=name, line=line, field="AK901")
            groups.append(GroupAck(group["functional_id"], group["group_control"], SET_CODES[code],
                                   _optional_int(_at(seg, 2)), _optional_int(_at(seg, 3)),
                                   _optional_int(_at(seg, 4)), tuple(group["sets"])))
            group = None
    if own_number is None:
        raise FormatError("no ISA segment", file=name, line=1)
    if group is not None or current is not None:
        raise FormatError("acknowledgement ends inside a group (no AK9)", file=name)
    if not interchanges and not groups:
        raise FormatError("neither a TA1 nor a 999 group", file=name)
    return Acknowledgement(own_number, tuple(interchanges), tuple(groups))


def read_x12_acknowledgements(stream: BinaryIO, *, name: str) -> Iterator[Any]:
    """A TA1/999 file as one :class:`~connectors.formats.chunk.Chunk`: a row per acknowledged set (ERRORS as
    JSON text of its IK3/IK4), so an acknowledgement feed reads like any other file."""
    import json

    import pyarrow as pa

    from connectors.formats.chunk import Chunk, string_frame

    data = stream.read(MAX_ACK_BYTES + 1)
    if len(data) > MAX_ACK_BYTES:
        raise FormatError("acknowledgement larger than allowed", file=name)
    ack = read_acknowledgement(data, name=name)
    rows = [{"ACK_CONTROL": str(ack.control_number), "GROUP_CONTROL": str(r["group_control"]),
             "GROUP_STATUS": r["group_status"], "TRANSACTION_SET": r["transaction_set"],
             "SET_CONTROL": r["set_control"], "STATUS": r["status"], "ERRORS": json.dumps(r["errors"])}
            for r in ack.records()]
    table = pa.table({c: pa.array([r[c] for r in rows], type=pa.string()) for c in ACK_COLUMNS})
    frame = string_frame(table)
    yield Chunk(frame, first_row=1, first_line=1, columns=ACK_COLUMNS, is_last=True)
