"""Parse stage, the dispatching block and inline loops: they must give exactly the tokens of
markdown-it's own loops, which try every rule on every line and at every position. Compared
over every fixture chapter and, where it is present, the shared corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.rules_core import normalize

from reviewer.parse.blocks import build_block_parser
from reviewer.parse.inline_rules import inline_parser
from tests.conftest import CORPUS, FIXTURES, ROOT, need_corpus


def plain_parser() -> MarkdownIt:
    md = build_block_parser()
    del md.block.tokenize  # back to ParserBlock.tokenize: every rule on every line
    md.core.ruler.at("normalize", normalize)
    return md


def tokens(md: MarkdownIt, text: str) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    env: dict[str, Any] = {}
    found = [
        (t.type, t.map, t.content, t.info, t.markup, t.nesting, t.level, t.hidden)
        for t in md.parse(text, env)
    ]
    # Rules that are tried leave counters at zero behind them; only what was found counts.
    return found, {key: value for key, value in env.items() if value}


def same(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert tokens(build_block_parser(), text) == tokens(plain_parser(), text), path


OWN = sorted({*FIXTURES.rglob("*.qmd"), *(ROOT / "examples").rglob("*.qmd")})


@pytest.mark.parametrize("path", OWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixtures_parse_the_same(path: Path) -> None:
    same(path)


def test_the_corpus_parses_the_same() -> None:
    need_corpus()
    for path in sorted(CORPUS.rglob("*.qmd")):
        same(path)


@pytest.mark.parametrize(
    "text",
    [
        "    indented code\n\nthen text\n",
        "a | b\n--|--\n1 | 2\n",
        "Term\n: definition\n",
        "\tTabbed\n\n- item\n  - nested\n\n1. one\n2) two\n",
        "line\r\nwith CRLF\rand CR\n\0null\n",
        "---\ntitle: x\n---\n\n# H\n\n::: {.note}\ntext\n:::\n",
        "> quote\n> - list in quote\n\n[^1]: note\n[ref]: http://x\n",
    ],
)
def test_edge_cases_parse_the_same(text: str) -> None:
    assert tokens(build_block_parser(), text) == tokens(plain_parser(), text)


def plain_inline() -> MarkdownIt:
    md = inline_parser.__wrapped__()
    del md.inline.tokenize  # back to ParserInline.tokenize: every rule at every position
    return md


def inline_tokens(md: MarkdownIt, text: str) -> list[tuple[Any, ...]]:
    def flat(tokens: list[Any]) -> list[tuple[Any, ...]]:
        rows = []
        for t in tokens:
            rows.append((t.type, t.content, t.markup, t.nesting, repr(t.meta), repr(t.attrs)))
            rows += flat(t.children or [])
        return rows

    return flat(md.parseInline(text, {}))


def same_inline(path: Path, fast: MarkdownIt, plain: MarkdownIt) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    for token in build_block_parser().parse(text, {}):
        if token.type == "inline" and token.content:
            assert inline_tokens(fast, token.content) == inline_tokens(plain, token.content), (
                path,
                token.content[:80],
            )


def test_inline_parses_the_same_over_fixtures_and_corpus() -> None:
    fast, plain = inline_parser(), plain_inline()
    paths = list(OWN)
    if CORPUS.is_dir():
        paths += sorted(CORPUS.rglob("*.qmd"))
    for path in paths:
        same_inline(path, fast, plain)
