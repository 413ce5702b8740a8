"""Extract stage, diagram text: the tokens of a Graphviz (DOT) source, for graphviz's reader.

Reads identifiers, numerals, quoted strings (`\\"` escapes, `+` concatenation, `\\` line
continuations) and HTML strings (nested `<...>`), and the punctuation and edge operators
between them. `//` and `/* */` comments and `#` lines are skipped, so Quarto's `//|` cell
options are comments. Every scan moves forward through the source, so any input is tokenized in
about linear time; an unclosed string or comment runs to the end of the source."""

from __future__ import annotations

import re
from typing import NamedTuple

# One token at a position, the alternatives tried in order; a run of characters that start no
# token is skipped in one step, not one by one.
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|(?P<edge>--|->)"
    r"|(?P<id>[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*"
    r"|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))"
    r'|(?P<quote>")|(?P<html><)|(?P<hash>#)|(?P<punct>[{}\[\]=;,:+])'
    r'|(?P<junk>[^\sA-Za-z_0-9\x80-\U0010ffff"<#{}\[\]=;,:+\-./]+|.)',
    re.DOTALL,
)
_ANGLE = re.compile(r"[<>]")


class Token(NamedTuple):
    kind: str  # "id" (a name, numeral or string), "html", "edge", or the punctuation itself
    text: str
    quoted: bool = False


def tokens(source: str) -> list[Token]:
    found: list[Token] = []
    pos, end, line_start = 0, len(source), True
    while pos < end:
        match = _TOKEN.match(source, pos)
        if match is None:  # never: the last alternative takes any one character
            break
        kind, text, pos = match.lastgroup, match.group(), match.end()
        if kind == "space":
            line_start = line_start or "\n" in text
            continue
        if kind == "hash" and line_start:  # a C preprocessor's line: Graphviz skips it
            newline = source.find("\n", pos)
            pos = end if newline < 0 else newline
            continue
        line_start = False
        if kind == "id":
            found.append(Token("id", text))
        elif kind in ("edge", "punct"):
            found.append(Token("edge" if kind == "edge" else text, text))
        elif kind == "quote":
            pos = _quoted(source, match.start(), found)
        elif kind == "html":
            pos = _html(source, match.start(), found)
    return found


def _quoted(s: str, pos: int, found: list[Token]) -> int:
    close = s.find('"', pos + 1)
    while close > 0 and s[close - 1] == "\\":  # Graphviz reads `\"` as a quote, always
        close = s.find('"', close + 1)
    end = len(s) if close < 0 else close
    text = s[pos + 1 : end].replace('\\"', '"').replace("\\\n", "")
    if len(found) >= 2 and found[-1].kind == "+" and found[-2].quoted:
        found.pop()  # `"a" + "b"` is one string
        text = found.pop().text + text
    found.append(Token("id", text, quoted=True))
    return end + 1


def _html(s: str, pos: int, found: list[Token]) -> int:
    depth = 0
    for angle in _ANGLE.finditer(s, pos):
        depth += 1 if angle.group() == "<" else -1
        if depth == 0:
            found.append(Token("html", s[pos + 1 : angle.start()]))
            return angle.end()
    found.append(Token("html", s[pos + 1 :]))  # unclosed: the rest of the source
    return len(s)
