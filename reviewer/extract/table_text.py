"""Extract stage: a table's header and first rows as plain text, one row a line, cells
separated by ` | `.

The judge reads a table as text, not as a picture, so it needs the cells exactly, without the
borders and padding that pandoc's pipe, grid, simple and multiline tables are drawn with. The
text goes into a prompt, so it is bounded: `MAX_ROWS` rows (the header is the first),
`MAX_CHARS` characters in all, `MAX_CELL` a cell; rows left out are counted on a last line,
`… (N more rows)`, so that the model knows it sees only the start. Rows past the bound are
counted, never parsed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import islice, pairwise

from reviewer.parse.inline import fold, plain_text

MAX_ROWS = 12
MAX_CHARS = 3000
MAX_CELL = 300

_BUDGET = MAX_CHARS - 32  # room kept for the `… (N more rows)` line
_MAX_COLUMNS = MAX_CHARS // 3 + 1  # every cell after the first costs at least ` | `
_MAX_LINE = 20_000  # a source line is never read further than this
_RAW_CELL = 8 * MAX_CELL  # markup a cell may lose to plain text (link targets), with room
_ROW_LINES = 64  # source lines of one grid or multiline row

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DASHES = re.compile(r" *-+(?: +-+)* *")
# What a pipe table cell keeps whole, as pandoc does: escapes, code spans, inline math.
_SPECIAL = re.compile(r"\\.|`+|\$|\|")
_MATH = re.compile(r"\$\$(?:\\.|[^\\$])+?\$\$|\$(?![\s$])(?:\\.|[^\\$])*?(?<![\s\\])\$(?!\d)")

Group = list[str]  # the source lines of one row
Cells = Callable[[Group], list[str]]  # a row's source lines to its cells' source


def table_text(source: str) -> str:
    """The header and first rows of one table's Markdown source; a source that is no table
    comes back as its first lines, folded, under the same bounds. Never raises."""
    groups, cells, plain, noun = _reader(_lines(source))
    shown: list[str] = []
    used = 0
    while len(shown) < MAX_ROWS and used < _BUDGET - 2:
        group = next(groups, None)
        if group is None:
            break
        room = _BUDGET - used - (1 if shown else 0)
        shown.append(_row_text(cells(group), plain, room))
        used += len(shown[-1]) + (1 if len(shown) > 1 else 0)
    left = sum(1 for _ in groups)
    if left:
        shown.append(f"… ({left} more {noun if left > 1 else noun[:-1]})")
    return "\n".join(shown)


def _lines(source: str) -> list[str]:
    text = _CONTROL.sub("", source).removeprefix("\ufeff")
    # Tabs after the control characters go: both decide where a column starts.
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    return [line[:_MAX_LINE].rstrip() for line in text.split("\n")]


def _reader(lines: list[str]) -> tuple[Iterator[Group], Cells, Callable[[str], str], str]:
    start = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    first = lines[start] if start < len(lines) else ""
    second = lines[start + 1] if start + 1 < len(lines) else ""
    if _is_border(first):
        return _grid_rows(lines, start), _grid_cells, plain_text, "rows"
    if "|" in first and (first.lstrip().startswith("|") or ("|" in second and _is_rule(second))):
        return _pipe_rows(lines, start), lambda group: _pipe_cells(group[0]), plain_text, "rows"
    if _DASHES.fullmatch(first) or (second and _DASHES.fullmatch(second)):
        groups, cells = _simple(lines, start)
        return groups, cells, plain_text, "rows"
    folded = ([line] for line in islice(lines, start, None) if line.strip())
    return folded, list, fold, "lines"


def _row_text(cells: list[str], plain: Callable[[str], str], room: int) -> str:
    texts: list[str] = []
    size = 0
    for cell in cells[:_MAX_COLUMNS]:
        text = plain(cell[:_RAW_CELL]) + ("…" if len(cell) > _RAW_CELL else "")
        texts.append(_cut(text, MAX_CELL))
        size += len(texts[-1]) + 3
        if size > room:
            break  # the rest would not be shown: spare their inline parsing
    if len(cells) > _MAX_COLUMNS:
        texts.append("…")
    return _cut(" | ".join(texts), room)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


# -- pipe tables -------------------------------------------------------------------------------


def _is_rule(line: str) -> bool:
    stripped = line.strip()
    return "-" in stripped and not stripped.strip("|:- ")


def _pipe_rows(lines: list[str], start: int) -> Iterator[Group]:
    # Only the line under the header is a rule (or the first, with no header above it): any
    # other `| - | - |` is a row of dashes.
    second = lines[start + 1] if start + 1 < len(lines) else ""
    rule = start if _is_rule(lines[start]) and not _is_rule(second) else start + 1
    for n in range(start, len(lines)):
        if "|" not in lines[n]:
            return  # pandoc ends a pipe table at the first line without a pipe
        if not (n == rule and _is_rule(lines[n])):
            yield [lines[n]]


def _pipe_cells(line: str) -> list[str]:
    cells: list[str] = []
    begin = pos = 0
    while match := _SPECIAL.search(line, pos):
        token, pos = match.group(), match.end()
        if token == "|":
            cells.append(line[begin : match.start()])
            begin = pos
        elif token.startswith("`"):
            pos = _code_end(line, match)
        elif token == "$" and (math := _MATH.match(line, match.start())):
            pos = math.end()
    cells.append(line[begin:])
    # The outer pipes are optional: whitespace outside them is no cell.
    if len(cells) > 1 and not cells[0].strip():
        cells.pop(0)
    if len(cells) > 1 and not cells[-1].strip():
        cells.pop()
    return cells


def _code_end(line: str, opening: re.Match[str]) -> int:
    """Where a code span that `opening` starts ends; just past `opening` if it is not closed.
    Unclosed runs differ in length, so the searches stay linear in all."""
    ticks = len(opening.group())
    closing = re.compile(f"(?<!`){'`' * ticks}(?!`)").search(line, opening.end())
    return closing.end() if closing else opening.end()


# -- grid tables -------------------------------------------------------------------------------


def _is_border(line: str) -> bool:
    stripped = line.strip()
    # The end is not required: a border longer than `_MAX_LINE` has lost it.
    return len(stripped) > 2 and stripped[0] == "+" and not stripped.strip("+-=:")


def _grid_rows(lines: list[str], start: int) -> Iterator[Group]:
    """Each row with the border above it first, whose `+` are the row's column boundaries."""
    border, row = lines[start], list[str]()
    for line in islice(lines, start + 1, None):
        if _is_border(line):
            if row:
                yield [border, *row]
            border, row = line, []
        elif line.lstrip().startswith("|"):
            row.append(line)
        else:
            break  # a blank line or a caption: the table has ended
    if row:
        yield [border, *row]  # a table without its last border still has its last row


def _grid_cells(group: Group) -> list[str]:
    border, *content = group
    bounds = [n for n, char in enumerate(border) if char == "+"][: _MAX_COLUMNS + 2]
    return _gather(content, lambda line: _grid_line(line, bounds), len(bounds) - 1)


def _grid_line(line: str, bounds: list[int]) -> list[tuple[int, str]]:
    hits = [b for b in bounds if b < len(line) and line[b] == "|"]
    if len(hits) > 1 and hits[0] == bounds[0] and hits[-1] == bounds[-1]:
        index = {b: n for n, b in enumerate(bounds)}  # a cell spanning columns is its first's
        return [(index[a], line[a + 1 : b]) for a, b in pairwise(hits)]
    # Out of line with its border (wide characters, a slip): the pipes still part the cells.
    return list(enumerate(_pipe_cells(line)[: _MAX_COLUMNS + 1]))


def _gather(lines: Group, split: Callable[[str], list[tuple[int, str]]], width: int) -> list[str]:
    """The cells of a row whose cells run over several lines, each cell's parts joined."""
    parts: dict[int, list[str]] = {}
    for line in lines[:_ROW_LINES]:
        for column, text in split(line):
            if (text := text.strip()) and sum(map(len, parts.setdefault(column, []))) < _RAW_CELL:
                parts[column].append(text)
    if len(lines) > _ROW_LINES:
        for part in parts.values():
            part.append("…")  # the row goes on past the lines read
    width = max(width, max(parts, default=-1) + 1)
    return [" ".join(parts.get(column, [])) for column in range(width)]


# -- simple and multiline tables ---------------------------------------------------------------


def _simple(lines: list[str], start: int) -> tuple[Iterator[Group], Cells]:
    first = lines[start]
    if not _DASHES.fullmatch(first):  # a one-line header over the dashes
        return _body(lines, start + 2, multiline=False, head=[first]), _columns(lines[start + 1])
    ends = (n for n in range(start + 1, len(lines)) if not lines[n] or _DASHES.fullmatch(lines[n]))
    stop = next(ends, len(lines))
    stopped = lines[stop] if stop < len(lines) else ""
    if " " not in first.strip() and stopped and stop > start + 1:
        # Multiline: a line of dashes across, the header's lines, the column dashes.
        head = lines[start + 1 : stop]
        return _body(lines, stop + 1, multiline=True, head=head), _columns(stopped)
    # No header: one row a line, unless blank lines part the rows before a closing line.
    multiline = stop < len(lines) and not stopped
    multiline = multiline and any(map(_DASHES.fullmatch, islice(lines, stop, None)))
    return _body(lines, start + 1, multiline=multiline, head=[]), _columns(first)


def _body(lines: list[str], start: int, *, multiline: bool, head: Group) -> Iterator[Group]:
    if head:
        yield head
    group: Group = []
    for n in range(start, len(lines)):
        line = lines[n]
        # Dashes end the table where a blank line or the end follows; else they are a row's.
        if _DASHES.fullmatch(line) and (n + 1 == len(lines) or not lines[n + 1]):
            break
        if line:
            group.append(line)
            if multiline:
                continue
        elif not multiline:
            break
        if group:
            yield group
            group = []
    if group:
        yield group


def _columns(dashes: str) -> Cells:
    starts = [m.start() for m in re.finditer("-+", dashes)][: _MAX_COLUMNS + 1]
    # A cell runs from its dashes' start to the next column's, as in pandoc; text left of the
    # first dashes is kept rather than lost.
    extents = list(zip([0, *starts[1:]], [*starts[1:], None], strict=True))

    def split(line: str) -> list[tuple[int, str]]:
        return [(n, line[begin:end]) for n, (begin, end) in enumerate(extents)]

    return lambda group: _gather(group, split, len(extents))
