"""Extract stage: walk a chapter's blocks in reading order and collect its floats (figures,
tables and listings, as many kinds as the review asks for), the paragraphs that may introduce
them, and every `@fig-`, `@tbl-` and `@lst-` reference with the block that holds it.

What counts as prose follows the audit contract: paragraphs, list items, callouts and block
quotes do; captions, table cells and footnote bodies are read for references but never
introduce a figure; code, comments, raw blocks and front matter are not read at all."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from reviewer.extract.comments import Comments
from reviewer.extract.figures import (
    Place,
    cell_figures,
    div_figure,
    embed_figure,
    embedded,
    image_figure,
)
from reviewer.extract.floats import (
    caption_of,
    cell_floats,
    code_listing,
    div_float,
    float_type_of,
    is_table_caption,
    table_float,
)
from reviewer.model import Figure, FloatType, Location, Paragraph, Reference
from reviewer.parse.attrs import parse_attrs
from reviewer.parse.cells import parse_cell
from reviewer.parse.inline import InlineImage, InlineRef, analyze, plain_text
from reviewer.parse.tree import Attrs, Block, BlockKind

_CONTAINER_OF = {
    BlockKind.LIST_ITEM: "list-item",
    BlockKind.BLOCKQUOTE: "blockquote",
    BlockKind.FOOTNOTE: "footnote",
}


@dataclass(frozen=True)
class _Ctx:
    container: str = "para"
    figure: str | None = None  # id of the enclosing float: its blocks are not prose
    when_format: str | None = None


EVERY_FLOAT = frozenset(FloatType)


class Walker:
    def __init__(
        self,
        order: int = 0,
        links: Mapping[str, Any] | None = None,
        floats: frozenset[FloatType] = EVERY_FLOAT,
    ) -> None:
        self.order = order
        self.links = links or {}
        self.floats = floats
        self.section: str | None = None
        self.figures: list[Figure] = []
        self.paragraphs: list[Paragraph] = []
        self.references: list[Reference] = []
        self.comments = Comments()

    def next_order(self) -> int:
        self.order += 1
        return self.order

    def walk(self, blocks: tuple[Block, ...], ctx: _Ctx | None = None) -> None:
        """Every block in reading order, each container's blocks right after it. A loop over
        a stack, not recursion: fenced divs may nest thousands deep."""
        stack = [(blocks, 0, ctx or _Ctx())]
        while stack:
            siblings, n, here = stack.pop()
            if n == len(siblings):
                continue
            stack.append((siblings, n + 1, here))
            block = siblings[n]
            if _may_direct(block):
                following = siblings[n + 1].location if n + 1 < len(siblings) else None
                self.comments.read(block.content, block.location, following)
            if is_table_caption(siblings, n):
                here = replace(here, container="caption")
            elif block.kind is BlockKind.TABLE and FloatType.TABLE in self.floats:
                self.table(block, caption_of(siblings, n), here)
            inner = self.block(block, here)
            if inner is not None and block.children:
                stack.append((block.children, 0, inner))

    def block(self, block: Block, ctx: _Ctx) -> _Ctx | None:
        """Read one block; for a container, the context its blocks are read in."""
        kind = block.kind
        if kind is BlockKind.PARAGRAPH:
            self.paragraph(block, ctx)
        elif kind is BlockKind.HEADING:
            self.section = heading_title(block.content)
        elif kind is BlockKind.DIV:
            return self.div(block, ctx)
        elif kind is BlockKind.CODE:
            self.code(block, ctx)
        elif kind is BlockKind.TABLE:
            self.cites(block, replace(ctx, container="table-cell"))
        elif kind is BlockKind.SHORTCODE and block.info == "embed":
            figure = embed_figure(block.content, self.place(block.location, ctx))
            if figure:  # its notebook cell is attached when the notebook could be read
                cell = block.children[0] if block.children else None
                self.figures.extend(embedded(figure, cell) if cell else [figure])
        elif kind in _CONTAINER_OF:
            return ctx if ctx.figure else replace(ctx, container=_CONTAINER_OF[kind])
        else:
            return ctx
        return None

    def table(self, block: Block, caption: Block | None, ctx: _Ctx) -> None:
        if caption is None:
            return  # no caption, no id: Quarto does not number the table
        found = table_float(block, caption, self.place(block.location, ctx))
        if found is not None:
            self.figures.append(found)

    def wants(self, fid: str | None) -> bool:
        """A float the review asks for: a figure without id is always one."""
        return FloatType.of(fid) in self.floats

    def place(self, location: Location, ctx: _Ctx) -> Place:
        return Place(location, self.next_order(), self.section, ctx.when_format, ctx.figure)

    def paragraph(self, block: Block, ctx: _Ctx) -> None:
        content = block.content
        if "![" not in content and not _may_cite(content):
            if not ctx.figure:
                self.add_paragraph(block, ctx.container, None)
            return
        found = analyze(content, self.links)
        for image in found.images:
            self.image(block, image, found.rest_text, ctx)
        container = ctx.container
        if ctx.figure or (found.images and not found.rest_text):
            container = "caption"
        para = self.add_paragraph(block, container, found.text)
        self.add_refs(para, found.refs)
        if found.note_refs:
            self.add_refs(replace(para, container="footnote"), found.note_refs)
        for image in found.images:
            if image.refs:
                caption = replace(para, container="caption", text=image.caption_text)
                self.add_refs(caption, list(image.refs))

    def image(self, block: Block, image: InlineImage, rest_text: str, ctx: _Ctx) -> None:
        is_figure = float_type_of(image.attrs.id) is not None
        described = bool(image.caption_text or image.attrs.get("fig-alt"))
        alone = not rest_text and not ctx.figure and described  # else decorative, not a figure
        if not (is_figure or alone) or not self.wants(image.attrs.id):
            return
        content = block.content
        first = block.location.line + content.count("\n", 0, image.offset)
        last = block.location.line + content.count("\n", 0, max(image.end - 1, image.offset))
        place = self.place(Location(block.location.path, first, last), ctx)
        self.figures.append(image_figure(image, place))

    def add_paragraph(self, block: Block, container: str, text: str | None) -> Paragraph:
        para = Paragraph(
            block.location, block.content, text, container, self.next_order(), self.section
        )
        self.paragraphs.append(para)
        return para

    def add_refs(self, para: Paragraph, refs: list[InlineRef]) -> None:
        for ref in refs:
            if not self.wants(ref.target):
                continue
            line = para.location.line + para.source.count("\n", 0, ref.offset)
            where = Location(para.location.path, line, line)
            self.references.append(Reference(ref.target, ref.written, where, para))

    def cites(self, block: Block, ctx: _Ctx) -> None:
        if not _may_cite(block.content):
            return
        found = analyze(block.content, self.links)
        para = self.add_paragraph(block, ctx.container, found.text)
        self.add_refs(para, found.refs)

    def div(self, block: Block, ctx: _Ctx) -> _Ctx:
        attrs = block.attrs or Attrs()
        inner = replace(ctx, when_format=_when_format(attrs) or ctx.when_format)
        kind = float_type_of(attrs.id)
        if kind is not None and kind in self.floats:
            place = self.place(block.location, inner)
            made = div_figure if kind is FloatType.FIGURE else div_float
            self.figures.append(made(block, place))
            inner = replace(inner, figure=attrs.id, container="caption")
        elif any(c.startswith("callout") for c in attrs.classes) and not ctx.figure:
            inner = replace(inner, container="callout")
        return inner

    def code(self, block: Block, ctx: _Ctx) -> None:
        cell = parse_cell(block.info, block.content)
        if cell is None:
            if FloatType.LISTING in self.floats and "lst-" in block.info:
                listing = code_listing(block, self.place(block.location, ctx))
                if listing is not None:
                    self.figures.append(listing)
            return
        label = str(cell.options.get("label") or "")
        options = cell.options
        figure = FloatType.FIGURE in self.floats and (
            label.startswith("fig-") or "fig-cap" in options or "fig-alt" in options
        )
        if not (figure or label.startswith(("tbl-", "lst-")) or "lst-label" in options):
            return
        when = _when_format(cell.attrs) or ctx.when_format
        place = self.place(block.location, replace(ctx, when_format=when))
        if figure:
            self.figures.extend(cell_figures(block, cell, place))
        self.figures.extend(cell_floats(block, cell, place, self.floats))


def _may_direct(block: Block) -> bool:
    """A comment block, or a paragraph a comment joined for want of a blank line."""
    if block.kind is BlockKind.COMMENT:
        return True
    return block.kind is BlockKind.PARAGRAPH and "review:" in block.content


_CITES = re.compile(r"@\{?(?:[fF]ig|[tT]bl|[lL]st)-")


def _may_cite(content: str) -> bool:
    """A cheap test that saves the inline parse of blocks that cite no float."""
    return "@" in content and _CITES.search(content) is not None


def _when_format(attrs: Attrs) -> str | None:
    visible = "content-visible" in attrs.classes
    hidden = "content-hidden" in attrs.classes
    if not (visible or hidden):
        return None
    when, unless = attrs.get("when-format"), attrs.get("unless-format")
    if when:
        return when if visible else f"not {when}"
    if unless:
        return f"not {unless}" if visible else unless
    return None


def heading_title(content: str) -> str:
    """A heading's plain text, without its trailing `{#sec-x}` attributes."""
    text = content.rstrip()
    if text.endswith("}") and "{" in text:
        start = text.rindex("{")
        parsed = parse_attrs(text, start)
        if parsed is not None and parsed[1] == len(text):  # `{a, b}` is text, not attributes
            text = text[:start]
    return plain_text(text)
