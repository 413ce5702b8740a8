"""Load stage: read a chapter from disk, parse it, follow its `{{< include >}}` shortcodes and
read the notebook cells its `{{< embed >}}` shortcodes name.

Included blocks keep their own file's path and line numbers. A broken include, an include cycle
or an include outside the project is a finding, not a failure: the rest of the chapter is still
reviewed. Files are read
through reviewer.files.read, which refuses anything but a regular file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.files.read import (
    MAX_BYTES,
    display_path,
    is_inside,
    read_capped,
    read_text,
    real_path,
)
from reviewer.model import Finding, Location
from reviewer.parse.document import parse_document
from reviewer.parse.notebook import Notebook, notebook_cell, read_notebook
from reviewer.parse.tree import Block, BlockKind, Document
from reviewer.rules import finding

MAX_INCLUDE_DEPTH = 50  # includes within includes: far above any real book, far below the stack


def load_chapter(path: Path, root: Path | None = None) -> Document:
    """Read, parse and expand includes. `root` is the project folder that `/`-paths in includes
    start from (the folder of `_quarto.yml`); it defaults to the chapter's folder. Includes are
    read only from inside it."""
    return _load(path, root or path.parent, (), chapter=True)


def _load(path: Path, root: Path, stack: tuple[Path, ...], chapter: bool = False) -> Document:
    text = read_text(path)
    if chapter and not text.strip():
        raise ReviewerError(f"{display_path(path)}: the file is empty; there is nothing to review")
    document = parse_document(text, display_path(path))
    if "{{<" not in text:
        return document
    stack = (*stack, real_path(path))
    blocks, problems, links = _expand(document.blocks, path, root, stack)
    links = {**links, **document.links}
    return Document(document.path, blocks, document.problems + tuple(problems), links)


_Expanded = tuple[tuple[Block, ...], list[Finding], dict[str, Mapping[str, str]]]


@dataclass
class _Level:
    """One container being rebuilt: its blocks, how far through them, what it has so far."""

    blocks: tuple[Block, ...]
    parent: Block | None = None
    done: int = 0
    out: list[Block] = field(default_factory=list)


def _expand(
    blocks: tuple[Block, ...], path: Path, root: Path, stack: tuple[Path, ...]
) -> _Expanded:
    """Replace include shortcodes by the included blocks. Link definitions are shared across
    included files, as Quarto splices the text before pandoc reads it. A loop, not recursion:
    divs may nest thousands deep."""
    problems: list[Finding] = []
    links: dict[str, Mapping[str, str]] = {}
    notebooks: dict[Path, Notebook | None] = {}  # a chapter may embed many cells of one
    levels = [_Level(blocks)]
    while True:
        level = levels[-1]
        if level.done == len(level.blocks):
            levels.pop()
            if level.parent is None:
                return tuple(level.out), problems, links
            levels[-1].out.append(replace(level.parent, children=tuple(level.out)))
            continue
        block = level.blocks[level.done]
        level.done += 1
        if block.kind is BlockKind.SHORTCODE and block.info == "include":
            included = _include(block, path, root, stack)
            level.out.extend(included.blocks)
            problems.extend(included.problems)
            links.update(included.links)
        elif block.kind is BlockKind.SHORTCODE and block.info == "embed":
            level.out.append(_embed(block, path, root, notebooks))
        elif block.children:
            levels.append(_Level(block.children, block))
        else:
            level.out.append(block)


def _include(block: Block, path: Path, root: Path, stack: tuple[Path, ...]) -> Document:
    name = block.content.strip().strip("\"'")
    target = root / name.lstrip("/") if name.startswith("/") else path.parent / name
    where = block.location
    if real_path(target) in stack:
        chain = " -> ".join(display_path(p) for p in (*stack, target))
        message = f"include cycle: {chain}; the cycle is cut here"
        return _problem("SRC004", message, where)
    # A missing file is said to be missing wherever it would be: that is the author's fix.
    if not is_inside(target, root) and os.path.lexists(target):
        message = (
            f"cannot include {name}: it resolves to {real_path(target)}, outside the project "
            f"folder ({display_path(root)}); only files inside the project are read"
        )
        return _problem("SRC006", message, where)
    if len(stack) > MAX_INCLUDE_DEPTH:
        message = f"cannot include {name}: includes nested more than {MAX_INCLUDE_DEPTH} deep"
        return _problem("SRC003", message, where)
    try:
        return _load(target, root, stack)
    except ReviewerError as err:
        return _problem("SRC003", f"cannot include {name}: {err}", where)


def _embed(block: Block, path: Path, root: Path, notebooks: dict[Path, Notebook | None]) -> Block:
    """The embed shortcode with the notebook cell it names as its child, so that the figure
    gets the caption and alt text the cell gives it. A notebook is read as an include is:
    only from inside the project, only a regular file, at most MAX_BYTES. One that cannot be
    read, or has no such cell, leaves the shortcode as it was: Quarto would say why."""
    words = block.content.split()
    name, _, cell = (words[0].strip("\"'") if words else "").partition("#")
    if not cell or not name.endswith(".ipynb"):
        return block
    target = root / name.lstrip("/") if name.startswith("/") else path.parent / name
    key = real_path(target)
    if key not in notebooks:
        notebooks[key] = _notebook(target, root)
    notebook = notebooks[key]
    found = notebook_cell(notebook, cell, block.location) if notebook else None
    return replace(block, children=(found,)) if found else block


def _notebook(target: Path, root: Path) -> Notebook | None:
    if not is_inside(target, root):
        return None
    try:
        return read_notebook(read_capped(target, MAX_BYTES, "a notebook"))
    except ReviewerError:
        return None


def _problem(code: str, message: str, where: Location) -> Document:
    return Document(where.path, (), (finding(code, message, where),))
