"""Parse stage: markdown-it-py's block parser, taught to split a .qmd the way pandoc does.

markdown-it follows CommonMark; pandoc's Markdown, which Quarto uses, differs where it matters to
us: a paragraph runs on across a following heading, block quote, list or div line, and only a
backtick fence (or, inside a div, its closing fence) interrupts it. Fenced divs nest with any
number of colons and their content is Markdown. Only block-level parsing runs here: inline parsing
is left to the few blocks that need it (see `inline.py`)."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import fence as _md_fence
from markdown_it.rules_block import heading as _md_heading
from markdown_it.rules_block import hr as _md_hr
from markdown_it.rules_block import html_block as _md_html
from markdown_it.rules_block import list_block as _md_list
from markdown_it.rules_block.state_block import StateBlock
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from reviewer.model import Attrs
from reviewer.parse.attrs import parse_attrs

DIV_DEPTH = "reviewer.div_depth"
LIST_DEPTH = "reviewer.list_depth"
DIV_CLOSED = "reviewer.div_closed"
PROBLEMS = "reviewer.problems"  # list of (code, 0-based line)

_MAX_ATTR_SPAN = 20_000  # characters an opening fence's attributes may span


def build_block_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 100})
    md.enable("table")
    front_matter_plugin(md)
    footnote_plugin(md, move_to_end=False)
    deflist_plugin(md)
    md.core.ruler.disable(["inline", "text_join"])
    ruler = md.block.ruler
    ruler.before("table", "div_close", _div_close, {"alt": ["blockquote"]})
    ruler.before("table", "comment_lead", _comment_lead)
    ruler.before("table", "fenced_div", _fenced_div)
    ruler.before("table", "raw_tex", _raw_tex_env)
    ruler.before("html_block", "html_div_line", _html_div_line)
    ruler.at("fence", _fence, {"alt": ["reference", "blockquote", "list"]})
    ruler.at("list", _list, {"alt": ["reference"]})
    ruler.at("paragraph", _paragraph)
    ruler.disable("lheading")
    # A block quote's lazy lines run on as pandoc's paragraphs do: across headings, rules
    # and list lines. Only fences, block-level HTML and a div's closing fence end them.
    ruler.at("heading", _md_heading, {"alt": ["reference"]})
    ruler.at("hr", _md_hr, {"alt": ["reference", "list"]})
    return md


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _problem(state: StateBlock, code: str, line: int) -> None:
    state.env.setdefault(PROBLEMS, []).append((code, line))


# -- paragraphs ----------------------------------------------------------------------------------


def _paragraph(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if silent:
        return False
    end = state.lineMax
    if _setext_heading(state, start, end):
        return True
    line = start + 1
    while line < end:
        if state.isEmpty(line):
            break
        if state.sCount[line] - state.blkIndent > 3 or state.sCount[line] < 0:
            line += 1  # lazy continuation, as in markdown-it
            continue
        if _interrupts(state, line, end):
            break
        line += 1
    content = state.getLines(start, line, state.blkIndent, False).strip()
    state.line = line
    _push_inline(state, "paragraph", "p", content, [start, line])
    return True


def _interrupts(state: StateBlock, line: int, end: int) -> bool:
    """What ends a pandoc paragraph without a blank line (pandoc's `endline` parser)."""
    text = _line(state, line)
    first = text[:1]
    if first == "`":
        return bool(_md_fence(state, line, end, True))
    if first == ":" and state.env.get(DIV_DEPTH):
        return _is_div_closer(text)
    if state.env.get(LIST_DEPTH) and first and first in "-+*0123456789":
        return bool(_md_list(state, line, end, True))
    if first == "<" and not text.startswith("<!--"):
        return bool(_md_html(state, line, end, True))  # a block-level tag: pandoc ends here
    return False


def _setext_heading(state: StateBlock, start: int, end: int) -> bool:
    """Pandoc's setext heading: exactly one line of text, then its underline."""
    under = start + 1
    if under >= end or state.sCount[under] - state.blkIndent > 3:
        return False
    mark = _line(state, under).rstrip()
    if not mark or mark[0] not in "=-" or mark.strip(mark[0]):
        return False
    content = state.getLines(start, start + 1, state.blkIndent, False).strip()
    tag = "h1" if mark[0] == "=" else "h2"
    state.line = under + 1
    _push_inline(state, "heading", tag, content, [start, under + 1], markup=mark[0])
    return True


def _push_inline(
    state: StateBlock, kind: str, tag: str, content: str, span: list[int], markup: str = ""
) -> None:
    token = state.push(f"{kind}_open", tag, 1)
    token.map = span
    token.markup = markup
    token = state.push("inline", "", 0)
    token.content = content
    token.map = span
    token.children = []
    state.push(f"{kind}_close", tag, -1)


# -- fenced divs ---------------------------------------------------------------------------------


def _is_div_closer(text: str) -> bool:
    stripped = text.rstrip()
    return len(stripped) >= 3 and not stripped.strip(":")


def _div_close(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.is_code_block(start) or not _is_div_closer(_line(state, start)):
        return False
    if silent:  # asked by a block quote whether this line ends it
        return bool(state.env.get(DIV_DEPTH))
    if state.parentType != "fenced_div":
        return False
    # Stop the div's inner tokenize() loop: the div rule resumes after this line.
    state.env[DIV_CLOSED] = start
    state.line = end
    return True


def _fenced_div(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.is_code_block(start):
        return False
    pos = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith(":::", pos):
        return False
    opener = _div_opener(state, start, pos)
    if opener is None:
        return False
    if silent:
        return True
    attrs, head_end = opener
    open_token = state.push("div_open", "div", 1)
    open_token.meta = {"attrs": attrs}
    open_token.info = state.src[pos : state.eMarks[head_end]]
    closed = _div_body(state, head_end + 1, end)
    if closed is None:
        if state.line >= state.lineMax:
            _problem(state, "SRC001", start)
        stop = state.line
    else:
        stop = closed + 1
        state.line = stop
    open_token.map = [start, stop]
    state.push("div_close", "div", -1)
    return True


def _div_body(state: StateBlock, first: int, end: int) -> int | None:
    """Tokenize a div's content; returns the 0-based line of its closing fence, if any."""
    old_parent, old_closed = state.parentType, state.env.get(DIV_CLOSED)
    state.parentType = "fenced_div"
    state.env[DIV_CLOSED] = None
    state.env[DIV_DEPTH] = state.env.get(DIV_DEPTH, 0) + 1
    try:
        state.line = first
        state.md.block.tokenize(state, first, end)
        closed: int | None = state.env[DIV_CLOSED]
    finally:
        state.env[DIV_DEPTH] -= 1
        state.parentType = old_parent
        state.env[DIV_CLOSED] = old_closed
    return closed


def _div_opener(state: StateBlock, start: int, pos: int) -> tuple[Attrs, int] | None:
    src = state.src
    while src.startswith(":", pos):
        pos += 1
    while src.startswith(" ", pos) or src.startswith("\t", pos):
        pos += 1
    if src.startswith("{", pos):
        parsed = parse_attrs(src, pos, pos + _MAX_ATTR_SPAN)
        if parsed is None:
            return None
        attrs, after = parsed
    else:
        word_end = pos
        while word_end < state.eMarks[start] and not src[word_end].isspace():
            word_end += 1
        word = src[pos:word_end]
        if not word or word.strip(":") == "" or "{" in word:
            return None
        word_attrs = parse_attrs("{." + word.lstrip(".") + "}")
        if word_attrs is None:
            return None
        attrs, after = word_attrs[0], word_end
    head_end = _line_of(state, start, after)
    if head_end is None or src[after : state.eMarks[head_end]].strip().strip(":").strip():
        return None
    return attrs, head_end


def _line_of(state: StateBlock, start: int, offset: int) -> int | None:
    line = start
    while line < state.lineMax and state.eMarks[line] < offset:
        line += 1
    return line if line < state.lineMax else None


# -- code fences and lists -----------------------------------------------------------------------


def _fence(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if not _md_fence(state, start, end, silent):
        return False
    if not silent and state.line >= state.lineMax and not _fence_closed(state, start):
        _problem(state, "SRC002", start)
    return True


def _fence_closed(state: StateBlock, start: int) -> bool:
    last = state.line - 1
    if last <= start:
        return False
    opener, closer = _line(state, start), _line(state, last).rstrip()
    marker = opener[0]
    size = len(opener) - len(opener.lstrip(marker))
    return len(closer) >= size and not closer.strip(marker)


def _list(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if silent:
        return bool(_md_list(state, start, end, True))
    state.env[LIST_DEPTH] = state.env.get(LIST_DEPTH, 0) + 1
    try:
        return bool(_md_list(state, start, end, False))
    finally:
        state.env[LIST_DEPTH] -= 1


def _comment_lead(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`<!-- note --> Text...` on one line: pandoc drops the comment and reads the text as a
    paragraph, where CommonMark makes the whole line an HTML block."""
    text = _line(state, start)
    if silent or not text.startswith("<!--") or state.is_code_block(start):
        return False
    close = text.find("-->", 4)
    if close < 0 or not text[close + 3 :].strip():
        return False
    return _paragraph(state, start, end, False)


# -- raw blocks pandoc knows -------------------------------------------------------------------

_DIV_TAG = re.compile(r"</?div(?:\s[^<>]*)?>\s*$", re.IGNORECASE)
_TEX_BEGIN = re.compile(r"\\begin\{([A-Za-z*]+)\}")


def _html_div_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A `<div ...>` or `</div>` line on its own: pandoc reads the lines between such tags as
    Markdown (native divs), where CommonMark would swallow them into one HTML block."""
    if state.is_code_block(start) or not _DIV_TAG.match(_line(state, start)):
        return False
    if silent:
        return True
    token = state.push("html_block", "", 0)
    token.map = [start, start + 1]
    token.content = _line(state, start) + "\n"
    state.line = start + 1
    return True


def _raw_tex_env(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A LaTeX environment at the start of a block (`\\begin{x}` ... `\\end{x}`) is one raw
    block for pandoc, blank lines included."""
    if state.is_code_block(start):
        return False
    match = _TEX_BEGIN.match(_line(state, start))
    if match is None:
        return False
    closer = f"\\end{{{match.group(1)}}}"
    line = start
    while line < end and closer not in _line(state, line):
        line += 1
    if line >= end:
        return False
    if silent:
        return True
    token = state.push("raw_tex", "", 0)
    token.map = [start, line + 1]
    token.content = state.getLines(start, line + 1, state.blkIndent, True)
    state.line = line + 1
    return True
