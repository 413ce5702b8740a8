"""Parse stage: markdown-it-py's block parser, taught to split a .qmd the way pandoc does.

markdown-it follows CommonMark; pandoc's Markdown, which Quarto uses, differs where it matters
to us: a paragraph runs on across a following heading, block quote, list or div line, and only
a backtick fence (or, inside a div, its closing fence) interrupts it. Fenced divs nest with any
number of colons and their content is Markdown (`divs.py`). Grid, simple and multiline tables
are found as pandoc finds them (`tables.py`). Only block-level parsing runs here; inline
parsing is left to the few blocks that need it (`inline.py`)."""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import fence as _md_fence
from markdown_it.rules_block import heading as _md_heading
from markdown_it.rules_block import hr as _md_hr
from markdown_it.rules_block import html_block as _md_html
from markdown_it.rules_block import list_block as _md_list
from markdown_it.rules_block import table as _md_table
from markdown_it.rules_block.state_block import StateBlock
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from reviewer.parse import dispatch, nesting
from reviewer.parse.blockstate import DIV_DEPTH, LIST_DEPTH, line_text, problem
from reviewer.parse.divs import div_close, fenced_div, is_div_closer
from reviewer.parse.tables import dash_table, grid_table


def build_block_parser() -> MarkdownIt:
    # state.level counts flat divs too (divs.py), which cost no stack: the nesting that does
    # is limited by nesting.py, so markdown-it's own limit is set out of the way.
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 1 << 30})
    md.enable("table")
    front_matter_plugin(md)
    footnote_plugin(md, move_to_end=False)
    deflist_plugin(md)
    md.core.ruler.disable(["inline", "text_join"])
    ruler = md.block.ruler
    ruler.at("table", _pipe_table, {"alt": ["paragraph", "reference"]})
    _before_a_table_no_definition(ruler)
    ruler.before("table", "div_close", div_close, {"alt": ["blockquote"]})
    ruler.before("table", "comment_lead", _comment_lead)
    ruler.before("table", "fenced_div", fenced_div)
    ruler.before("table", "raw_tex", _raw_tex_env)
    # Pandoc's other tables (tables.py); like its pipe tables they interrupt no paragraph.
    ruler.before("table", "grid_table", grid_table)
    ruler.before("hr", "dash_table", dash_table)
    ruler.before("html_block", "html_div_line", _html_div_line)
    ruler.at("fence", _fence, {"alt": ["reference", "blockquote", "list"]})
    ruler.at("list", _list, {"alt": ["reference"]})
    ruler.at("paragraph", _paragraph)
    ruler.disable("lheading")
    # A block quote's lazy lines run on as pandoc's paragraphs do: across headings, rules
    # and list lines. Only fences, block-level HTML and a div's closing fence end them.
    ruler.at("heading", _md_heading, {"alt": ["reference"]})
    ruler.at("hr", _md_hr, {"alt": ["reference", "list"]})
    dispatch.install(md)
    nesting.install(md)
    return md


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
    text = line_text(state, line)
    first = text[:1]
    if first == "`":
        return bool(_md_fence(state, line, end, True))
    if first == ":" and state.env.get(DIV_DEPTH):
        return is_div_closer(text)
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
    mark = line_text(state, under).rstrip()
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


# -- pipe tables and their captions ------------------------------------------------------------


def _pipe_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's pipe table, ended where pandoc ends one: at its first line without a
    `|`, such as a `: Caption {#tbl-x}` written right under the last row."""
    first = len(state.tokens)
    if not _md_table(state, start, end, silent):
        return False
    if not silent:
        for line in range(start + 2, state.line):
            if "|" not in line_text(state, line):
                state.tokens[first].map = [start, line]  # the rows after are not read
                state.line = line
                break
    return True


def _before_a_table_no_definition(ruler: Any) -> None:
    """A one-line paragraph, a blank line and `: text`, then a table: pandoc reads a paragraph
    and the table's caption, where the definition-list plugin would read a term and its
    definition (and lose the paragraph)."""
    found = next(rule for rule in ruler.__rules__ if rule.name == "deflist")
    definition = found.fn

    def deflist(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if _captions_a_table(state, start, end):
            return False
        return bool(definition(state, start, end, silent))

    ruler.at("deflist", deflist, {"alt": found.alt})


def _captions_a_table(state: StateBlock, start: int, end: int) -> bool:
    line = start + 1
    if line < end and state.isEmpty(line):
        line += 1
    if line >= end or not line_text(state, line).startswith(":"):
        return False
    while line < end and not state.isEmpty(line):
        line += 1  # the caption paragraph
    while line < end and state.isEmpty(line):
        line += 1
    return line < end and line_text(state, line).startswith(("|", "+-", "+:", "+="))


# -- code fences and lists -----------------------------------------------------------------------


def _fence(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if not _md_fence(state, start, end, silent):
        return False
    if not silent and state.line >= state.lineMax and not _fence_closed(state, start):
        problem(state, "SRC002", start)
    return True


def _fence_closed(state: StateBlock, start: int) -> bool:
    last = state.line - 1
    if last <= start:
        return False
    opener, closer = line_text(state, start), line_text(state, last).rstrip()
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
    text = line_text(state, start)
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
    if state.is_code_block(start) or not _DIV_TAG.match(line_text(state, start)):
        return False
    if silent:
        return True
    token = state.push("html_block", "", 0)
    token.map = [start, start + 1]
    token.content = line_text(state, start) + "\n"
    state.line = start + 1
    return True


def _raw_tex_env(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A LaTeX environment at the start of a block (`\\begin{x}` ... `\\end{x}`) is one raw
    block for pandoc, blank lines included."""
    if state.is_code_block(start):
        return False
    match = _TEX_BEGIN.match(line_text(state, start))
    if match is None:
        return False
    closer = f"\\end{{{match.group(1)}}}"
    line = start
    while line < end and closer not in line_text(state, line):
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
