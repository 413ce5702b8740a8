"""Shared checks for the diagram readers' tests (TikZ, Mermaid, Graphviz): what any answer to
careless or hostile source must look like, and a wall limit for pathological source."""

from __future__ import annotations

import time
from collections.abc import Callable

Reader = Callable[[str], tuple[str, ...]]
# Far above the milliseconds these take, so a shared, noisy machine cannot fail it; a
# backtracking regex, a rescan from each position or unbounded expansion takes minutes.
WALL_LIMIT_S = 10.0
GARBAGE = '[](){}<>|&;:@"=-.~ \n\t\r\x00abcxo#%`*_/\\0123é✓+,'


def assert_sane(texts: tuple[str, ...]) -> None:
    """A tuple of distinct, non-empty, stripped strings: nothing else may come back."""
    assert isinstance(texts, tuple)
    assert all(isinstance(text, str) and text and text == text.strip() for text in texts)
    assert len(set(texts)) == len(texts)


def read_quickly(reader: Reader, source: str) -> tuple[str, ...]:
    started = time.perf_counter()
    texts = reader(source)
    assert time.perf_counter() - started < WALL_LIMIT_S
    assert_sane(texts)
    return texts
