"""Batch stage, the morning report: every chapter's audit in its own file, the whole book as
one JSON audit, and the book summary, worst figures first. Written by the batch path once
every figure is answered or failed, and by the live path at the end of its run."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from reviewer.batch.state import FigureStatus, RunState
from reviewer.files.write import write_atomic
from reviewer.judge.chat import ChatCall
from reviewer.judge.llm import Answered, Check, Judge, JudgeFailed, Spent
from reviewer.judge.repair import Repair
from reviewer.judge.request import JudgeRequest
from reviewer.model import JudgmentStatus, Report
from reviewer.project.prices import Price
from reviewer.project.settings import Format
from reviewer.render import audit_files, render
from reviewer.render.summary import book_summary, chapter_usage

SUMMARY = "book.summary.md"
BOOK_JSON = "book.audit.json"


class RunJudge:
    """Answers for the report: what the batch run brought back (stored in the cache under
    `stack`), with what it spent, or why a figure has no answer. It never asks a model."""

    def __init__(self, stack: Judge, state: RunState) -> None:
        self.stack, self.state = stack, state

    def key(self, request: JudgeRequest) -> str:
        return self.stack.key(request)

    def estimate(self, request: JudgeRequest) -> int:
        return 0

    def cached(self, request: JudgeRequest) -> Answered | None:
        return None  # every answer is the run's: `answer` tells them apart from older ones

    def problems(self, request: JudgeRequest, rewrite: str, check: Check) -> tuple[str, ...]:
        return self.stack.problems(request, rewrite, check)

    def question(self, request: JudgeRequest, repair: Repair | None = None) -> ChatCall:
        return self.stack.question(request, repair)

    def keep(self, request: JudgeRequest, answered: Answered) -> None:
        self.stack.keep(request, answered)

    def answer(self, request: JudgeRequest) -> Answered:
        figure = self.state.figures.get(self.key(request))
        hit = self.stack.cached(request)
        if figure is None:
            if hit is None:
                raise JudgeFailed("not in this batch run: run `review batch` again", Spent())
            return hit  # answered before the run, so not part of it
        spent = Spent(figure.requests, figure.prompt_tokens, figure.completion_tokens)
        if hit is not None and figure.status is FigureStatus.ANSWERED:
            return replace(hit, status=JudgmentStatus.JUDGED, spent=spent)
        reason = figure.reason or "not answered yet: run `review batch collect`"
        raise JudgeFailed(reason, spent)


def write(report: Report, folder: Path, root: Path, fmt: Format, price: Price | None) -> Path:
    """Write the chapter audits, the book's JSON audit and the summary; return the summary."""

    def cost(prompt: int, completion: int) -> float:
        return price.cost(prompt, completion) if price else 0.0

    links: dict[str, str] = {}
    for audit in report.files:
        name = f"{_slug(audit.path, root)}.audit{fmt.suffix}"
        usage = chapter_usage(audit, cost)
        chapter = Report((audit,), usage, report.llm_note, report.llm_error)
        for path, text in audit_files(chapter, fmt, folder / name, root):
            write_atomic(path, text)
        links[audit.path] = name
    write_atomic(folder / BOOK_JSON, render(report, Format.JSON))
    summary = folder / SUMMARY
    write_atomic(summary, render(report, book_summary(links, cost)))
    return summary


def _slug(path: str, root: Path) -> str:
    try:
        relative = Path(path).resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(Path(path).name)
    return re.sub(r"[^\w.-]+", "-", str(relative.with_suffix(""))).strip("-") or "chapter"
