"""Render stage, labels: how audits and the terminal name a finding that does not count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from reviewer.model import Finding, FindingStatus

# Beside one finding in an audit.
QUIET = {
    FindingStatus.SUPPRESSED: "suppressed in the source",
    FindingStatus.BASELINED: "in baseline",
}

# In a count of them ("2 suppressed in the source, 1 in the baseline").
_COUNTED = (
    (FindingStatus.SUPPRESSED, "suppressed in the source"),
    (FindingStatus.BASELINED, "in the baseline"),
)


def set_aside(findings: Iterable[Finding]) -> list[str]:
    """How many findings do not count, and why: `2 suppressed in the source`, `1 in the
    baseline`; empty when every finding counts."""
    quiet = Counter(f.status for f in findings)
    return [f"{quiet[status]} {said}" for status, said in _COUNTED if quiet[status]]
