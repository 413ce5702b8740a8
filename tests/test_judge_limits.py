"""Judge stage, rate limits and retries: budgets spent before sending, adjusted from the
server's headers; tenacity retries transient failures only, honouring Retry-After. Driven by
a fake clock, so nothing here sleeps."""

from __future__ import annotations

import pytest

from reviewer.judge.chat import (
    ChatCall,
    FatalError,
    Limits,
    RequestError,
    TransientError,
)
from reviewer.judge.limits import RateLimited, RateLimiter
from reviewer.judge.retry import GaveUp, Retried
from tests.judgeutil import ScriptedChat, reply


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(rpm: int, tpm: int, clock: Clock) -> RateLimiter:
    return RateLimiter(rpm, tpm, clock=clock, sleep=clock.sleep)


def test_requests_wait_for_the_request_budget() -> None:
    clock = Clock()
    limits = limiter(60, 10_000, clock)
    for _ in range(60):
        limits.acquire(10)
    assert clock.now == 0.0  # a full minute's budget at the start
    limits.acquire(10)
    assert clock.now == pytest.approx(1.0)  # 60 per minute refill one a second


def test_requests_wait_for_the_token_budget() -> None:
    clock = Clock()
    limits = limiter(1000, 6000, clock)
    limits.acquire(6000)
    limits.acquire(3000)
    assert clock.now == pytest.approx(30.0)  # half a minute to refill half the budget


def test_a_request_larger_than_the_budget_fails_at_once() -> None:
    with pytest.raises(RequestError, match="more than the budget"):
        limiter(10, 1000, Clock()).acquire(5000)


def test_headers_lower_the_budget_to_what_the_server_allows() -> None:
    clock = Clock()
    limits = limiter(600, 100_000, clock)
    limits.observe(Limits(limit_requests=60, remaining_requests=0))
    limits.acquire(1)
    assert clock.now == pytest.approx(1.0)  # the server's 60/min, starting from empty


def test_retry_after_pauses_every_caller() -> None:
    clock = Clock()
    limits = limiter(600, 100_000, clock)
    chat = RateLimited(ScriptedChat([TransientError("429", retry_after=5.0), reply("{}")]), limits)
    with pytest.raises(TransientError):
        chat.complete(call())
    chat.complete(call())
    assert clock.now == pytest.approx(5.0)


def call() -> ChatCall:
    return ChatCall(
        "m", ({"role": "user", "content": "x"},), 10, {"type": "json_object"}, tokens=20
    )


def test_transient_failures_are_retried_with_the_servers_advice() -> None:
    clock = Clock()
    script = ScriptedChat([TransientError("503"), TransientError("429", 7.0), reply("ok")])
    result = Retried(script, attempts=5, sleep=clock.sleep).complete(call())
    assert result.content == "ok" and len(script.calls) == 3
    assert 0 < clock.sleeps[0] <= 1.0  # first backoff, jittered
    assert 7.0 <= clock.sleeps[1] <= 7.0 + 0.2  # Retry-After plus a little jitter


def test_retries_stop_after_the_attempts_and_say_so() -> None:
    clock = Clock()
    script = ScriptedChat([TransientError("connection reset")] * 3)
    with pytest.raises(GaveUp, match="gave up after 3 attempts: connection reset"):
        Retried(script, attempts=3, sleep=clock.sleep).complete(call())
    assert len(script.calls) == 3


@pytest.mark.parametrize("error", [FatalError("bad key"), RequestError("too long")])
def test_permanent_failures_are_not_retried(error: Exception) -> None:
    script = ScriptedChat([error, reply("never")])  # type: ignore[list-item]
    with pytest.raises(type(error)):
        Retried(script, sleep=Clock().sleep).complete(call())
    assert len(script.calls) == 1


def test_headers_count_the_requests_still_on_their_way() -> None:
    """The server's `remaining` may not count requests it has not received yet."""
    clock = Clock()
    limits = limiter(60, 100_000, clock)
    limits.acquire(10)
    limits.acquire(10)  # two in flight
    limits.answered(10)  # the first comes back: the server says one request is left
    limits.observe(Limits(limit_requests=60, remaining_requests=1))
    limits.acquire(10)  # the one left is the one still in flight: wait for the refill
    assert clock.now == pytest.approx(1.0)
