"""Evaluate stage, perturbations: `mentions_only` and `contradicts` edit only prose, keep the
figure's reference and every other reference and citation, still parse as one paragraph, and
are the same for the same seed. Paragraphs are original text about the fixtures' bakery."""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path

import pytest

from reviewer.evaluate.chapter import PerturbedFigure, perturb_chapter, perturb_path
from reviewer.evaluate.facts import Kind
from reviewer.evaluate.gold import dump_gold, parse_gold
from reviewer.evaluate.perturb import (
    BARE,
    contradicts,
    describes,
    mentions_only,
    mentions_only_edit,
)
from reviewer.evaluate.source import read_source, sentences
from reviewer.extract import extract
from reviewer.judge.rewrite_scan import CITATION, REFERENCE, scan_text
from reviewer.model import Verdict
from reviewer.parse.document import parse_document
from reviewer.parse.tree import BlockKind
from reviewer.project.load import load_chapter

from .conftest import CORPUS, FIXTURES, need_corpus

OVEN = (
    "Our bakery bakes rye and spelt loaves every morning. "
    "@fig-oven plots the oven temperature against time for one batch. "
    "It climbs to 230 degrees within 15 minutes and then holds steady. "
    "Ovens cool slowly overnight."
)
OVEN_CAPTION = "Oven temperature during one batch: the oven reaches 230 degrees after 15 minutes."
MAP = "The Harbour branch is the busiest of our shops (@fig-map)."
MAP_CAPTION = "Map of the Harbour, Market and Station branches."


def keys(text: str) -> set[tuple[str, str]]:
    """The references and citations the rewrite checks' scanner finds."""
    return {(i.kind, i.key) for i in scan_text(text).items if i.kind in (REFERENCE, CITATION)}


def assert_valid(original: str, variant: str, figure_id: str) -> None:
    """Still one paragraph, the same references and citations, nothing left unmatched."""
    blocks = parse_document(variant, "variant.qmd").blocks
    assert [b.kind for b in blocks] == [BlockKind.PARAGRAPH], variant
    assert keys(variant) == keys(original), variant
    assert (REFERENCE, figure_id) in keys(variant)
    # No new unmatched `$`; dropping a sentence may drop one (a price in a table's intro).
    assert not Counter(scan_text(variant).issues) - Counter(scan_text(original).issues), variant


def one_edit(original: str, variant: str) -> tuple[str, str]:
    """The one run of words that differs between two texts, as (before, after)."""
    a, b = original.split(), variant.split()
    changes = [op for op in difflib.SequenceMatcher(a=a, b=b).get_opcodes() if op[0] != "equal"]
    assert len(changes) == 1, changes
    _, i1, i2, j1, j2 = changes[0]
    return " ".join(a[i1:i2]), " ".join(b[j1:j2])


# -- contradicts ---------------------------------------------------------------------------------


def test_a_shared_number_is_changed() -> None:
    found = contradicts(OVEN, "fig-oven", OVEN_CAPTION, None, seed=1)
    assert found is not None and found.kind is Kind.NUMBER
    # 230 and 15 are both in the caption; either doubles (and so differs from the caption's).
    assert (found.original, found.replacement) in {("230", "460"), ("15", "30")}
    assert found.contradicts == found.original and found.where == "caption"
    assert found.evidence == OVEN_CAPTION
    after = found.offset + len(found.original)
    assert found.text == OVEN[: found.offset] + found.replacement + OVEN[after:]
    assert_valid(OVEN, found.text, "fig-oven")


# (paragraph, caption, the edit); the alt text is always "It reaches 690."
NUMBERS = {
    # x2 is 460 and x3 is 690, both stated: x4 it is.
    "not-in-caption": ("@fig-x: ovens reach 230 degrees.", "230 or 460.", ("230", "920")),
    "year": ("@fig-x: prices since 2019.", "Prices, 2019 to 2020.", ("2019.", "2018.")),
    "decimal": ("@fig-x: a bake costs 0.4 kWh.", "Energy: 0.4 kWh.", ("0.4", "0.8")),
    "comma": ("@fig-x: 1,500 loaves a day.", "About 1,500 loaves.", ("1,500", "3,000")),
    "percent": ("@fig-x: 95% of loaves sell.", "95% sold.", ("95%", "190%")),
}


@pytest.mark.parametrize(("paragraph", "caption", "edit"), NUMBERS.values(), ids=NUMBERS)
def test_number_replacements(paragraph: str, caption: str, edit: tuple[str, str]) -> None:
    found = contradicts(paragraph, "fig-x", caption, "It reaches 690.")
    assert found is not None and found.kind is Kind.NUMBER
    assert one_edit(paragraph, found.text) == edit
    assert_valid(paragraph, found.text, "fig-x")


def test_a_number_beats_a_direction_word() -> None:
    paragraph = "As @fig-sales shows, sales rise by 20 loaves on wet days."
    found = contradicts(paragraph, "fig-sales", "Sales rise by 20 loaves when it rains.", None)
    assert found is not None and (found.kind, found.original) == (Kind.NUMBER, "20")


DIRECTIONS = {
    "verb": ("As @fig-sales shows, sales rise when wet.", "Sales rise when wet.", ("rise", "fall")),
    "capital": ("Higher prices follow (@fig-sales).", "Prices are higher.", ("Higher", "Lower")),
    "place": ("In @fig-sales the oven is at the left.", "Oven on the left.", ("left.", "right.")),
}


@pytest.mark.parametrize(("paragraph", "caption", "edit"), DIRECTIONS.values(), ids=DIRECTIONS)
def test_a_shared_direction_word_is_flipped(
    paragraph: str, caption: str, edit: tuple[str, str]
) -> None:
    found = contradicts(paragraph, "fig-sales", caption, None)
    assert found is not None and found.kind is Kind.DIRECTION
    assert one_edit(paragraph, found.text) == edit
    assert found.contradicts.lower() == found.original.lower()
    assert_valid(paragraph, found.text, "fig-sales")


def test_a_shared_label_is_swapped_for_one_the_paragraph_does_not_use() -> None:
    found = contradicts(MAP, "fig-map", MAP_CAPTION, None, seed=3)
    assert found is not None and found.kind is Kind.LABEL
    assert (found.original, found.contradicts) == ("Harbour", "Harbour")
    assert found.replacement in {"Market", "Station"}
    assert_valid(MAP, found.text, "fig-map")
    uses_market = "The Harbour and Market branches are busy (@fig-map)."
    swapped = contradicts(uses_market, "fig-map", MAP_CAPTION, None, seed=3)
    assert swapped is not None and swapped.replacement == "Station"


def test_a_quoted_label() -> None:
    paragraph = 'In @fig-loaves the "rye" loaf is the darkest.'
    found = contradicts(paragraph, "fig-loaves", 'Loaves by flour: "rye" and "spelt".', None)
    assert found is not None and found.kind is Kind.LABEL
    assert found.text == 'In @fig-loaves the "spelt" loaf is the darkest.'


def test_the_alt_text_counts_as_well() -> None:
    found = contradicts(MAP, "fig-map", "Our shops.", "A map with pins for Harbour and Market.")
    assert found is not None and (found.where, found.replacement) == ("alt", "Market")


def test_protected_spans_are_never_edited() -> None:
    # 230 appears in math, code, a citation's locator, a URL, a link and a shortcode: only
    # prose counts, so there is nothing to change.
    protected = (
        "In @fig-oven the probe reads $230$ at `t = 230` [@baker2020, p. 230], see "
        "https://example.org/230, [the 230 log](log.html) and {{< var oven.230 >}}."
    )
    caption = "The oven rises to 230 degrees."
    assert contradicts(protected, "fig-oven", caption, None) is None
    found = contradicts(protected + " It reaches 230 degrees.", "fig-oven", caption, None)
    assert found is not None and found.offset == len(protected) + len(" It reaches ")
    assert found.text.startswith(protected)
    key = "@fig-oven ends in 2020 [@baker2020; @fig-2020]."
    dated = contradicts(key, "fig-oven", "Records to 2021.", "Since 2020.")
    assert dated is not None and dated.text == "@fig-oven ends in 2019 [@baker2020; @fig-2020]."
    only_keys = "@fig-oven tells it [@baker2020; @fig-2020]."
    assert contradicts(only_keys, "fig-oven", "Records to 2021.", "Since 2020.") is None
    in_code = "@fig-oven calls `rise()` before the oven rises."
    flipped = contradicts(in_code, "fig-oven", caption, None)
    assert flipped is not None and flipped.text == "@fig-oven calls `rise()` before the oven falls."


def test_a_number_opening_a_line_is_left_alone() -> None:
    # Changed to `460.` at the start of a line it could read as a list item.
    assert contradicts("The oven reaches\n230. Then @fig-oven.", "fig-oven", "230", None) is None


@pytest.mark.parametrize(
    ("paragraph", "caption"),
    [
        pytest.param("@fig-oven shows our oven.", "A brick oven from 1920.", id="no-shared-fact"),
        pytest.param("The oven reaches 230 degrees.", "230 degrees.", id="no-reference"),
        pytest.param("As @fig-map shows, it is busy.", "The Harbour branch.", id="label-unused"),
    ],
)
def test_contradicts_not_applicable(paragraph: str, caption: str) -> None:
    figure = "fig-map" if "fig-map" in paragraph else "fig-oven"
    assert contradicts(paragraph, figure, caption, None) is None


def test_contradicts_is_deterministic() -> None:
    runs = {seed: contradicts(MAP, "fig-map", MAP_CAPTION, None, seed) for seed in range(20)}
    assert all(contradicts(MAP, "fig-map", MAP_CAPTION, None, s) == c for s, c in runs.items())
    assert {c.replacement for c in runs.values() if c} == {"Market", "Station"}


# -- mentions_only -------------------------------------------------------------------------------


def test_mentions_only_replaces_the_sentences_about_the_figure() -> None:
    # The citing sentence goes, and so does the next one, which goes on about it ("It ...");
    # the bakery's background and the closing sentence stay.
    found = mentions_only(OVEN, "fig-oven", OVEN_CAPTION, None, seed=0)
    kept = "Our bakery bakes rye and spelt loaves every morning.", "Ovens cool slowly overnight."
    assert found in {f"{kept[0]} {bare.format('fig-oven')} {kept[1]}" for bare in BARE}
    assert found is not None
    assert_valid(OVEN, found, "fig-oven")
    assert mentions_only(OVEN, "@fig-oven", OVEN_CAPTION, None, seed=0) == found
    edit = mentions_only_edit(OVEN, "fig-oven", OVEN_CAPTION, None, seed=0)
    assert edit is not None and edit.text == found and len(edit.dropped) == 2
    assert edit.dropped[1] == "It climbs to 230 degrees within 15 minutes and then holds steady."


def test_mentions_only_is_deterministic() -> None:
    runs = {seed: mentions_only(OVEN, "fig-oven", OVEN_CAPTION, None, seed) for seed in range(20)}
    assert all(mentions_only(OVEN, "fig-oven", OVEN_CAPTION, None, s) == m for s, m in runs.items())
    assert len(set(runs.values())) == len(BARE)  # the seed picks the bare sentence


def test_a_sentence_that_describes_the_figure_goes_too() -> None:
    paragraph = "Every batch climbs to 230 degrees. Ovens cool slowly. Compare @fig-oven."
    found = mentions_only(paragraph, "fig-oven", OVEN_CAPTION, None, seed=0)
    assert found in {f"Ovens cool slowly. {bare.format('fig-oven')}" for bare in BARE}


def test_mentions_only_keeps_line_breaks_and_markup_elsewhere() -> None:
    paragraph = "Rye *and* spelt.\n@fig-oven plots the oven temperature\nover one batch.\nDone."
    found = mentions_only(paragraph, "fig-oven", OVEN_CAPTION, None, seed=0)
    assert found is not None
    assert found.startswith("Rye *and* spelt.\n") and found.endswith("\nDone.")
    assert_valid(paragraph, found, "fig-oven")


@pytest.mark.parametrize(
    "paragraph",
    [
        pytest.param("Ovens cool slowly overnight.", id="no-reference"),
        pytest.param("@fig-oven plots oven temperature [@baker2020].", id="citation"),
        pytest.param("@fig-oven and @fig-queue plot oven temperature.", id="other-figure"),
        pytest.param("@fig-oven plots oven temperature[^probe].", id="footnote"),
        pytest.param("Ovens cool slowly overnight. See @fig-oven.", id="already-bare"),
    ],
)
def test_mentions_only_not_applicable(paragraph: str) -> None:
    assert mentions_only(paragraph, "fig-oven", OVEN_CAPTION, None) is None


def test_describes() -> None:
    # At least two content words shared with the caption or alt, references left out.
    assert describes(OVEN, "fig-oven", OVEN_CAPTION, None)
    assert describes(MAP, "fig-map", MAP_CAPTION, None)  # harbour, branch(es)
    queue = "Customers waiting in a queue outside the Harbour branch."
    assert not describes("@fig-queue shows the queue.", "fig-queue", queue, None)  # queue only
    pointer = "These are summarised visually in @fig-oven."
    assert not describes(pointer, "fig-oven", OVEN_CAPTION, None)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("One. Two! Three? Four.", 4),
        ("Ovens, e.g. the brick one, run hot. Fig. 2 shows J. Smith at work.", 2),
        ("It runs hot (see @fig-oven). Then it cools.", 2),
        ("Call `x.y`. Next, call `z. A`.", 2),
        ("Costs $1.5 M$. Then more.", 2),
    ],
)
def test_sentences(text: str, count: int) -> None:
    assert len(sentences(read_source(text))) == count


# -- a chapter -----------------------------------------------------------------------------------


def test_perturb_chapter() -> None:
    found = perturb_path(FIXTURES / "eval" / "chapter.qmd", seed=7, name="chapter.qmd")
    # fig-queue is a bare pointer and fig-baker has no intro: neither is perturbed.
    shapes = {f.figure_id: (f.mentions, f.contradiction) for f in found}
    assert list(shapes) == ["fig-oven-temp", "fig-sales", "fig-map", "fig-flour-prices"]
    kinds = {fid: c.kind if c else None for fid, (_, c) in shapes.items()}
    assert kinds == {
        "fig-oven-temp": Kind.NUMBER,
        "fig-sales": Kind.DIRECTION,
        "fig-map": Kind.LABEL,
        "fig-flour-prices": Kind.NUMBER,
    }
    assert [fid for fid, (m, _) in shapes.items() if not m] == ["fig-flour-prices"]  # cites
    pairs = [p for f in found for p in f.pairs(book="bakery")]
    assert pairs[0].id == "bakery/chapter.qmd#fig-oven-temp~mentions"
    assert pairs[1].id == "bakery/chapter.qmd#fig-oven-temp~contradicts"
    assert {p.verdict for p in pairs} == {Verdict.MENTIONS_ONLY, Verdict.CONTRADICTS}
    assert all(p.score == 1 and p.origin == "perturbed" and p.perturbation for p in pairs)
    assert pairs[0].perturbation is not None
    assert pairs[0].perturbation.startswith('mentions_only: replaced "@fig-oven-temp plots')
    assert parse_gold(dump_gold(pairs).splitlines(), "perturbed.jsonl") == tuple(pairs)
    again = perturb_path(FIXTURES / "eval" / "chapter.qmd", seed=7, name="chapter.qmd")
    assert again == found


def test_confidence_of_perturbed_pairs() -> None:
    found = {f.figure_id: f for f in perturb_path(FIXTURES / "eval" / "chapter.qmd", seed=7)}
    # fig-oven-temp: "The first batch goes in at six." and "Ovens cool slowly overnight." are
    # kept, one content word of the caption each (batch, oven), too few to count as describing
    # the figure, but a judge could call what is left partial.
    oven = found["fig-oven-temp"]
    assert oven.mentions is not None and oven.mentions.leftover == 2
    # fig-sales: only "Dry weeks are quieter." is left, which shares nothing.
    sales = found["fig-sales"]
    assert sales.mentions is not None and sales.mentions.leftover == 0
    confidence = {p.id.rsplit("#", 1)[1]: p.confidence for f in found.values() for p in f.pairs()}
    assert confidence["fig-oven-temp~mentions"] == "low"
    assert confidence["fig-sales~mentions"] == "high"
    # "Sales rise when it rains" and "Daily bread sales rise on wet days" share "sale".
    assert confidence["fig-sales~contradicts"] == "high"


def test_perturb_chapter_default_ids_use_the_chapter_path() -> None:
    extraction, _ = extract(load_chapter(FIXTURES / "eval" / "chapter.qmd"))
    first = next(perturb_chapter(extraction, seed=0))
    assert first.stem == f"{extraction.path}#fig-oven-temp"


def test_r4ds() -> None:
    need_corpus()
    chapters = sorted((CORPUS / "r4ds").glob("*.qmd"))
    found = [f for path in chapters for f in perturb_path(path, seed=1729)]
    mentions = [f for f in found if f.mentions is not None]
    contradictions = [f for f in found if f.contradiction is not None]
    print(f"r4ds: {len(found)} figures, {len(mentions)} mentions, {len(contradictions)} contra")
    assert len(mentions) >= 20 and len(contradictions) >= 5
    assert_all_valid(found)


def assert_all_valid(found: list[PerturbedFigure]) -> None:
    """Every variant keeps the reference and the paragraph's structure; every contradiction
    changes one word that the caption or alt text states."""
    for f in found:
        if f.mentions is not None:
            assert_valid(f.original, f.mentions.text, f.figure_id)
        c = f.contradiction
        if c is None:
            continue
        assert_valid(f.original, c.text, f.figure_id)
        before, after = one_edit(f.original, c.text)
        assert c.original in before and c.replacement in after, (before, after)
        stated = f.caption if c.where == "caption" else f.alt
        assert stated is not None and c.contradicts in stated and c.evidence in stated
        said, stated_word = c.original.lower(), c.contradicts.lower()
        # The same word in another form: increase, increased, increasing; rise, rises.
        shared = next(
            (n for n, (a, b) in enumerate(zip(said, stated_word, strict=False)) if a != b),
            min(len(said), len(stated_word)),
        )
        same_stem = shared >= min(4, len(said), len(stated_word))
        assert same_stem or c.kind is Kind.NUMBER, (said, stated_word)


def test_every_corpus_variant_is_valid() -> None:
    need_corpus()
    chapters = sorted(p for p in CORPUS.rglob("*.qmd") if not p.name.startswith("_"))
    found = [f for path in chapters for f in perturb_path(path, seed=1729)]
    assert sum(f.contradiction is not None for f in found) >= 50
    assert_all_valid(found)


def test_r4ds_is_deterministic() -> None:
    need_corpus()
    path = Path(CORPUS / "r4ds" / "joins.qmd")
    assert perturb_path(path, seed=5) == perturb_path(path, seed=5)
