"""Render stage, shared by the formats that show findings beside their figure (Markdown and
HTML): which findings belong to which figure, and which belong to none."""

from __future__ import annotations

from reviewer.model import FigureAudit, FileAudit, Finding

Key = tuple[str, int, str | None]  # a figure's path, line and id


def figure_key(item: FigureAudit) -> Key:
    figure = item.pairing.figure
    return figure.location.path, figure.location.line, figure.id


def findings_by_figure(audit: FileAudit) -> dict[Key, list[Finding]]:
    """Findings about a figure, which sit on its line and name it (REF001 names a target), or
    on its introducing paragraph for the narrative (NAR) codes."""
    keys = {figure_key(item): figure_key(item) for item in audit.figures}
    for item in audit.figures:
        intro = item.pairing.intro
        if intro is not None:
            where = (intro.location.path, intro.location.line, item.pairing.figure.id)
            keys.setdefault(where, figure_key(item))
    grouped: dict[Key, list[Finding]] = {}
    for f in audit.findings:
        key = keys.get((f.location.path, f.location.line, f.figure))
        if key is not None and f.code != "REF001":
            grouped.setdefault(key, []).append(f)
    return grouped


def unclaimed(audit: FileAudit, grouped: dict[Key, list[Finding]]) -> list[Finding]:
    """The findings of `audit` that no figure claims, in their order."""
    claimed = {id(f) for items in grouped.values() for f in items}
    return [f for f in audit.findings if id(f) not in claimed]
