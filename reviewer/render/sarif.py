"""Render stage, SARIF 2.1.0: the format code-scanning services read (GitHub code scanning,
Azure DevOps, IDE viewers). Rules come from the registry; every finding is a result, and so is
every weak judgment (NAR001-NAR004). Fingerprints are built from the file, the code and the
figure id, never the line, so moving a figure does not make its findings new."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from reviewer import __version__
from reviewer.model import FileAudit, Finding, FindingStatus, Judgment, Report, Severity
from reviewer.render import OneText, Renderer
from reviewer.rules import RULES, finding_key

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "reviewerFigureCode/v1"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_INDEX = {r.code: n for n, r in enumerate(RULES)}


def render(report: Report) -> str:
    seen: Counter[str] = Counter()
    results = [
        _result(f, _judgments(audit), report.baseline is not None, seen)
        for audit in report.files
        for f in audit.findings
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver()},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=1, ensure_ascii=False) + "\n"


RENDERER: Renderer = OneText(render)


def _driver() -> dict[str, Any]:
    return {
        "name": "reviewer",
        "version": __version__,
        "rules": [
            {
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.why},
                "help": {"text": f"{r.summary}\n\nWhy it matters: {r.why}\n\nExample: {r.example}"},
                "defaultConfiguration": {"level": _LEVEL[r.severity]},
                "properties": {"tags": ["quarto", "figures", r.code[:3].lower()]},
            }
            for r in RULES
        ],
    }


def _judgments(audit: FileAudit) -> dict[str, Judgment]:
    return {a.pairing.figure.id: a.judgment for a in audit.figures if a.pairing.figure.id}


def _result(
    f: Finding, judgments: dict[str, Judgment], baselined: bool, seen: Counter[str]
) -> dict[str, Any]:
    where = f.location
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": _INDEX[f.code],
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": Path(where.path).as_posix()},
                    "region": {"startLine": where.line, "endLine": max(where.line, where.end_line)},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: _fingerprint(f, seen)},
        "properties": _properties(f, judgments.get(f.figure or "")),
    }
    if f.status is FindingStatus.SUPPRESSED:
        result["suppressions"] = [
            {"kind": "inSource", "justification": "<!-- review: ignore --> in the source"}
        ]
    if baselined:
        result["baselineState"] = "unchanged" if f.status is FindingStatus.BASELINED else "new"
    return result


def _fingerprint(f: Finding, seen: Counter[str]) -> str:
    """The baseline's key, hashed, with an occurrence count for repeats of the same key."""
    text = "\x1f".join(finding_key(f, Path.cwd()))
    seen[text] += 1
    return hashlib.sha256(f"{text}\x1f{seen[text]}".encode()).hexdigest()[:32]


def _properties(f: Finding, judgment: Judgment | None) -> dict[str, Any]:
    props: dict[str, Any] = {"figure": f.figure, "status": f.status.value}
    if f.suggestion:
        props["suggestion"] = f.suggestion
    if judgment is not None and judgment.score is not None and f.code.startswith("NAR"):
        props["score"] = judgment.score
        props["verdict"] = judgment.verdict.value if judgment.verdict else None
        props["rationale"] = judgment.rationale
    return props
