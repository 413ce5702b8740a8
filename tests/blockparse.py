"""Shared helpers for the block-parser tests: parse a document from its lines, so that line
numbers in a test can be counted, and list what came out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reviewer.parse.document import parse_document
from reviewer.parse.tree import Block, BlockKind, Document

K = BlockKind


def parse(*lines: str) -> Document:
    """A document from its lines, so that line numbers in the tests can be counted."""
    return parse_document("\n".join(lines) + "\n", "bakery.qmd")


def walk(blocks: Sequence[Block]) -> Iterator[Block]:
    for block in blocks:
        yield block
        yield from walk(block.children)


def spans(blocks: Sequence[Block]) -> list[tuple[BlockKind, int, int]]:
    return [(b.kind, b.location.line, b.location.end_line) for b in blocks]


def paragraphs(doc: Document) -> list[tuple[int, int, str]]:
    return [
        (b.location.line, b.location.end_line, b.content)
        for b in walk(doc.blocks)
        if b.kind is K.PARAGRAPH
    ]


def only(doc: Document, kind: BlockKind) -> Block:
    found = [b for b in walk(doc.blocks) if b.kind is kind]
    assert len(found) == 1, found
    return found[0]
