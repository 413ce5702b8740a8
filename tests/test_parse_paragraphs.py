"""Parse stage: pandoc's paragraph rules in `parse_document`. A pandoc paragraph runs on across
lines that would start a heading, block quote, list or div, and only a few things end it without
a blank line. Expectations checked with `pandoc -f markdown -t native`."""

from __future__ import annotations

import pytest

from .blockparse import K, paragraphs, parse, spans

# -- pandoc's paragraph rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    "second",
    [
        "# Not a heading",
        "> not a quote",
        "- not an item",
        "+ not an item",
        "1. not an item",
        "::: {.not-a-div}",
        "~~~",
        "| not | a table |",
    ],
)
def test_paragraph_runs_on_across_a_line_that_would_start_a_block(second: str) -> None:
    doc = parse("The dough rests,", second, "and then it rises.")
    assert paragraphs(doc) == [(1, 3, f"The dough rests,\n{second}\nand then it rises.")]
    assert len(doc.blocks) == 1


def test_a_backtick_fence_interrupts_a_paragraph() -> None:
    doc = parse("The recipe:", "```", "flour = 500", "```")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.CODE, 2, 4)]


def test_a_raw_fence_interrupts_a_paragraph() -> None:
    doc = parse("The label:", "```{=html}", "<b>Rye</b>", "```")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 1), (K.RAW, 2, 4)]


def test_a_tilde_fence_does_not_interrupt_a_paragraph() -> None:
    doc = parse("The recipe:", "~~~", "flour = 500", "~~~")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 4)]


def test_inside_a_div_the_closing_fence_interrupts() -> None:
    doc = parse("::: {.note}", "Salt last.", ":::", "After.")
    assert spans(doc.blocks) == [(K.DIV, 1, 3), (K.PARAGRAPH, 4, 4)]
    assert spans(doc.blocks[0].children) == [(K.PARAGRAPH, 2, 2)]


def test_inside_a_div_an_opener_does_not_interrupt() -> None:
    # pandoc: only a closing fence ends the paragraph, so the inner `:::` closes the outer div
    doc = parse("::: {.a}", "text", "::: {.b}", "inner", ":::", ":::")
    assert spans(doc.blocks) == [(K.DIV, 1, 5), (K.PARAGRAPH, 6, 6)]
    assert paragraphs(doc)[0] == (2, 4, "text\n::: {.b}\ninner")


def test_outside_a_div_a_colon_line_is_text() -> None:
    assert paragraphs(parse("Crumbs", ":::")) == [(1, 2, "Crumbs\n:::")]


def test_inside_a_list_a_new_item_interrupts() -> None:
    doc = parse("- Knead well", "until smooth", "- Shape")
    items = doc.blocks[0].children
    assert [spans(item.children) for item in items] == [
        [(K.PARAGRAPH, 1, 2)],
        [(K.PARAGRAPH, 3, 3)],
    ]


def test_list_inside_a_div_closes_with_the_div() -> None:
    doc = parse("::: {.note}", "- one", "  more", "- two", ":::", "After.")
    assert spans(doc.blocks) == [(K.DIV, 1, 5), (K.PARAGRAPH, 6, 6)]
    assert doc.problems == ()


@pytest.mark.parametrize(("mark", "tag"), [("=====", "h1"), ("-----", "h2")])
def test_setext_heading(mark: str, tag: str) -> None:
    doc = parse("Loaves", mark, "", "Body.")
    assert spans(doc.blocks) == [(K.HEADING, 1, 2), (K.PARAGRAPH, 4, 4)]
    assert (doc.blocks[0].content, doc.blocks[0].info) == ("Loaves", tag)


def test_setext_underline_after_two_lines_is_text() -> None:
    # pandoc: a setext heading has exactly one line of text; `---` then reads as a dash
    doc = parse("one", "two", "---", "three")
    assert spans(doc.blocks) == [(K.PARAGRAPH, 1, 4)]


# -- where pandoc reads it differently ---------------------------------------------------------


def test_block_quote_before_a_div_closer() -> None:
    doc = parse("::: {.callout-note}", "> Knead for ten minutes.", ":::", "", "After @fig-x.")
    assert doc.problems == ()
    assert spans(doc.blocks) == [(K.DIV, 1, 3), (K.PARAGRAPH, 5, 5)]


def test_block_quote_paragraph_runs_on_across_a_hash_line() -> None:
    doc = parse("> The loaves cool", "# on the rack")
    assert spans(doc.blocks) == [(K.BLOCKQUOTE, 1, 2)]


def test_setext_heading_without_a_blank_line_after() -> None:
    doc = parse("Loaves", "-----", "Body text.")
    assert spans(doc.blocks) == [(K.HEADING, 1, 2), (K.PARAGRAPH, 3, 3)]
