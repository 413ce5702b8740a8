"""Gate stage: which findings count. Source comments (`<!-- review: ignore CODE -->`) and the
baseline mark findings rather than drop them, so every audit still shows them; `--fail-on`
then turns the findings that still count into the exit code."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from reviewer.errors import closest
from reviewer.extract.checks import chapter_order
from reviewer.extract.comments import FORMS
from reviewer.model import (
    Extraction,
    Figure,
    Finding,
    FindingStatus,
    Location,
    Suppression,
)
from reviewer.project.selection import RuleSet, did_you_mean
from reviewer.rules import finding


def select(findings: Iterable[Finding], rules: RuleSet) -> tuple[Finding, ...]:
    """The findings of the rules that run for their file, each with its configured severity."""
    return tuple(
        replace(f, severity=rules.severity(f.code))
        for f in findings
        if rules.runs(f.code, f.location.path)
    )


def gate(
    findings: Iterable[Finding], ex: Extraction, rules: RuleSet, judged: bool
) -> tuple[Finding, ...]:
    """One chapter's findings as they count: the selected rules only, those that source
    comments cover marked suppressed, and the comments' own findings added (SRC009 for a code
    that does not exist, SRC010 for a comment that suppresses nothing)."""
    chosen = select(findings, rules)
    if not ex.suppressions:
        return chosen
    marked, used = _suppress(chosen, ex.suppressions, ex.figures)
    notes = [*_unknown_codes(ex.suppressions), *_unused(ex.suppressions, used, rules, judged)]
    notes.sort(key=chapter_order(ex.path))
    return marked + select(notes, rules)


def _suppress(
    findings: Sequence[Finding], suppressions: Sequence[Suppression], figures: Sequence[Figure]
) -> tuple[tuple[Finding, ...], set[int]]:
    """Mark the findings a comment covers: those inside its target, and those about a figure
    defined there (so a comment above a figure also silences the narrative findings placed on
    its introducing paragraph). Returns which comments covered something."""
    where: dict[str, list[Location]] = {}
    for figure in figures:
        if figure.id:
            where.setdefault(figure.id, []).append(figure.location)
    used: set[int] = set()
    marked = []
    for f in findings:
        covering = _covering(f, suppressions, where.get(f.figure or "", []))
        used.update(covering)
        marked.append(replace(f, status=FindingStatus.SUPPRESSED) if covering else f)
    return tuple(marked), used


def _covering(
    finding: Finding, suppressions: Sequence[Suppression], places: list[Location]
) -> list[int]:
    spots = [finding.location, *places]
    return [
        n
        for n, rule in enumerate(suppressions)
        if rule.covers(finding.code) and any(_inside(spot, rule.target) for spot in spots)
    ]


def _inside(spot: Location, block: Location) -> bool:
    return spot.path == block.path and block.line <= spot.line <= block.end_line


def _unknown_codes(suppressions: Sequence[Suppression]) -> Iterator[Finding]:
    for rule in suppressions:
        for word in rule.unknown:
            if rule.form == "unknown":
                close = closest(word, FORMS)
                hint = f" (did you mean '{close}'?)" if close else f"; use {', '.join(FORMS)}"
                message = f"'review: {word}' is not a directive, so it does nothing{hint}"
            else:
                message = f"'{word}' is not a rule code or name, so it suppresses nothing"
                message += did_you_mean(word)
            yield finding("SRC009", message, rule.comment or rule.target)


def _unused(
    suppressions: Sequence[Suppression], used: set[int], rules: RuleSet, judged: bool
) -> Iterator[Finding]:
    """Comments that covered nothing, leaving out those whose findings could not have
    appeared in this run: LLM codes without judging, rules not selected for the file."""
    for n, rule in enumerate(suppressions):
        if n in used or (rule.unknown and not rule.codes):  # all unknown: SRC009 says it
            continue
        where = rule.comment or rule.target
        could = [c for c in rule.codes if rules.runs(c, where.path) and (judged or c[:3] != "NAR")]
        if (rule.every and judged) or could:
            what = ", ".join(sorted(could)) if could else "finding"
            yield finding("SRC010", f"review: {rule.form} comment suppresses no {what}", where)
