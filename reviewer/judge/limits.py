"""Judge stage, rate limiting: request and token budgets per minute, spent before sending.

Two token buckets, as providers run them: each holds a minute's budget and refills
continuously. A call waits until both can pay for it (prompt tokens counted offline plus the
maximum output), so a run stays under the limits instead of learning them from 429s. The
server's `x-ratelimit-*` headers lower the budgets when it allows less than configured, or when
someone else is spending the same quota."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from reviewer.judge.chat import Chat, ChatCall, ChatReply, Limits, RequestError, TransientError
from reviewer.judge.health import MAX_RETRY_AFTER, Waits, too_long_wait


@dataclass
class Bucket:
    capacity: float
    level: float
    updated: float

    def refill(self, now: float) -> None:
        rate = self.capacity / 60.0
        self.level = min(self.capacity, self.level + (now - self.updated) * rate)
        self.updated = now

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` is available (0 when it already is)."""
        missing = amount - self.level
        return 0.0 if missing <= 0 else missing * 60.0 / self.capacity


class RateLimiter:
    def __init__(
        self,
        rpm: int,
        tpm: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        waits: Waits | None = None,
    ) -> None:
        now = clock()
        self.waits = waits or Waits(clock)
        self.requests = Bucket(float(rpm), float(rpm), now)
        self.tokens = Bucket(float(tpm), float(tpm), now)
        self.clock, self.sleep = clock, sleep
        self.paused_until = now
        self.lock = threading.Lock()
        # Sent and not answered yet: the server may not have counted them in its headers.
        self.in_flight = 0
        self.in_flight_tokens = 0

    def acquire(self, tokens: int) -> None:
        if tokens > self.tokens.capacity:
            raise RequestError(
                f"one request needs {tokens} tokens, more than the budget of "
                f"{int(self.tokens.capacity)} tokens per minute; raise tokens_per_minute"
            )
        while True:
            with self.lock:
                delay = self._delay(tokens)
                if delay <= 0:
                    self.requests.level -= 1
                    self.tokens.level -= tokens
                    self.in_flight += 1
                    self.in_flight_tokens += tokens
                    return
                why = "rate-limited" if self.paused_until > self.clock() else "within rate limits"
            self.waits.note(why, delay)
            self.sleep(min(delay, 1.0))

    def _delay(self, tokens: int) -> float:
        now = self.clock()
        for bucket in (self.requests, self.tokens):
            bucket.refill(now)
        waits = (self.paused_until - now, self.requests.wait_for(1), self.tokens.wait_for(tokens))
        return max(waits)

    def answered(self, tokens: int) -> None:
        with self.lock:
            self.in_flight -= 1
            self.in_flight_tokens -= tokens

    def observe(self, limits: Limits) -> None:
        """Lower the budgets to what the server says is left, less what is still on its way
        to it (which it may not have counted yet)."""
        with self.lock:
            requests = _less(limits.remaining_requests, self.in_flight)
            tokens = _less(limits.remaining_tokens, self.in_flight_tokens)
            _lower(self.requests, limits.limit_requests, requests)
            _lower(self.tokens, limits.limit_tokens, tokens)

    def pause(self, seconds: float) -> None:
        """The server asked everyone to wait (Retry-After on a 429)."""
        with self.lock:
            self.paused_until = max(self.paused_until, self.clock() + seconds)


def _less(remaining: int | None, pending: int) -> int | None:
    return None if remaining is None else remaining - pending


def _lower(bucket: Bucket, limit: int | None, remaining: int | None) -> None:
    if limit is not None and 0 < limit < bucket.capacity:
        bucket.capacity = float(limit)
    if remaining is not None:
        bucket.level = min(bucket.level, float(remaining))


class RateLimited:
    """A Chat that spends the limiter's budget before every call, retries included."""

    def __init__(self, inner: Chat, limiter: RateLimiter) -> None:
        self.inner, self.limiter = inner, limiter

    def complete(self, call: ChatCall) -> ChatReply:
        self.limiter.acquire(call.tokens)
        try:
            reply = self.inner.complete(call)
        except TransientError as err:
            if err.retry_after and err.retry_after > MAX_RETRY_AFTER:
                raise too_long_wait(err.retry_after, "the endpoint") from None
            if err.retry_after:
                self.limiter.pause(err.retry_after)
            raise
        finally:
            self.limiter.answered(call.tokens)
        self.limiter.observe(reply.limits)
        return reply
