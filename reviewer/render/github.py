"""Render stage, GitHub format: workflow commands (`::warning file=…,line=…::message`) that
GitHub Actions turns into annotations on the pull request's changed lines. Only findings that
count are printed: suppressed and baselined ones would be noise on every pull request."""

from __future__ import annotations

from reviewer.model import Finding, Report, Severity
from reviewer.render import OneText, Renderer
from reviewer.rules import BY_CODE

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report) -> str:
    lines = [_annotation(f) for f in report.active]
    return "\n".join(lines) + ("\n" if lines else "")


RENDERER: Renderer = OneText(render)


def _annotation(f: Finding) -> str:
    where = f.location
    props = {
        "file": where.path.replace("\\", "/"),
        "line": str(where.line),
        "endLine": str(max(where.line, where.end_line)),
        "title": f"{f.code} {BY_CODE[f.code].name}",
    }
    head = ",".join(f"{name}={_property(value)}" for name, value in props.items())
    text = f.message + (f"\nSuggestion: {f.suggestion}" if f.suggestion else "")
    return f"::{_COMMAND[f.severity]} {head}::{_data(text)}"


def _data(text: str) -> str:
    # GitHub's escaping for a command's message: %, CR and LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    # Properties also end at ',' and ':', so those are escaped too.
    return _data(text).replace(":", "%3A").replace(",", "%2C")
