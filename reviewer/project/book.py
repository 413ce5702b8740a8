"""Load stage, project level: which chapters a project has, in what order, and whether Quarto
resolves cross-references across them.

A `_quarto.yml` with a `book:` key gives the reading order (`chapters`, with `part` entries,
then `appendices`), and a book resolves `@fig-x` across its chapters. A website (`project:
type: website`, or a `website:` key) reads in the order of its sidebar, then its navbar, then
every other page; like a plain project, it renders each page alone, so a reference resolves
only within its page. A folder without `_quarto.yml` is read as every `.qmd` in it, in path
order, leaving out partials (`_name.qmd`, meant to be included) and hidden or `_` folders.

Listing never opens a file and never follows a symlinked folder, so FIFOs and symlink loops in
the book cannot hang it: they are listed like chapters, and reading them is the SRC005 finding
that names what they are."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reviewer.errors import ReviewerError
from reviewer.files.read import MAX_BYTES, display_path, read_capped
from reviewer.parse.cells import load_yaml

PROJECT_FILE = "_quarto.yml"
CHAPTER_SUFFIXES = (".qmd", ".md")


@dataclass(frozen=True)
class Book:
    root: Path
    chapters: tuple[Path, ...]
    missing: tuple[str, ...] = ()  # chapters the config lists that are not .qmd files on disk
    kind: str = "folder"  # book, website, default (a project of pages) or folder (no config)

    @property
    def shared(self) -> bool:
        """Whether references resolve across its files (a book; a folder read as one)."""
        return self.kind in ("book", "folder")


def find_project_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds a `_quarto.yml`."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    return None


def open_book(target: Path) -> Book:
    """The chapters of a book folder or `_quarto.yml`, in reading order."""
    named = target.name == PROJECT_FILE and _present(target)  # even a FIFO: reading says so
    config = target if named or target.is_file() else target / PROJECT_FILE
    root = config.parent
    # lexists: a project file that is a FIFO or a loop is an error that says so, not ignored.
    data = read_project_file(config) if os.path.lexists(config) else None
    kind, entries = _project_entries(data)
    if kind != "book":
        chapters = tuple(_all_chapters(root))
        if not chapters:
            raise ReviewerError(
                f"{display_path(root)}: no .qmd files here; give a chapter or a book folder"
            )
        return Book(root, _in_order(root, entries, chapters), kind=kind)
    found = [root / entry for entry in entries]
    chapters = tuple(p for p in found if p.suffix in CHAPTER_SUFFIXES and _present(p))
    missing = tuple(
        e for e, p in zip(entries, found, strict=True) if p.suffix == ".qmd" and not _present(p)
    )
    if not chapters:
        raise ReviewerError(
            f"{display_path(config)}: none of the chapters it lists exist as .qmd files"
        )
    return Book(root, chapters, missing, "book")


def _project_entries(data: Any) -> tuple[str, list[str]]:
    """The project's kind and the files its configuration lists, in reading order."""
    if not isinstance(data, dict):
        return "folder", []
    project = data.get("project")
    declared = project.get("type") if isinstance(project, dict) else None
    book, website = data.get("book"), data.get("website")
    entries: list[str] = []
    if isinstance(book, dict) and declared in (None, "book"):
        for key in ("chapters", "appendices"):
            _flatten(book.get(key), entries)
        return "book", entries
    if declared == "website" or isinstance(website, dict):
        if isinstance(website, dict):
            for key in ("sidebar", "navbar"):
                _pages(website.get(key), entries)
        return "website", entries
    return "default", entries


def _pages(items: Any, out: list[str]) -> None:
    """Every page a sidebar or navbar links to, depth first: `contents`, `section`, `menu`,
    `left` and `right` lists, `href` and `file` keys, and bare strings naming a page."""
    if isinstance(items, str):
        if items.endswith(CHAPTER_SUFFIXES) and "*" not in items:
            out.append(items)
    elif isinstance(items, list):
        for item in items:
            _pages(item, out)
    elif isinstance(items, dict):
        for key in ("href", "file", "section", "contents", "menu", "left", "right"):
            _pages(items.get(key), out)


def _in_order(root: Path, entries: list[str], chapters: tuple[Path, ...]) -> tuple[Path, ...]:
    """The listed pages first, in their order, then every other one in path order."""
    listed = {os.path.normpath(root / entry.lstrip("/")): n for n, entry in enumerate(entries)}
    rank = {c: listed.get(os.path.normpath(c), len(listed)) for c in chapters}
    return tuple(sorted(chapters, key=lambda c: rank[c]))


def _present(path: Path) -> bool:
    """A listed chapter that is there to read, even if it turns out not to be a regular file
    (a FIFO, a symlink loop): reading it then says what it is, where "missing" would mislead."""
    return os.path.lexists(path) and not path.is_dir()


def read_project_file(config: Path, hops: int = 0) -> Any:
    try:
        data = load_yaml(read_capped(config, MAX_BYTES, "a Quarto project file").decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        name = display_path(config)
        raise ReviewerError(f"{name}: cannot read it ({err}); fix the YAML") from None
    # A symlink checked out on a system without symlinks is a file holding the link's target.
    if isinstance(data, str) and data.strip().endswith((".yml", ".yaml")) and hops < 3:
        linked = config.parent / data.strip()
        if linked.is_file():
            return read_project_file(linked, hops + 1)
    return data


def _flatten(items: Any, out: list[str]) -> None:
    if isinstance(items, str):
        out.append(items)
    elif isinstance(items, list):
        for item in items:
            _flatten(item, out)
    elif isinstance(items, dict):
        part = items.get("part")
        if isinstance(part, str) and part.endswith(CHAPTER_SUFFIXES):
            out.append(part)
        if isinstance(items.get("href"), str):
            out.append(items["href"])
        _flatten(items.get("chapters"), out)


def _all_chapters(root: Path) -> list[Path]:
    """Every `.qmd` below `root`, hidden and `_` names left out. A loop over a stack, not
    recursion, so a deep tree cannot exhaust Python's stack; unreadable folders are skipped."""
    found: list[Path] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(("_", ".")):
                continue
            path = folder / entry.name
            if _is_real_folder(entry):
                folders.append(path)
            if entry.name.endswith(".qmd"):
                found.append(path)
    return sorted(found)


def _is_real_folder(entry: os.DirEntry[str]) -> bool:
    """A folder to descend into: never a symlink to one, which could loop back up the tree."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def project_data(root: Path) -> Any:
    """The parsed `_quarto.yml` of a project, or None when there is none or it cannot be read
    (the reviewing commands report that themselves)."""
    config = root / PROJECT_FILE
    if not config.is_file():
        return None
    try:
        return read_project_file(config)
    except ReviewerError:
        return None
