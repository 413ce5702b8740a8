"""Judge stage, retries: tenacity is the single retry owner (the openai client has
`max_retries=0`). Only transient failures are retried, with jittered exponential backoff that
honours the server's Retry-After; everything else is raised at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from reviewer.judge.chat import Chat, ChatCall, ChatError, ChatReply, TransientError, Unreachable
from reviewer.judge.health import Waits


class GaveUp(TransientError):
    """A transient failure that outlasted every attempt."""


T = TypeVar("T")


class Retried:
    """A Chat whose calls are retried on transient failures."""

    def __init__(
        self,
        inner: Chat,
        attempts: int = 5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        waits: Waits | None = None,
    ) -> None:
        self.inner = inner
        self.policy = RetryPolicy(attempts, max_wait, sleep, waits)

    def complete(self, call: ChatCall) -> ChatReply:
        sent = 0

        def attempt() -> ChatReply:
            nonlocal sent
            try:
                reply = self.inner.complete(call)
            except ChatError as err:
                sent += err.sent
                raise
            sent += reply.sent
            return reply

        try:
            return replace(self.policy.run(attempt), sent=sent)
        except ChatError as err:  # GaveUp is new, so it is told the count here
            err.sent = sent
            raise


class RetryPolicy:
    def __init__(
        self,
        attempts: int = 5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        waits: Waits | None = None,
    ) -> None:
        self.waits = waits or Waits()
        self.attempts = attempts
        self.backoff = wait_random_exponential(multiplier=1, max=max_wait)
        self.max_wait = max_wait
        self.sleep = sleep

    def run(self, action: Callable[[], T]) -> T:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(action)
        except TransientError as err:
            raise GaveUp(f"gave up after {self.attempts} attempts: {err}") from None

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        advised = getattr(error, "retry_after", None)
        backoff = self.backoff(state)
        if isinstance(advised, int | float) and advised > 0:
            # A little jitter on top of the advice, so concurrent workers don't return together.
            seconds = float(min(self.max_wait, advised + backoff * 0.1))
        else:
            seconds = float(backoff)
        self.waits.note(_why(error), seconds)
        return seconds


def _why(error: BaseException | None) -> str:
    if isinstance(error, Unreachable):
        return f"no answer ({error}), retrying"
    text = str(error or "")
    if text.startswith("429"):
        return "rate-limited (429)"
    return (
        f"the server answered {text.split(':', 1)[0]}, retrying"
        if text[:1].isdigit()
        else ("retrying after a bad answer")
    )
