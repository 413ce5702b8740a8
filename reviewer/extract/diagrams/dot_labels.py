"""Extract stage, diagram text: the texts one Graphviz (DOT) label value draws, for graphviz.

Reads a plain label with its escapes expanded (`\\n`, `\\l`, `\\r` as a space; `\\N`, `\\G`,
`\\E`, `\\T`, `\\H` as the names the caller gives them, `\\L` or an unnamed one as nothing, any
other character as itself), a record label as each field's text (ports dropped), and an HTML
label as each table cell's text, `<br/>` a space, tags dropped and entities decoded. Nothing here
knows the graph: which value is a label, and what its escapes name, is graphviz's to say."""

from __future__ import annotations

import html
import re

Value = tuple[str, bool]  # an attribute's value, and whether it is an HTML string

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_RECORD_PIECE = re.compile(r"\\.|[{}|]|<[^>]*>?|[^\\{}|<]+", re.DOTALL)
_HTML_PIECE = re.compile(r"</?([A-Za-z][\w:-]*)[^<>]*>|<|[^<]+")
_HTML_BREAKS = frozenset({"table", "tr", "td", "th", "hr", "vr"})  # each cell its own text


def render(value: Value, names: dict[str, str]) -> list[str]:
    text, is_html = value
    return _html_texts(text) if is_html else [_expand(text, names)]


def _expand(text: str, names: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        char = match.group(1)
        return " " if char in "nlr" else names.get(char, "" if char in "NGETHL" else char)

    return _ESCAPE.sub(swap, text)


def record(text: str, names: dict[str, str]) -> list[str]:
    """`<f0> left|{<f1> mid|right}`: each field's text, its port name dropped."""
    fields: list[str] = []
    current: list[str] = []
    for piece in _RECORD_PIECE.findall(text):
        if piece in ("{", "}", "|"):
            fields.append(_expand("".join(current), names))
            current = []
        elif not piece.startswith("<"):
            current.append(piece)
    fields.append(_expand("".join(current), names))
    return fields


def _html_texts(text: str) -> list[str]:
    """An HTML label's text: a table's cells each their own, `<br/>` a space, tags dropped."""
    texts: list[str] = []
    current: list[str] = []
    for match in _HTML_PIECE.finditer(text):
        tag = match.group(1)
        if tag is None:
            current.append(match.group())
        elif tag.lower() == "br":
            current.append(" ")
        elif tag.lower() in _HTML_BREAKS:
            texts.append(html.unescape("".join(current)))
            current = []
    texts.append(html.unescape("".join(current)))
    return texts
