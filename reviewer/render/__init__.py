"""Render stage: one renderer per output format, each `render(report) -> str`. The HTML
format may also write one page per chapter (`html.pages`). Every audit goes through
`safe_text`: no control or bidirectional formatting character from a model answer or a server
error reaches a file or a terminal."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum

from reviewer.model import Report
from reviewer.render.safe_text import clean, strip_controls


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


# The module of each format's renderer, imported when that format is asked for: every run
# (the pre-commit hook, `--help`) would otherwise pay for all six.
_MODULES: dict[Format, str] = {
    Format.CONCISE: "concise",
    Format.MD: "markdown",
    Format.JSON: "json_audit",
    Format.SARIF: "sarif",
    Format.GITHUB: "github",
    Format.HTML: "html",
}


def render(report: Report, fmt: Format) -> str:
    module = importlib.import_module(f"reviewer.render.{_MODULES[fmt]}")
    draw: Callable[[Report], str] = module.render
    # The rendered text is stripped too, for what does not come from the report.
    return strip_controls(draw(clean(report)))
