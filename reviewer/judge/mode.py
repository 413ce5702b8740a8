"""Judge stage, whether it runs: the command line's say (--no-llm, --offline, cassettes, the
API key) and the reason given when it does not. Kept free of heavy imports: every `review`
starts here, including those that never judge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.project.config import Config


@dataclass(frozen=True)
class Mode:
    """How this run reaches a model, from the command line."""

    no_llm: bool = False
    offline: bool = False
    no_cache: bool = False
    refresh: bool = False
    record: Path | None = None
    replay: Path | None = None
    api_key: str | None = None


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
    if not (mode.replay or mode.offline or mode.api_key or config.base_url):
        return NO_ENDPOINT
    return None
