"""Extract stage: floats (figures, tables, listings), references and candidate paragraphs
from a parsed chapter."""

from __future__ import annotations

import yaml

from reviewer.extract.walk import EVERY_FLOAT, Walker, heading_title
from reviewer.model import Extraction, FloatType
from reviewer.parse.cells import load_yaml
from reviewer.parse.inline import plain_text
from reviewer.parse.tree import Block, BlockKind, Document

__all__ = ["extract"]


def extract(
    document: Document, order: int = 0, floats: frozenset[FloatType] = EVERY_FLOAT
) -> tuple[Extraction, int]:
    """Extract one chapter: the `floats` asked for, and the references to them. `order`
    continues the reading-order count across chapters; the count after this chapter is
    returned with the extraction."""
    walker = Walker(order, document.links, floats)
    walker.walk(document.blocks)
    extraction = Extraction(
        path=document.path,
        title=_title(document.blocks),
        figures=tuple(walker.figures),
        references=tuple(walker.references),
        paragraphs=tuple(walker.paragraphs),
        problems=document.problems,
        suppressions=tuple(walker.comments.finish()),
    )
    return extraction, walker.order


def _title(blocks: tuple[Block, ...]) -> str | None:
    for block in blocks:
        if block.kind is BlockKind.FRONT_MATTER:
            try:
                meta = load_yaml(block.content)
            except yaml.YAMLError:
                meta = None
            if isinstance(meta, dict) and meta.get("title"):
                return plain_text(str(meta["title"]))
        if block.kind is BlockKind.HEADING and block.info == "h1":
            return heading_title(block.content)
    return None
