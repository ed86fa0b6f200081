"""Hold a ``SandboxStack`` up until SIGTERM: the background process behind ``leavehub sandbox up``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path

from sandbox.stack import SandboxStack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with SandboxStack(args.root, employees=args.employees, seed=args.seed) as stack:
        if stack.summit is not None:
            stack.summit.start(poll_seconds=2.0)  # Summit answers each 834 as it lands, like the carrier
        tmp = args.state.with_suffix(".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds sandbox-only secrets
        with os.fdopen(fd, "w") as fh:
            json.dump({"pid": os.getpid(), "env": stack.env, "describe": stack.describe()}, fh)
        tmp.replace(args.state)
        try:
            stop.wait()
        finally:
            args.state.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
