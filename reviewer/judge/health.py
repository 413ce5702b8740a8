"""Judge stage, endpoint health: stop asking an endpoint that has stopped answering, and say
on the progress line what the run is waiting for.

A dead or stuck server would otherwise cost every figure its full round of retries, each up
to the timeout: ten minutes for four figures, then a run that exits as if it had judged. The
breaker sits under the retry layer, so each attempt counts; any answer from the server, even
an error, shows it is alive and resets the count."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reviewer.judge.chat import Chat, ChatCall, ChatError, ChatReply, FatalError, Unreachable

MAX_UNREACHABLE = 5  # consecutive attempts with no answer before the run stops asking
MAX_RETRY_AFTER = 60.0  # seconds: a server asking for a longer wait stops the run


class Waits:
    """Why the judge stage is waiting, and until when, for the progress line."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.why = ""
        self.until = 0.0

    def note(self, why: str, seconds: float) -> None:
        with self.lock:
            until = self.clock() + seconds
            if until >= self.until or why == self.why:
                self.why, self.until = why, until

    def line(self) -> str | None:
        with self.lock:
            left = self.until - self.clock()
            return f"{self.why}, resuming in {max(1, round(left))} s" if left > 0.5 else None


class Breaker:
    """A Chat that stops the run after MAX_UNREACHABLE attempts in a row got no answer."""

    def __init__(self, inner: Chat, where: str, limit: int = MAX_UNREACHABLE) -> None:
        self.inner, self.where, self.limit = inner, where, limit
        self.lock = threading.Lock()
        self.silent = 0
        self.tripped: FatalError | None = None

    def complete(self, call: ChatCall) -> ChatReply:
        if self.tripped is not None:
            raise FatalError(str(self.tripped))  # a copy each: the retry layer counts on it
        try:
            reply = self.inner.complete(call)
        except Unreachable as err:
            self._silence(err)
            raise
        except ChatError:
            self._answered()
            raise
        self._answered()
        return reply

    def _silence(self, err: Unreachable) -> None:
        with self.lock:
            self.silent += 1
            if self.silent >= self.limit and self.tripped is None:
                self.tripped = FatalError(
                    f"{self.where} stopped answering: {self.silent} attempts in a row got no "
                    f"answer (last: {err}); check that the server is running and reachable"
                )
            tripped = self.tripped
        if tripped is not None:
            stopped = FatalError(str(tripped))
            stopped.sent = err.sent
            raise stopped from None

    def _answered(self) -> None:
        with self.lock:
            self.silent = 0


def too_long_wait(seconds: float, where: str) -> FatalError:
    return FatalError(
        f"{where} asks to wait {seconds:.0f} s before the next request (Retry-After), more "
        f"than the {MAX_RETRY_AFTER:.0f} s a run waits; run again later"
    )
