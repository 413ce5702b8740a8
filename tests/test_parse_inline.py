"""Parse stage, inline level: `analyze` (figure references and images), `float_target` and
`plain_text`, whose conventions are DESIGN.md's "plain text" rules for the JSON audit."""

from __future__ import annotations

import pytest

from reviewer.parse.inline import InlineImage, analyze, float_target, plain_text


def targets(content: str) -> list[str]:
    return [ref.target for ref in analyze(content).refs]


def one_image(content: str) -> InlineImage:
    images = analyze(content).images
    assert len(images) == 1, images
    return images[0]


# -- references --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("As @fig-oven shows, it is hot.", ["fig-oven"]),
        ("@Fig-oven shows the heat.", ["fig-oven"]),
        ("The oven heats up quickly [-@fig-oven].", ["fig-oven"]),
        ("Compare the two [@fig-rye; @fig-spelt].", ["fig-rye", "fig-spelt"]),
        ("See [Figure @fig-rye] for the crumb.", ["fig-rye"]),
        ("First @fig-a, then @fig-b.", ["fig-a", "fig-b"]),
        ("Loaves rise\n(see @fig-rise)\nin an hour.", ["fig-rise"]),
        (
            "In **@fig-bold** and *@fig-em* and [a link @fig-link](u.html).",
            ["fig-bold", "fig-em", "fig-link"],
        ),
    ],
)
def test_reference_forms(content: str, expected: list[str]) -> None:
    assert targets(content) == expected


@pytest.mark.parametrize("after", [".", ",", ":", ";", ")", "!", "?", "'s"])
def test_trailing_punctuation_is_not_part_of_the_id(after: str) -> None:
    assert targets(f"(Look at @fig-crust{after} now)") == ["fig-crust"]


def test_internal_punctuation_followed_by_a_word_character_is_part_of_the_id() -> None:
    # pandoc's citation key: `.` or `:` inside the key when a word character follows
    assert targets("See @fig-v2.1 here.") == ["fig-v2.1"]


def test_written_form_and_offset_of_each_reference() -> None:
    content = "Both [-@fig-a] and @Fig-b."
    refs = analyze(content).refs
    assert [ref.target for ref in refs] == ["fig-a", "fig-b"]
    assert [ref.written for ref in refs] == ["@fig-a", "@Fig-b"]
    assert [ref.offset for ref in refs] == [content.index("@fig-a"), content.index("@Fig-b")]


def test_email_address_is_not_a_reference() -> None:
    assert targets("Write to orders@fig-bakery.org before noon.") == []
    assert targets("orders_desk@fig-x.org") == []


@pytest.mark.parametrize(
    "content",
    ["Type `@fig-oven` to cite it.", "Use ``a `@fig-oven` b`` here.", "Escaped \\@fig-oven."],
)
def test_references_in_code_or_escaped_are_ignored(content: str) -> None:
    assert targets(content) == []


def test_reference_next_to_inline_code_still_counts() -> None:
    assert targets("`x` and @fig-oven and `y`") == ["fig-oven"]


@pytest.mark.parametrize(
    "content", ["See @sec-intro.", "Cited [@smith2020].", "See @eq-loss.", "@TBL-x is a citation."]
)
def test_other_cross_references_and_citations_are_not_floats(content: str) -> None:
    assert targets(content) == []


def test_tables_and_listings_are_referenced_like_figures() -> None:
    assert targets("@Tbl-prices and @lst-query, then [@tbl-x; @fig-y].") == [
        "tbl-prices",
        "lst-query",
        "tbl-x",
        "fig-y",
    ]


@pytest.mark.parametrize(
    ("key", "target"),
    [
        ("fig-oven", "fig-oven"),
        ("Fig-oven", "fig-oven"),
        ("fig-", None),
        ("fig", None),
        ("tbl-oven", "tbl-oven"),
        ("Lst-oven", "lst-oven"),
        ("LST-oven", None),
        ("tbl-", None),
        ("figure-oven", None),
        ("sec-fig-oven", None),
    ],
)
def test_float_target(key: str, target: str | None) -> None:
    assert float_target(key) == target


# -- images ------------------------------------------------------------------------------------


def test_image_with_attributes() -> None:
    content = '![A *dark* crust.](img/crust.png){#fig-crust fig-alt="A \\"dark\\" loaf." width=50%}'
    image = one_image(content)
    assert image.attrs.id == "fig-crust"
    assert image.attrs.get("fig-alt") == 'A "dark" loaf.'
    assert image.attrs.get("width") == "50%"
    assert image.src == "img/crust.png"
    assert image.caption_source == "A *dark* crust."
    assert image.caption_text == "A dark crust."
    assert (image.offset, image.end) == (0, len(content))


def test_image_path_is_url_decoded() -> None:
    assert one_image("![Rye.](my%20loaf.png){#fig-rye}").src == "my loaf.png"


def test_linked_image_keeps_its_attributes() -> None:
    content = '[![Live map.](map.png){#fig-map fig-alt="A map."}](https://example.org/map)'
    image = one_image(content)
    assert image.attrs.id == "fig-map"
    assert image.attrs.get("fig-alt") == "A map."
    assert image.caption_text == "Live map."
    assert content[image.offset : image.end] == '![Live map.](map.png){#fig-map fig-alt="A map."}'


def test_attributes_spanning_lines() -> None:
    content = '![Rising dough.](rise.png){#fig-rise\n  fig-alt="Dough in a bowl,\n  twice as high"}'
    image = one_image(content)
    assert image.attrs.id == "fig-rise"
    assert " ".join((image.attrs.get("fig-alt") or "").split()) == "Dough in a bowl, twice as high"
    assert image.end == len(content)


def test_attributes_must_follow_the_image_directly() -> None:
    # pandoc: `![cap](a.png) {#fig-x}` is an image without attributes, then text
    result = analyze("![Cap.](a.png) {#fig-x}")
    assert result.images[0].attrs.id is None
    assert "{#fig-x}" in result.text


def test_image_without_attributes() -> None:
    image = one_image("![Just a loaf.](loaf.png)")
    assert image.attrs.id is None
    assert image.caption_text == "Just a loaf."


def test_empty_caption() -> None:
    image = one_image("![](bare.png){#fig-bare}")
    assert (image.caption_text, image.attrs.id) == ("", "fig-bare")


def test_reference_inside_a_caption_belongs_to_the_image() -> None:
    result = analyze("![Like @fig-rye, but darker.](spelt.png){#fig-spelt}")
    assert result.refs == []
    assert [ref.target for ref in result.images[0].refs] == ["fig-rye"]


def test_rest_text_is_the_prose_outside_images() -> None:
    assert analyze("![Loaf.](l.png){#fig-l}").rest_text == ""
    mixed = analyze("Here is @fig-l: ![Loaf.](l.png){#fig-l} on a board.")
    assert len(mixed.images) == 1
    assert "Loaf." not in mixed.rest_text
    assert "@fig-l" in mixed.rest_text
    assert "on a board." in mixed.rest_text


def test_several_images_in_one_paragraph() -> None:
    result = analyze("![A.](a.png){#fig-a} ![B.](b.png){#fig-b}")
    assert [img.attrs.id for img in result.images] == ["fig-a", "fig-b"]
    assert result.images[0].end <= result.images[1].offset


# -- plain text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Some *soft* and **crusty** and _dark_ bread", "Some soft and crusty and dark bread"),
        ("A [crumb chart](http://example.org/c) here", "A crumb chart here"),
        ("Call `bake()` twice", "Call bake() twice"),
        ("Area $x^2$ grows", "Area x^2 grows"),
        ("About 10$^{14}$ spores", "About 10^{14} spores"),
        ("A 33.0$\\times$ rise", "A 33.0\\times rise"),
        ("Energy $$E = mc^2$$ here", "Energy E = mc^2 here"),
        ("The 1^st^ batch", "The 1st batch"),
        ("H~2~O and CO~2~", "H2O and CO2"),
        ("~~stale~~ fresh", "stale fresh"),
        ("Crumb\\index{crumb} texture", "Crumb texture"),
        ("Rye[^1] bread", "Rye bread"),
        ("Rye^[A note about *rye*.] bread", "Rye bread"),
        ('A <b>bold</b> <span class="x">loaf</span>', "A bold loaf"),
        ("As shown by [@baker2020]", "As shown by [@baker2020]"),
        ("See @fig-oven.", "See @fig-oven."),
        ("[Rye]{.smallcaps} bread", "Rye bread"),
        ("  Flour,\n   water\n\tand   salt.  ", "Flour, water and salt."),
        ("Costs $5 and $6 today", "Costs $5 and $6 today"),
        ("A \\$ sign", "A $ sign"),
        ("Hidden <!-- not this --> text", "Hidden text"),
        ("![A *nested* caption](x.png) after", "A nested caption after"),
        ("", ""),
    ],
)
def test_plain_text_conventions(source: str, expected: str) -> None:
    assert plain_text(source) == expected


def test_analyze_text_is_the_plain_text() -> None:
    source = "The *first* loaf ([-@fig-a]) rose 10$^{2}$ mm[^n]."
    expected = "The first loaf ([-@fig-a]) rose 10^{2} mm."
    assert analyze(source).text == plain_text(source) == expected


def test_raw_inline_html_code_is_dropped_but_other_attributed_code_is_kept() -> None:
    assert plain_text("Raw `<br>`{=html} gone, `kept`{.python} stays") == "Raw gone, kept stays"
