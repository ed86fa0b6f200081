"""Summit Mutual's side of the SFTP exchange: every 834 the hub puts in ``/to_summit/`` is answered with a TA1
and a 999 that pyx12 computes, sealed (encrypted to the hub, signed by Summit) into ``/from_summit/`` as
``SUMMIT_999_<ISA13>.x12.pgp``; the 834 moves to ``archive/``.

The answer is pyx12's own (``x12n_document``): a valid file gets ``IK5*A`` / ``AK9*A``, an invalid one what
pyx12 found (IK3/IK4, ``R``). Switches make Summit harder to please: ``mode="reject"`` rejects every set
(IK5/AK9 ``R`` with an IK3/IK4 naming INS03), ``mode="partial"`` answers the group ``P`` (partially
accepted) and the set ``E`` with an IK3/IK4 on DMG03; ``mode="silent"`` never answers (the overdue alert).

Example::

    with SshdServer(root, ["summit_mutual"]) as sshd:
        summit = SummitSimulator(sshd.vendor_dir("summit_mutual"), hub=hub_key, summit=summit_key)
        summit.answer_pending()      # or summit.start(poll_seconds=0.2) ... summit.stop()
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sandbox.keys import KeyPair, gpg_home, run_gpg
from sandbox.x12_check import validate_x12

__all__ = ["SUMMIT_FOLDERS", "Answer", "SummitSimulator", "doctor_acknowledgement"]

SUMMIT_FOLDERS = ("to_summit", "from_summit", "archive")
Mode = Literal["accept", "reject", "partial", "silent"]


@dataclass(frozen=True)
class Answer:
    """What Summit answered one 834 with (names and statuses only)."""

    file: str
    control_number: int
    valid: bool
    set_status: str | None
    reply: str | None


def doctor_acknowledgement(text: str, mode: Mode) -> str:
    """pyx12's TA1/999 rewritten for a switch: ``reject`` -> IK5/AK9 R with an IK3 on INS; ``partial`` ->
    IK5 E and AK9 P. Segment counts (SE01) are kept right."""
    if mode in ("accept", "silent"):
        return text
    segments = [s for s in text.replace("\r", "").replace("\n", "").split("~") if s]
    out: list[str] = []
    for seg in segments:
        parts = seg.split("*")
        if parts[0] == "IK5":
            if mode == "reject":
                out += ["IK3*INS*8*2000*8", "IK4*3*875*7"]
                out.append("IK5*R*5")
            else:
                out += ["IK3*DMG*14*2100A*8", "IK4*3*1068*7"]
                out.append("IK5*E")
            continue
        if parts[0] == "AK9":
            included = parts[2] if len(parts) > 2 else "1"
            out.append(f"AK9*R*{included}*{included}*0" if mode == "reject" else f"AK9*P*{included}*{included}*1")
            continue
        if parts[0] in ("IK3", "IK4") and mode in ("reject", "partial"):
            continue
        out.append(seg)
    st = next(i for i, s in enumerate(out) if s.startswith("ST*999"))
    se = next(i for i, s in enumerate(out) if s.startswith("SE*"))
    out[se] = f"SE*{se - st + 1}*{out[se].split('*')[2]}"
    return "~".join(out) + "~"


@dataclass
class SummitSimulator:
    """Answers the hub's 834s in ``home`` (Summit's SFTP home for the hub: to_summit, from_summit, archive)."""

    home: Path
    hub: KeyPair
    summit: KeyPair
    mode: Mode = "accept"
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for sub in SUMMIT_FOLDERS:
            (self.home / sub).mkdir(parents=True, exist_ok=True)

    def answer_pending(self) -> list[Answer]:
        """Answer every complete 834 waiting in to_summit (temporary upload names are left alone)."""
        done = []
        for path in sorted((self.home / "to_summit").glob("SUMMIT_834_*.x12.pgp")):
            done.append(self._answer(path))
        self.answers += done
        return done

    def _answer(self, path: Path) -> Answer:
        with gpg_home(prefix="lhsummit-") as home:
            run_gpg(home, "--import", stdin=self.summit.secret_armored.encode())
            run_gpg(home, "--import", stdin=self.hub.public_armored.encode())
            text = run_gpg(home, "--trust-model", "always", "--decrypt", str(path)).decode("ascii")
            found = re.match(r"ISA(.).{100}", text)
            number = int(text.split(found.group(1))[13]) if found else 0
            verdict = validate_x12(text)
            reply_name = None
            if self.mode != "silent":
                reply = doctor_acknowledgement(verdict.acknowledgement, self.mode)
                reply_name = f"SUMMIT_999_{number:09d}.x12.pgp"
                plain = home / "reply.x12"
                plain.write_text(reply, encoding="ascii")
                part = self.home / "from_summit" / f".{reply_name}.part"
                run_gpg(home, "--trust-model", "always", "--yes", "--output", str(part), "--recipient",
                        self.hub.fingerprint, "--sign", "--local-user", self.summit.fingerprint,
                        "--encrypt", str(plain))
                part.rename(self.home / "from_summit" / reply_name)
        path.rename(self.home / "archive" / path.name)
        status = {"reject": "R", "partial": "P"}.get(self.mode, verdict.set_status)
        return Answer(path.name, number, verdict.valid, status, reply_name)

    # -- as a background peer --------------------------------------------------------------------------

    def start(self, poll_seconds: float = 0.5) -> SummitSimulator:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(poll_seconds,), name="summit-sim", daemon=True)
        self._thread.start()
        return self

    def _loop(self, poll_seconds: float) -> None:
        while not self._stop.wait(poll_seconds):
            self.answer_pending()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
