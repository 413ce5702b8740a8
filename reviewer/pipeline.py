"""The pipeline, one direction: load -> extract -> pair -> checks -> judge -> gate -> report.

A review covers one chapter, several, or a whole book; references resolve across everything
reviewed together, in reading order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reviewer.errors import ReviewerError
from reviewer.extract import extract
from reviewer.extract.checks import Outside, check, low_score, narrative
from reviewer.extract.pair import pair
from reviewer.files.read import display_path
from reviewer.gate.baseline import Baseline
from reviewer.gate.suppress import gate, select
from reviewer.judge.mode import NO_LLM, Unjudged
from reviewer.model import (
    CrossReference,
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
from reviewer.project.load import load_chapter
from reviewer.project.plan import Plan
from reviewer.project.settings import CheckSettings
from reviewer.rules import finding

if TYPE_CHECKING:  # the judge stage is imported only when a run judges
    from reviewer.draw.pictures import Pictures
    from reviewer.judge.request import JudgeRequest
    from reviewer.judge.stage import Estimate, Stage, StageProgress, Tally

Progress = Callable[[int, int, str], None]


def review(
    target: Plan,
    settings: CheckSettings,
    judging: Stage | Unjudged = NO_LLM,
    progress: Progress | None = None,
    judge_progress: StageProgress | None = None,
    known: Baseline | None = None,
    draw_progress: Progress | None = None,
) -> Report:
    """Every stage of a review, in order. The gate is applied here and only here: the rules
    chosen, source comments and, with `known`, the baseline."""
    read = _read(target, settings, progress)
    extractions, pairings = read.extractions, read.pairings
    if isinstance(judging, Unjudged):
        judgments = [Judgment.skipped(judging.reason)] * sum(map(len, pairings))
        usage, note, error = Usage(), judging.note, None
    else:
        from reviewer.judge.stage import judge_all

        requests = _requests(extractions, pairings, target)
        draw(requests, judging.pictures, draw_progress)
        asked, tally = judge_all(requests, judging.judge, judging.budget, judge_progress)
        judgments = _with_bare(pairings, asked)
        usage, note, error = tally.usage(), _note(judging, judgments, tally), tally.fatal
    verdicts = iter(judgments)
    judged = not isinstance(judging, Unjudged)
    files = [
        _file_audit(ex, [FigureAudit(p, next(verdicts)) for p in pairs], found, settings, judged)
        for ex, pairs, found in zip(extractions, pairings, read.findings, strict=True)
    ]
    files = [replace(f, elsewhere=cross) for f, cross in zip(files, read.elsewhere, strict=True)]
    if target.config_problems and target.config_path:
        config = display_path(target.config_path)
        problems = select(target.config_problems, settings.rules)
        files.append(FileAudit(config, "Book configuration", (), problems))
    unreadable = [replace(u, findings=select(u.findings, settings.rules)) for u in read.unreadable]
    report = Report(tuple(files + unreadable), usage, note, error)
    return known.apply(report) if known else report


@dataclass
class _Read:
    """The reported chapters, paired and checked within their scope of resolution."""

    extractions: list[Extraction] = field(default_factory=list)
    pairings: list[list[Pairing]] = field(default_factory=list)
    findings: list[list[Finding]] = field(default_factory=list)
    elsewhere: list[tuple[CrossReference, ...]] = field(default_factory=list)
    unreadable: list[FileAudit] = field(default_factory=list)


def _read(target: Plan, settings: CheckSettings | None, progress: Progress | None) -> _Read:
    """Read everything the plan reads, pair and check each scope (the whole book, or each
    page alone), and keep what the plan reports. Without `settings` nothing is checked: the
    judge's questions need only the pairings."""
    everything, reported, unreadable = _extract_all(target, progress)
    defined: dict[str, str] = {}  # id -> the first chapter defining it, in reading order
    for ex in everything:
        defined.update((f.id, ex.path) for f in ex.figures if f.id and f.id not in defined)
    # A page of a website is paired and checked alone; pages read only for context are not.
    scopes = [everything] if target.shared else [[ex] for ex in everything if id(ex) in reported]
    read = _Read(unreadable=unreadable)
    for scope in scopes:
        outside = None if target.shared else _outside(everything, scope[0], defined)
        pairings = pair(scope)
        checked = (
            check(scope, pairings, settings, target.root, outside)
            if settings
            else [[] for _ in scope]
        )
        for ex, pairs, found in zip(scope, pairings, checked, strict=True):
            if id(ex) in reported:
                read.extractions.append(ex)
                read.pairings.append(pairs)
                read.findings.append(found)
                read.elsewhere.append(_cross(ex, defined))
    return read


def _outside(everything: list[Extraction], page: Extraction, defined: dict[str, str]) -> Outside:
    own = {f.id for f in page.figures if f.id}
    return Outside(
        {fid: path for fid, path in defined.items() if path != page.path and fid not in own},
        frozenset(r.target for ex in everything if ex is not page for r in ex.references),
    )


def _cross(ex: Extraction, defined: dict[str, str]) -> tuple[CrossReference, ...]:
    own = {f.id for f in ex.figures if f.id}
    return tuple(
        CrossReference(ref, defined[ref.target])
        for ref in ex.references
        if ref.target in defined and ref.target not in own
    )


def _file_audit(
    ex: Extraction,
    audits: list[FigureAudit],
    found: list[Finding],
    settings: CheckSettings,
    judged: bool,
) -> FileAudit:
    """One chapter's audit: its findings and those the judgments add, through the gate."""
    told = [
        f
        for a in audits
        for f in (
            narrative(a.pairing, a.judgment),
            low_score(a.pairing, a.judgment, settings.score_below),
        )
        if f
    ]
    marked = gate((*found, *told), ex, settings.rules, judged)
    return FileAudit(ex.path, ex.title, tuple(audits), marked)


def _requests(
    extractions: list[Extraction], pairings: list[list[Pairing]], target: Plan
) -> list[JudgeRequest]:
    from reviewer.judge.request import build_request

    return [
        build_request(p, ex.title, target.root)
        for ex, pairs in zip(extractions, pairings, strict=True)
        for p in pairs
        if not p.figure.bare
    ]


NOT_A_FIGURE = "not a figure: Quarto renders an image with neither id nor caption as a plain image"


def _with_bare(pairings: list[list[Pairing]], asked: list[Judgment]) -> list[Judgment]:
    """The judgments in figure order, a bare image's (never asked about) skipped."""
    answers = iter(asked)
    skipped = Judgment.skipped(NOT_A_FIGURE)
    return [skipped if p.figure.bare else next(answers) for pairs in pairings for p in pairs]


def judge_requests(target: Plan, progress: Progress | None = None) -> list[JudgeRequest]:
    """What the LLM stage would be asked about each figure, in reading order."""
    read = _read(target, None, progress)
    return _requests(read.extractions, read.pairings, target)


def dry_run(
    target: Plan,
    stage: Stage,
    progress: Progress | None = None,
    draw_progress: Progress | None = None,
) -> Estimate:
    """What judging would send and cost, without calling anything (diagrams are drawn: their
    images are part of what would be sent)."""
    from reviewer.judge.stage import estimate_all

    requests = judge_requests(target, progress)
    draw(requests, stage.pictures, draw_progress)
    return estimate_all(requests, stage.judge, stage.budget, stage.pictures)


def draw(
    requests: list[JudgeRequest], pictures: Pictures | None, progress: Progress | None
) -> None:
    """Draw the diagrams before judging starts, so that a wait of seconds per TeX picture says
    what it is for; later asks for the same picture are answered from memory."""
    if pictures is None:
        return
    diagrams = [r for r in requests if r.drawing is not None]
    for n, request in enumerate(diagrams, start=1):
        if progress is not None and request.drawing is not None:
            progress(
                n, len(diagrams), f"{request.figure_id or 'a figure'} ({request.drawing.language})"
            )
        pictures.of(*request.drawn_from)


def _note(stage: Stage, judgments: list[Judgment], tally: Tally) -> str:
    counts = Counter(j.status.value for j in judgments)
    parts = [f"{n} {status}" for status, n in sorted(counts.items())]
    note = f"{stage.describe}: {', '.join(parts)}"
    return f"{note}; stopped: {tally.fatal}" if tally.fatal else note


def _extract_all(
    target: Plan, progress: Progress | None
) -> tuple[list[Extraction], set[int], list[FileAudit]]:
    """Extract every chapter the plan reads, in reading order, and say which are reported. In
    book mode a chapter that cannot be read is a finding and the others go on; a chapter
    named on its own is an error; a chapter read only for context is passed over."""
    extractions: list[Extraction] = []
    reported: set[int] = set()
    unreadable: list[FileAudit] = []
    order = 0
    for n, path in enumerate(target.order, start=1):
        if progress:
            progress(n, len(target.order), display_path(path))
        try:
            document = load_chapter(path, target.root)
        except ReviewerError as err:
            if not target.reports(path):
                continue
            if not target.book:
                raise
            unreadable.append(_unreadable(path, str(err)))
            continue
        extraction, order = extract(document, order, target.floats)
        extractions.append(extraction)
        if target.reports(path):
            reported.add(id(extraction))
    return extractions, reported, unreadable


def _unreadable(path: Path, message: str) -> FileAudit:
    where = Location(display_path(path), 1, 1)
    return FileAudit(where.path, None, (), (finding("SRC005", message, where),))
