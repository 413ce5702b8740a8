"""Extract stage: build `Figure` values from the blocks Quarto turns into figures.

Quarto's rules, followed here: an image with a `#fig-` id; a `::: {#fig-}` div, whose caption is
its last paragraph when it has more than one block and its `fig-cap` attribute otherwise; a code
cell labelled `fig-`, with `fig-cap`/`fig-alt`/`fig-subcap` options (sub-figures get the ids
Quarto gives them, `<label>-1`, `<label>-2`, ...); an `{{< embed nb.ipynb#fig-x >}}`, whose
options are those of the notebook cell it names, when the load stage could read it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from reviewer.extract.diagrams import drawing
from reviewer.model import Figure, FigureKind, Location, RichText
from reviewer.parse.cells import Cell, Expr, parse_cell
from reviewer.parse.inline import InlineImage, analyze, fold, plain_text
from reviewer.parse.tree import Attrs, Block, BlockKind

CODE_HEAD_LINES = 8
_DIAGRAM_ENGINES = frozenset({"mermaid", "dot"})


@dataclass(frozen=True)
class Place:
    """Where a figure sits: its lines, section, reading order and format condition."""

    location: Location
    order: int
    section: str | None
    when_format: str | None
    parent: str | None


def rich(value: Any, origin: str, markdown: bool = True) -> RichText | None:
    """A caption or alt from a YAML/attribute value, or a render-time expression. Captions are
    Markdown; alt text is not (Quarto copies it verbatim into the `alt` attribute)."""
    if value is None or value is True or value is False:
        return None
    if isinstance(value, Expr):
        return RichText(source=value.source, text=None, origin=origin, expr=value.source)
    if isinstance(value, list):
        return None
    source = str(value)
    return RichText(source, plain_text(source) if markdown else fold(source), origin)


def image_figure(image: InlineImage, place: Place) -> Figure:
    caption = RichText(image.caption_source, image.caption_text, "image-text")
    return Figure(
        id=image.attrs.id,
        kind=FigureKind.IMAGE,
        location=place.location,
        caption=caption if image.caption_source.strip() else None,
        alt=rich(image.attrs.get("fig-alt"), "fig-alt", markdown=False),
        parent=place.parent,
        images=(image.src,) if image.src else (),
        when_format=place.when_format,
        section=place.section,
        order=place.order,
    )


def div_figure(block: Block, place: Place) -> Figure:
    attrs = block.attrs or Attrs()
    kids = block.children
    if len(kids) > 1 and kids[-1].kind is BlockKind.PARAGRAPH:
        last = kids[-1].content
        caption: RichText | None = RichText(last, plain_text(last), "last-paragraph")
    else:
        caption = rich(attrs.get("fig-cap"), "div-attribute")
    images, code = _shows(kids)
    language = code_kind(code.info) if code else None
    return Figure(
        id=attrs.id,
        kind=FigureKind.DIV,
        location=place.location,
        caption=caption,
        alt=rich(attrs.get("fig-alt"), "fig-alt", markdown=False),
        parent=place.parent,
        images=images,
        code_kind=language,
        code_head=head(code.content) if code else (),
        drawing=drawing(language, code.content) if code else None,
        when_format=place.when_format,
        section=place.section,
        order=place.order,
    )


def _shows(blocks: tuple[Block, ...]) -> tuple[tuple[str, ...], Block | None]:
    """The image paths, or else the first code block, that a figure div holds."""
    images: list[str] = []
    for block in walk_blocks(blocks):
        if block.kind is BlockKind.PARAGRAPH and "](" in block.content:
            images.extend(_image_paths(block.content))
    if images:
        return tuple(images), None
    code = (b for b in walk_blocks(blocks) if b.kind is BlockKind.CODE)
    return (), next(code, None)


def walk_blocks(blocks: tuple[Block, ...]) -> Iterator[Block]:
    """Every block, in reading order, as it is reached; a loop, as divs may nest thousands
    deep."""
    stack = list(reversed(blocks))
    while stack:
        block = stack.pop()
        yield block
        stack.extend(reversed(block.children))


def _image_paths(content: str) -> list[str]:
    return [image.src for image in analyze(content).images if image.src]


def code_kind(info: str) -> str:
    word = info.strip("{} ").split(" ")[0].split(",")[0]
    return word.lstrip(".").lower() or "code"


def head(code: str, skip: int = 0) -> tuple[str, ...]:
    lines = [line for line in code.split("\n")[skip:] if line.strip()]
    return tuple(lines[:CODE_HEAD_LINES])


def _body(code: str, skip: int) -> str:
    return "\n".join(code.split("\n")[skip:])


def cell_figures(block: Block, cell: Cell, place: Place) -> list[Figure]:
    """The figure(s) of a code cell labelled `fig-...`, sub-figures included."""
    label = str(cell.options.get("label") or "")
    kind = FigureKind.DIAGRAM if cell.engine in _DIAGRAM_ENGINES else FigureKind.CODE_CELL
    alts = cell.options.get("fig-alt")
    subcaps = cell.options.get("fig-subcap")
    base = Figure(
        id=label if label.startswith("fig-") else None,
        kind=kind,
        location=place.location,
        caption=rich(cell.options.get("fig-cap"), "cell-option"),
        alt=rich(alts, "cell-option", markdown=False),
        parent=place.parent,
        code_kind=cell.engine,
        code_head=head(block.content, cell.body_start),
        drawing=drawing(cell.engine, _body(block.content, cell.body_start)),
        when_format=place.when_format,
        section=place.section,
        order=place.order,
        label_problem=label if label and not label.startswith("fig-") else None,
    )
    figures = [base]
    if isinstance(subcaps, list) and base.id:
        for n, subcap in enumerate(subcaps, start=1):
            alt = alts[n - 1] if isinstance(alts, list) and n <= len(alts) else None
            figures.append(_subfigure(base, n, subcap, alt))
    return figures


def _subfigure(parent: Figure, n: int, caption: Any, alt: Any) -> Figure:
    return Figure(
        id=f"{parent.id}-{n}",
        kind=parent.kind,
        location=parent.location,
        caption=rich(caption, "fig-subcap"),
        alt=rich(alt, "cell-option", markdown=False),
        parent=parent.id,
        code_kind=parent.code_kind,
        code_head=parent.code_head,
        drawing=parent.drawing,
        when_format=parent.when_format,
        section=parent.section,
        order=parent.order,
    )


def embed_figure(args: str, place: Place) -> Figure | None:
    target = args.split()[0] if args.split() else ""
    _, _, cell_id = target.partition("#")
    if not cell_id.startswith("fig-"):
        return None
    return Figure(
        id=cell_id,
        kind=FigureKind.CODE_CELL,
        location=place.location,
        parent=place.parent,
        when_format=place.when_format,
        embedded_from=target,
        section=place.section,
        order=place.order,
    )


def embedded(figure: Figure, block: Block) -> list[Figure]:
    """An embed's figure completed from the notebook cell the load stage attached to its
    shortcode: caption, alt text, code and sub-figures, as the cell gives them."""
    cell = parse_cell(block.info, block.content)
    if cell is None or figure.id is None:
        return [figure]
    # The shortcode names the figure; a cell found by its cell id may carry another label.
    cell = replace(cell, options={**cell.options, "label": figure.id})
    place = Place(figure.location, figure.order, figure.section, figure.when_format, figure.parent)
    return [
        replace(found, embedded_from=figure.embedded_from)
        for found in cell_figures(block, cell, place)
    ]
