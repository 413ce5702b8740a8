"""Parse stage, its output: a chapter as a tree of blocks with their attributes and lines,
as the parser reads it and before any figure is found in it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from reviewer.model import Finding, Location


class BlockKind(StrEnum):
    FRONT_MATTER = "front-matter"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    CODE = "code"
    RAW = "raw"
    COMMENT = "comment"
    HTML = "html"
    DIV = "div"
    LIST = "list"
    LIST_ITEM = "list-item"
    BLOCKQUOTE = "blockquote"
    TABLE = "table"
    FOOTNOTE = "footnote"
    RULE = "rule"
    SHORTCODE = "shortcode"


@dataclass(frozen=True)
class Attrs:
    """Pandoc attributes: `{#id .class key=value}`."""

    id: str | None = None
    classes: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        for name, value in self.pairs:
            if name == key:
                return value
        return None


@dataclass(frozen=True)
class Block:
    """One block of a parsed chapter. `content` is the inline source for paragraphs and headings,
    the body for code and raw blocks; `info` is the fence info string or the div's opening line."""

    kind: BlockKind
    location: Location
    content: str = ""
    info: str = ""
    attrs: Attrs | None = None
    children: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Document:
    path: str
    blocks: tuple[Block, ...]
    problems: tuple[Finding, ...] = ()
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # [label]: url defs
