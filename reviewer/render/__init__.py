"""Render stage: one renderer per output format behind one interface, `Renderer`, each
imported only when its format is asked for. Every audit goes through `safe_text` here: no
control or bidirectional formatting character from a model answer or a server error reaches
a file or a terminal."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

from reviewer.model import Report
from reviewer.project.settings import Format
from reviewer.render.safe_text import clean, strip_controls

Files = list[tuple[Path, str]]  # what an audit bound for a file writes: path and text


class Renderer(Protocol):
    """One audit format: `render` gives the whole audit as one text (for stdout), `files`
    what to write when it goes to `destination` (HTML writes a page per chapter there).
    Images may be shown only from inside `root`, the project."""

    def render(self, report: Report) -> str: ...

    def files(self, report: Report, destination: Path, root: Path | None) -> Files: ...


class OneText:
    """A format whose audit is one text, whether printed or written: `draw` makes it."""

    def __init__(self, draw: Callable[[Report], str]) -> None:
        self.render = draw

    def files(self, report: Report, destination: Path, root: Path | None) -> Files:
        return [(destination, self.render(report))]


# The module of each format's renderer, imported when that format is asked for: every run
# (the pre-commit hook, `--help`) would otherwise pay for all six. Each module's RENDERER is
# declared as a Renderer, so mypy checks it against the interface where it is defined.
_MODULES: dict[Format, str] = {
    Format.CONCISE: "concise",
    Format.MD: "markdown",
    Format.JSON: "json_audit",
    Format.SARIF: "sarif",
    Format.GITHUB: "github",
    Format.HTML: "html",
}


def renderer(fmt: Format) -> Renderer:
    module = importlib.import_module(f"reviewer.render.{_MODULES[fmt]}")
    return cast(Renderer, module.RENDERER)


def render(report: Report, chosen: Format | Renderer) -> str:
    """The audit as one text. The rendered text is stripped too, for what does not come
    from the report."""
    drawn = renderer(chosen) if isinstance(chosen, Format) else chosen
    return strip_controls(drawn.render(clean(report)))


def audit_files(
    report: Report, chosen: Format | Renderer, destination: Path, root: Path | None = None
) -> Files:
    """The files of an audit bound for `destination`, in the order to write them."""
    drawn = renderer(chosen) if isinstance(chosen, Format) else chosen
    return [(p, strip_controls(t)) for p, t in drawn.files(clean(report), destination, root)]
