"""pyx12 as the referee: validate an X12 file against its implementation guide and get the 999 it computes.

Uses pyx12's Python API (``x12n_document``), never the ``x12valid`` command (which exits 1 even on a valid
file). The 999 pyx12 writes carries a TA1 for the interchange as well, so one call answers both.

Example::

    verdict = validate_x12(Path("SUMMIT_834_SMG0042_20261207050000.x12").read_text())
    assert verdict.valid and verdict.set_status == "A"
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

__all__ = ["Verdict", "validate_x12"]


@dataclass(frozen=True)
class Verdict:
    """pyx12's answer: ``valid`` (x12n_document's return), the TA1+999 text it wrote, the 999's set status."""

    valid: bool
    acknowledgement: str
    set_status: str | None
    group_status: str | None


def validate_x12(text: str) -> Verdict:
    """Validate ``text`` (one interchange) with pyx12; quiet: pyx12's error log lines name values."""
    import pyx12.params
    import pyx12.x12n_document

    from connectors.formats.x12 import read_acknowledgement

    pyx12_log = logging.getLogger("pyx12")
    level, propagate = pyx12_log.level, pyx12_log.propagate
    pyx12_log.setLevel(logging.CRITICAL)
    pyx12_log.propagate = False
    try:
        out = io.StringIO()
        valid = bool(pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), out, None))
    finally:
        pyx12_log.setLevel(level)
        pyx12_log.propagate = propagate
    ack_text = out.getvalue()
    set_status = group_status = None
    if ack_text.strip():
        ack = read_acknowledgement(ack_text.encode("ascii"), name="pyx12-999")
        if ack.groups:
            group_status = ack.groups[0].status
            set_status = ack.groups[0].sets[0].status if ack.groups[0].sets else None
    return Verdict(valid, ack_text, set_status, group_status)
