"""Parse stage: pandoc attribute lists, `{#id .class key=value}`, read the way pandoc reads them.

Quarto accepts more than markdown-it's attrs plugin does (unquoted `width=50%`, single-quoted
values, values spanning lines), so this is a small scanner of our own."""

from __future__ import annotations

import html

from reviewer.parse.tree import Attrs

_IDENT_EXTRA = frozenset("-_:.")


def parse_attrs(src: str, start: int = 0, end: int | None = None) -> tuple[Attrs, int] | None:
    """Parse an attribute list whose `{` is at `start` and whose `}` comes before `end`.
    Returns the attributes and the index just after the `}`, or None when there is no
    attribute list there."""
    end = len(src) if end is None else min(end, len(src))
    if start >= end or src[start] != "{":
        return None
    text = src[start:end]  # scanning a bounded copy is cheap and never runs past `end`
    found = _Found()
    pos = 1
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            return None
        if text[pos] == "}":
            return Attrs(found.ident, tuple(found.classes), tuple(found.pairs)), start + pos + 1
        pos = _item(text, pos, found)
        if pos < 0:
            return None


class _Found:
    def __init__(self) -> None:
        self.ident: str | None = None
        self.classes: list[str] = []
        self.pairs: list[tuple[str, str]] = []


def _item(text: str, pos: int, found: _Found) -> int:
    """Read one `#id`, `.class`, `=format`, `key=value` or bare word; -1 if malformed."""
    mark = text[pos]
    if mark in "#.=":
        name, after = _identifier(text, pos + 1)
        if not name:
            return -1
        if mark == "#":
            found.ident = name
        else:
            found.classes.append(name if mark == "." else "=" + name)
        return after
    parsed = _key_value(text, pos)
    if parsed is None:
        return -1
    key, value, after = parsed
    if value is None:
        found.classes.append(key)  # a bare word, as in ```{python} or `::: note`
    elif key == "id":
        found.ident = value
    elif key == "class":
        found.classes.extend(value.split())
    else:
        found.pairs.append((key, value))
    return after


def _skip_space(src: str, pos: int) -> int:
    end = len(src)
    while pos < end and src[pos] in " \t\r\n":
        pos += 1
    return pos


def _identifier(src: str, pos: int) -> tuple[str, int]:
    begin = pos
    end = len(src)
    while pos < end and (src[pos].isalnum() or src[pos] in _IDENT_EXTRA):
        pos += 1
    return src[begin:pos], pos


def _key_value(src: str, pos: int) -> tuple[str, str | None, int] | None:
    key, pos = _identifier(src, pos)
    if not key:
        return None
    if pos >= len(src) or src[pos] != "=":
        return key, None, pos
    pos += 1
    if pos < len(src) and src[pos] in "\"'":
        quoted = _quoted(src, pos)
        if quoted is None:
            return None
        value, pos = quoted
        return key, value, pos
    begin = pos
    while pos < len(src) and src[pos] not in " \t\r\n}":
        pos += 2 if src[pos] == "\\" and pos + 1 < len(src) else 1  # `\ ` is part of it
    return key, _unescape(src[begin:pos]), pos


def _quoted(src: str, pos: int) -> tuple[str, int] | None:
    quote = src[pos]
    out: list[str] = []
    pos += 1
    end = len(src)
    while pos < end:
        ch = src[pos]
        if ch == quote:
            return html.unescape("".join(out)), pos + 1
        if ch == "\\" and pos + 1 < end and not src[pos + 1].isalnum() and src[pos + 1] != "\n":
            out.append(src[pos + 1])
            pos += 2
            continue
        if ch == "\n":
            if _blank_after(src, pos + 1):
                return None  # pandoc does not let a quoted value run across a blank line
            out.append(" ")
        else:
            out.append(ch)
        pos += 1
    return None


def _blank_after(src: str, pos: int) -> bool:
    nl = src.find("\n", pos)
    line = src[pos:] if nl < 0 else src[pos:nl]
    return not line.strip()


def _unescape(value: str) -> str:
    if "\\" not in value and "&" not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and not value[i + 1].isalnum():
            out.append(value[i + 1])
            i += 2
            continue
        out.append(value[i])
        i += 1
    return html.unescape("".join(out))
