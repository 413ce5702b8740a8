"""The fake server's rate limits: OpenAI-style request and token buckets and the
`x-ratelimit-*` headers that report them.

Each bucket holds `limit` units, starts full and refills continuously at `limit / 60` per
second. A request must fit both buckets; one that does not is refused and consumes nothing."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

REQUESTS = "requests"
TOKENS = "tokens"


@dataclass
class Bucket:
    limit: int
    level: float
    stamp: float

    @property
    def rate(self) -> float:
        return self.limit / 60.0

    def refill(self, now: float) -> None:
        self.level = min(float(self.limit), self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` fits, 0 if it fits now."""
        return max(0.0, (cost - self.level) / self.rate)

    def until_full(self) -> float:
        return (self.limit - self.level) / self.rate


@dataclass(frozen=True)
class Admission:
    """The limiter's decision. `refused_by` names the bucket that refused ("requests" or
    "tokens"), None if admitted; `wait` is how long until the request would fit."""

    refused_by: str | None = None
    wait: float = 0.0
    too_large: bool = False  # the request exceeds a bucket's whole capacity: waiting won't help
    used: int = 0
    limit: int = 0
    requested: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def admitted(self) -> bool:
        return self.refused_by is None


class RateLimiter:
    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        now = clock()
        self._buckets = {
            name: Bucket(limit, float(limit), now)
            for name, limit in ((REQUESTS, rpm), (TOKENS, tpm))
            if limit is not None
        }

    def admit(self, tokens: int) -> Admission:
        """Take one request and `tokens` tokens from the buckets, or refuse and take nothing."""
        costs = {REQUESTS: 1, TOKENS: tokens}
        with self._lock:
            self._refill()
            waits = {name: b.wait_for(costs[name]) for name, b in self._buckets.items()}
            refusing = [name for name, wait in waits.items() if wait > 0]
            if not refusing:
                for name, bucket in self._buckets.items():
                    bucket.level -= costs[name]
                return Admission(headers=self._headers())
            name = refusing[0]
            bucket = self._buckets[name]
            return Admission(
                refused_by=name,
                wait=max(waits.values()),
                too_large=any(costs[n] > self._buckets[n].limit for n in refusing),
                used=bucket.limit - math.floor(bucket.level),
                limit=bucket.limit,
                requested=costs[name],
                headers=self._headers(),
            )

    def headers(self) -> dict[str, str]:
        with self._lock:
            self._refill()
            return self._headers()

    def _refill(self) -> None:
        now = self._clock()
        for bucket in self._buckets.values():
            bucket.refill(now)

    def _headers(self) -> dict[str, str]:
        headers = {}
        for name, bucket in self._buckets.items():
            headers[f"x-ratelimit-limit-{name}"] = str(bucket.limit)
            headers[f"x-ratelimit-remaining-{name}"] = str(max(0, math.floor(bucket.level)))
            headers[f"x-ratelimit-reset-{name}"] = format_reset(bucket.until_full())
        return headers


def format_reset(seconds: float) -> str:
    """A duration the way OpenAI writes it: "120ms", "1s", "1.5s", "6m0s", "1h2m3s".
    Rounded up to the millisecond, so waiting that long is always enough."""
    ms = math.ceil(max(0.0, seconds) * 1000 - 1e-6)
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    minutes, ms = divmod(ms, 60_000)
    hours, minutes = divmod(minutes, 60)
    prefix = (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "")
    return prefix + f"{ms / 1000:.3f}".rstrip("0").rstrip(".") + "s"


def retry_headers(wait: float) -> dict[str, str]:
    """`retry-after` in whole seconds, rounded up, and `retry-after-ms`."""
    return {"retry-after": str(math.ceil(wait)), "retry-after-ms": str(math.ceil(wait * 1000))}
