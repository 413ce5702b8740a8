"""Render stage: one renderer per output format, each `render(report) -> str`."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from reviewer.model import Report
from reviewer.render import concise, json_audit, markdown


class Format(StrEnum):
    CONCISE = "concise"
    MD = "md"
    JSON = "json"

    @property
    def suffix(self) -> str:
        return {"concise": ".txt", "md": ".md", "json": ".json"}[self.value]


_RENDERERS: dict[Format, Callable[[Report], str]] = {
    Format.CONCISE: concise.render,
    Format.MD: markdown.render,
    Format.JSON: json_audit.render,
}


def render(report: Report, fmt: Format) -> str:
    return _RENDERERS[fmt](report)
