"""Load stage: read a chapter from disk, parse it, and follow its `{{< include >}}` shortcodes.

Included blocks keep their own file's path and line numbers. A broken include or an include cycle
is a finding, not a failure: the rest of the chapter is still reviewed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.model import Block, BlockKind, Document, Finding, Location, Severity
from reviewer.parse.document import parse_document

MAX_BYTES = 64 * 1024 * 1024  # far above any real chapter; guards against reading a disk image


def display_path(path: Path) -> str:
    """How a path appears in reports: relative to the working directory when that is shorter."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if len(rel) <= len(str(path)) else str(path)


def read_text(path: Path) -> str:
    """A chapter's text, or a ReviewerError that says what is wrong and how to fix it."""
    name = display_path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ReviewerError(f"{name}: larger than {MAX_BYTES >> 20} MB; is this a chapter?")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReviewerError(f"{name}: no such file; check the path") from None
    except IsADirectoryError:
        raise ReviewerError(f"{name}: is a folder; give a .qmd file or a book folder") from None
    except PermissionError:
        raise ReviewerError(f"{name}: permission denied; make the file readable") from None
    if b"\x00" in data:
        raise ReviewerError(f"{name}: binary file, not a Quarto chapter; give a .qmd file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ReviewerError(
            f"{name}:{line}: not UTF-8 (byte 0x{data[err.start]:02x}); re-save the file as UTF-8"
        ) from None
    return text


def load_chapter(path: Path, root: Path | None = None) -> Document:
    """Read, parse and expand includes. `root` is the project folder that `/`-paths in includes
    start from (the folder of `_quarto.yml`); it defaults to the chapter's folder."""
    return _load(path, root or path.parent, (), chapter=True)


def _load(path: Path, root: Path, stack: tuple[Path, ...], chapter: bool = False) -> Document:
    text = read_text(path)
    if chapter and not text.strip():
        raise ReviewerError(f"{display_path(path)}: the file is empty; there is nothing to review")
    document = parse_document(text, display_path(path))
    if "{{<" not in text:
        return document
    stack = (*stack, path.resolve())
    blocks, problems, links = _expand(document.blocks, path, root, stack)
    links = {**links, **document.links}
    return Document(document.path, blocks, document.problems + tuple(problems), links)


_Expanded = tuple[tuple[Block, ...], list[Finding], dict[str, Mapping[str, str]]]


def _expand(
    blocks: tuple[Block, ...], path: Path, root: Path, stack: tuple[Path, ...]
) -> _Expanded:
    """Replace include shortcodes by the included blocks. Link definitions are shared across
    included files, as Quarto splices the text before pandoc reads it."""
    out: list[Block] = []
    problems: list[Finding] = []
    links: dict[str, Mapping[str, str]] = {}
    for block in blocks:
        if block.kind is BlockKind.SHORTCODE and block.info == "include":
            included = _include(block, path, root, stack)
            out.extend(included.blocks)
            problems.extend(included.problems)
            links.update(included.links)
        elif block.children:
            children, found, inner = _expand(block.children, path, root, stack)
            out.append(replace(block, children=children))
            problems.extend(found)
            links.update(inner)
        else:
            out.append(block)
    return tuple(out), problems, links


def _include(block: Block, path: Path, root: Path, stack: tuple[Path, ...]) -> Document:
    name = block.content.strip().strip("\"'")
    target = root / name.lstrip("/") if name.startswith("/") else path.parent / name
    where = block.location
    if target.resolve() in stack:
        chain = " -> ".join(display_path(p) for p in (*stack, target))
        message = f"include cycle: {chain}; the cycle is cut here"
        return Document(where.path, (), (_finding("SRC004", message, where),))
    try:
        return _load(target, root, stack)
    except ReviewerError as err:
        return Document(
            where.path, (), (_finding("SRC003", f"cannot include {name}: {err}", where),)
        )


def _finding(code: str, message: str, where: Location) -> Finding:
    return Finding(code, Severity.ERROR, message, where)
