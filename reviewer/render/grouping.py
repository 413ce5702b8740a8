"""Render stage, shared by the formats that show findings beside their figure (Markdown and
HTML): which findings belong to which figure, and which belong to none.

A finding belongs to the figure it names (REF001 names a target, which is no figure here) and
is placed on: inside the figure's own lines, or on its introducing paragraph, where the
narrative (NAR) codes sit. One id may be defined twice, once per output format (in
`.content-visible when-format=...` blocks), with one paragraph introducing both. A finding on
that paragraph goes to the figure whose judgment it reports, so each card shows its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from reviewer.extract.checks import narrative
from reviewer.model import FigureAudit, FileAudit, Finding, FloatType, Location

Key = tuple[str, int, str | None]  # a figure's path, line and id


def counted(files: Iterable[FileAudit]) -> str:
    """`12 figures, 3 tables, 1 listing`: figures always, the other kinds when there are any."""
    kinds = Counter(item.pairing.figure.float_type for a in files for item in a.figures)
    return ", ".join(
        f"{kinds[kind]:,} {kind.noun}{'' if kinds[kind] == 1 else 's'}"
        for kind in FloatType
        if kinds[kind] or kind is FloatType.FIGURE
    )


def figure_key(item: FigureAudit) -> Key:
    figure = item.pairing.figure
    return figure.location.path, figure.location.line, figure.id


def findings_by_figure(audit: FileAudit) -> dict[Key, list[Finding]]:
    named: dict[str | None, list[FigureAudit]] = {}
    for item in audit.figures:
        named.setdefault(item.pairing.figure.id, []).append(item)
    grouped: dict[Key, list[Finding]] = {}
    for f in audit.findings:
        if f.code == "REF001":
            continue
        owner = _owner(f, named.get(f.figure, []), grouped)
        if owner is not None:
            grouped.setdefault(figure_key(owner), []).append(f)
    return grouped


def _owner(
    f: Finding, items: Sequence[FigureAudit], grouped: dict[Key, list[Finding]]
) -> FigureAudit | None:
    inside = [item for item in items if _within(f.location, item.pairing.figure.location)]
    if inside:
        return inside[0]
    introduced = [
        item
        for item in items
        if item.pairing.intro is not None and _within(f.location, item.pairing.intro.location)
    ]
    if len(introduced) < 2:
        return introduced[0] if introduced else None
    reported = [item for item in introduced if _reports(f, item)] or introduced
    # Two figures judged alike give equal findings: one each, not both to the first.
    free = [i for i in reported if all(g.code != f.code for g in grouped.get(figure_key(i), []))]
    return (free or reported)[0]


def _within(spot: Location, block: Location) -> bool:
    return spot.path == block.path and block.line <= spot.line <= block.end_line


def _reports(f: Finding, item: FigureAudit) -> bool:
    """Whether `f` says what this figure's judgment says: the narrative finding it gives, or
    a finding that names its score (NAR004, whose threshold the renderer does not know)."""
    told = narrative(item.pairing, item.judgment)
    if told is not None and told.code == f.code:
        return told.message == f.message
    score = item.judgment.score
    return score is not None and f"{score}/5" in f.message


def unclaimed(audit: FileAudit, grouped: dict[Key, list[Finding]]) -> list[Finding]:
    """The findings of `audit` that no figure claims, in their order."""
    claimed = {id(f) for items in grouped.values() for f in items}
    return [f for f in audit.findings if id(f) not in claimed]
