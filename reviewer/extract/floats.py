"""Extract stage: build `Figure` values for the tables and listings Quarto cross-references.

Quarto's rules, followed here: a Markdown table (pipe, grid or simple) whose `: Caption {#tbl-x}`
paragraph sits just before or after it; a `::: {#tbl-x}` or `::: {#lst-x}` div, whose caption
is its last paragraph when it has more than one block, else its `tbl-cap`/`lst-cap` attribute,
else (for a table) the caption of the table inside; a code block `{#lst-x lst-cap="..."}`
(without `lst-cap` Quarto makes no listing of it); a code cell labelled `tbl-` with
`tbl-cap` and `tbl-subcap` (sub-tables get the ids Quarto gives them, `<label>-1`, ...), or
with `lst-label` and `lst-cap`."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from reviewer.extract.figures import Place, code_kind, head, rich, walk_blocks
from reviewer.model import Figure, FigureKind, FloatType, Location, RichText
from reviewer.parse.attrs import parse_attrs
from reviewer.parse.cells import Cell
from reviewer.parse.inline import plain_text
from reviewer.parse.tree import Attrs, Block, BlockKind

_MARKERS = (":", "Table:", "table:")
_SHOWN_SEARCH = 64  # blocks of a div searched for its table or code


def float_type_of(fid: str | None) -> FloatType | None:
    """What an id makes a float of (`fig-x`, `tbl-x`, `lst-x`), or None for another id."""
    if fid is None or len(fid) <= 4 or fid[:4] not in ("fig-", "tbl-", "lst-"):
        return None
    return FloatType.of(fid)


def is_table_caption(blocks: tuple[Block, ...], n: int) -> bool:
    """Pandoc's table caption: a `: text` or `Table: text` paragraph next to a table."""
    if not _caption_shaped(blocks[n]):
        return False
    near = blocks[n - 1 : n] + blocks[n + 1 : n + 2] if n else blocks[1:2]
    return any(b.kind is BlockKind.TABLE for b in near)


def caption_of(blocks: tuple[Block, ...], n: int) -> Block | None:
    """The caption paragraph of the table at `n`: the one before it, unless the table before
    that took it as its own caption, else the one after it."""
    if n and _caption_shaped(blocks[n - 1]) and not (n > 1 and _is_table(blocks[n - 2])):
        return blocks[n - 1]
    if n + 1 < len(blocks) and _caption_shaped(blocks[n + 1]):
        return blocks[n + 1]
    return None


def _is_table(block: Block) -> bool:
    return block.kind is BlockKind.TABLE


def _caption_shaped(block: Block) -> bool:
    return block.kind is BlockKind.PARAGRAPH and block.content.startswith(_MARKERS)


@dataclass(frozen=True)
class TableCaption:
    source: str  # the caption's Markdown, without its marker and attributes
    attrs: Attrs | None


def read_caption(content: str) -> TableCaption:
    """A caption paragraph as Quarto's parseTableCaption reads it: the attributes are the text
    from the first word that starts with `{` to the end, or there are none (`sets {a, b}
    {#tbl-x}` has no id in Quarto either)."""
    marker = next(m for m in _MARKERS if content.startswith(m))
    text = content[len(marker) :].strip()
    start = _attrs_start(text)
    parsed = parse_attrs(text, start) if start is not None else None
    if start is None or parsed is None or text[parsed[1] :].strip():
        return TableCaption(text, None)
    return TableCaption(text[:start].rstrip(), parsed[0])


def _attrs_start(text: str) -> int | None:
    """Where the first word starting with `{` begins, outside inline code and math."""
    code = math = False
    previous = " "
    for i, char in enumerate(text):
        if char == "`":
            code = not code
        elif char == "$" and not code and previous != "\\":
            math = not math
        elif char == "{" and not (code or math) and previous.isspace():
            return i
        previous = char
    return None


def table_float(table: Block, caption: Block, place: Place) -> Figure | None:
    """The table a `: Caption {#tbl-x}` paragraph makes of the table beside it."""
    read = read_caption(caption.content)
    fid = read.attrs.id if read.attrs else None
    if float_type_of(fid) is not FloatType.TABLE:
        return None
    first = min(table.location.line, caption.location.line)
    last = max(table.location.end_line, caption.location.end_line)
    text = RichText(read.source, plain_text(read.source), "table-caption")
    return Figure(
        id=fid,
        kind=FigureKind.PIPE_TABLE,
        location=Location(table.location.path, first, last),
        caption=text if read.source else None,
        parent=place.parent,
        body=table.content,
        when_format=place.when_format,
        section=place.section,
        order=place.order,
    )


def div_float(block: Block, place: Place) -> Figure:
    """A `::: {#tbl-x}` or `::: {#lst-x}` div: a table or code block and its caption."""
    attrs = block.attrs or Attrs()
    ftype = FloatType.of(attrs.id)
    kids = block.children
    own = [kid for n, kid in enumerate(kids) if not is_table_caption(kids, n)]
    caption = rich(attrs.get(f"{ftype.value}-cap"), "div-attribute")
    if len(own) > 1 and own[-1].kind is BlockKind.PARAGRAPH:
        caption = RichText(own[-1].content, plain_text(own[-1].content), "last-paragraph")
    elif caption is None and ftype is FloatType.TABLE:
        caption = _inner_table_caption(kids)
    shown = _shown(kids, ftype)
    language = code_kind(shown.info) if shown and shown.kind is BlockKind.CODE else None
    return Figure(
        id=attrs.id,
        kind=FigureKind.DIV,
        location=place.location,
        caption=caption,
        parent=place.parent,
        code_kind=language,
        code_head=head(shown.content) if shown and language else (),
        body=shown.content if shown is not None else None,
        when_format=place.when_format,
        section=place.section,
        order=place.order,
    )


def _shown(kids: tuple[Block, ...], ftype: FloatType) -> Block | None:
    """What the judge reads of a div: a table's first table (or the code cell that makes it),
    a listing's code; looked for among its first blocks only, so that divs nested thousands
    deep are read in linear time."""
    blocks = list(islice(walk_blocks(kids), _SHOWN_SEARCH))
    if ftype is FloatType.TABLE:
        table = next((b for b in blocks if b.kind is BlockKind.TABLE), None)
        if table is not None:
            return table
    return next((b for b in blocks if b.kind is BlockKind.CODE), None)


def _inner_table_caption(kids: tuple[Block, ...]) -> RichText | None:
    for n, kid in enumerate(kids):
        caption = caption_of(kids, n) if kid.kind is BlockKind.TABLE else None
        if caption is not None and (read := read_caption(caption.content)).source:
            return RichText(read.source, plain_text(read.source), "table-caption")
    return None


def code_listing(block: Block, place: Place) -> Figure | None:
    """A code block `{#lst-x .python lst-cap="..."}`; Quarto makes no listing without lst-cap."""
    info = block.info.strip()
    parsed = parse_attrs(info) if info.startswith("{") else None
    attrs = parsed[0] if parsed else None
    if attrs is None or float_type_of(attrs.id) is not FloatType.LISTING:
        return None
    caption = rich(attrs.get("lst-cap"), "code-attribute")
    if caption is None:
        return None
    language = attrs.classes[0].lstrip(".").lower() if attrs.classes else None
    return _code_float(attrs.id, FigureKind.CODE_BLOCK, caption, block.content, language, place)


def _code_float(
    fid: str | None,
    kind: FigureKind,
    caption: RichText | None,
    code: str,
    language: str | None,
    place: Place,
) -> Figure:
    """A listing, or a table made by code: the judge reads the code."""
    return Figure(
        id=fid,
        kind=kind,
        location=place.location,
        caption=caption,
        parent=place.parent,
        code_kind=language,
        code_head=head(code),
        body=code,
        when_format=place.when_format,
        section=place.section,
        order=place.order,
    )


def cell_floats(
    block: Block, cell: Cell, place: Place, wanted: frozenset[FloatType]
) -> list[Figure]:
    """The table(s) and listing a code cell makes: `label: tbl-x` with `tbl-cap` and
    `tbl-subcap`; `lst-label` (or a `lst-` label) with `lst-cap`."""
    options = cell.options
    label = str(options.get("label") or "")
    code = "\n".join(block.content.split("\n")[cell.body_start :])
    found: list[Figure] = []
    if label.startswith("tbl-") and FloatType.TABLE in wanted:
        found += _cell_tables(label, options, code, cell.engine, place)
    listing = str(options.get("lst-label") or (label if label.startswith("lst-") else ""))
    caption = rich(options.get("lst-cap"), "cell-option")
    if float_type_of(listing) is FloatType.LISTING and caption and FloatType.LISTING in wanted:
        found.append(_code_float(listing, FigureKind.CODE_CELL, caption, code, cell.engine, place))
    return found


def _cell_tables(
    label: str, options: dict[str, Any], code: str, engine: str, place: Place
) -> list[Figure]:
    caption = rich(options.get("tbl-cap"), "cell-option")
    tables = [_code_float(label, FigureKind.CODE_CELL, caption, code, engine, place)]
    subcaps = options.get("tbl-subcap")
    if isinstance(subcaps, list):
        sub = Place(place.location, place.order, place.section, place.when_format, label)
        for n, subcap in enumerate(subcaps, start=1):
            caption = rich(subcap, "tbl-subcap")
            tables.append(
                _code_float(f"{label}-{n}", FigureKind.CODE_CELL, caption, code, engine, sub)
            )
    return tables
