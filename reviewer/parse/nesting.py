"""Parse stage: how deep blocks nest. markdown-it reads a container's content by running its
block loop again, so each level of block quote, list or div costs Python stack frames.

Block quotes and lists are read to MAX_DEPTH levels; what lies deeper is not read, and one
SRC007 says so where markdown-it's own limit dropped it silently. Fenced divs are read at any
depth, as pandoc reads them: past FLAT_FROM levels a div is opened and closed inside its
parent's loop (divs.py) and costs no stack; this wrapper closes, at the end of each loop, the
divs opened in it that were never closed."""

from __future__ import annotations

import types
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block.state_block import StateBlock

from reviewer.parse.blockstate import DEPTH, PROBLEMS, problem
from reviewer.parse.divs import close_flat_divs

Loop = Callable[[StateBlock, int, int], None]

MAX_DEPTH = 64  # nested block loops; a list level costs seven frames of Python's 1000


def install(md: MarkdownIt) -> None:
    """Wrap `md`'s block loop (after dispatch.install) with the depth count and its limit."""
    inner = md.block.tokenize
    md.block.tokenize = types.MethodType(  # type: ignore[method-assign]
        lambda block, state, start, end: _tokenize(inner, state, start, end), md.block
    )


def _tokenize(inner: Loop, state: StateBlock, start: int, end: int) -> None:
    depth: int = state.env.get(DEPTH, 0)
    if depth >= MAX_DEPTH:
        _too_deep(state, start)
        state.line = _skip(state, start, end)
        return
    state.env[DEPTH] = depth + 1
    try:
        inner(state, start, end)
    finally:
        state.env[DEPTH] = depth
    close_flat_divs(state, depth + 1)


def _skip(state: StateBlock, start: int, end: int) -> int:
    """The line after the content left unread: up to where the loop would have stopped, the
    first line indented less than the container (markdown-it skipped to `end`, which for a
    list item is the end of the whole list, and so lost the blocks after it)."""
    line = start
    while line < end and (state.isEmpty(line) or state.sCount[line] >= state.blkIndent):
        line += 1
    return line


def _too_deep(state: StateBlock, line: int) -> None:
    if not any(code == "SRC007" for code, _ in state.env.get(PROBLEMS, [])):
        problem(state, "SRC007", line)
