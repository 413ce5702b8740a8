"""Judge stage, whether it runs and how it is opened: the command line's say (--no-llm,
--offline, cassettes), the configuration's endpoint and key, the reason given when it does
not run, and `judge_setup`, the one way every command opens the judge stack and closes it.
Kept free of heavy imports: every `review` starts here, including those that never judge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reviewer.errors import ReviewerError

if TYPE_CHECKING:
    from reviewer.judge.stage import Stage
    from reviewer.project.config import Config


@dataclass(frozen=True, kw_only=True)
class Mode:
    """How this run reaches a model, from the command line."""

    no_llm: bool = False
    offline: bool = False
    no_cache: bool = False
    refresh: bool = False
    record: Path | None = None
    replay: Path | None = None


@dataclass(frozen=True)
class Unjudged:
    """Why no figure is judged: a note for the report and a reason for each figure."""

    note: str
    reason: str


NO_LLM = Unjudged(
    "off (--no-llm): figures were checked structurally, not judged", "LLM stage off (--no-llm)"
)
NO_ENDPOINT = Unjudged(
    "off: no endpoint configured. Set OPENAI_API_KEY, or give --base-url for a local "
    "OpenAI-compatible server, or --replay DIR for recorded cassettes",
    "LLM stage off: no endpoint configured",
)


def off(config: Config, mode: Mode) -> Unjudged | None:
    """Why the LLM stage does not run, or None when it does."""
    if mode.no_llm:
        return NO_LLM
    if not (mode.replay or mode.offline or config.api_key or config.base_url):
        return NO_ENDPOINT
    return None


@contextmanager
def judge_setup(config: Config, mode: Mode) -> Iterator[Stage | Unjudged]:
    """The judge stack a run asks through, or why there is none; its cache is closed when the
    run ends, however it ends. The stack (openai, diskcache, tiktoken) loads only here."""
    unjudged = off(config, mode)
    if unjudged is not None:
        yield unjudged
        return
    from reviewer.judge.build import build_stage

    stage = build_stage(config, mode)
    try:
        yield stage
    finally:
        stage.close()


def required(judging: Stage | Unjudged, who: str) -> Stage:
    """The stage, for a command that cannot run without one."""
    if isinstance(judging, Unjudged):
        raise ReviewerError(f"{who} needs the LLM stage, which is {judging.note}")
    return judging
