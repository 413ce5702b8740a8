"""Render stage, JSON format: the audit contract (schema version 1) that other tools read.
Fields may be added; the contract's fields are never renamed or dropped."""

from __future__ import annotations

import json
from typing import Any

from reviewer import __version__
from reviewer.extract.diagrams import drawn_text
from reviewer.extract.shown import float_content
from reviewer.model import (
    CrossReference,
    Figure,
    FigureAudit,
    FileAudit,
    Finding,
    FloatType,
    Judgment,
    Paragraph,
    Report,
    RichText,
)
from reviewer.render import OneText, Renderer

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    usage = report.usage
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "reviewer", "version": __version__},
        "files": [_file(audit) for audit in report.files],
        "usage": {
            "requests": usage.requests,
            "cache_hits": usage.cache_hits,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cost_usd": usage.cost_usd,
        },
        "llm_note": report.llm_note,
        "llm_error": report.llm_error,
        "baseline": report.baseline,
    }
    return _layout(document) + "\n"


RENDERER: Renderer = OneText(render)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _layout(document: dict[str, Any]) -> str:
    """One figure or finding per line: easy to read and to diff, and written by json's C
    encoder (an indent= would switch json to its pure-Python encoder, several times slower on
    a book)."""
    lines = []
    for key, value in document.items():
        text = _files(value) if key == "files" else _dump(value)
        lines.append(f"  {_dump(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"


def _files(files: list[dict[str, Any]]) -> str:
    if not files:
        return "[]"
    parts = []
    for audit in files:
        fields = [
            f"{_dump(key)}: {_rows(value) if key in _ROWS else _dump(value)}"
            for key, value in audit.items()
        ]
        parts.append("    {" + ", ".join(fields) + "}")
    return "[\n" + ",\n".join(parts) + "\n  ]"


_ROWS = ("figures", "tables", "listings", "findings", "cross_chapter_references")


def _rows(items: list[Any]) -> str:
    if not items:
        return "[]"
    return "[\n" + ",\n".join("      " + _dump(item) for item in items) + "\n    ]"


def _file(audit: FileAudit) -> dict[str, Any]:
    return {
        "path": audit.path,
        "title": audit.title,
        "figures": [_figure(item) for item in _of(audit, FloatType.FIGURE)],
        "tables": [_float(item) for item in _of(audit, FloatType.TABLE)],
        "listings": [_float(item) for item in _of(audit, FloatType.LISTING)],
        "findings": [_finding(f) for f in audit.findings],
        "cross_chapter_references": [_cross(c) for c in audit.elsewhere],
    }


def _of(audit: FileAudit, kind: FloatType) -> list[FigureAudit]:
    return [item for item in audit.figures if item.pairing.figure.float_type is kind]


def _cross(cross: CrossReference) -> dict[str, Any]:
    """A reference another chapter of the book resolves: what a reader follows out of it."""
    ref = cross.reference
    return {
        "target": ref.target,
        "written": ref.written,
        "path": ref.location.path,
        "line": ref.location.line,
        "prose": ref.paragraph.prose,
        "defined_in": cross.defined_in,
    }


def _figure(item: FigureAudit) -> dict[str, Any]:
    pairing = item.pairing
    figure = pairing.figure
    return {
        **_where(figure),
        "caption": _text(figure.caption),
        "alt": _text(figure.alt),
        "parent": figure.parent,
        "caption_source": _source(figure.caption),
        "alt_source": _source(figure.alt),
        "when_format": figure.when_format,
        "embedded_from": figure.embedded_from,
        "section": figure.section,
        "shows": {
            "images": list(figure.images),
            "code_kind": figure.code_kind,
            "code_head": list(figure.code_head),
            "drawn_text": list(drawn_text(figure.drawing)) if figure.drawing else None,
        },
        **_told(item),
    }


def _float(item: FigureAudit) -> dict[str, Any]:
    """A table or listing: the figure fields that apply to it, and what the judge reads."""
    pairing = item.pairing
    table = pairing.figure
    return {
        **_where(table),
        "caption": _text(table.caption),
        "parent": table.parent,
        "caption_source": _source(table.caption),
        "when_format": table.when_format,
        "section": table.section,
        "shows": {"code_kind": table.code_kind, "content": float_content(table)},
        **_told(item),
    }


def _where(figure: Figure) -> dict[str, Any]:
    return {
        "id": figure.id,
        "kind": figure.kind.value,
        "path": figure.location.path,
        "line": figure.location.line,
        "end_line": figure.location.end_line,
    }


def _told(item: FigureAudit) -> dict[str, Any]:
    """Where the prose introduces and mentions the float, and what the judge made of it."""
    pairing = item.pairing
    return {
        "intro": _intro(pairing.intro, pairing.positional),
        "mentions": [{"path": m.location.path, "line": m.location.line} for m in pairing.mentions],
        "judgment": _judgment(item.judgment),
    }


def _text(value: RichText | None) -> str | None:
    return value.text if value else None


def _source(value: RichText | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"text": value.source, "origin": value.origin, "expr": value.expr}


def _intro(paragraph: Paragraph | None, positional: bool) -> dict[str, Any] | None:
    if paragraph is None:
        return None
    loc = paragraph.location
    return {
        "path": loc.path,
        "line": loc.line,
        "end_line": loc.end_line,
        "text": paragraph.text,
        "container": paragraph.container,
        "positional": positional,
    }


def _judgment(judgment: Judgment) -> dict[str, Any]:
    return {
        "status": judgment.status.value,
        "reason": judgment.reason,
        "score": judgment.score,
        "verdict": judgment.verdict.value if judgment.verdict else None,
        "rationale": judgment.rationale,
        "rewrite": judgment.rewrite,
        "rewrite_problems": list(judgment.rewrite_problems),
        "model": judgment.model,
        "rejected_rewrite": judgment.rejected_rewrite,
        "criteria": {c.name: {"met": c.met, "evidence": c.evidence} for c in judgment.criteria},
        "usage": {
            "requests": judgment.requests,
            "prompt_tokens": judgment.prompt_tokens,
            "completion_tokens": judgment.completion_tokens,
        },
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity.value,
        "message": f.message,
        "path": f.location.path,
        "line": f.location.line,
        "figure": f.figure,
        "suggestion": f.suggestion,
        "status": f.status.value,
    }
