"""Parse stage, inline level: the markdown-it inline rules for what pandoc adds to CommonMark
(citations, attributes, bracketed spans, dollar math, super/subscripts, raw TeX, inline notes,
escaped spaces), and the inline parser built from them."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import image as _md_image
from markdown_it.rules_inline.state_inline import StateInline
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_inline

from reviewer.parse import dispatch
from reviewer.parse.attrs import parse_attrs

# Pandoc's citation key: internal punctuation is allowed only when a word character follows.
_CITE_KEY = re.compile(r"\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
_ATTR_OWNERS = frozenset({"image", "link_close", "code_inline", "span_close"})


def _cite(state: StateInline, silent: bool) -> bool:
    """Pandoc's citation `@key`, or `@{key}`; not after a word character (an e-mail address)."""
    pos = state.pos
    src = state.src
    if src[pos] != "@" or (pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] == "_")):
        return False
    if src.startswith("{", pos + 1):
        close = src.find("}", pos + 2, state.posMax)
        key, after = (src[pos + 2 : close], close + 1) if close > pos + 2 else ("", pos)
    else:
        match = _CITE_KEY.match(src, pos + 1, state.posMax)
        key, after = (match.group(0), match.end()) if match else ("", pos)
    if not key:
        return False
    if not silent:
        token = state.push("cite", "", 0)
        token.content = "@" + key
        token.meta = {"key": key, "offset": pos, "written": src[pos:after]}
    state.pos = after
    return True


def _escaped_space(state: StateInline, silent: bool) -> bool:
    """Pandoc reads a backslash before a space as a non-breaking space."""
    if not state.src.startswith("\\ ", state.pos):
        return False
    if not silent:
        state.push("text", "", 0).content = "\u00a0"
    state.pos += 2
    return True


def _attrs_after(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "{" or not state.tokens:
        return False
    last = state.tokens[-1]
    if last.type not in _ATTR_OWNERS or state.pending:
        return False
    parsed = parse_attrs(state.src, state.pos, state.posMax)
    if parsed is None:
        return False
    attrs, after = parsed
    if not silent:
        last.meta["attrs"] = attrs
        last.meta["end"] = after
    state.pos = after
    return True


def _inline_note(state: StateInline, silent: bool) -> bool:
    """Pandoc's inline note `^[...]`: dropped from the text, but its references still count
    (as footnote references, which never introduce a figure)."""
    start = state.pos
    if not footnote_inline(state, silent):
        return False
    if not silent:
        token = state.tokens[-1]
        note = state.env["footnotes"]["list"][token.meta["id"]]
        token.meta.update(offset=start, note=note["tokens"])
    return True


def _image_with_offset(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if not _md_image(state, silent):
        return False
    if not silent:
        token = state.tokens[-1]
        token.meta = {"offset": start, "end": state.pos}
    return True


def _span(state: StateInline, silent: bool) -> bool:
    """Pandoc's bracketed span, `[text]{.class}`: only the text counts."""
    if state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if label_end < 0 or not state.src.startswith("{", label_end + 1):
        return False
    parsed = parse_attrs(state.src, label_end + 1, state.posMax)
    if parsed is None:
        return False
    if not silent:
        old_max = state.posMax
        state.push("span_open", "span", 1)
        state.pos, state.posMax = state.pos + 1, label_end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("span_close", "span", -1)
    state.pos = parsed[1]
    return True


def _math(state: StateInline, silent: bool) -> bool:
    """Pandoc's `tex_math_dollars`: `$x$` needs no space inside its delimiters and no digit
    right after the closing one; `$$x$$` is display math. Neither runs across a blank line."""
    src, pos, end = state.src, state.pos, state.posMax
    if src[pos] != "$":
        return False
    display = src.startswith("$$", pos)
    start = pos + (2 if display else 1)
    close = _math_close(src, start, end, display)
    if close < 0:
        return False
    if not silent:
        token = state.push("math_inline_double" if display else "math_inline", "math", 0)
        token.content = src[start:close]
    state.pos = close + (2 if display else 1)
    return True


def _math_close(src: str, start: int, end: int, display: bool) -> int:
    if start >= end or (not display and src[start].isspace()):
        return -1
    blank = src.find("\n\n", start, end)
    end = end if blank < 0 else blank
    pos = start
    while True:
        pos = src.find("$$" if display else "$", pos, end)
        if pos < 0:
            return -1
        if src[pos - 1] == "\\":
            pos += 1
            continue
        if display:
            return pos if pos > start else -1
        if src[pos - 1].isspace() or src[pos + 1 : pos + 2].isdigit():
            pos += 1
            continue
        return pos


def _script(state: StateInline, silent: bool) -> bool:
    """Pandoc's superscript `^x^` and subscript `~x~`: no unescaped space inside."""
    src, pos = state.src, state.pos
    mark = src[pos]
    if mark not in "^~" or src[pos + 1 : pos + 2] in ("", mark, "["):
        return False
    close = src.find(mark, pos + 1, state.posMax)
    if close < 0 or any(ch.isspace() for ch in src[pos + 1 : close]):
        return False
    if not silent:
        old_max = state.posMax
        state.push("script_open", "sup" if mark == "^" else "sub", 1)
        state.pos, state.posMax = pos + 1, close
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("script_close", "sup" if mark == "^" else "sub", -1)
    state.pos = close + 1
    return True


def _raw_tex(state: StateInline, silent: bool) -> bool:
    """Pandoc reads `\\command{...}` in prose as raw TeX, which drops out of the plain text."""
    match = _TEX_COMMAND.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    pos = match.end()
    while pos < state.posMax and state.src[pos] in "{[":
        close = _balanced(state.src, pos, state.posMax)
        if close < 0:
            break
        pos = close + 1
    if not silent:
        token = state.push("raw_tex", "", 0)
        token.content = state.src[state.pos : pos]
    state.pos = pos
    return True


def _balanced(src: str, pos: int, end: int) -> int:
    opener = src[pos]
    closer = "}" if opener == "{" else "]"
    depth = 0
    for i in range(pos, end):
        ch = src[i]
        if ch == "\\":
            continue
        if ch == opener and (i == 0 or src[i - 1] != "\\"):
            depth += 1
        elif ch == closer and src[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return -1


@lru_cache(maxsize=1)
def inline_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.enable("strikethrough")
    footnote_plugin(md, move_to_end=False, always_match_refs=True)
    ruler = md.inline.ruler
    ruler.before("escape", "math", _math)
    ruler.before("strikethrough", "script", _script)
    ruler.at("image", _image_with_offset)
    ruler.at("footnote_inline", _inline_note)
    ruler.before("escape", "raw_tex", _raw_tex)
    ruler.before("escape", "escaped_space", _escaped_space)
    ruler.before("link", "span", _span)
    ruler.before("link", "pandoc_attrs", _attrs_after)
    ruler.before("link", "cite", _cite)
    dispatch.install_inline(md)
    return md
