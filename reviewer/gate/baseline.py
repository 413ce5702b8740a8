"""Gate stage, the baseline: a file recording the findings a project has accepted for now, so
that only new ones fail CI. Findings match by file, figure id and code, never by line, so
moving a figure or editing the text above it does not make its old findings new."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from reviewer import __version__
from reviewer.errors import ReviewerError
from reviewer.files.write import write_atomic
from reviewer.model import Finding, FindingStatus, Report

VERSION = 1

Key = tuple[str, str, str]  # (path relative to the baseline, code, figure id or message shape)


def key(finding: Finding, base: Path) -> Key:
    """What identifies a finding across edits. A finding about no figure (an unlabelled
    figure, a file that cannot be read) is told apart by its message, digits left out."""
    path = Path(os.path.relpath(Path(finding.location.path).resolve(), base.resolve()))
    anchor = finding.figure or re.sub(r"\d+", "#", finding.message)
    return path.as_posix(), finding.code, anchor


def write(report: Report, destination: Path) -> int:
    """Record every finding that is not suppressed in the source; returns how many."""
    base = destination.parent
    kept = [f for f in report.findings if f.status is not FindingStatus.SUPPRESSED]
    entries = sorted(key(f, base) for f in kept)
    document = {
        "schema_version": VERSION,
        "tool": {"name": "reviewer", "version": __version__},
        "note": "Findings accepted for now; `review --baseline FILE` reports only new ones. "
        "Written by `review baseline write`; matched by path, code and figure id.",
        "findings": [{"path": p, "code": c, "figure_or_message": a} for p, c, a in entries],
    }
    write_atomic(destination, json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return len(entries)


def load(path: Path) -> Counter[Key]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["findings"]
        return Counter((e["path"], e["code"], e["figure_or_message"]) for e in entries)
    except OSError as err:
        raise ReviewerError(
            f"{path}: cannot read the baseline ({err.strerror or err}); "
            "write one with `review baseline write`"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise ReviewerError(
            f"{path}: not a baseline written by `review baseline write`; write it again"
        ) from None


def apply(report: Report, known: Counter[Key], base: Path) -> Report:
    """Mark as `baselined` each finding the baseline records, as many times as it records it;
    the rest are new."""
    left = Counter(known)
    files = []
    for audit in report.files:
        marked = []
        for f in audit.findings:
            k = key(f, base)
            if f.active and left[k] > 0:
                left[k] -= 1
                f = replace(f, status=FindingStatus.BASELINED)
            marked.append(f)
        files.append(replace(audit, findings=tuple(marked)))
    return replace(report, files=tuple(files))
