"""Checks stage: deterministic findings about floats (figures, tables, listings) and references.
No network, no model. A table or listing gets the figure checks that apply to it (the `FIG`
codes name any float; alt text is a figure's only), with its own noun in the message.

Each finding carries a code from `rules.py`. Checks see the whole review at once, so a reference
resolves to a figure in another chapter when a book is reviewed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.model import (
    Extraction,
    Figure,
    Finding,
    FloatType,
    Judgment,
    Pairing,
    Verdict,
)
from reviewer.project.images import outside
from reviewer.project.settings import CheckSettings
from reviewer.rules import finding


def check(
    extractions: Sequence[Extraction],
    pairings: Sequence[Sequence[Pairing]],
    settings: CheckSettings,
    root: Path | None = None,
    outside: Outside | None = None,
) -> list[list[Finding]]:
    """Findings per extraction, sorted by line. `root` is the project folder, the only place
    local images are read from; `outside` is what the other pages of a website hold."""
    outside = outside or Outside()
    defined = {f.id for ex in extractions for f in ex.figures if f.id}
    referenced = {ref.target for ex in extractions for ref in ex.references}
    referenced |= outside.referenced
    every_figure = [f for ex in extractions for f in ex.figures]
    duplicates = {id(fig): found for fig, found in _duplicates(every_figure)}
    result = []
    for ex, pairs in zip(extractions, pairings, strict=True):
        found = list(ex.problems)
        found += _undefined(ex, defined, outside.defined)
        found += [duplicates[id(f)] for f in ex.figures if id(f) in duplicates]
        by_id = {p.figure.id: p for p in pairs if p.figure.id}
        for pairing in pairs:
            found += _figure_checks(pairing, referenced, by_id, settings)
            found += _outside_images(pairing.figure, root)
        found.sort(key=chapter_order(ex.path))
        result.append(found)
    return result


def chapter_order(chapter: str) -> Callable[[Finding], tuple[bool, str, int]]:
    """How a chapter's findings are listed: its own lines first, then its included files'."""
    return lambda f: (f.location.path != chapter, f.location.path, f.location.line)


@dataclass(frozen=True)
class Outside:
    """A website page's view of the other pages: Quarto renders each page alone, so their
    figures cannot be referenced from it (REF005), but a figure they reference is not one the
    site never mentions (no FIG001)."""

    defined: Mapping[str, str] = field(default_factory=dict)  # id -> the page defining it
    referenced: frozenset[str] = frozenset()


def _outside_images(figure: Figure, root: Path | None) -> Iterator[Finding]:
    where = figure.location
    for src in figure.images:
        if outside(src, where.path, root):
            message = f"image {src} is outside the project folder, so it is not read"
            yield finding("SRC008", message, where, figure.id)


def _figure_checks(
    pairing: Pairing,
    referenced: set[str],
    by_id: dict[str, Pairing],
    settings: CheckSettings,
) -> Iterator[Finding]:
    figure = pairing.figure
    if figure.embedded_from or figure.bare:
        return  # an embed's caption and alt live in its notebook; a bare image is no figure
    yield from _id_checks(figure, referenced, pairing)
    yield from _text_checks(figure, by_id)
    yield from _placement(pairing, settings)


def _id_checks(figure: Figure, referenced: set[str], pairing: Pairing) -> Iterator[Finding]:
    where, fid = figure.location, figure.id
    if fid is None:
        yield _no_id(figure)
        return
    if "_" in fid:  # Quarto's documentation warns against '_' only; case is the author's
        yield finding(
            "FIG005",
            f"id '{fid}' contains '_', which can break LaTeX output; use '-'",
            where,
            fid,
            suggestion=fid.replace("_", "-"),
        )
    if fid not in referenced:
        if figure.parent is None or figure.parent not in referenced:
            yield finding("FIG001", f"@{fid} is never referenced", where, fid)
    elif pairing.intro is None and figure.parent is None:
        yield finding(
            "REF004", f"@{fid} is referenced only from captions, tables or footnotes", where, fid
        )


def _no_id(figure: Figure) -> Finding:
    if figure.label_problem:
        return finding(
            "FIG006",
            f"cell label '{figure.label_problem}' has no 'fig-' prefix, "
            "so its figure cannot be cross-referenced",
            figure.location,
            suggestion=f"#| label: fig-{figure.label_problem}",
        )
    return finding(
        "FIG008",
        "figure has no id; its introduction is taken to be the paragraph just before it",
        figure.location,
    )


def _text_checks(figure: Figure, by_id: dict[str, Pairing]) -> Iterator[Finding]:
    where, fid = figure.location, figure.id
    caption, alt = figure.caption, figure.alt
    if caption is None and figure.parent is None:
        yield finding("FIG002", f"{figure.float_type.noun} has no caption", where, fid)
    if figure.float_type is not FloatType.FIGURE:
        return  # tables and listings have no alt text in Quarto
    if alt is None and not _alt_elsewhere(figure, by_id):
        yield finding("FIG003", "figure has no alt text (fig-alt)", where, fid)
    if caption and alt and caption.text and alt.text and _same(caption.text, alt.text):
        yield finding(
            "FIG004", "alt text repeats the caption; describe what the image shows", where, fid
        )


def _alt_elsewhere(figure: Figure, by_id: dict[str, Pairing]) -> bool:
    """A sub-figure may rely on its parent's alt text, and a parent on its sub-figures'."""
    if figure.parent and figure.parent in by_id and by_id[figure.parent].figure.alt:
        return True
    children = [p.figure for p in by_id.values() if p.figure.parent == figure.id]
    return bool(children) and all(child.alt for child in children)


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()).rstrip(".") == " ".join(b.lower().split()).rstrip(".")


def _placement(pairing: Pairing, settings: CheckSettings) -> Iterator[Finding]:
    figure, intro = pairing.figure, pairing.intro
    if intro is None or pairing.positional or intro.location.path != figure.location.path:
        return
    if figure.parent:
        return  # a panel is placed with its parent figure, not on its own
    gap = figure.location.line - intro.location.line
    # Before its reference, a float is as far away as its last line: a 60-line table or TikZ
    # picture right above the paragraph citing it renders as one float just before it.
    ahead = intro.location.line - figure.location.end_line
    if gap > settings.far_after:
        yield finding(
            "REF002",
            f"@{figure.id} appears {gap} lines after its first reference "
            f"(line {intro.location.line})",
            figure.location,
            figure.id,
            suggestion="move the figure to just after the paragraph that cites it",
        )
    elif ahead > settings.far_before:
        yield finding(
            "REF003",
            f"@{figure.id} ends {ahead} lines before its first reference "
            f"(line {intro.location.line})",
            figure.location,
            figure.id,
            suggestion="move the figure below the paragraph that introduces it",
        )


def _undefined(ex: Extraction, defined: set[str], outside: Mapping[str, str]) -> Iterator[Finding]:
    for ref in ex.references:
        if ref.target in defined:
            continue
        if ref.target in outside:
            message = (
                f"{ref.written} is defined on another page, {outside[ref.target]}; Quarto "
                f"renders it as ?{ref.written} unless a post-render step links it"
            )
            yield finding("REF005", message, ref.location, ref.target)
        else:
            noun = FloatType.of(ref.target).noun
            yield finding(
                "REF001",
                f"{ref.written} refers to a {noun} that is not defined in what was reviewed",
                ref.location,
                ref.target,
            )


def _duplicates(figures: Sequence[Figure]) -> Iterator[tuple[Figure, Finding]]:
    """Ids defined more than once where both definitions can render in the same format."""
    seen: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        if figure.id:
            seen[figure.id].append(figure)
    for fid, defs in seen.items():
        for n, later in enumerate(defs[1:], start=1):
            earlier = next((d for d in defs[:n] if _may_render_together(d, later)), None)
            if earlier is not None:
                message = f"@{fid} is also defined at {earlier.location}"
                yield later, finding("FIG007", message, later.location, fid)


def _may_render_together(a: Figure, b: Figure) -> bool:
    return a.when_format is None or b.when_format is None or a.when_format == b.when_format


_NARRATIVE = {
    Verdict.CONTRADICTS: ("NAR001", "contradicts the caption or alt text"),
    Verdict.MENTIONS_ONLY: ("NAR002", "only mentions the {noun}"),
    Verdict.PARTIAL: ("NAR003", "explains the {noun} only in part"),
}


def low_score(pairing: Pairing, judgment: Judgment, below: int | None) -> Finding | None:
    """NAR004 when `--fail-on score<N` is set and the judged score is below N."""
    if pairing.figure.bare or below is None or judgment.score is None or judgment.score >= below:
        return None
    where = pairing.intro.location if pairing.intro else pairing.figure.location
    message = f"judged {judgment.score}/5, below the --fail-on threshold score<{below}"
    return finding("NAR004", message, where, pairing.figure.id)


def narrative(pairing: Pairing, judgment: Judgment) -> Finding | None:
    """A finding for a judgment that says the prose falls short, placed on the paragraph."""
    if judgment.verdict not in _NARRATIVE or pairing.intro is None or pairing.figure.bare:
        return None
    code, what = _NARRATIVE[judgment.verdict]
    what = what.format(noun=pairing.figure.float_type.noun)
    name = f"@{pairing.figure.id}" if pairing.figure.id else "the figure"
    message = f"the paragraph introducing {name} {what} (score {judgment.score}/5)"
    return finding(code, message, pairing.intro.location, pairing.figure.id, judgment.rewrite)
