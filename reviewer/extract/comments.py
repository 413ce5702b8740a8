"""Extract stage: the `<!-- review: ... -->` comments that suppress findings.

    <!-- review: ignore FIG003 -->          the block after the comment
    <!-- review: off FIG001 REF002 -->      every line until `<!-- review: on -->` (or the end)
    <!-- review: ignore-file FIG003 -->     the whole file the comment is in

Codes are whole codes or rule names (`FIG003`, `missing-alt`), separated by spaces or commas;
none means every code. A reason may follow a `;`. A word that names no rule is kept as
unknown: it suppresses nothing (a typo must never become a blanket) and is reported."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.model import Location, Suppression
from reviewer.rules import codes_for

_DIRECTIVE = re.compile(
    r"<!--\s*review:\s*(ignore-file|ignore|off|on)\b(.*?)-->", re.DOTALL | re.IGNORECASE
)
END_OF_FILE = 10**9  # the last line of any file, for ranges left open and whole-file forms


@dataclass(frozen=True)
class Directive:
    form: str
    codes: frozenset[str]
    unknown: tuple[str, ...]


def directives(comment: str) -> list[Directive]:
    found = []
    for match in _DIRECTIVE.finditer(comment):
        words = match.group(2).split(";", 1)[0].replace(",", " ").split()
        named = {word: codes_for(word, prefixes=False) for word in words}
        codes = frozenset(c for group in named.values() if group for c in group)
        unknown = tuple(word for word, group in named.items() if group is None)
        found.append(Directive(match.group(1).lower(), codes, unknown))
    return found


class Comments:
    """Collects suppressions while the walker meets comments, in reading order."""

    def __init__(self) -> None:
        self.suppressions: list[Suppression] = []
        self._open: dict[str, list[tuple[Directive, Location]]] = {}

    def read(self, comment: str, where: Location, following: Location | None) -> None:
        for directive in directives(comment):
            if directive.form == "on":
                self._close(where.path, where.line)
            elif directive.form == "off":
                self._open.setdefault(where.path, []).append((directive, where))
            elif directive.form == "ignore-file":
                self._add(directive, Location(where.path, 1, END_OF_FILE), where)
            else:  # ignore: the next block, or nothing when the comment ends its container
                self._add(directive, following or Location(where.path, 0, -1), where)

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
