"""Batch stage, the run's state: which figures are asked in which batch, what came back, and
what is left. Saved atomically at every step that talks to the API, before the call, so a run
killed at any point resumes where it was without sending a figure twice.

The state also keeps every setting that keys the run's questions (model, endpoint, prompts,
parameters), so that any later command asks and reads them the same way. It is validated
when read: a hand-edited or hostile file is refused with one line, never trusted (a part's
name becomes a file path, so it may not leave the run's folder)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from reviewer.errors import ReviewerError
from reviewer.files.read import display_path, read_capped
from reviewer.files.write import write_atomic

STATE_FILE = "state.json"
VERSION = 1
MAX_STATE_BYTES = 200 * 1024 * 1024
_PART_NAME = re.compile(r"reviewer-[\w.-]{1,80}\.jsonl")


class FigureStatus(StrEnum):
    """Where a figure's question is: waiting to be written into a part, sent in one, answered
    (its answer is in the cache), or failed (with the reason)."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    ANSWERED = "answered"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        return self in (FigureStatus.ANSWERED, FigureStatus.FAILED)


@dataclass
class FigureState:
    key: str  # the cache key of the question
    chapter: str
    figure: str | None
    line: int
    status: FigureStatus = FigureStatus.PENDING
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
    # What keys the questions, as the run was submitted: model, endpoint, base_url,
    # max_output_tokens, vision, prompts (a digest). Runs of earlier versions have only
    # model and endpoint.
    keys: dict[str, Any] = field(default_factory=dict)

    def by_custom_id(self) -> dict[str, FigureState]:
        """Figures by the key prefix their batch lines carry as custom_id."""
        return {key[:40]: figure for key, figure in self.figures.items()}

    def open_parts(self) -> list[Part]:
        return [p for p in self.parts if not p.collected]

    def finished(self) -> bool:
        done = all(f.status.done for f in self.figures.values())
        return done and not self.open_parts()


def state_path(folder: Path) -> Path:
    return folder / STATE_FILE


def save(state: RunState, folder: Path) -> None:
    data = {"version": VERSION, **asdict(state)}
    write_atomic(state_path(folder), json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load(folder: Path) -> RunState | None:
    path = state_path(folder)
    if not path.exists():
        return None
    try:
        raw = read_capped(path, MAX_STATE_BYTES, "a batch run's state")
        return _state(json.loads(raw.decode("utf-8")))
    except ReviewerError as err:  # not a regular file, too large, unreadable
        reason = str(err).removeprefix(f"{display_path(path)}: ")
    except (ValueError, TypeError, KeyError, RecursionError) as err:
        reason = str(err)
    raise ReviewerError(
        f"{path}: cannot read the batch run's state ({reason}); remove the folder to start over"
    )


def _state(data: Any) -> RunState:
    if not isinstance(data, dict) or data.pop("version", None) != VERSION:
        raise ValueError("written by another version of reviewer, or not a run's state")
    figures = data.pop("figures")
    parts = data.pop("parts")
    if not isinstance(figures, dict) or not isinstance(parts, list):
        raise ValueError("figures must be an object and parts a list")
    state = RunState(
        **_fields(RunState, data, "the run"),
        figures={str(k): _figure(v) for k, v in figures.items()},
        parts=[_part(p) for p in parts],
    )
    if not isinstance(state.keys, dict) or not isinstance(state.cancelled, bool):
        raise ValueError("keys must be an object and cancelled true or false")
    return state


def _figure(data: Any) -> FigureState:
    figure = FigureState(**_fields(FigureState, data, "a figure"))
    try:
        figure.status = FigureStatus(figure.status)
    except ValueError:
        raise ValueError(f"a figure has the unknown status {figure.status!r}") from None
    numbers = (figure.line, figure.attempts, figure.requests, figure.prompt_tokens)
    if not all(type(n) is int and n >= 0 for n in (*numbers, figure.completion_tokens)):
        raise ValueError("a figure's counts must be whole numbers")
    if figure.repair is not None and not (
        isinstance(figure.repair, dict) and {"bad", "problems"} <= set(figure.repair)
    ):
        raise ValueError("a figure's repair must have 'bad' and 'problems'")
    return figure


def _part(data: Any) -> Part:
    part = Part(**_fields(Part, data, "a part"))
    if not isinstance(part.name, str) or not _PART_NAME.fullmatch(part.name):
        raise ValueError(f"a part's name {part.name!r} is not one this tool writes")
    if not isinstance(part.custom_ids, list) or not all(
        isinstance(c, str) for c in part.custom_ids
    ):
        raise ValueError("a part's custom_ids must be a list of strings")
    return part


def _fields(kind: type, data: Any, what: str) -> dict[str, Any]:
    """`data`'s fields for the dataclass `kind`, with their text fields checked."""
    if not isinstance(data, dict):
        raise ValueError(f"{what} is not an object")
    known = {f.name: f for f in fields(kind)}
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"{what} has unknown fields {', '.join(sorted(unknown))}")
    for name, value in data.items():
        if known[name].type in ("str", "str | None") and not (
            isinstance(value, str) or (value is None and "None" in str(known[name].type))
        ):
            raise ValueError(f"{what}'s {name} must be text")
    return {k: v for k, v in data.items() if k not in ("figures", "parts")}
