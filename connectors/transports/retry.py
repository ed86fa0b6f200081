"""One retry helper for every transport: bounded attempts, one time budget, jittered exponential backoff.

Why one: SFTP and HTTP fail the same ways (a peer that hiccups, a dropped connection, a server asking us to
wait), and the scheduler retries ABOVE this budget, so each call's own budget must be short and stated once.
:func:`call_with_retries` runs an attempt until it returns, and decides from the exception what comes next:

    transient (the transport's predicate)   wait the jittered backoff, try again (counts an attempt)
    RetryLater(wait=s)                       the peer said how long (HTTP Retry-After on 429 / 503): wait that
    RetryLater(rate_limited=True)            a 429: counts against ``max_rate_limited``, not ``attempts``
    RetryLater(wait=0, counted=False)        try again at once, uncounted (a token refreshed after a 401)
    anything else                            goes up unchanged (ConfigError, RejectedInput, a missing file)

It gives up - raising the one tree's :class:`~schemas.errors.TransientError` the caller builds (``give_up``)
- when the attempts are spent, when more 429s came than ``max_rate_limited``, or when the next wait would end
past ``budget`` seconds after the first attempt began: a vendor asking us to wait an hour fails fast.

Example::

    policy = RetryPolicy(attempts=3, budget=25)
    listing = call_with_retries(lambda n: sftp.listdir("in"), policy, transient=is_network_trouble,
                                give_up=lambda exc, tally: TransientError(f"list failed: {tally}"))
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field
from tenacity import RetryCallState, Retrying, retry_if_exception

__all__ = ["RetryLater", "RetryPolicy", "RetryTally", "call_with_retries"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class RetryPolicy(BaseModel):
    """The retry budget of ONE call (one page, one upload): bounded attempts and a bounded total time.

    ``attempts`` bounds failures (5xx, timeouts, dropped connections); 429s do not use attempts but are capped by
    ``max_rate_limited``. ``budget`` bounds the seconds from the first attempt to the end of the last wait, so a
    429 storm is ridden out while a vendor that asks us to wait an hour fails fast. A transfer that keeps making
    progress is not cut short: the budget is checked only before a wait. The n-th backoff is a uniform draw in
    [ceiling / 2, ceiling], ceiling = min(``backoff_max``, ``backoff_base`` * 2 ** (n - 1)).
    Example: ``RetryPolicy(attempts=3, budget=10)``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(default=5, ge=1, le=20)
    budget: float = Field(default=120.0, ge=0)
    backoff_base: float = Field(default=0.5, ge=0)
    backoff_max: float = Field(default=30.0, ge=0)
    max_rate_limited: int = Field(default=50, ge=0)

    def backoff(self, failures: int, rng: random.Random) -> float:
        """The jittered wait before the retry that follows failure number ``failures`` (1-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (failures - 1))
        return rng.uniform(ceiling / 2, ceiling)


class RetryLater(Exception):
    """Raised by an attempt to say "try again": ``wait`` is the peer's own (Retry-After) or None for the backoff.

    ``status`` (an HTTP status) rides on to the TransientError when the helper gives up.
    """

    def __init__(self, reason: str, *, wait: float | None = None, rate_limited: bool = False,
                 counted: bool = True, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.wait, self.rate_limited = reason, wait, rate_limited
        self.counted, self.status = counted, status


@dataclass
class RetryTally:
    """What happened so far: failures, 429s, seconds since the first attempt; handed to ``give_up``."""

    failures: int = 0
    rate_limited: int = 0
    elapsed: float = 0.0
    next_wait: float = 0.0


def call_with_retries(attempt: Callable[[int], T], policy: RetryPolicy, *,
                      give_up: Callable[[BaseException, RetryTally], BaseException],
                      transient: Callable[[BaseException], bool] = lambda exc: False,
                      on_retry: Callable[[BaseException, RetryTally], None] | None = None,
                      sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> T:
    """Run ``attempt(n)`` (n = 1, 2, ...) until it returns; see the module docstring for what is retried.

    ``give_up(last_exception, tally)`` builds the exception raised past the bound (chained to the last one);
    ``on_retry`` is told before each wait (log there: never a secret or a value).
    """
    rng = rng or random.Random()
    tally = RetryTally()
    tries = 0

    def once() -> T:
        nonlocal tries
        tries += 1
        return attempt(tries)

    def retryable(exc: BaseException) -> bool:
        return isinstance(exc, RetryLater) or transient(exc)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        later = exc if isinstance(exc, RetryLater) else None
        if later is not None and later.rate_limited:
            tally.rate_limited += 1
        elif later is None or later.counted:
            tally.failures += 1
        if later is not None and later.wait is not None:
            tally.next_wait = later.wait
        elif later is not None and later.rate_limited:
            tally.next_wait = policy.backoff(tally.rate_limited, rng)
        else:
            tally.next_wait = policy.backoff(max(tally.failures, 1), rng)
        return tally.next_wait

    def stop(state: RetryCallState) -> bool:
        tally.elapsed = state.seconds_since_start or 0.0
        return (tally.failures >= policy.attempts or tally.rate_limited > policy.max_rate_limited
                or tally.elapsed + tally.next_wait > policy.budget)

    def raise_give_up(state: RetryCallState) -> T:
        exc = state.outcome.exception() if state.outcome else None
        assert exc is not None
        built = give_up(exc, tally)
        if built is exc:
            raise exc
        raise built from exc

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            on_retry(state.outcome.exception(), tally)

    retrying = Retrying(retry=retry_if_exception(retryable), wait=wait, stop=stop, sleep=sleep,
                        retry_error_callback=raise_give_up, before_sleep=before_sleep, reraise=True)
    return retrying(once)
