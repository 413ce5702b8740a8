"""Fix stage, placing: an edit located in the chapter as it is now, checked again, and the
chapter's new text or a unified diff that `git apply` and `patch -p1` take.

A chapter is UTF-8 text kept as it is: its line endings (CRLF stays CRLF), its final newline
or the lack of one, a byte-order mark. An edit applies only while the paragraph's lines are
still exactly what was judged, and only if the rewrite passes its checks against them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.files.read import read_capped
from reviewer.fix.edits import Edit, Skip, text_hash

CONTEXT = 3  # lines of context around each hunk, as git diff gives
_NO_NEWLINE = "\\ No newline at end of file\n"


@dataclass(frozen=True)
class Source:
    path: Path
    shown: str  # the path a diff names, relative to the project root
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines(keepends=True)

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"


@dataclass(frozen=True)
class Placed:
    edit: Edit
    start: int  # 0-based, the first line replaced
    end: int  # one past the last line replaced (start for an insertion)
    new: tuple[str, ...]  # the lines put there, with the file's line endings


def read_source(path: Path, shown: str) -> Source:
    try:
        return Source(path, shown, read_capped(path).decode("utf-8"))
    except UnicodeDecodeError:
        raise ReviewerError(f"{shown}: not UTF-8 text; it is left as it is") from None


def place(edit: Edit, source: Source) -> Placed | Skip:
    lines, nl = source.lines, source.newline
    block = "" if edit.insert else "".join(lines[edit.line - 1 : edit.end_line])
    if text_hash(block) != edit.judged_hash:
        return Skip(edit.path, edit.line, edit.figure, _CHANGED)
    problems = edit.problems(block.strip())
    if problems:
        return Skip(edit.path, edit.line, edit.figure, f"its rewrite {'; '.join(problems)}")
    if edit.insert:
        new = [*_with_endings(edit.new, nl, last=True), nl]  # a blank line before the figure
        return Placed(edit, edit.line - 1, edit.line - 1, tuple(new))
    ends_file = edit.end_line >= len(lines) and not block.endswith(("\n", "\r"))
    return Placed(edit, edit.line - 1, edit.end_line, _with_endings(edit.new, nl, not ends_file))


_CHANGED = (
    "its lines are not the paragraph as judged (edited since, or inside a list or a quote "
    "whose markers a rewrite would lose); review it again, or paste the rewrite by hand"
)


def _with_endings(text: str, newline: str, last: bool) -> tuple[str, ...]:
    rows = text.strip().split("\n")
    return tuple(row + newline if last or n < len(rows) - 1 else row for n, row in enumerate(rows))


def without_overlaps(placed: list[Placed]) -> tuple[list[Placed], list[Skip]]:
    """In line order; an edit touching lines another one already changes is left out."""
    kept: list[Placed] = []
    skipped: list[Skip] = []
    for p in sorted(placed, key=lambda p: (p.start, p.end)):
        if kept and p.start < max(kept[-1].end, kept[-1].start + 1):
            e = p.edit
            skipped.append(Skip(e.path, e.line, e.figure, "another rewrite changes this paragraph"))
        else:
            kept.append(p)
    return kept, skipped


def applied(source: Source, placed: list[Placed]) -> str:
    lines = source.lines
    for p in sorted(placed, key=lambda p: p.start, reverse=True):
        lines[p.start : p.end] = p.new
    return "".join(lines)


def diff(source: Source, placed: list[Placed]) -> str:
    """One hunk per edit, its context cut short rather than shared with the next hunk."""
    lines = source.lines
    out = [f"--- a/{source.shown}\n", f"+++ b/{source.shown}\n"]
    shift = bound = 0
    ordered = sorted(placed, key=lambda p: p.start)
    for n, p in enumerate(ordered):
        limit = ordered[n + 1].start if n + 1 < len(ordered) else len(lines)
        before, after = max(bound, p.start - CONTEXT), min(limit, p.end + CONTEXT)
        old = lines[before:after]
        new = [*lines[before : p.start], *p.new, *lines[p.end : after]]
        out.append(f"@@ -{_range(before, len(old))} +{_range(before + shift, len(new))} @@\n")
        out += _rows(" ", lines[before : p.start])
        out += _rows("-", lines[p.start : p.end]) + _rows("+", list(p.new))
        out += _rows(" ", lines[p.end : after])
        shift += len(p.new) - (p.end - p.start)
        bound = after
    return "".join(out)


def _range(start: int, count: int) -> str:
    # An empty side names the line before it, as diff does.
    return f"{start + 1},{count}" if count else f"{start},0"


def _rows(mark: str, lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        out.append(mark + line if line.endswith("\n") else f"{mark}{line}\n{_NO_NEWLINE}")
    return out
