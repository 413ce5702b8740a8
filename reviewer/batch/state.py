"""Batch stage, the run's state: which figures are asked in which batch, what came back, and
what is left. Saved atomically at every step that talks to the API, before the call, so a run
killed at any point resumes where it was without sending a figure twice."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reviewer.errors import ReviewerError
from reviewer.output import write_atomic

STATE_FILE = "state.json"
VERSION = 1


@dataclass
class FigureState:
    key: str  # the cache key of the question
    chapter: str
    figure: str | None
    line: int
    status: str = "pending"  # pending | submitted | answered | failed
    attempts: int = 0  # lines sent for it so far
    reason: str | None = None  # why it failed, or why it is pending again
    repair: dict[str, str] | None = None  # {"bad", "problems"}: the next line is a repair
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def custom_id(self) -> str:
        return f"{self.key[:40]}.{self.attempts}"


@dataclass
class Part:
    name: str  # the JSONL file, kept beside the state and uploaded under this name
    custom_ids: list[str]
    file_id: str | None = None
    batch_id: str | None = None
    status: str = "new"
    collected: bool = False
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class RunState:
    run: str
    book: str
    model: str
    endpoint: str
    figures: dict[str, FigureState] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)
    cancelled: bool = False

    def by_custom_id(self) -> dict[str, FigureState]:
        """Figures by the key prefix their batch lines carry as custom_id."""
        return {key[:40]: figure for key, figure in self.figures.items()}

    def open_parts(self) -> list[Part]:
        return [p for p in self.parts if not p.collected]

    def finished(self) -> bool:
        done = all(f.status in ("answered", "failed") for f in self.figures.values())
        return done and not self.open_parts()


def state_path(folder: Path) -> Path:
    return folder / STATE_FILE


def save(state: RunState, folder: Path) -> None:
    data = {"version": VERSION, **asdict(state)}
    write_atomic(state_path(folder), json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load(folder: Path) -> RunState | None:
    path = state_path(folder)
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if data.pop("version", None) != VERSION:
            raise ValueError("written by another version of reviewer")
        figures = {k: FigureState(**v) for k, v in data.pop("figures").items()}
        parts = [Part(**p) for p in data.pop("parts")]
        return RunState(**data, figures=figures, parts=parts)
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise ReviewerError(
            f"{path}: cannot read the batch run's state ({err}); remove the folder to start over"
        ) from None
