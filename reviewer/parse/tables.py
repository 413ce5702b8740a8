"""Parse stage: pandoc's grid, simple and multiline tables, which markdown-it does not know.

Grid tables (`+---+---+` borders) and the tables that open with a dashed line (multiline
tables, headerless simple tables) are block rules here. A simple table with a header opens
with a line of ordinary text, which the paragraph rule reads, so `is_simple_table` tells the
document builder which paragraphs pandoc would read as tables instead. The rules only find
where a table's lines begin and end and emit `table_open`/`table_close` with that span: the
builder keeps the table's source lines, and nothing here reads its cells.

Each rule scans forward to where its table would end; `_scan` remembers the answer, so that
a run of lines each of which starts a failed attempt is not read again from each of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from weakref import WeakKeyDictionary

from markdown_it.rules_block.state_block import StateBlock

from reviewer.parse.blockstate import DIV_DEPTH, line_text
from reviewer.parse.divs import is_div_closer

Stop = Callable[[StateBlock, int, int], bool]

# Each part of a border ends in `+`, and a dashed line's groups are split by spaces, so these
# never backtrack more than one character: a megabyte-long line is matched in linear time.
_GRID_TOP = re.compile(r"\+(?::?-+:?\+)+[ \t]*")
_GRID_BORDER = re.compile(r"\+(?::?(?:-+|=+):?\+)+[ \t]*")
_DASHES = re.compile(r"-+(?:[ \t]+-+)*[ \t]*")
# Per parse, (what, container) -> (from line, stop line). Kept out of `env`, which holds what
# the parse found (the dispatch test compares it with the plain loop's).
_SCANS: WeakKeyDictionary[StateBlock, dict[tuple[object, ...], tuple[int, int]]]
_SCANS = WeakKeyDictionary()


# -- grid tables ---------------------------------------------------------------------------------


def grid_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A `+---+` top border, then the lines that start with `+` or `|`; the last of them must
    be a border, or pandoc reads no table. Pandoc wants every line at the block's own margin,
    so an indented `+---+` is no table (and never indented code)."""
    if not _at_margin(state, start) or not _match(_GRID_TOP, state, start):
        return False
    stop = _scan(state, "grid", start + 1, end, _not_grid_line)
    if stop == start + 1 or not _match(_GRID_BORDER, state, stop - 1):
        return False
    if not silent:
        _push_table(state, start, stop)
    return True


def _at_margin(state: StateBlock, line: int) -> bool:
    return state.sCount[line] == state.blkIndent


def _not_grid_line(state: StateBlock, line: int, end: int) -> bool:
    # A lazy line of a block quote (sCount -1) is in the quote for pandoc, as for paragraphs.
    pos = state.bMarks[line] + state.tShift[line]
    in_line = _at_margin(state, line) or state.sCount[line] < 0
    return not (in_line and state.src.startswith(("+", "|"), pos))


# -- simple tables with a header -----------------------------------------------------------------


def is_simple_table(content: str) -> bool:
    """Whether a paragraph's text is a simple table with a header: pandoc's reading of a line
    of text, a dashed line under it and at least one row. One column never reaches here, as
    `text` over `----` is a setext heading, and most paragraphs fail at the first test."""
    first = content.find("\n")
    second = content.find("\n", first + 1) if first >= 0 else -1
    if second < 0:
        return False
    dashes = content[first + 1 : second]
    text = dashes.lstrip(" ")
    return len(dashes) - len(text) <= 3 and text[:1] == "-" and _DASHES.fullmatch(text) is not None


# -- tables that open with a dashed line ---------------------------------------------------------


def dash_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A table that opens with a dashed line, tried in pandoc's order: a multiline table, a
    simple table without a header, a multiline table without a header. Pandoc tries tables
    before rules, so a rule with text right under it may open one. Not `-` alone or `- -`,
    which pandoc reads as list items first, nor a YAML block, which pandoc reads first."""
    pos = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("--", pos) or not _dashed(state, start) or _yaml(state, start):
        return False
    stop = (
        _multiline(state, start, end)
        or _simple_headless(state, start + 1, end)
        or _multiline_rows(state, start + 1, end)
    )
    if stop is None:
        return False
    if not silent:
        _push_table(state, start, stop)
    return True


def _multiline(state: StateBlock, start: int, end: int) -> int | None:
    """Dashes, header lines, a dashed line under them, then rows: the line after its end."""
    head = start + 1
    if _gap(state, head, end) or _dashed(state, head):
        return None
    under = _scan(state, "header", head, end, _header_ends)
    if under >= end or not _dashed(state, under):
        return None
    return _multiline_rows(state, under + 1, end)


def _simple_headless(state: StateBlock, first: int, end: int) -> int | None:
    """One row a line, no blank line among them, closed by a dashed line."""
    if not _row(state, first, end):
        return None
    stop = _scan(state, "rows", first, end, _not_row)
    return stop + 1 if stop < end and _footer(state, stop, end) else None


def _multiline_rows(state: StateBlock, first: int, end: int) -> int | None:
    """Rows of one or more lines, blank lines between them, closed by a dashed line."""
    if not _row(state, first, end):
        return None
    stop = _scan(state, "multiline", first, end, _rows_end)
    return stop + 1 if stop < end and _footer(state, stop, end) else None


def _dashed(state: StateBlock, line: int) -> bool:
    """Pandoc's dashed line: at most three spaces in, groups of dashes split by spaces."""
    indent = state.sCount[line] - state.blkIndent
    pos = state.bMarks[line] + state.tShift[line]
    return 0 <= indent <= 3 and state.src.startswith("-", pos) and _match(_DASHES, state, line)


def _yaml(state: StateBlock, start: int) -> bool:
    """`---` over a `key:` line opens a YAML block for pandoc wherever it stands."""
    head = start + 1
    if head >= state.lineMax or line_text(state, start).rstrip() != "---":
        return False
    return ":" in line_text(state, head)


def _boundary(state: StateBlock, line: int) -> bool:
    """A line past the container: less indented, or the closing fence of the div we are in.
    For pandoc the container's text ends there, as if at the end of the file."""
    if state.isEmpty(line):
        return False
    if 0 <= state.sCount[line] < state.blkIndent:  # a block quote's lazy line is -1: inside
        return True
    return bool(state.env.get(DIV_DEPTH)) and is_div_closer(line_text(state, line))


def _gap(state: StateBlock, line: int, end: int) -> bool:
    return line >= end or state.isEmpty(line) or _boundary(state, line)


def _footer(state: StateBlock, line: int, end: int) -> bool:
    return _dashed(state, line) and _gap(state, line + 1, end)


def _row(state: StateBlock, line: int, end: int) -> bool:
    return not _gap(state, line, end) and not _footer(state, line, end)


def _not_row(state: StateBlock, line: int, end: int) -> bool:
    return not _row(state, line, end)


def _header_ends(state: StateBlock, line: int, end: int) -> bool:
    return _dashed(state, line) or _boundary(state, line)


def _rows_end(state: StateBlock, line: int, end: int) -> bool:
    return _boundary(state, line) or _footer(state, line, end)


# -- shared --------------------------------------------------------------------------------------


def _match(pattern: re.Pattern[str], state: StateBlock, line: int) -> bool:
    pos = state.bMarks[line] + state.tShift[line]
    return pattern.fullmatch(state.src, pos, state.eMarks[line]) is not None


def _scan(state: StateBlock, what: str, line: int, end: int, stop: Stop) -> int:
    """The first line from `line` on where `stop` holds, else `end`. That answer holds for
    every line up to it, in the same container: its end, indent and nesting level tell it
    apart from the others, which hold other lines."""
    key = (what, end, state.blkIndent, state.level, state.env.get(DIV_DEPTH, 0))
    scans = _SCANS.setdefault(state, {})
    known = scans.get(key)
    if known is not None and known[0] <= line < known[1]:
        return known[1]
    found = line
    while found < end and not stop(state, found, end):
        found += 1
    scans[key] = (line, found)
    return found


def _push_table(state: StateBlock, start: int, stop: int) -> None:
    token = state.push("table_open", "table", 1)
    token.map = [start, stop]
    state.push("table_close", "table", -1)
    state.line = stop
