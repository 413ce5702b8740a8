"""Render stage, concise format: one `path:line: CODE message` line per finding, as linters
print them, so editors and terminals can jump to the line. Suppressed and baselined findings
are left out: these lines are for fixing, and the other formats still list them."""

from __future__ import annotations

from reviewer.model import Report


def render(report: Report) -> str:
    lines = [
        # One line per finding: a line break in a message could forge a finding of its own.
        f"{f.location.path}:{f.location.line}: {f.code} {' '.join(f.message.split())}"
        for audit in report.files
        for f in audit.findings
        if f.active
    ]
    return "\n".join(lines) + ("\n" if lines else "")
