"""Batch stage, the run: submit every unanswered question of a book in as few batches as the
limits allow, follow them, collect and validate what comes back exactly as the live path
does (same checks, same cache keys), and resubmit what failed or expired.

Every call to the API is preceded by a save of the state that says what is about to happen,
and an upload or a creation is looked up before it is repeated, so a run killed at any point
and started again sends no question twice."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reviewer.batch import lines as jsonl
from reviewer.batch.api import BatchAPI, BatchInfo
from reviewer.batch.state import FigureState, FigureStatus, Part, RunState, load, save
from reviewer.judge.chat import request_body
from reviewer.judge.llm import Answered, Judge, Settings, Spent, read_reply
from reviewer.judge.repair import InvalidTwice, Repair, next_repair
from reviewer.judge.request import JudgeRequest
from reviewer.judge.schema import InvalidAnswer
from reviewer.model import JudgmentStatus


@dataclass
class Batches:
    """One book's batch run: its folder, the API, and the judge stack whose questions it asks
    and whose cache keeps the answers."""

    folder: Path
    api: BatchAPI
    judge: Judge
    settings: Settings
    requests: Mapping[str, JudgeRequest]  # by cache key, from the book as it is now
    limits: jsonl.BatchLimits = field(default_factory=jsonl.BatchLimits)
    attempts: int = 5

    def start(self, book: str, figures: Sequence[FigureState], keys: dict[str, Any]) -> RunState:
        """The run in progress, or a new one for the questions the cache cannot answer."""
        state = load(self.folder)
        if state is not None and not state.finished():
            return state
        settings = self.settings
        run = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        state = RunState(run, book, settings.model, settings.endpoint, keys=keys)
        for figure in figures:
            if (
                figure.key not in state.figures
                and self.judge.cached(self.requests[figure.key]) is None
            ):
                state.figures[figure.key] = figure
        save(state, self.folder)
        return state

    def submit(self, state: RunState) -> list[Part]:
        """Write the pending questions into new parts and send every part not yet sent."""
        pending = [f for f in state.figures.values() if f.status is FigureStatus.PENDING]
        chunks = jsonl.split([self._line(f, state) for f in pending], self.limits)
        for chunk in chunks:
            part = Part(f"reviewer-{state.run}-{len(state.parts) + 1:03d}.jsonl", [])
            part.custom_ids = [_custom_id(item) for item in chunk]
            (self.folder / part.name).write_bytes(b"".join(chunk))
            state.parts.append(part)
        save(state, self.folder)  # the intent is on disk before anything is uploaded
        return self._push_unsent(state)

    def _push_unsent(self, state: RunState) -> list[Part]:
        return [self._push(part, state) for part in state.parts if part.batch_id is None]

    def _line(self, figure: FigureState, state: RunState) -> bytes:
        request = self.requests[figure.key]
        call = self.judge.question(request, _repair(figure))
        figure.attempts += 1
        figure.status = FigureStatus.SUBMITTED
        return jsonl.line(figure.custom_id(), request_body(call, state.endpoint))

    def _push(self, part: Part, state: RunState) -> Part:
        if part.file_id is None:
            data = (self.folder / part.name).read_bytes()
            part.file_id = self.api.find_file(part.name) or self.api.upload(part.name, data)
            part.status = "uploaded"
            save(state, self.folder)
        info = self.api.find_batch(part.file_id) or self.api.create(
            part.file_id, {"reviewer_run": state.run, "part": part.name}
        )
        _update(part, info)
        save(state, self.folder)
        return part

    def poll(self, state: RunState) -> list[BatchInfo]:
        infos = []
        for part in state.open_parts():
            if part.batch_id is None:
                continue
            info = self.api.retrieve(part.batch_id)
            _update(part, info)
            infos.append(info)
        save(state, self.folder)
        return infos

    def collect(self, state: RunState) -> int:
        """Read every finished batch; return how many questions were sent again."""
        self._push_unsent(state)
        for info in self.poll(state):
            if info.done:
                part = next(p for p in state.parts if p.batch_id == info.id)
                self._read(part, info, state)
        pending = [f for f in state.figures.values() if f.status is FigureStatus.PENDING]
        if state.cancelled:
            for figure in pending:
                figure.status = FigureStatus.FAILED
                figure.reason = f"the run was cancelled ({figure.reason})"
            save(state, self.folder)
            return 0
        if pending:
            self.submit(state)
        return len(pending)

    def _read(self, part: Part, info: BatchInfo, state: RunState) -> None:
        index = state.by_custom_id()
        seen: set[str] = set()
        for file_id in (info.output_file_id, info.error_file_id):
            for result in jsonl.results(self.api.content(file_id)) if file_id else ():
                figure = index.get(result.custom_id.split(".", 1)[0])
                # Only the line of the figure's latest attempt counts, and only once.
                if figure is not None and result.custom_id == figure.custom_id():
                    seen.add(result.custom_id)
                    self._apply(figure, result)
        for custom_id in part.custom_ids:
            figure = index.get(custom_id.split(".", 1)[0])
            if custom_id not in seen and figure is not None:
                why = "; ".join(info.errors) or "no result came back"
                self._again(figure, f"batch {info.status}: {why}")
        part.collected = True
        save(state, self.folder)

    def _apply(self, figure: FigureState, result: jsonl.Result) -> None:
        if figure.status is not FigureStatus.SUBMITTED:
            return  # already read: collect is running again over the same files
        if result.reply is None:
            self._again(figure, result.error or "no answer")
            return
        reply = result.reply
        figure.requests += 1
        figure.prompt_tokens += reply.prompt_tokens
        figure.completion_tokens += reply.completion_tokens
        request = self.requests.get(figure.key)
        if request is None:
            figure.status = FigureStatus.FAILED
            figure.reason = "the chapter changed since it was submitted"
            return
        try:
            answer = read_reply(reply, request)
        except InvalidAnswer as err:
            self._invalid(figure, reply.content or reply.refusal or "", str(err))
            return
        spent = Spent(figure.requests, figure.prompt_tokens, figure.completion_tokens)
        self.judge.keep(
            request, Answered(answer, JudgmentStatus.JUDGED, self.settings.model, spent)
        )
        figure.status, figure.reason, figure.repair = FigureStatus.ANSWERED, None, None

    def _invalid(self, figure: FigureState, bad: str, problems: str) -> None:
        try:
            repair = next_repair(_repair(figure), bad, problems)
        except InvalidTwice as err:
            figure.status, figure.reason = FigureStatus.FAILED, str(err)
            return
        figure.repair = asdict(repair)
        figure.status = FigureStatus.PENDING
        figure.reason = f"invalid answer, repair asked: {problems}"

    def _again(self, figure: FigureState, why: str) -> None:
        if figure.status is not FigureStatus.SUBMITTED:
            return
        if figure.attempts >= self.attempts:
            figure.status = FigureStatus.FAILED
            figure.reason = f"gave up after {figure.attempts} attempts: {why}"
        else:
            figure.status, figure.reason = FigureStatus.PENDING, why

    def cancel(self, state: RunState) -> list[BatchInfo]:
        """Cancel every open batch; a later collect keeps what they finished, sends nothing."""
        state.cancelled = True
        save(state, self.folder)
        infos = [self.api.cancel(p.batch_id) for p in state.open_parts() if p.batch_id]
        for info in infos:
            part = next(p for p in state.parts if p.batch_id == info.id)
            _update(part, info)
        save(state, self.folder)
        return infos


def _repair(figure: FigureState) -> Repair | None:
    # By name: a state file may carry more keys than these two (state.py checks only these).
    repair = figure.repair
    return Repair(repair["bad"], repair["problems"]) if repair else None


def _custom_id(item: bytes) -> str:
    return str(json.loads(item)["custom_id"])


def _update(part: Part, info: BatchInfo) -> None:
    part.batch_id = info.id
    part.status = info.status
    part.counts = {"total": info.total, "completed": info.completed, "failed": info.failed}
