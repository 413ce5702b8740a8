"""Batch stage, the morning report: every chapter's audit in its own file, the whole book as
one JSON audit, and the book summary, worst figures first. Written by the batch path once
every figure is answered or failed, and by the live path at the end of its run."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from reviewer.batch.state import RunState
from reviewer.files.write import write_atomic
from reviewer.judge.cache import Cached
from reviewer.judge.llm import Answered, JudgeFailed, Spent
from reviewer.judge.request import JudgeRequest
from reviewer.model import JudgmentStatus, Report
from reviewer.project.prices import Price
from reviewer.render import Format, render
from reviewer.render import summary as book_summary

SUMMARY = "book.summary.md"
BOOK_JSON = "book.audit.json"


class RunJudge:
    """Answers for the report: what the batch run brought back (stored in the cache), with
    what it spent, or why a figure has no answer."""

    def __init__(self, cached: Cached, state: RunState) -> None:
        self.cached, self.state = cached, state

    def key(self, request: JudgeRequest) -> str:
        return self.cached.key(request)

    def estimate(self, request: JudgeRequest) -> int:
        return 0

    def answer(self, request: JudgeRequest) -> Answered:
        figure = self.state.figures.get(self.key(request))
        hit = self.cached.cached(request)
        if figure is None:
            if hit is None:
                raise JudgeFailed("not in this batch run: run `review batch` again", Spent())
            return hit  # answered before the run, so not part of it
        spent = Spent(figure.requests, figure.prompt_tokens, figure.completion_tokens)
        if hit is not None and figure.status == "answered":
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
        usage = book_summary.chapter_usage(audit, cost)
        chapter = Report((audit,), usage, report.llm_note, report.llm_error)
        write_atomic(folder / name, render(chapter, fmt))
        links[audit.path] = name
    write_atomic(folder / BOOK_JSON, render(report, Format.JSON))
    path = folder / SUMMARY
    write_atomic(path, book_summary.render(report, links, cost))
    return path


def _slug(path: str, root: Path) -> str:
    try:
        relative = Path(path).resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(Path(path).name)
    return re.sub(r"[^\w.-]+", "-", str(relative.with_suffix(""))).strip("-") or "chapter"
