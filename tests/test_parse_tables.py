"""Parse stage: pandoc's grid, simple and multiline tables become TABLE blocks whose content is
the table's source lines and whose span runs from its first line to its last, the caption
paragraph beside it left a paragraph of its own. The syntax is pandoc's manual's (tables
section) and its reader's (gridtables' `gridTable`, Markdown.hs `table`); the hostile inputs
must parse in linear time, so a quadratic reading would hang these tests rather than fail a
timing."""

from __future__ import annotations

import pytest

from reviewer.parse.blocks import build_block_parser
from reviewer.parse.document import parse_document
from reviewer.parse.tree import Document

from .blockparse import K, only, parse, spans, walk
from .test_parse_dispatch import plain_parser, tokens

CONSTRAINTS = (
    "+----------------------------+--------------------------+",
    "| **System Constraint**      | **Model Representation** |",
    "+:===========================+:=========================+",
    "| **Computational Cost**     | ✗                        |",
    "+----------------------------+--------------------------+",
    "| **Memory and Storage**     | ✓ cell text that runs    |",
    "|                            | onto a second line       |",
    "+----------------------------+--------------------------+",
)
CAPTION = ": **Optimization Dimensions**: System constraints drive ... {#tbl-constraint-map}"


def table_spans(doc: Document) -> list[tuple[int, int]]:
    return [(b.location.line, b.location.end_line) for b in walk(doc.blocks) if b.kind is K.TABLE]


def walk_kinds(doc: Document) -> list[K]:
    return [b.kind for b in walk(doc.blocks)]


# -- grid tables ---------------------------------------------------------------------------------


def test_grid_table_with_its_caption_after_or_before() -> None:
    doc = parse("Intro.", "", *CONSTRAINTS, "", CAPTION)
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.TABLE, 3, 10), (K.PARAGRAPH, 12, 12)]
    assert doc.blocks[1].content == "\n".join(CONSTRAINTS)
    assert doc.blocks[2].content == CAPTION
    doc = parse("Table: Loaves {#tbl-loaves}", "", "+-----+----+", "| Mon | 40 |", "+-----+----+")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.TABLE, 3, 5)]  # caption before


def test_cells_spanning_rows_and_columns_and_a_foot() -> None:
    doc = parse(
        "+---------------------+----------+",
        "| Property            | Earth    |",
        "+=============+=======+==========+",
        "|             | min   | -89.2 °C |",
        "| Temperature +-------+----------+",
        "| 1961-1990   | mean  | 14 °C    |",
        "+=============+=======+==========+",
        "| Sum         | 3     | 4        |",
        "+=============+=======+==========+",
        "",
        "After.",
    )
    assert spans(doc.blocks) == [(K.TABLE, 1, 9), (K.PARAGRAPH, 11, 11)]


def test_alignment_colons_on_the_header_line_and_on_the_top_line() -> None:
    doc = parse(
        "+---------------+---------------+--------------------+",
        "| Right         | Left          | Centered           |",
        "+==============:+:==============+:==================:+",
        "| Bananas       | $1.34         | built-in wrapper   |",
        "+---------------+---------------+--------------------+",
        "",
        "+--------------:+:--------------+:------------------:+  ",
        "| Right         | Left          | Centered           |",
        "+---------------+---------------+--------------------+",
    )
    assert table_spans(doc) == [(1, 5), (7, 9)]


def test_grid_table_ends_where_its_lines_stop_starting_with_plus_or_pipe() -> None:
    doc = parse("+---+", "| a |", "+---+", "Text right under it.", ":::")
    assert spans(doc.blocks) == [(K.TABLE, 1, 3), (K.PARAGRAPH, 4, 5)]


def test_grid_table_inside_a_div_with_its_caption() -> None:
    doc = parse_document(
        "::: {#tbl-x}\n\n+---+---+\n| a | b |\n+===+===+\n| 1 | 2 |\n+---+---+\n\nCaption\n:::",
        "bakery.qmd",
    )
    div = only(doc, K.DIV)
    assert (div.location.line, div.location.end_line) == (1, 10)
    assert spans(div.children) == [(K.TABLE, 3, 7), (K.PARAGRAPH, 9, 9)]
    assert div.children[0].content.splitlines()[0] == "+---+---+"


def test_grid_table_inside_list_items() -> None:
    item = ("- Loaves:", "", "  +---+", "  | a |", "  +---+", "")
    doc = parse(*item, "1. +---+", "   | c |", "   +---+", "2. next")
    assert table_spans(doc) == [(3, 5), (7, 9)]
    assert [b.content for b in walk(doc.blocks) if b.kind is K.PARAGRAPH] == ["Loaves:", "next"]
    doc = parse("+ item", "", "  +---+", "  | a |", "  +---+")
    assert walk_kinds(doc) == [K.LIST, K.LIST_ITEM, K.PARAGRAPH, K.TABLE]


def test_grid_table_inside_a_block_quote_and_on_its_lazy_lines() -> None:
    doc = parse("> +---+", "> | a |", "> +---+", "", "> +---+", "| b |", "> +---+")
    assert [b.kind for b in doc.blocks] == [K.BLOCKQUOTE, K.BLOCKQUOTE]
    assert table_spans(doc) == [(1, 3), (5, 7)]
    assert walk_kinds(doc) == [K.BLOCKQUOTE, K.TABLE, K.BLOCKQUOTE, K.TABLE]


@pytest.mark.parametrize(
    ("lines", "kinds"),
    [
        (("Intro", "+---+", "| a |", "+---+"), [K.PARAGRAPH]),  # pandoc: no blank, no table
        (("+---+---+", "| a | b |", "| c | d |"), [K.PARAGRAPH]),  # no bottom border
        (("+---+---+", "| a | b |", "+---+---+ x"), [K.PARAGRAPH]),  # nor is that one
        (("+ item", "+ another"), [K.LIST, K.LIST_ITEM, K.PARAGRAPH, K.LIST_ITEM, K.PARAGRAPH]),
        (("+--",), [K.PARAGRAPH]),
        (("+---+",), [K.PARAGRAPH]),  # a border line, then the end of the file
        (("+===+", "| a |", "+===+"), [K.PARAGRAPH]),  # the top line takes `-`
        (("  +---+", "  | a |", "  +---+"), [K.PARAGRAPH]),  # pandoc: `+` in the first column
        (("    +---+", "    | a |", "    +---+"), [K.CODE]),
    ],
)
def test_not_grid_tables(lines: tuple[str, ...], kinds: list[K]) -> None:
    assert walk_kinds(parse(*lines)) == kinds


# -- simple tables ---------------------------------------------------------------------------


SIMPLE = (
    "  Right     Left     Center     Default",
    "-------     ------ ----------   -------",
    "     12     12        12            12",
    "    123     123       123          123",
    "      1     1          1             1",
)


def test_simple_table_with_a_header_and_its_caption() -> None:
    doc = parse("Intro.", "", *SIMPLE, "", "Table:  Demonstration of simple table syntax.")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.TABLE, 3, 7), (K.PARAGRAPH, 9, 9)]
    assert doc.blocks[1].content == "\n".join(SIMPLE)  # the header's indent kept


def test_simple_table_inside_a_div_ends_at_its_fence() -> None:
    doc = parse("::: {#tbl-bread}", "Name  Age", "----  ---", "Bob   3", ":::", "", "After.")
    assert spans(only(doc, K.DIV).children) == [(K.TABLE, 2, 4)]
    assert spans(doc.blocks)[-1] == (K.PARAGRAPH, 7, 7)


def test_headerless_simple_table() -> None:
    dashes = "-------     ------ ----------   -------"
    rows = ("     12     12        12     12", "    123     123       123   123")
    doc = parse(dashes, *rows, dashes, "", ": Headerless {#tbl-headless}")
    assert spans(doc.blocks) == [(K.TABLE, 1, 4), (K.PARAGRAPH, 6, 6)]


@pytest.mark.parametrize(
    ("lines", "kinds"),
    [
        (("A sentence -- with dashes -- here.",), [K.PARAGRAPH]),
        (("A sentence", "-- with dashes -- here."), [K.PARAGRAPH]),
        (("Before.", "", "---", "", "After."), [K.PARAGRAPH, K.RULE, K.PARAGRAPH]),
        (("--- prose after a rule ---",), [K.PARAGRAPH]),
        (("Text", "-----"), [K.HEADING]),  # setext, not a one-column table
        (("Text", "-----", "more"), [K.HEADING, K.PARAGRAPH]),  # pandoc too
        (("Name  Age", "----  ---"), [K.PARAGRAPH]),  # no row under the dashes
        (("One", "Two", "----  ---", "row"), [K.PARAGRAPH]),  # the header is one line
        (("Name  Age", "    ----  ---", "row"), [K.PARAGRAPH]),  # dashes indented as code
        (("----- -----", "row", "", "next"), [K.RULE, K.PARAGRAPH, K.PARAGRAPH]),  # no closer
        (("- item", "", "- - -"), [K.LIST, K.LIST_ITEM, K.PARAGRAPH, K.RULE]),
        (("Text.", "", "---", "title: x", "---"), [K.PARAGRAPH, K.RULE, K.HEADING]),  # YAML
    ],
)
def test_not_simple_tables(lines: tuple[str, ...], kinds: list[K]) -> None:
    assert walk_kinds(parse(*lines)) == kinds


# -- multiline tables ----------------------------------------------------------------------------


def test_multiline_table_with_its_caption() -> None:
    head = ("-----------------------------", " Centered   Right Left", "  Header   Aligned Aligned")
    rows = ("   First       12.0 Example of a row", "                    over two lines.", "")
    doc = parse(
        "Intro.",  # on the first line, dashes open front matter
        "",
        *head,
        "----------- ------- ---------",
        *rows,
        "  Second       5.0 Another.",
        "-----------------------------",
        "",
        "Table: Here's the caption. It, too, may span",
        "multiple lines.",
    )
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.TABLE, 3, 11), (K.PARAGRAPH, 13, 14)]


def test_multiline_table_without_a_header() -> None:
    rows = ("   First       12.0 Example of a row", "                    over two lines.", "")
    dashes = "----------- ------- ---------"
    doc = parse(dashes, *rows, "  Second       5.0 Another.", dashes, "", ": Without a header.")
    assert spans(doc.blocks) == [(K.TABLE, 1, 6), (K.PARAGRAPH, 8, 8)]


def test_a_rule_with_text_under_it_opens_a_table_as_in_pandoc() -> None:
    # pandoc's manual: "If a horizontal rule is not followed by a blank line, pandoc may try
    # to interpret the lines that follow as ... a table."
    doc = parse("Intro.", "", "-----", "Boxed note.", "", "More.", "", "-----", "", "After.")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.TABLE, 3, 8), (K.PARAGRAPH, 10, 10)]
    doc = parse("Intro.", "", "-----", "Not boxed.", "", "After.")
    assert walk_kinds(doc) == [K.PARAGRAPH, K.RULE, K.PARAGRAPH, K.PARAGRAPH]


def test_table_in_a_div_stops_at_the_div_fence() -> None:
    doc = parse("::: {.note}", "-----", "Note.", "", ":::", "", "-----", "", "After.")
    assert K.TABLE not in walk_kinds(doc)


# -- the rest is unchanged -----------------------------------------------------------------------


def test_pipe_table_unchanged() -> None:
    doc = parse("| a | b |", "|---|---|", "| 1 | 2 |", "", ": Pipes {#tbl-pipes}")
    assert spans(doc.blocks) == [(K.TABLE, 1, 3), (K.PARAGRAPH, 5, 5)]
    assert doc.blocks[0].content == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_line_numbers_after_front_matter_and_code() -> None:
    lines = ("---", "title: Bread", "---", "", "```python", "+---+", "```", "")
    doc = parse(*lines, "+---+---+", "| a | b |", "+---+---+", "", "Name  Age", "----  ---", "Bob")
    assert spans(doc.blocks) == [
        (K.FRONT_MATTER, 1, 3),
        (K.CODE, 5, 7),
        (K.TABLE, 9, 11),
        (K.TABLE, 13, 15),
    ]


SAMPLES = [
    "\n".join((*CONSTRAINTS, "", CAPTION)),
    "\n".join(SIMPLE),
    "- a\n\n  +---+\n  | b |\n  +---+\n\n> +---+\n| c |\n> +---+\n",
    "Intro.\n\n-----\nBoxed.\n\n-----\n\n----- -----\nrow\n----- -----\n",
    "::: {#tbl-x}\n-----\nrow\n:::\n\n    +---+\n    | code |\n    +---+\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_the_dispatching_loop_reads_tables_as_the_plain_one(text: str) -> None:
    assert tokens(build_block_parser(), text) == tokens(plain_parser(), text)


# -- hostile input -------------------------------------------------------------------------------


def test_a_200000_line_grid_table_is_one_block() -> None:
    doc = parse_document("+---+---+\n" + "| a | b |\n+---+---+\n" * 100_000, "big.qmd")
    assert spans(doc.blocks) == [(K.TABLE, 1, 200_001)]


def test_a_200000_line_grid_table_without_its_last_border_is_one_paragraph() -> None:
    doc = parse_document("+---+---+\n" + "| a | b |\n" * 200_000, "big.qmd")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 200_001)]


def test_a_megabyte_border_line() -> None:
    border = "+" + "-" * 1_000_000 + "+"
    assert table_spans(parse(border, "| a |", border)) == [(1, 3)]
    assert walk_kinds(parse(border[:-1], "| a |", border)) == [K.PARAGRAPH]
    assert walk_kinds(parse("+-" * 500_000 + "x", "| a |", "+-+")) == [K.PARAGRAPH]


def test_ten_thousand_columns() -> None:
    doc = parse("+---" * 10_000 + "+", "| a " * 10_000 + "|", "+===" * 10_000 + "+")
    assert table_spans(doc) == [(1, 3)]
    assert len(doc.blocks[0].content) == 3 * 40_001 + 2


def test_runs_that_fail_from_every_line_are_read_once() -> None:
    # Each dashed line could open a table whose end is looked for down to the end of the file.
    doc = parse_document("-----\n" * 50_000 + "x\n", "dashes.qmd")
    kinds = walk_kinds(doc)  # front matter (two lines), then a rule each, then `x`
    assert (kinds[0], kinds.count(K.RULE), kinds[-1]) == (K.FRONT_MATTER, 49_998, K.PARAGRAPH)
    # Each rule with text under it could open a multiline table, read on to the end for its
    # closing dashes, which never come.
    doc = parse_document("Intro.\n\n" + "-----\ntext\n\n" * 20_000, "rules.qmd")
    kinds = walk_kinds(doc)
    assert (kinds.count(K.RULE), kinds.count(K.PARAGRAPH), len(kinds)) == (20_000, 20_001, 40_001)
