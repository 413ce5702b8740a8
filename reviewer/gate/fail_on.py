"""Gate stage, the exit code: whether the findings that still count, once source comments and
the baseline have set theirs aside, fail the run under `--fail-on`."""

from __future__ import annotations

from reviewer.model import Report
from reviewer.project.settings import FailOn


def failing(report: Report, gate: FailOn) -> bool:
    """Whether `review` exits 1: some finding that counts is at least `gate.severity`, or some
    figure judged below `gate.score_below` (NAR004) still counts."""
    for f in report.active:
        if gate.severity is not None and f.severity.rank >= gate.severity.rank:
            return True
        if gate.score_below is not None and f.code == "NAR004":
            return True
    return False
