"""Fix stage, choosing: which judged rewrites become edits of a chapter, and why the others
do not. Only a rewrite that passed the mechanical checks is ever a candidate, and only the
figures, verdicts and scores the author asked for; a proposed introduction for a figure no
paragraph cites is inserted only with --introductions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from reviewer.extract.diagrams import drawn_text
from reviewer.judge.rewrite import check_rewrite
from reviewer.model import FigureAudit, Report, Verdict


@dataclass(frozen=True)
class Selection:
    only: frozenset[str] = frozenset()  # figure ids; empty means every figure
    verdicts: frozenset[Verdict] = frozenset()  # empty means every verdict with a rewrite
    max_score: int | None = None
    introductions: bool = False


@dataclass(frozen=True)
class Edit:
    """One paragraph replaced by its rewrite, or one introduction inserted before a figure
    (`insert`: then `line` is the figure's first line and `old` is empty)."""

    path: str
    figure: str | None
    line: int
    end_line: int
    old: str  # the paragraph's Markdown source as judged
    new: str
    verdict: Verdict | None
    score: int | None
    rationale: str | None
    caption: str | None = None
    alt: str | None = None
    drawn: str | None = None
    insert: bool = False

    def problems(self, original: str, rewrite: str | None = None) -> tuple[str, ...]:
        """The rewrite checks on this edit's text (or `rewrite`, as the author changed it),
        as an edit of `original`: the same checks a judged rewrite passed."""
        return check_rewrite(
            original,
            self.new if rewrite is None else rewrite,
            figure_id=self.figure,
            caption=self.caption,
            alt=self.alt,
            drawn=self.drawn,
        )

    @property
    def judged_hash(self) -> str:
        return text_hash(self.old)

    @property
    def name(self) -> str:
        return f"@{self.figure}" if self.figure else f"the figure at {self.path}:{self.line}"


@dataclass(frozen=True)
class Skip:
    path: str
    line: int
    figure: str | None
    reason: str

    def line_text(self) -> str:
        who = f"@{self.figure}" if self.figure else "a figure"
        return f"{self.path}:{self.line}: {who}: {self.reason}"


def text_hash(text: str) -> str:
    """What "the paragraph is still what was judged" compares: its text, line endings aside."""
    return hashlib.sha256("\n".join(text.strip().splitlines()).encode()).hexdigest()


def choose(report: Report, selection: Selection) -> tuple[list[Edit], list[Skip]]:
    edits: list[Edit] = []
    skips: list[Skip] = []
    for audit in (a for file in report.files for a in file.figures):
        if not _asked(audit, selection):
            continue
        found = _edit(audit, selection)
        if isinstance(found, Edit):
            edits.append(found)
        else:
            skips.append(found)
    return edits, skips


def _asked(audit: FigureAudit, selection: Selection) -> bool:
    figure, judgment = audit.pairing.figure, audit.judgment
    if selection.only and figure.id not in selection.only:
        return False
    if selection.verdicts and judgment.verdict not in selection.verdicts:
        return False
    score = judgment.score
    return selection.max_score is None or score is None or score <= selection.max_score


def _edit(audit: FigureAudit, selection: Selection) -> Edit | Skip:
    pairing, judgment = audit.pairing, audit.judgment
    figure, intro = pairing.figure, pairing.intro
    where = intro.location if intro is not None else figure.location
    skip = _why_not(audit, selection)
    if skip is not None:
        return Skip(where.path, where.line, figure.id, skip)
    assert judgment.rewrite is not None  # _why_not said so
    return Edit(
        path=where.path,
        figure=figure.id,
        line=where.line,
        end_line=where.end_line if intro is not None else where.line,
        old=intro.source.strip() if intro is not None else "",
        new=judgment.rewrite.strip(),
        verdict=judgment.verdict,
        score=judgment.score,
        rationale=judgment.rationale,
        caption=figure.caption.text if figure.caption else None,
        alt=figure.alt.text if figure.alt else None,
        drawn="\n".join(drawn_text(figure.drawing)) or None if figure.drawing else None,
        insert=intro is None,
    )


EXPLAINS_ALREADY = "it explains its figure already; nothing to change"


def _why_not(audit: FigureAudit, selection: Selection) -> str | None:
    judgment, intro = audit.judgment, audit.pairing.intro
    if judgment.verdict is Verdict.EXPLAINS:
        return EXPLAINS_ALREADY
    if judgment.rewrite is None:
        if judgment.rewrite_problems:
            return f"its rewrite failed the checks ({'; '.join(judgment.rewrite_problems)})"
        return f"no rewrite was suggested ({judgment.reason or judgment.status.value})"
    if intro is None and not selection.introductions:
        return "no paragraph cites it; --introductions inserts the proposed one"
    if intro is not None and audit.pairing.positional:
        return "it has no id, so its paragraph is only a guess; paste the rewrite by hand"
    return None
