"""Load stage, the book's diagram settings: the TeX lines a Quarto book puts before each TikZ
picture, so that the reviewer can render a picture the way the book does.

Books draw TikZ with the pandoc-ext/diagram filter, configured under `diagram.engine.tikz` in
`_quarto.yml` or a file it names in `metadata-files`: `header-includes` (the preamble) and
`execpath` (the TeX program). Nothing else in the project is read."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reviewer.errors import ReviewerError
from reviewer.files.read import is_inside
from reviewer.project.book import project_data, read_project_file

MAX_PREAMBLE_LINES = 500
# `execpath` picks one of these; any other program named there is not run.
TEX_PROGRAMS = frozenset({"lualatex", "pdflatex", "xelatex", "latex"})


@dataclass(frozen=True)
class TikzSetup:
    preamble: tuple[str, ...] = ()
    execpath: str | None = None


NO_SETUP = TikzSetup()


@lru_cache(maxsize=16)
def tikz_setup(root: Path | None) -> TikzSetup:
    """The book's TikZ preamble and TeX program; empty when it configures none."""
    if root is None:
        return NO_SETUP
    for data in _metadata(root):
        found = _engine(data)
        if found is not None:
            return found
    return NO_SETUP


def _metadata(root: Path) -> list[Any]:
    data = project_data(root)
    out = [data]
    names = data.get("metadata-files") if isinstance(data, dict) else None
    for name in names if isinstance(names, list) else []:
        path = root / str(name)
        if not is_inside(path, root) or not path.is_file():
            continue  # a metadata file outside the book is not the book's
        try:
            out.append(read_project_file(path))
        except ReviewerError:
            continue
    return out


def _engine(data: Any) -> TikzSetup | None:
    tikz = _get(data, "diagram", "engine", "tikz")
    if not isinstance(tikz, dict):
        return None
    lines = tikz.get("header-includes")
    lines = [lines] if isinstance(lines, str) else lines if isinstance(lines, list) else []
    program = Path(str(tikz.get("execpath") or "")).name
    return TikzSetup(
        tuple(str(line) for line in lines[:MAX_PREAMBLE_LINES]),
        program if program in TEX_PROGRAMS else None,
    )


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data
