"""Gate stage, the baseline: a file recording the findings a project has accepted for now, so
that only new ones fail CI. Findings match by file, figure id and code, never by line, so
moving a figure or editing the text above it does not make its old findings new."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from reviewer import __version__
from reviewer.errors import ReviewerError
from reviewer.files.write import write_atomic
from reviewer.model import FindingStatus, Report
from reviewer.rules import FindingKey, finding_key

VERSION = 1


def write(report: Report, destination: Path) -> int:
    """Record every finding that is not suppressed in the source; returns how many."""
    base = destination.parent
    kept = [f for f in report.findings if f.status is not FindingStatus.SUPPRESSED]
    entries = sorted(finding_key(f, base) for f in kept)
    document = {
        "schema_version": VERSION,
        "tool": {"name": "reviewer", "version": __version__},
        "note": "Findings accepted for now; `review --baseline FILE` reports only new ones. "
        "Written by `review baseline write`; matched by path, code and figure id.",
        "findings": [{"path": p, "code": c, "figure_or_message": a} for p, c, a in entries],
    }
    write_atomic(destination, json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return len(entries)


@dataclass(frozen=True)
class Baseline:
    """The findings a baseline file records, and where it is: paths in it are relative to
    its folder."""

    known: Counter[FindingKey]
    path: Path

    def apply(self, report: Report) -> Report:
        marked = apply(report, self.known, self.path.parent)
        return replace(marked, baseline=str(self.path))


def load(path: Path) -> Baseline:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["findings"]
        known = Counter((e["path"], e["code"], e["figure_or_message"]) for e in entries)
        return Baseline(known, path)
    except OSError as err:
        raise ReviewerError(
            f"{path}: cannot read the baseline ({err.strerror or err}); "
            "write one with `review baseline write`"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise ReviewerError(
            f"{path}: not a baseline written by `review baseline write`; write it again"
        ) from None


def apply(report: Report, known: Counter[FindingKey], base: Path) -> Report:
    """Mark as `baselined` each finding the baseline records, as many times as it records it;
    the rest are new."""
    left = Counter(known)
    files = []
    for audit in report.files:
        marked = []
        for f in audit.findings:
            k = finding_key(f, base)
            if f.active and left[k] > 0:
                left[k] -= 1
                f = replace(f, status=FindingStatus.BASELINED)
            marked.append(f)
        files.append(replace(audit, findings=tuple(marked)))
    return replace(report, files=tuple(files))
