"""Load stage, the plan: what a review reads, what it reports, and how references resolve.

A chapter reviewed on its own inside a Quarto project is read the way Quarto renders it: in a
book, with every other chapter beside it, so that `@fig-x` defined two chapters away resolves
(a pre-commit hook that gets one file must agree with `review book/`). The other chapters are
only read: their findings are not reported and their figures are not judged. In a website or
a plain project each page renders alone, so its references resolve within it; the other
pages are read only to say where a figure a page cannot reach is defined (REF005)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.files.read import display_path, is_inside, real_path
from reviewer.model import Finding, FloatType, Location
from reviewer.project.book import PROJECT_FILE, Book, find_project_root, open_book
from reviewer.rules import finding


@dataclass(frozen=True)
class Plan:
    """What to review: `chapters` in reading order, the project folder they belong to, and
    problems found in the book's configuration itself. `context` holds the project's other
    chapters, read for their figures and references and never reported; `reading` is the
    order of everything read. `shared` says whether references resolve across files;
    `floats` which kinds of float (figures, tables, listings) the review covers."""

    chapters: tuple[Path, ...]
    root: Path | None
    config_path: Path | None = None
    config_problems: tuple[Finding, ...] = ()
    book: bool = False
    context: tuple[Path, ...] = ()
    reading: tuple[Path, ...] = ()
    shared: bool = True
    floats: frozenset[FloatType] = frozenset(FloatType)

    @property
    def order(self) -> tuple[Path, ...]:
        return self.reading or self.chapters

    def reports(self, path: Path) -> bool:
        return not self.context or path not in self.context


def plan(paths: Sequence[Path], floats: frozenset[FloatType] = frozenset(FloatType)) -> Plan:
    return replace(_plan(paths), floats=floats)


def _plan(paths: Sequence[Path]) -> Plan:
    if len(paths) == 1 and (paths[0].is_dir() or paths[0].name == PROJECT_FILE):
        return _book_plan(open_book(paths[0]))
    for path in paths:
        # lexists: a symlink loop or a dangling link is reported when read, by what it is.
        if not os.path.lexists(path):
            raise ReviewerError(f"{display_path(path)}: no such file; check the path")
        if path.is_dir():
            raise ReviewerError(
                f"{display_path(path)}: give a folder on its own (book mode), or only .qmd files"
            )
    root = find_project_root(real_path(paths[0]).parent)
    project = _project(root)
    if project is None:
        return Plan(tuple(paths), root)
    return _in_project(tuple(paths), project)


def _project(root: Path | None) -> Book | None:
    """The project around a chapter, or None: no `_quarto.yml`, or one that cannot be read
    (reviewing the chapter alone is then better than refusing to review it)."""
    if root is None:
        return None
    try:
        return open_book(root)
    except ReviewerError:
        return None


def _in_project(paths: tuple[Path, ...], project: Book) -> Plan:
    """The chapters at their place in the project's reading order (those it does not list
    after it), with the project's other chapters as context."""
    given = {real_path(p) for p in paths}
    # Only the project's own files: a listed `../x.qmd` or a symlink out of the project must
    # not become text that pairing could send to an LLM as some figure's introduction.
    context = tuple(
        c for c in project.chapters if real_path(c) not in given and is_inside(c, project.root)
    )
    rank = {real_path(c): n for n, c in enumerate(project.chapters)}
    reading = sorted((*context, *paths), key=lambda c: rank.get(real_path(c), len(rank)))
    return Plan(paths, project.root, context=context, reading=tuple(reading), shared=project.shared)


def _book_plan(book: Book) -> Plan:
    config = book.root / PROJECT_FILE
    problems = tuple(
        finding(
            "SRC005",
            f"chapter {entry} is listed in {PROJECT_FILE} but does not exist",
            Location(display_path(config), 1, 1),
        )
        for entry in book.missing
    )
    return Plan(book.chapters, book.root, config, problems, book=True, shared=book.shared)
