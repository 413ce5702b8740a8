"""Parse stage, speed: markdown-it's block loop, trying on each line only the rules that can
start with that line's first character, and its inline loop likewise for each position; and
its input normalisation, without the rewrite.

markdown-it tries every block rule, in order, on every line, and most of them give up after
looking at the first character; in a chapter made mostly of prose that was the largest share
of parsing time. A rule listed in TRIGGERS can only match a line whose first non-blank
character is one of its triggers, so skipping it elsewhere changes nothing; rules not listed
(pipe tables, definition lists, paragraphs) are tried on every line, and an indented line,
which may be code, gets every rule. The token stream is the same as the plain loop's: a test
compares them over the corpus."""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline.state_inline import StateInline

Rule = Callable[[StateBlock, int, int, bool], bool]

TRIGGERS = {
    "front_matter": "-",
    "div_close": ":",
    "comment_lead": "<",
    "fenced_div": ":",
    "raw_tex": "\\",
    "grid_table": "+",
    "fence": "`~",
    "blockquote": ">",
    "dash_table": "-",
    "hr": "*-_",
    "list": "*-+0123456789",
    "footnote_def": "[",
    "reference": "[",
    "html_div_line": "<",
    "html_block": "<",
    "heading": "#",
}
INDENTED_ONLY = {"code"}  # markdown-it's indented code needs four columns of indent

# Inline rules and the characters they can start at; `text` takes every other one.
INLINE_TRIGGERS = {
    "newline": "\n",
    "math": "$",
    "raw_tex": "\\",
    "escaped_space": "\\",
    "escape": "\\",
    "backticks": "`",
    "script": "^~",
    "strikethrough": "~",
    "emphasis": "*_",
    "span": "[",
    "pandoc_attrs": "{",
    "cite": "@",
    "link": "[",
    "image": "!",
    "footnote_inline": "^",
    "footnote_ref": "[",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}
InlineRule = Callable[[StateInline, bool], bool]


class _Dispatch:
    def __init__(self, named: Sequence[tuple[str, Rule]]) -> None:
        self.every = [rule for _, rule in named]
        anywhere = [(n, r) for n, r in named if n not in TRIGGERS and n not in INDENTED_ONLY]
        self.default = [r for _, r in anywhere]
        chars = {c for name, _ in named for c in TRIGGERS.get(name, "")}
        self.by_char = {
            c: [r for n, r in named if c in TRIGGERS.get(n, c) and n not in INDENTED_ONLY]
            for c in chars
        }

    def rules(self, state: StateBlock, line: int) -> list[Rule]:
        if state.sCount[line] - state.blkIndent >= 4:
            return self.every
        return self.by_char.get(state.src[state.bMarks[line] + state.tShift[line]], self.default)


def install(md: MarkdownIt) -> None:
    """Give `md` the dispatching block loop; rules must not change after this."""
    md.core.ruler.at("normalize", _normalize)
    ruler = md.block.ruler
    named = [(rule.name, rule.fn) for rule in ruler.__rules__ if rule.enabled]
    dispatch = _Dispatch(named)
    md.block.tokenize = types.MethodType(  # type: ignore[method-assign]
        lambda block, state, start, end: _tokenize(block, dispatch, state, start, end), md.block
    )


def install_inline(md: MarkdownIt) -> None:
    """Give `md` the dispatching inline loop; rules must not change after this."""
    named = [(rule.name, rule.fn) for rule in md.inline.ruler.__rules__ if rule.enabled]
    others = [fn for name, fn in named if name not in INLINE_TRIGGERS]  # text, and unknown
    by_char = {
        c: [fn for name, fn in named if name not in INLINE_TRIGGERS or c in INLINE_TRIGGERS[name]]
        for c in "".join(INLINE_TRIGGERS.values())
    }
    md.inline.tokenize = types.MethodType(  # type: ignore[method-assign]
        lambda inline, state: _tokenize_inline(by_char, others, state), md.inline
    )


def _tokenize_inline(
    by_char: dict[str, list[InlineRule]], others: list[InlineRule], state: StateInline
) -> None:
    """markdown-it's ParserInline.tokenize, with the rules chosen per position."""
    end = state.posMax
    max_nesting = state.md.options["maxNesting"]
    src = state.src
    while state.pos < end:
        pos = state.pos
        ok = False
        if state.level < max_nesting:
            for rule in by_char.get(src[pos], others):
                ok = rule(state, False)
                if ok:
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    break
        if ok:
            if state.pos >= end:
                break
            continue
        state.append_pending(src[pos])
        state.pos += 1
    if state.pending:
        state.pushPending()


def _normalize(state: StateCore) -> None:
    """markdown-it's normalize, without rewriting every newline of a text that has no \r."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def _tokenize(
    block: ParserBlock, dispatch: _Dispatch, state: StateBlock, start: int, end: int
) -> None:
    """markdown-it's ParserBlock.tokenize, with the rules chosen per line."""
    line = start
    max_nesting = state.md.options.maxNesting
    empty_before = False
    while line < end:
        state.line = line = state.skipEmptyLines(line)
        if line >= end or state.sCount[line] < state.blkIndent:
            break
        if state.level >= max_nesting:
            state.line = end
            break
        if not any(rule(state, line, end, False) for rule in dispatch.rules(state, line)):
            raise RuntimeError("none of the block rules matched")
        if state.line <= line:
            raise RuntimeError("block rule didn't increment state.line")
        state.tight = not empty_before
        line = state.line
        if (line - 1) < end and state.isEmpty(line - 1):
            empty_before = True
        if line < end and state.isEmpty(line):
            empty_before = True
            line += 1
            state.line = line
