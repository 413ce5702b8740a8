"""Parse stage: pandoc's fenced divs (`::: {#fig-x}` ... `:::`) as a markdown-it block rule.

Unlike mdit's colon fence, a div's content is Markdown, divs nest whatever their colon counts,
and any line of three or more colons closes the innermost open div, as in pandoc. The opening
fence's attributes may span lines.

A div's content is read by a block loop of its own, down to FLAT_FROM loops deep. Deeper divs,
which no real book has but pandoc reads all the same, are read flat: the opening fence pushes
`div_open` and the parent's loop goes on, the closing fence pushes `div_close`. The tokens are
the same either way; flat divs only cost no Python stack."""

from __future__ import annotations

from markdown_it.rules_block.state_block import StateBlock
from markdown_it.token import Token

from reviewer.parse.attrs import parse_attrs
from reviewer.parse.blockstate import (
    DEPTH,
    DIV_CLOSED,
    DIV_DEPTH,
    FLAT_DIVS,
    line_text,
    problem,
)
from reviewer.parse.tree import Attrs

_MAX_ATTR_SPAN = 20_000  # characters an opening fence's attributes may span
FLAT_FROM = 32  # block loops deep; past it divs are read flat (tests set it to 1 to compare)


def is_div_closer(text: str) -> bool:
    stripped = text.rstrip()
    return len(stripped) >= 3 and not stripped.strip(":")


def div_close(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.is_code_block(start) or not is_div_closer(line_text(state, start)):
        return False
    if silent:  # asked by a block quote whether this line ends it
        return bool(state.env.get(DIV_DEPTH))
    flat = state.env.get(FLAT_DIVS)
    if flat and flat[-1][0] == state.env.get(DEPTH):  # a flat div opened in this loop
        _close_flat(state, start + 1)
        state.line = start + 1
        return True
    if state.parentType != "fenced_div":
        return False
    # Stop the div's inner tokenize() loop: the div rule resumes after this line.
    state.env[DIV_CLOSED] = start
    state.line = end
    return True


def fenced_div(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.is_code_block(start):
        return False
    pos = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith(":::", pos):
        return False
    opener = _div_opener(state, start, pos)
    if opener is None:
        return False
    if silent:
        return True
    attrs, head_end = opener
    open_token = state.push("div_open", "div", 1)
    open_token.meta = {"attrs": attrs}
    open_token.info = state.src[pos : state.eMarks[head_end]]
    if state.env.get(DEPTH, 0) >= FLAT_FROM:
        _open_flat(state, open_token, start, head_end)
        return True
    closed = _div_body(state, head_end + 1, end)
    if closed is None:
        if state.line >= state.lineMax:
            problem(state, "SRC001", start)
        stop = state.line
    else:
        stop = closed + 1
        state.line = stop
    open_token.map = [start, stop]
    state.push("div_close", "div", -1)
    return True


def _div_body(state: StateBlock, first: int, end: int) -> int | None:
    """Tokenize a div's content; returns the 0-based line of its closing fence, if any."""
    old_parent, old_closed = state.parentType, state.env.get(DIV_CLOSED)
    state.parentType = "fenced_div"
    state.env[DIV_CLOSED] = None
    state.env[DIV_DEPTH] = state.env.get(DIV_DEPTH, 0) + 1
    try:
        state.line = first
        state.md.block.tokenize(state, first, end)
        closed: int | None = state.env[DIV_CLOSED]
    finally:
        state.env[DIV_DEPTH] -= 1
        state.parentType = old_parent
        state.env[DIV_CLOSED] = old_closed
    return closed


def _open_flat(state: StateBlock, token: Token, start: int, head_end: int) -> None:
    """Open a div in the current loop, which reads its content and meets its closing fence."""
    state.env.setdefault(FLAT_DIVS, []).append((state.env.get(DEPTH, 0), token, start))
    state.env[DIV_DEPTH] = state.env.get(DIV_DEPTH, 0) + 1
    state.line = head_end + 1


def close_flat_divs(state: StateBlock, depth: int) -> None:
    """At the end of the block loop `depth` deep: close the flat divs opened in it, as the
    end of a div's own loop closes it. Reaching the end of the file unclosed is SRC001."""
    flat = state.env.get(FLAT_DIVS)
    while flat and flat[-1][0] == depth:
        if state.line >= state.lineMax:
            problem(state, "SRC001", flat[-1][2])
        _close_flat(state, state.line)


def _close_flat(state: StateBlock, stop: int) -> None:
    _, token, start = state.env[FLAT_DIVS].pop()
    token.map = [start, stop]
    state.push("div_close", "div", -1)
    state.env[DIV_DEPTH] -= 1


def _div_opener(state: StateBlock, start: int, pos: int) -> tuple[Attrs, int] | None:
    src = state.src
    while src.startswith(":", pos):
        pos += 1
    while src.startswith(" ", pos) or src.startswith("\t", pos):
        pos += 1
    if src.startswith("{", pos):
        parsed = parse_attrs(src, pos, pos + _MAX_ATTR_SPAN)
        if parsed is None:
            return None
        attrs, after = parsed
    else:
        word_end = pos
        while word_end < state.eMarks[start] and not src[word_end].isspace():
            word_end += 1
        word = src[pos:word_end]
        if not word or word.strip(":") == "" or "{" in word:
            return None
        word_attrs = parse_attrs("{." + word.lstrip(".") + "}")
        if word_attrs is None:
            return None
        attrs, after = word_attrs[0], word_end
    head_end = _line_of(state, start, after)
    if head_end is None or src[after : state.eMarks[head_end]].strip().strip(":").strip():
        return None
    return attrs, head_end


def _line_of(state: StateBlock, start: int, offset: int) -> int | None:
    line = start
    while line < state.lineMax and state.eMarks[line] < offset:
        line += 1
    return line if line < state.lineMax else None
