"""Extract stage: the `<!-- review: ... -->` comments that suppress findings.

    <!-- review: ignore FIG003 -->          the block after the comment
    <!-- review: off FIG001 REF002 -->      every line until `<!-- review: on -->` (or the end)
    <!-- review: ignore-file FIG003 -->     the whole file the comment is in

Codes are whole codes or rule names (`FIG003`, `missing-alt`), separated by spaces or commas;
none means every code. A reason may follow a `;`. A word that names no rule is kept as
unknown: it suppresses nothing (a typo must never become a blanket) and is reported, as is a
word after `review:` that is no form (`onn`). A directive is read in a comment block of its
own and also in a paragraph, where a comment lands when no blank line separates them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.model import Location, Suppression
from reviewer.project.selection import codes_for

_DIRECTIVE = re.compile(r"<!--\s*review:\s*([\w-]*)(.*?)-->", re.DOTALL | re.IGNORECASE)
FORMS = ("ignore", "off", "on", "ignore-file")
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)  # a directive shown in inline code is text


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))  # keeps offsets, so lines stay right


END_OF_FILE = 10**9  # the last line of any file, for ranges left open and whole-file forms


@dataclass(frozen=True)
class Directive:
    form: str
    codes: frozenset[str]
    unknown: tuple[str, ...]


def directives(comment: str) -> list[tuple[int, Directive]]:
    """Each directive in a comment (or a paragraph holding one), with its offset in the text.
    A word after `review:` that is no form is kept as an unknown directive: a mistyped `on`
    must be reported, not leave a range open to the end of the file."""
    found = []
    for match in _DIRECTIVE.finditer(_CODE_SPAN.sub(_blank, comment)):
        form = match.group(1).lower()
        if form not in FORMS:
            found.append((match.start(), Directive("unknown", frozenset(), (form or "''",))))
            continue
        words = match.group(2).split(";", 1)[0].replace(",", " ").split()
        named = {word: codes_for(word, prefixes=False) for word in words}
        codes = frozenset(c for group in named.values() if group for c in group)
        unknown = tuple(word for word, group in named.items() if group is None)
        found.append((match.start(), Directive(form, codes, unknown)))
    return found


def _nowhere(path: str) -> Location:
    return Location(path, 0, -1)


class Comments:
    """Collects suppressions while the walker meets comments, in reading order."""

    def __init__(self) -> None:
        self.suppressions: list[Suppression] = []
        self._open: dict[str, list[tuple[Directive, Location]]] = {}

    def read(self, comment: str, block: Location, following: Location | None) -> None:
        for offset, directive in directives(comment):
            line = block.line + comment.count("\n", 0, offset)
            where = Location(block.path, line, line)
            if directive.form == "on":
                self._close(where.path, where.line)
            elif directive.form == "off":
                self._open.setdefault(where.path, []).append((directive, where))
            elif directive.form == "ignore-file":
                self._add(directive, Location(where.path, 1, END_OF_FILE), where)
            elif directive.form == "ignore":  # the next block; nothing at a container's end
                self._add(directive, following or _nowhere(where.path), where)
            else:
                self._add(directive, _nowhere(where.path), where)

    def finish(self) -> list[Suppression]:
        for path in list(self._open):
            self._close(path, END_OF_FILE)
        return self.suppressions

    def _close(self, path: str, line: int) -> None:
        for directive, start in self._open.pop(path, []):
            self._add(directive, Location(path, start.line, line), start)

    def _add(self, directive: Directive, target: Location, comment: Location) -> None:
        self.suppressions.append(
            Suppression(directive.codes, target, comment, directive.unknown, directive.form)
        )
