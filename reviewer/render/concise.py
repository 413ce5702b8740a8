"""Render stage, concise format: one `path:line: CODE [severity] message (fix: hint)` line per
finding, as ruff's concise output prints them (the severity stands where ruff marks a fix), so
editors and terminals can jump to the line and the reader knows what to do there. Suppressed
and baselined findings are left out: these lines are for fixing, and the other formats still
list them."""

from __future__ import annotations

from reviewer.model import Finding, Report
from reviewer.render import OneText, Renderer
from reviewer.render.hints import hint


def render(report: Report) -> str:
    lines = [_line(f) for audit in report.files for f in audit.findings if f.active]
    return "\n".join(lines) + ("\n" if lines else "")


RENDERER: Renderer = OneText(render)


def _line(f: Finding) -> str:
    # One line per finding: a line break in a message could forge a finding of its own.
    message = " ".join(f.message.split())
    said = f"{f.location.path}:{f.location.line}: {f.code} [{f.severity.value}] {message}"
    fix = hint(f)
    if fix is None:
        return said
    return f"{said} (fix: {REWRITE if fix.rewrite else fix.plain})"


# A paragraph-long rewrite would drown the line; the md and html audits show it as a diff.
REWRITE = "rewrite the paragraph; the md or html audit shows a checked suggestion"
