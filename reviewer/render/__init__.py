"""Render stage: one renderer per output format, each `render(report) -> str`. The HTML
format may also write one page per chapter (`html.pages`)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from reviewer.model import Report
from reviewer.render import concise, github, html, json_audit, markdown, sarif


class Format(StrEnum):
    CONCISE = "concise"
    MD = "md"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    HTML = "html"

    @property
    def suffix(self) -> str:
        return {"concise": ".txt", "github": ".annotations.txt", "sarif": ".sarif"}.get(
            self.value, f".{self.value}"
        )

    @property
    def terminal(self) -> bool:
        """Formats printed on stdout unless --output says otherwise: lines for a terminal or
        a CI log, not files to keep."""
        return self in (Format.CONCISE, Format.GITHUB)


_RENDERERS: dict[Format, Callable[[Report], str]] = {
    Format.CONCISE: concise.render,
    Format.MD: markdown.render,
    Format.JSON: json_audit.render,
    Format.SARIF: sarif.render,
    Format.GITHUB: github.render,
    Format.HTML: html.render,
}


def render(report: Report, fmt: Format) -> str:
    return _RENDERERS[fmt](report)
