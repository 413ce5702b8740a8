"""Extract stage, diagram text: what every Mermaid reader collects, and how each text is cleaned.

A reader adds texts and nodes to a Drawn in source order; the Drawn gives each text once, cleaned
the one way all diagram types share: whitespace folded, Mermaid's entity codes (`#quot;`,
`#9829;`) and HTML's decoded, `<br>` read as a space, HTML tags and Font Awesome icons dropped.
Also the few pieces every reader needs: a line's first word, a text unquoted (a backquoted
markdown string loses its emphasis), a forward search that stays linear, and the statements that
draw nothing."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ENTITY = re.compile(r"#(\w{1,32});")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ICON = re.compile(r"\bfa[bklrs]?:fa-[\w-]+")  # `fa:fa-car` draws an icon, not its name
# Only HTML's own tags: `<T>` (a class's generic) and `<<interface>>` are text.
_TAG = re.compile(
    r"</?(?:a|b|big|center|code|del|div|em|font|h[1-6]|i|img|ins|kbd|mark|p|q|s|small|span"
    r"|strike|strong|sub|sup|tt|u)\b[^<>]*>",
    re.IGNORECASE,
)
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)([^*_]+?)[*_](?![\w*])")
QUOTED_OR_BRACKETED = re.compile(r'"([^"\n]*)"|\[([^\[\]\n]*)\]')
# `A:::name` puts a node in a CSS class: paint, no text.
CLASS_SUFFIX = re.compile(r":::[\w-]*")
# Statements that style, wire or describe the drawing for screen readers: nothing on the page.
STYLING = words(
    "classDef class style linkStyle click direction accTitle accDescr cssClass callback link"
    " links properties details"
)


@dataclass
class Node:
    name: str
    text: str | None = None
    hidden: bool = False


@dataclass
class Drawn:
    """Texts in reading order; a node keeps the place where it first appears."""

    items: list[str | Node] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)

    def text(self, text: str) -> None:
        self.items.append(text)

    def node(self, name: str, text: str | None = None) -> Node:
        node = self.nodes.get(name)
        if node is None:
            node = self.nodes[name] = Node(name)
            self.items.append(node)
        if text is not None:
            node.text = text  # Mermaid draws the last text a node is given
        return node

    def result(self) -> tuple[str, ...]:
        texts: dict[str, None] = {}
        for item in self.items:
            if isinstance(item, Node):
                if item.hidden:
                    continue
                item = item.name if item.text is None else item.text
            cleaned = clean(item)
            if cleaned:
                texts.setdefault(cleaned, None)
        return tuple(texts)


class Next:
    """Where a needle next occurs after a position, remembered: forward searches stay linear."""

    def __init__(self, text: str, needle: str) -> None:
        self.text, self.needle = text, needle
        self.start, self.found = 0, -2

    def at(self, pos: int) -> int:
        if self.found == -2 or pos < self.start or 0 <= self.found < pos:
            self.start, self.found = pos, self.text.find(self.needle, pos)
        return self.found


def first_word(line: str) -> tuple[str, str]:
    parts = line.split(None, 1)
    if not parts:
        return "", ""
    return parts[0].rstrip(":"), parts[1] if len(parts) > 1 else ""


def clean(text: str) -> str:
    text = _ICON.sub("", _TAG.sub("", _BREAK.sub(" ", text)))
    text = html.unescape(_ENTITY.sub(_entity, text))
    return " ".join(text.split())


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    reference = f"&#{name};" if name.isascii() and name.isdigit() else f"&{name};"
    decoded = html.unescape(reference)
    return match.group() if decoded == reference else decoded


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    if len(text) >= 2 and text[0] == text[-1] == "`":
        return _EMPHASIS.sub(r"\1", _STRONG.sub(r"\2", text[1:-1]))
    return text
