"""Gate stage: which findings count. Source comments (`<!-- review: ignore CODE -->`) and the
baseline mark findings rather than drop them, so every audit still shows them; `--fail-on`
then turns the findings that still count into the exit code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from reviewer.config import FailOn
from reviewer.model import Figure, Finding, FindingStatus, Location, Report, Suppression

# How an audit labels a finding that does not count.
QUIET = {
    FindingStatus.SUPPRESSED: "suppressed in the source",
    FindingStatus.BASELINED: "in baseline",
}


_COUNTED = (
    (FindingStatus.SUPPRESSED, "suppressed in the source"),
    (FindingStatus.BASELINED, "in the baseline"),
)


def set_aside(findings: Iterable[Finding]) -> list[str]:
    """How many findings do not count, and why: `2 suppressed in the source`, `1 in the
    baseline`; empty when every finding counts."""
    quiet = Counter(f.status for f in findings)
    return [f"{quiet[status]} {said}" for status, said in _COUNTED if quiet[status]]


def suppress(
    findings: Iterable[Finding], suppressions: Sequence[Suppression], figures: Sequence[Figure]
) -> tuple[Finding, ...]:
    """Mark the findings a comment covers: those on the block after the comment, and those
    about a figure defined in that block (so a comment above a figure also silences the
    narrative findings placed on its introducing paragraph)."""
    if not suppressions:
        return tuple(findings)
    where: dict[str, list[Location]] = {}
    for figure in figures:
        if figure.id:
            where.setdefault(figure.id, []).append(figure.location)
    return tuple(
        replace(f, status=FindingStatus.SUPPRESSED)
        if _covered(f, suppressions, where.get(f.figure or "", []))
        else f
        for f in findings
    )


def _covered(finding: Finding, suppressions: Sequence[Suppression], places: list[Location]) -> bool:
    spots = [finding.location, *places]
    return any(
        rule.covers(finding.code) and any(_inside(spot, rule.target) for spot in spots)
        for rule in suppressions
    )


def _inside(spot: Location, block: Location) -> bool:
    return spot.path == block.path and block.line <= spot.line <= block.end_line


def failing(report: Report, gate: FailOn) -> bool:
    """Whether `review` exits 1: some finding that counts is at least `gate.severity`, or some
    figure judged below `gate.score_below` (NAR004) still counts."""
    for f in report.active:
        if gate.severity is not None and f.severity.rank >= gate.severity.rank:
            return True
        if gate.score_below is not None and f.code == "NAR004":
            return True
    return False
