"""The fake server's fault plans: which chat request fails, and how.

Chat requests are numbered 0, 1, 2, ... in the order the server admits them, that is after
the authentication, body, json_schema and rate-limit checks: a 429 from the limiter is a
failure of its own and never uses up a planned fault. What each kind does is in FAULT_KINDS."""

from __future__ import annotations

import random as _random
import threading
from collections.abc import Callable, Sequence
from typing import Any

FAULT_KINDS = {
    "500": "HTTP 500, OpenAI-style error body (type server_error)",
    "503": "HTTP 503, OpenAI-style error body (type server_error)",
    "drop": "the connection is closed without any response",
    "timeout": "the request is held for FaultPlan.hang seconds, then dropped",
    # The openai client lets json.JSONDecodeError escape here, not an openai.APIError.
    "malformed": "HTTP 200, content-type application/json, a body cut off mid-JSON",
    # Not JSON at all, as from a proxy: the openai client returns this page as a plain `str`
    # from create() instead of raising.
    "html": "HTTP 200, content-type text/html, a proxy's error page",
    "length": "HTTP 200, the answer cut to half its length, finish_reason 'length'",
    "refusal": "HTTP 200, content null, message.refusal set",
    "bad_schema": "HTTP 200, JSON content that breaks the answer schema (score 9, no rationale)",
    "not_json": "HTTP 200, content is prose, not JSON",
    "auth": "HTTP 401, code invalid_api_key",
    "quota": "HTTP 429, type and code insufficient_quota",
    "context": "HTTP 400, code context_length_exceeded",
}

Body = dict[str, Any]
Rule = Callable[[int, Body], "str | None"]


class FaultPlan:
    """Decides the fault, if any, for each admitted chat request. Build one with `every`,
    `random`, `sequence`, `when` or `first`; `hang` is how long a "timeout" holds a request."""

    def __init__(self, rule: Rule, *, hang: float = 5.0) -> None:
        self._rule = rule
        self._lock = threading.Lock()
        self.hang = hang

    def pick(self, index: int, body: Body) -> str | None:
        with self._lock:  # rules keep counters and random state
            return self._rule(index, body)

    @classmethod
    def every(cls, n: int, kinds: Sequence[str], *, hang: float = 5.0) -> FaultPlan:
        """Every n-th request fails, cycling through `kinds`: request i fails when
        i % n == n - 1, with kinds[(i // n) % len(kinds)]. n=3, ["500", "drop"]: requests
        2, 5, 8 get "500", "drop", "500"."""
        kinds = _checked(kinds)
        if n < 1:
            raise ValueError("n must be at least 1")

        def rule(index: int, _body: Body) -> str | None:
            return kinds[(index // n) % len(kinds)] if index % n == n - 1 else None

        return cls(rule, hang=hang)

    @classmethod
    def random(
        cls, rate: float, kinds: Sequence[str], seed: int = 0, *, hang: float = 5.0
    ) -> FaultPlan:
        """Each request fails with probability `rate`, with a kind drawn from `kinds`. The
        draws come from random.Random(seed), two per request in index order, so request i
        gets the same fault in every run whatever the timing."""
        kinds = _checked(kinds)
        rng = _random.Random(seed)
        draws: list[str | None] = []

        def rule(index: int, _body: Body) -> str | None:
            while len(draws) <= index:
                roll, pick = rng.random(), rng.randrange(len(kinds))
                draws.append(kinds[pick] if roll < rate else None)
            return draws[index]

        return cls(rule, hang=hang)

    @classmethod
    def sequence(cls, kinds: Sequence[str | None], *, hang: float = 5.0) -> FaultPlan:
        """Request i gets kinds[i]; None, or an index past the end, means no fault."""
        plan = list(kinds)
        if any(k is not None for k in plan):
            _checked([k for k in plan if k is not None])
        return cls(lambda i, _body: plan[i] if i < len(plan) else None, hang=hang)

    @classmethod
    def when(
        cls, predicate: Callable[[Body], bool], kind: str, times: int = 1, *, hang: float = 5.0
    ) -> FaultPlan:
        """The first `times` requests whose body satisfies `predicate` get `kind`."""
        (kind,) = _checked([kind])
        left = [times]

        def rule(_index: int, body: Body) -> str | None:
            if left[0] > 0 and predicate(body):
                left[0] -= 1
                return kind
            return None

        return cls(rule, hang=hang)

    @classmethod
    def first(cls, *plans: FaultPlan, hang: float | None = None) -> FaultPlan:
        """The first plan that faults a request decides; later plans do not see it."""

        def rule(index: int, body: Body) -> str | None:
            return next((k for p in plans if (k := p.pick(index, body)) is not None), None)

        return cls(rule, hang=max((p.hang for p in plans), default=5.0) if hang is None else hang)


def _checked(kinds: Sequence[str]) -> list[str]:
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds:
        raise ValueError(f"fault kinds must be among {', '.join(FAULT_KINDS)}, not {kinds!r}")
    return list(kinds)
