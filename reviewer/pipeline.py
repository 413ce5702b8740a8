"""The pipeline, one direction: load -> extract -> pair -> checks -> judge -> report.

A review covers one chapter, several, or a whole book; references resolve across everything
reviewed together, in reading order."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reviewer.book import PROJECT_FILE, Book, find_project_root, open_book
from reviewer.checks import CheckSettings, check, finding, low_score, narrative
from reviewer.errors import ReviewerError
from reviewer.extract import extract
from reviewer.gate import suppress
from reviewer.judge.mode import NO_LLM, Unjudged
from reviewer.load import display_path, load_chapter
from reviewer.model import (
    Extraction,
    FigureAudit,
    FileAudit,
    Finding,
    Judgment,
    Location,
    Pairing,
    Report,
    Usage,
)
from reviewer.pair import pair

if TYPE_CHECKING:  # the judge stage is imported only when a run judges
    from reviewer.judge.build import Stage
    from reviewer.judge.request import JudgeRequest
    from reviewer.judge.stage import Estimate, StageProgress, Tally

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Plan:
    """What to review: chapters in reading order, the project folder they belong to, and
    problems found in the book's configuration itself."""

    chapters: tuple[Path, ...]
    root: Path | None
    config_path: Path | None = None
    config_problems: tuple[Finding, ...] = ()
    book: bool = False


def plan(paths: Sequence[Path]) -> Plan:
    if len(paths) == 1 and (paths[0].is_dir() or paths[0].name == PROJECT_FILE):
        return _book_plan(open_book(paths[0]))
    for path in paths:
        # lexists: a symlink loop or a dangling link is reported when read, by what it is.
        if not os.path.lexists(path):
            raise ReviewerError(f"{display_path(path)}: no such file; check the path")
        if path.is_dir():
            raise ReviewerError(
                f"{display_path(path)}: give a folder on its own (book mode), or only .qmd files"
            )
    return Plan(tuple(paths), find_project_root(paths[0]))


def _book_plan(book: Book) -> Plan:
    config = book.root / PROJECT_FILE
    problems = tuple(
        finding(
            "SRC005",
            f"chapter {entry} is listed in {PROJECT_FILE} but does not exist",
            Location(display_path(config), 1, 1),
        )
        for entry in book.missing
    )
    return Plan(book.chapters, book.root, config, problems, book=True)


def review(
    target: Plan,
    settings: CheckSettings,
    judging: Stage | Unjudged = NO_LLM,
    progress: Progress | None = None,
    judge_progress: StageProgress | None = None,
) -> Report:
    extractions, unreadable = _extract_all(target, progress)
    pairings = pair(extractions)
    findings = check(extractions, pairings, settings, target.root)
    if isinstance(judging, Unjudged):
        judgments = [Judgment.skipped(judging.reason)] * sum(map(len, pairings))
        usage, note, error = Usage(), judging.note, None
    else:
        from reviewer.judge.stage import judge_all

        requests = _requests(extractions, pairings, target)
        judgments, tally = judge_all(requests, judging.judge, judging.budget, judge_progress)
        usage, note, error = tally.usage(), _note(judging, judgments, tally), tally.fatal
    verdicts = iter(judgments)
    files = [
        _file_audit(ex, [FigureAudit(p, next(verdicts)) for p in pairs], found, settings)
        for ex, pairs, found in zip(extractions, pairings, findings, strict=True)
    ]
    if target.config_problems and target.config_path:
        config = display_path(target.config_path)
        files.append(FileAudit(config, "Book configuration", (), target.config_problems))
    return Report(tuple(files + unreadable), usage, note, error)


def _file_audit(
    ex: Extraction, audits: list[FigureAudit], found: list[Finding], settings: CheckSettings
) -> FileAudit:
    """One chapter's audit: its findings, those the judgments add, and the source's
    suppressions applied to all of them."""
    told = [
        f
        for a in audits
        for f in (
            narrative(a.pairing, a.judgment),
            low_score(a.pairing, a.judgment, settings.score_below),
        )
        if f
    ]
    marked = suppress((*found, *told), ex.suppressions, ex.figures)
    return FileAudit(ex.path, ex.title, tuple(audits), marked)


def _requests(
    extractions: list[Extraction], pairings: list[list[Pairing]], target: Plan
) -> list[JudgeRequest]:
    from reviewer.judge.request import build_request

    return [
        build_request(p, ex.title, target.root)
        for ex, pairs in zip(extractions, pairings, strict=True)
        for p in pairs
    ]


def judge_requests(target: Plan, progress: Progress | None = None) -> list[JudgeRequest]:
    """What the LLM stage would be asked about each figure, in reading order."""
    extractions, _ = _extract_all(target, progress)
    return _requests(extractions, pair(extractions), target)


def dry_run(target: Plan, stage: Stage, progress: Progress | None = None) -> Estimate:
    """What judging would send and cost, without calling anything."""
    from reviewer.judge.stage import estimate_all

    requests = judge_requests(target, progress)
    return estimate_all(requests, stage.judge, stage.budget, stage.settings.vision)


def _note(stage: Stage, judgments: list[Judgment], tally: Tally) -> str:
    counts = Counter(j.status.value for j in judgments)
    parts = [f"{n} {status}" for status, n in sorted(counts.items())]
    note = f"{stage.describe}: {', '.join(parts)}"
    return f"{note}; stopped: {tally.fatal}" if tally.fatal else note


def _extract_all(
    target: Plan, progress: Progress | None
) -> tuple[list[Extraction], list[FileAudit]]:
    """Extract every chapter in reading order. In book mode a chapter that cannot be read is
    a finding and the others go on; a chapter named on its own is an error."""
    extractions: list[Extraction] = []
    unreadable: list[FileAudit] = []
    order = 0
    for n, path in enumerate(target.chapters, start=1):
        if progress:
            progress(n, len(target.chapters), display_path(path))
        try:
            document = load_chapter(path, target.root)
        except ReviewerError as err:
            if not target.book:
                raise
            unreadable.append(_unreadable(path, str(err)))
            continue
        extraction, order = extract(document, order)
        extractions.append(extraction)
    return extractions, unreadable


def _unreadable(path: Path, message: str) -> FileAudit:
    where = Location(display_path(path), 1, 1)
    return FileAudit(where.path, None, (), (finding("SRC005", message, where),))
