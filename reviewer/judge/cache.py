"""Judge stage, the answer cache (diskcache, SQLite underneath).

Answers are stored under the judge's key, a hash of everything that changes the answer: model,
endpoint kind, prompt texts, schema, parameters, the request's content and the bytes of any
attached image. Paths and times are not in it, so moving a chapter or reviewing it again
tomorrow costs nothing. Only validated answers are stored, never errors. SQLite's transactions
keep the cache whole when a run is killed mid-write.

Default location: `$REVIEWER_CACHE_DIR`, else `$XDG_CACHE_HOME/reviewer`, else
`~/.cache/reviewer`."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.errors import ReviewerError
from reviewer.judge.chat import ChatCall
from reviewer.judge.llm import Answered, Check, Judge, Spent, parse_for
from reviewer.judge.repair import Repair
from reviewer.judge.request import JudgeRequest
from reviewer.judge.schema import InvalidAnswer
from reviewer.model import JudgmentStatus


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reviewer"


@dataclass(frozen=True)
class CacheStats:
    directory: Path
    entries: int
    size_bytes: int


class AnswerCache:
    def __init__(self, directory: Path) -> None:
        import diskcache

        try:
            self.store: Any = diskcache.Cache(str(directory))
            # Rewrite-check results, so a warm rerun does not parse every rewrite again.
            self.checks: Any = diskcache.Cache(str(directory / "checks"))
        except Exception as err:  # diskcache raises sqlite3 and OS errors alike
            raise ReviewerError(f"{directory}: cannot open the cache ({err})") from None
        self.directory = directory

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.store.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.store.set(key, value)

    def stats(self) -> CacheStats:
        return CacheStats(self.directory, len(self.store), int(self.store.volume()))

    def clear(self) -> int:
        self.checks.clear()
        return int(self.store.clear())

    def close(self) -> None:
        self.store.close()
        self.checks.close()


class Cached:
    """A Judge that answers from the cache when it can. With `read=False` (--refresh, and
    recording cassettes) every figure is asked again and the cache is updated."""

    def __init__(self, inner: Judge, cache: AnswerCache, read: bool = True) -> None:
        self.inner, self.cache, self.read = inner, cache, read

    def key(self, request: JudgeRequest) -> str:
        return self.inner.key(request)

    def estimate(self, request: JudgeRequest) -> int:
        return self.inner.estimate(request)

    def cached(self, request: JudgeRequest) -> Answered | None:
        if not self.read:
            return None
        stored = self.cache.get(self.key(request))
        if stored is None:
            return None
        try:
            answer = parse_for(request, stored["answer"])
        except (KeyError, TypeError, InvalidAnswer):
            return None  # written by an older version: ask again
        return Answered(answer, JudgmentStatus.CACHED, str(stored.get("model")), Spent())

    def answer(self, request: JudgeRequest) -> Answered:
        hit = self.cached(request)
        if hit is not None:
            return hit
        answered = self.inner.answer(request)
        self.keep(request, answered)
        return answered

    def problems(self, request: JudgeRequest, rewrite: str, check: Check) -> tuple[str, ...]:
        """The rewrite checks' verdict on `rewrite`, remembered per question, rewrite and
        version of the checks (a change to them makes every verdict stale)."""
        material = f"{_checks_version()}\n{self.key(request)}\n{rewrite}"
        key = hashlib.sha256(material.encode()).hexdigest()
        stored = self.cache.checks.get(key)
        if isinstance(stored, list):
            return tuple(str(p) for p in stored)
        found = check()
        self.cache.checks.set(key, list(found))
        return found

    def question(self, request: JudgeRequest, repair: Repair | None = None) -> ChatCall:
        return self.inner.question(request, repair)

    def keep(self, request: JudgeRequest, answered: Answered) -> None:
        """Keep a validated answer; the batch path stores its answers here too."""
        stored = {"answer": _dumps(answered), "model": answered.model}
        self.cache.put(self.key(request), stored)


@functools.cache
def _checks_version() -> str:
    from reviewer.judge import rewrite, rewrite_numbers, rewrite_scan, rewrite_text

    digest = hashlib.sha256()
    # Every file whose rules decide a check.
    for module in (rewrite, rewrite_scan, rewrite_text, rewrite_numbers):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


def _dumps(answered: Answered) -> str:
    return json.dumps(answered.answer.to_json(), ensure_ascii=False)
