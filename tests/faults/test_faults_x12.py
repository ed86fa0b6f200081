"""Faults against the X12 acknowledgement reader: whatever bytes arrive as a TA1/999, the verdict is a value or
a FormatError - never another exception, never unbounded time or memory.

Verdicts pinned here:
- random bytes, and random mutations of a valid TA1 + 999 (characters replaced, inserted, deleted, the file cut
  short, separators swapped), give an ``Acknowledgement`` or a ``FormatError`` naming the file;
- a 5 MB segment, two million errors in one set, 20,000 TA1s or 250,000 segments is
  refused by the bounds quickly;
- the error text never quotes the content it refused.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.formats.x12 import Acknowledgement, read_acknowledgement
from schemas.errors import FormatError

VALID = (b"ISA*00*          *00*          *ZZ*SUMMITMUTUAL   *ZZ*NWDLEAVEHUB    *261207*1400*^*00501*000000901"
         b"*0*P*:~"
         b"GS*FA*SUMMITMUTUAL*NWDLEAVEHUB*20261207*1400*901*X*005010X231A1~ST*999*0001*005010X231A1~"
         b"AK1*BE*17*005010X220A1~AK2*834*0001*005010X220A1~IK3*DTP*25*2300*8~IK4*3*1251*8~"
         b"IK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*901~TA1*000000017*261207*1300*A*000~IEA*1*000000901~")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _verdict(data: bytes) -> Acknowledgement | FormatError:
    started = time.perf_counter()
    try:
        result: Acknowledgement | FormatError = read_acknowledgement(data, name="SUMMIT_999_fuzz.x12")
    except FormatError as exc:
        assert "SUMMIT_999_fuzz.x12" in str(exc)
        result = exc
    assert time.perf_counter() - started < 2.0
    return result


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_are_an_acknowledgement_or_a_format_error(data):
    _verdict(data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["replace", "insert", "delete", "cut", "separator"]))
        byte = draw(st.sampled_from(list(b"*~:^\n\r0123456789AEPRX \x00\xff")))
        if action == "replace":
            data[where] = byte
        elif action == "insert":
            data.insert(where, byte)
        elif action == "delete" and len(data) > 1:
            del data[where]
        elif action == "cut":
            del data[max(where, 1):]
        else:
            data = bytearray(bytes(data).replace(b"*", bytes([byte])))
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_999s_are_an_acknowledgement_or_a_format_error(data):
    verdict = _verdict(data)
    if isinstance(verdict, Acknowledgement):
        for group in verdict.groups:
            assert group.status in "AEPR" and all(s.status in "AEPR" for s in group.sets)
    else:
        assert "IK3*DTP" not in str(verdict) and "NWDLEAVEHUB" not in str(verdict)


@pytest.mark.parametrize("data", [VALID[:106] + b"AK1*" + b"9" * 5_000_000 + b"~",
                                  VALID[:VALID.index(b"IK3")] + b"IK3*X*1~" * 2_000_000,
                                  VALID[:106] + b"TA1*1*2*3*A*000~" * 20_000,
                                  VALID[:106] + b"ZZ*1~" * 250_000])
def test_oversized_acknowledgements_are_refused_quickly(data):
    verdict = _verdict(data)
    assert isinstance(verdict, FormatError) and "allowed" in str(verdict)
