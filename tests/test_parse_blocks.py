"""Parse stage: `parse_document` splits a .qmd into blocks with 1-based line spans, the way
pandoc's Markdown reader splits it. Where a case says "pandoc", the expectation was checked
with `pandoc -f markdown -t native`. Paragraph rules are in test_parse_paragraphs.py."""

from __future__ import annotations

from reviewer.model import Severity
from reviewer.parse.document import parse_document

from .blockparse import K, only, paragraphs, parse, spans, walk

# -- leaf blocks -------------------------------------------------------------------------------


def test_front_matter_heading_and_paragraph_spans() -> None:
    doc = parse(
        "---",
        'title: "Morning"',
        "---",
        "",
        "# The first bake",
        "",
        "The oven is lit at five",
        "and the first loaves go in at six.",
    )
    assert spans(doc.blocks) == [(K.FRONT_MATTER, 1, 3), (K.HEADING, 5, 5), (K.PARAGRAPH, 7, 8)]
    assert doc.blocks[0].content == 'title: "Morning"'
    assert doc.blocks[1].content == "The first bake"
    assert doc.blocks[1].info == "h1"
    assert doc.blocks[2].content == "The oven is lit at five\nand the first loaves go in at six."
    assert doc.problems == ()


def test_every_location_carries_the_given_path() -> None:
    doc = parse("# Rye", "", "::: {.note}", "Sour.", ":::")
    assert {b.location.path for b in walk(doc.blocks)} == {"bakery.qmd"}


def test_crlf_line_endings_give_the_same_lines() -> None:
    doc = parse_document("Flour.\r\n\r\n## Water\r\n\r\nSalt\r\nand yeast.\r\n", "w.qmd")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.HEADING, 3, 3), (K.PARAGRAPH, 5, 6)]
    assert doc.blocks[2].content == "Salt\nand yeast."


def test_backtick_and_tilde_code_fences() -> None:
    doc = parse(
        "```{python}",
        "loaves = 40",
        "```",
        "",
        "~~~~ {.r}",
        "rye <- 12",
        "~~~~",
    )
    assert spans(doc.blocks) == [(K.CODE, 1, 3), (K.CODE, 5, 7)]
    assert doc.blocks[0].info == "{python}"
    assert doc.blocks[0].content == "loaves = 40\n"
    assert doc.blocks[1].info == "{.r}"


def test_raw_block_is_not_code() -> None:
    doc = parse("Before.", "", "```{=html}", "<p>@fig-raw</p>", "```")
    raw = only(doc, K.RAW)
    assert (raw.location.line, raw.location.end_line) == (3, 5)
    assert raw.info == "{=html}"
    assert raw.content == "<p>@fig-raw</p>\n"


def test_html_comment_and_html_div() -> None:
    # pandoc reads the lines between `<div>` and `</div>` as Markdown (native divs)
    doc = parse(
        "<!-- a note to the editor",
        "that spans two lines -->",
        "",
        '<div class="shelf">',
        "bread",
        "</div>",
    )
    comment = doc.blocks[0]
    assert (comment.kind, comment.location.line, comment.location.end_line) == (K.COMMENT, 1, 2)
    assert "spans two lines" in comment.content
    assert paragraphs(doc) == [(5, 5, "bread")]
    assert not any(b.kind is K.COMMENT for b in doc.blocks[1:])


def test_pipe_table() -> None:
    doc = parse("Prices:", "", "| Loaf | Price |", "|------|-------|", "| Rye  | 4     |")
    table = only(doc, K.TABLE)
    assert (table.location.line, table.location.end_line) == (3, 5)
    assert "| Rye  | 4     |" in table.content


def test_footnote_definition_holds_its_paragraphs() -> None:
    doc = parse(
        "Ovens vary[^heat].",
        "",
        "[^heat]: Ours runs hot",
        "    on the left side.",
        "",
        "    A second paragraph of the note.",
        "",
        "After the note.",
    )
    note = only(doc, K.FOOTNOTE)
    assert note.location.line == 3
    assert spans(note.children) == [(K.PARAGRAPH, 3, 4), (K.PARAGRAPH, 6, 6)]
    assert doc.blocks[-1].kind is K.PARAGRAPH
    assert doc.blocks[-1].location.line == 8


def test_include_and_embed_shortcodes() -> None:
    doc = parse(
        "Intro.",
        "",
        "{{< include _oven.qmd >}}",
        '{{< include "_shelf.qmd" >}}',
        "",
        "{{< embed notebooks/rise.ipynb#fig-rise >}}",
        "",
        "Inline {{< include _not_a_block.qmd >}} stays prose.",
    )
    codes = [b for b in doc.blocks if b.kind is K.SHORTCODE]
    assert [(b.info, b.location.line, b.location.end_line) for b in codes] == [
        ("include", 3, 3),
        ("include", 4, 4),
        ("embed", 6, 6),
    ]
    assert codes[0].content == "_oven.qmd"
    assert codes[1].content.strip('"') == "_shelf.qmd"
    assert codes[2].content == "notebooks/rise.ipynb#fig-rise"
    assert paragraphs(doc)[-1][:2] == (8, 8)


# -- containers --------------------------------------------------------------------------------


def test_fenced_divs_nest_with_different_colon_counts() -> None:
    doc = parse(
        ":::: {#fig-bakes layout-ncol=2}",
        "::: {#fig-rye}",
        "![Rye.](rye.png)",
        ":::",
        "",
        "Two bakes side by side.",
        "::::",
        "",
        "Outside.",
    )
    assert spans(doc.blocks) == [(K.DIV, 1, 7), (K.PARAGRAPH, 9, 9)]
    outer = doc.blocks[0]
    assert outer.attrs is not None
    assert outer.attrs.id == "fig-bakes"
    assert outer.attrs.get("layout-ncol") == "2"
    assert spans(outer.children) == [(K.DIV, 2, 4), (K.PARAGRAPH, 6, 6)]
    inner = outer.children[0]
    assert inner.attrs is not None
    assert inner.attrs.id == "fig-rye"
    assert spans(inner.children) == [(K.PARAGRAPH, 3, 3)]
    assert doc.problems == ()


def test_closing_fence_may_have_more_colons_than_its_opener() -> None:
    doc = parse("::: {.aside}", "Crumbs.", "::::::", "", "After.")
    assert spans(doc.blocks) == [(K.DIV, 1, 3), (K.PARAGRAPH, 5, 5)]
    assert doc.problems == ()


def test_div_opener_with_a_bare_class_word() -> None:
    doc = parse("::: warning", "Hot tray.", ":::")
    div = doc.blocks[0]
    assert div.kind is K.DIV
    assert div.attrs is not None
    assert div.attrs.classes == ("warning",)


def test_div_attributes_may_span_lines() -> None:
    doc = parse('::: {#fig-crust fig-cap="A dark', 'crust"}', "Body.", ":::")
    div = doc.blocks[0]
    assert (div.kind, div.location.line, div.location.end_line) == (K.DIV, 1, 4)
    assert div.attrs is not None
    assert div.attrs.get("fig-cap") == "A dark crust"
    assert spans(div.children) == [(K.PARAGRAPH, 3, 3)]


def test_callout_holds_heading_and_paragraphs() -> None:
    doc = parse("::: {.callout-tip}", "## Proofing", "", "Cover the dough.", ":::")
    callout = doc.blocks[0]
    assert callout.attrs is not None
    assert callout.attrs.classes == ("callout-tip",)
    assert spans(callout.children) == [(K.HEADING, 2, 2), (K.PARAGRAPH, 4, 4)]


def test_list_items_and_a_nested_list() -> None:
    doc = parse("- Knead", "- Shape", "  - by hand", "  - in tins")
    lst = doc.blocks[0]
    assert (lst.kind, lst.location.line) == (K.LIST, 1)
    assert [b.kind for b in lst.children] == [K.LIST_ITEM, K.LIST_ITEM]
    second = lst.children[1]
    assert second.location.line == 2
    assert spans(second.children) == [(K.PARAGRAPH, 2, 2), (K.LIST, 3, 4)]
    nested = second.children[1]
    assert [
        (b.content, b.location.line) for b in walk(nested.children) if b.kind is K.PARAGRAPH
    ] == [("by hand", 3), ("in tins", 4)]


def test_ordered_list_item_with_two_paragraphs() -> None:
    doc = parse("1. Mix.", "2. Rest.", "", "   Then fold.")
    items = doc.blocks[0].children
    assert [b.info for b in items] == ["1", "2"]
    assert spans(items[1].children) == [(K.PARAGRAPH, 2, 2), (K.PARAGRAPH, 4, 4)]


def test_block_quote() -> None:
    doc = parse("> The crust", "> should crackle.", "", "Plain again.")
    assert spans(doc.blocks) == [(K.BLOCKQUOTE, 1, 2), (K.PARAGRAPH, 4, 4)]
    assert spans(doc.blocks[0].children) == [(K.PARAGRAPH, 1, 2)]


# -- problems ----------------------------------------------------------------------------------


def test_unclosed_div_is_src001_and_runs_to_the_end() -> None:
    doc = parse(
        "Intro.", "", "::: {#fig-rack}", "![](rack.png)", "", "A full rack.", "", "Last words."
    )
    assert [(p.code, p.location.line, p.severity) for p in doc.problems] == [
        ("SRC001", 3, Severity.ERROR)
    ]
    assert doc.problems[0].location.path == "bakery.qmd"
    div = doc.blocks[1]
    assert (div.kind, div.location.line) == (K.DIV, 3)
    assert div.location.end_line >= 8
    assert spans(div.children) == [(K.PARAGRAPH, 4, 4), (K.PARAGRAPH, 6, 6), (K.PARAGRAPH, 8, 8)]


def test_unclosed_outer_div_is_reported_at_its_own_opener() -> None:
    doc = parse("::: {.outer}", "::: {.inner}", "Crumb.", ":::")
    assert [(p.code, p.location.line) for p in doc.problems] == [("SRC001", 1)]
    assert spans(doc.blocks[0].children) == [(K.DIV, 2, 4)]


def test_unclosed_fence_is_src002_and_swallows_the_rest() -> None:
    doc = parse("Before @fig-a.", "", "```{python}", "x = 1", "", "After @fig-a.")
    assert [(p.code, p.location.line) for p in doc.problems] == [("SRC002", 3)]
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.CODE, 3, 6)]
    assert "After @fig-a." in doc.blocks[1].content


def test_closed_fence_inside_a_div_hides_a_colon_line() -> None:
    doc = parse("::: {.a}", "```", ":::", "```", ":::")
    assert spans(doc.blocks) == [(K.DIV, 1, 5)]
    assert spans(doc.blocks[0].children) == [(K.CODE, 2, 4)]
    assert doc.problems == ()


# -- where pandoc reads it differently ---------------------------------------------------------


def test_text_after_a_one_line_comment_is_prose() -> None:
    doc = parse("<!-- check the numbers --> As @fig-a shows, the oven is hot.")
    assert any(b.kind is K.PARAGRAPH and "@fig-a" in b.content for b in walk(doc.blocks))
