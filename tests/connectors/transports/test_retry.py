"""connectors.transports.retry: the one retry helper both transports run on (their real-peer tests are in
test_http.py and test_sftp.py; here the bounds themselves, with a recorded sleep)."""

from __future__ import annotations

import random

import pytest

from connectors.transports.retry import RetryLater, RetryPolicy, RetryTally, call_with_retries
from schemas.errors import ConfigError, TransientError


class Script:
    """An attempt that raises the scripted exceptions in turn, then returns ``"ok"``; sleeps are recorded."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls: list[int] = []
        self.slept: list[float] = []

    def attempt(self, number: int) -> str:
        self.calls.append(number)
        if self.failures:
            raise self.failures.pop(0)
        return "ok"

    def run(self, policy: RetryPolicy, **kw: object) -> str:
        def give_up(exc: BaseException, tally: RetryTally) -> BaseException:
            return TransientError(f"gave up: {tally.failures} failure(s), {tally.rate_limited} 429(s)")

        return call_with_retries(self.attempt, policy, give_up=give_up, sleep=self.slept.append,
                                 rng=random.Random(7), **kw)  # type: ignore[arg-type]


def test_failures_are_retried_with_jittered_exponential_backoff_until_success() -> None:
    script = Script(RetryLater("HTTP 503"), RetryLater("HTTP 503"), RetryLater("timed out"))
    assert script.run(RetryPolicy(attempts=4, backoff_base=1, backoff_max=3)) == "ok"
    assert script.calls == [1, 2, 3, 4]
    for wait, ceiling in zip(script.slept, [1, 2, 3], strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_the_attempt_bound_gives_up_with_the_callers_transient_error_chained_to_the_last_failure() -> None:
    script = Script(*[RetryLater("HTTP 502")] * 5)
    with pytest.raises(TransientError, match="3 failure") as err:
        script.run(RetryPolicy(attempts=3, backoff_base=0.01))
    assert script.calls == [1, 2, 3] and len(script.slept) == 2
    assert isinstance(err.value.__cause__, RetryLater)


def test_a_peer_asking_to_wait_past_the_budget_fails_at_once_without_sleeping() -> None:
    script = Script(RetryLater("HTTP 429", wait=60, rate_limited=True))
    with pytest.raises(TransientError, match="1 429"):
        script.run(RetryPolicy(budget=5))
    assert script.slept == []


def test_retry_after_is_honoured_and_429s_do_not_spend_attempts() -> None:
    script = Script(*[RetryLater("HTTP 429", wait=0.25, rate_limited=True)] * 4, RetryLater("HTTP 503", wait=0.5))
    assert script.run(RetryPolicy(attempts=2, budget=10, max_rate_limited=4)) == "ok"
    assert script.slept == [0.25, 0.25, 0.25, 0.25, 0.5]


def test_more_429s_than_the_bound_give_up() -> None:
    script = Script(*[RetryLater("HTTP 429", wait=0, rate_limited=True)] * 5)
    with pytest.raises(TransientError, match="3 429"):
        script.run(RetryPolicy(max_rate_limited=2))
    assert len(script.calls) == 3


def test_an_uncounted_retry_is_immediate_and_spends_no_attempt() -> None:
    script = Script(RetryLater("HTTP 401", wait=0, counted=False), RetryLater("HTTP 503", wait=0))
    assert script.run(RetryPolicy(attempts=2)) == "ok"
    assert script.slept == [0, 0] and script.calls == [1, 2, 3]


def test_what_is_not_transient_goes_up_unchanged_and_at_once() -> None:
    script = Script(ConfigError("bad host key"))
    with pytest.raises(ConfigError, match="bad host key"):
        script.run(RetryPolicy(), transient=lambda exc: isinstance(exc, OSError))
    assert script.calls == [1]


def test_the_transports_predicate_decides_which_native_exceptions_are_retried() -> None:
    script = Script(ConnectionResetError(), EOFError())
    network = (OSError, EOFError)
    assert script.run(RetryPolicy(backoff_base=0.01), transient=lambda e: isinstance(e, network)) == "ok"
    assert script.calls == [1, 2, 3]
