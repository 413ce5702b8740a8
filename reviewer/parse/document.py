"""Parse stage entry point: `.qmd` text to a `Document`, a tree of blocks with 1-based line spans.

markdown-it's 0-based, end-exclusive token maps are converted here, once."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reviewer.model import Location
from reviewer.parse.blocks import build_block_parser
from reviewer.parse.blockstate import PROBLEMS
from reviewer.parse.nesting import MAX_DEPTH
from reviewer.parse.tables import is_simple_table
from reviewer.parse.tree import Block, BlockKind, Document
from reviewer.rules import finding

_SHORTCODE = re.compile(r"\{\{<\s*(include|embed)\s+(.*?)\s*>\}\}")

_CONTAINERS: dict[str, BlockKind] = {
    "div_open": BlockKind.DIV,
    "bullet_list_open": BlockKind.LIST,
    "ordered_list_open": BlockKind.LIST,
    "list_item_open": BlockKind.LIST_ITEM,
    "blockquote_open": BlockKind.BLOCKQUOTE,
    "footnote_reference_open": BlockKind.FOOTNOTE,
    "dl_open": BlockKind.LIST,
    "dd_open": BlockKind.LIST_ITEM,
}

_PROBLEM_TEXT = {
    "SRC001": "fenced div opened here is never closed; read as if it closed at the end of the file",
    "SRC002": "code fence opened here is never closed; the rest of the file is read as code",
    "SRC007": f"blocks nested more than {MAX_DEPTH} deep from here; the deeper lines are not read",
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return build_block_parser()


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_document(text: str, path: str) -> Document:
    text = normalize_newlines(text)
    env: dict[str, object] = {}
    tokens = _parser().parse(text, env)
    builder = _Builder(path, text.split("\n"))
    blocks = builder.build(tokens)
    problems = tuple(
        finding(code, _PROBLEM_TEXT[code], Location(path, line + 1, line + 1))
        for code, line in env.get(PROBLEMS, [])  # type: ignore[attr-defined]
    )
    links = env.get("references", {})
    return Document(path, tuple(blocks), problems, links)  # type: ignore[arg-type]


class _Builder:
    def __init__(self, path: str, lines: list[str]) -> None:
        self.path = path
        self.lines = lines

    def loc(self, token: Token) -> Location:
        start, end = token.map or (0, 1)
        return Location(self.path, start + 1, max(end, start + 1))

    def build(self, tokens: list[Token]) -> list[Block]:
        """The block tree of a token stream. A loop over a stack of open containers, not
        recursion: fenced divs may nest thousands deep."""
        top: list[Block] = []
        open_: list[tuple[Token, list[Block]]] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.nesting == -1:
                if open_:  # a stray closer at the top level closes nothing
                    self.close(open_, top)
                i += 1
            elif token.type in _CONTAINERS:
                open_.append((token, []))
                i += 1
            else:
                new, i = self.block(tokens, i)
                (open_[-1][1] if open_ else top).extend(new)
        while open_:  # the token stream is balanced; this is only a guard
            self.close(open_, top)
        return top

    def close(self, open_: list[tuple[Token, list[Block]]], top: list[Block]) -> None:
        """The innermost open container is complete: it joins its parent's blocks."""
        token, children = open_.pop()
        attrs = token.meta.get("attrs") if token.type == "div_open" else None
        block = Block(
            _CONTAINERS[token.type],
            self.loc(token),
            info=token.info,
            attrs=attrs,
            children=tuple(children),
        )
        (open_[-1][1] if open_ else top).append(block)

    def block(self, tokens: list[Token], i: int) -> tuple[list[Block], int]:
        """A block that is not a container, and the index of the token after it."""
        token = tokens[i]
        kind = token.type
        if kind in ("paragraph_open", "heading_open"):
            return self.inline_block(token, tokens[i + 1]), i + 3
        if kind == "dt_open":
            return [], i + 3  # a definition list's term: not prose
        if kind == "table_open":
            return [self.table(token)], _skip_container(tokens, i)
        return self.leaf(token), i + 1

    def inline_block(self, token: Token, inline: Token) -> list[Block]:
        loc = self.loc(token)
        if token.type == "heading_open":
            return [Block(BlockKind.HEADING, loc, inline.content, info=token.tag)]
        if is_simple_table(inline.content):
            # Its header is a line of text, so the paragraph rule read it; pandoc reads a table.
            return [self.table(token)]
        shortcodes = _shortcode_lines(inline.content)
        if shortcodes is None:
            return [Block(BlockKind.PARAGRAPH, loc, inline.content)]
        return [
            Block(
                BlockKind.SHORTCODE,
                Location(self.path, loc.line + n, loc.line + n),
                args,
                info=name,
            )
            for n, (name, args) in enumerate(shortcodes)
        ]

    def table(self, token: Token) -> Block:
        loc = self.loc(token)
        source = "\n".join(self.lines[loc.line - 1 : loc.end_line])
        return Block(BlockKind.TABLE, loc, source)

    def leaf(self, token: Token) -> list[Block]:
        kind = token.type
        loc = self.loc(token)
        if kind == "fence":
            is_raw = token.info.strip().startswith("{=")
            return [
                Block(
                    BlockKind.RAW if is_raw else BlockKind.CODE,
                    loc,
                    token.content,
                    info=token.info.strip(),
                )
            ]
        if kind == "code_block":
            return [Block(BlockKind.CODE, loc, token.content)]
        if kind == "html_block":
            is_comment = token.content.lstrip().startswith("<!--")
            return [Block(BlockKind.COMMENT if is_comment else BlockKind.HTML, loc, token.content)]
        if kind == "raw_tex":
            return [Block(BlockKind.RAW, loc, token.content, info="{=latex}")]
        if kind == "front_matter":
            return [Block(BlockKind.FRONT_MATTER, loc, token.content)]
        if kind == "hr":
            return [Block(BlockKind.RULE, loc)]
        return []


def _skip_container(tokens: list[Token], i: int) -> int:
    depth = 0
    while i < len(tokens):
        depth += tokens[i].nesting
        i += 1
        if depth == 0:
            return i
    return i


def _shortcode_lines(content: str) -> list[tuple[str, str]] | None:
    """A paragraph made only of include/embed shortcodes, one per line."""
    if "{{<" not in content:
        return None
    found: list[tuple[str, str]] = []
    for line in content.split("\n"):
        match = _SHORTCODE.fullmatch(line.strip())
        if match is None:
            return None
        found.append((match.group(1), match.group(2)))
    return found
