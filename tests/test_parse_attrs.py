"""Parse stage: `parse_attrs`, pandoc attribute lists `{#id .class key=value}`.

Expectations follow pandoc's Markdown reader (checked against `pandoc -f markdown -t native`
on `[t]{...}` spans): Quarto accepts whatever pandoc accepts here."""

from __future__ import annotations

import pytest

from reviewer.parse.attrs import parse_attrs
from reviewer.parse.tree import Attrs


def attrs_of(src: str) -> Attrs:
    parsed = parse_attrs(src)
    assert parsed is not None, f"{src!r} should parse"
    return parsed[0]


# -- ids and classes ---------------------------------------------------------------------------


def test_id_classes_and_pairs_together() -> None:
    attrs = attrs_of('{#fig-oven .wide .framed fig-alt="A brick oven."}')
    assert attrs.id == "fig-oven"
    assert attrs.classes == ("wide", "framed")
    assert attrs.pairs == (("fig-alt", "A brick oven."),)


def test_empty_attribute_list() -> None:
    assert attrs_of("{}") == Attrs()


def test_spaces_inside_the_braces_are_ignored() -> None:
    assert attrs_of("{  #fig-a   .b  }") == Attrs("fig-a", ("b",), ())


def test_a_later_id_replaces_an_earlier_one() -> None:
    assert attrs_of("{#first #second}").id == "second"


def test_id_may_hold_colons_dots_and_underscores() -> None:
    assert attrs_of("{#fig-a_b:c.d}").id == "fig-a_b:c.d"


def test_a_bare_hash_is_not_an_attribute_list() -> None:
    assert parse_attrs("{#}") is None
    assert parse_attrs("{.}") is None


def test_get_returns_the_first_value_of_a_key() -> None:
    attrs = attrs_of("{k=1 k=2}")
    assert attrs.pairs == (("k", "1"), ("k", "2"))
    assert attrs.get("k") == "1"
    assert attrs.get("missing") is None


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "value"),
    [
        ('{fig-alt="A tall rack."}', "A tall rack."),
        ("{fig-alt='A tall rack.'}", "A tall rack."),
        ("{width=50%}", "50%"),
        ('{fig-alt=""}', ""),
        ("{fig-alt=''}", ""),
        ("{width=}", ""),
    ],
)
def test_quoted_single_quoted_and_unquoted_values(src: str, value: str) -> None:
    attrs = attrs_of(src)
    assert attrs.pairs == ((src[1 : src.index("=")], value),)


def test_unquoted_value_ends_at_space_or_brace() -> None:
    attrs = attrs_of("{width=50% height=2in}")
    assert attrs.pairs == (("width", "50%"), ("height", "2in"))


def test_quotes_of_the_other_kind_are_plain_characters() -> None:
    assert attrs_of("{k='say \"rye\"'}").get("k") == 'say "rye"'
    assert attrs_of('{k="the baker\'s"}').get("k") == "the baker's"


def test_escaped_quotes_inside_quoted_values() -> None:
    assert attrs_of(r'{k="a \"warm\" oven"}').get("k") == 'a "warm" oven'
    assert attrs_of(r"{k='it\'s hot'}").get("k") == "it's hot"


def test_backslash_before_a_letter_is_kept() -> None:
    assert attrs_of(r'{k="C:\bread"}').get("k") == r"C:\bread"


def test_escaped_backslash() -> None:
    assert attrs_of(r'{k="a\\b"}').get("k") == "a\\b"


def test_character_references_in_quoted_values_are_decoded() -> None:
    assert attrs_of('{k="flour &amp; water"}').get("k") == "flour & water"


def test_a_quoted_value_may_hold_braces() -> None:
    parsed = parse_attrs('{k="a {b} c"} after')
    assert parsed is not None
    assert parsed[0].get("k") == "a {b} c"
    assert parsed[1] == len('{k="a {b} c"}')


def test_value_spanning_lines_turns_each_newline_into_a_space() -> None:
    # pandoc: `k="one\n  two"` -> "one   two" (newline -> space, indentation kept)
    attrs = attrs_of('{#fig-m\n  fig-alt="A rack\n  of loaves"\n  width="80%"}')
    assert attrs.id == "fig-m"
    assert attrs.get("fig-alt") == "A rack   of loaves"
    assert attrs.get("width") == "80%"


def test_a_blank_line_inside_a_quoted_value_is_rejected() -> None:
    assert parse_attrs('{fig-alt="first part\n\nsecond part"}') is None
    assert parse_attrs('{fig-alt="first part\n   \nsecond part"}') is None


# -- raw and bare markers ----------------------------------------------------------------------


def test_raw_format_marker() -> None:
    assert attrs_of("{=html}").classes == ("=html",)
    assert attrs_of("{=latex}").classes == ("=latex",)


def test_bare_words_are_read_as_classes() -> None:
    # what ```{python} and `::: note` need
    assert attrs_of("{python}").classes == ("python",)


# -- failure and end index ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    ["{#fig-x", '{k="never closed}', "{k='open", "{.wide", "{", "", "#fig-x}", " {#fig-x}"],
)
def test_not_an_attribute_list(src: str) -> None:
    assert parse_attrs(src) is None


def test_end_index_is_just_after_the_closing_brace() -> None:
    src = "{#fig-a width=50%} and more"
    parsed = parse_attrs(src)
    assert parsed is not None
    assert parsed[1] == src.index("}") + 1
    assert src[parsed[1] :] == " and more"


def test_start_offset_is_honoured() -> None:
    src = "![Loaves](l.png){#fig-l .wide} next"
    start = src.index("{")
    parsed = parse_attrs(src, start)
    assert parsed is not None
    attrs, end = parsed
    assert attrs == Attrs("fig-l", ("wide",), ())
    assert src[end:] == " next"


def test_start_must_point_at_a_brace() -> None:
    src = "x {#fig-a}"
    assert parse_attrs(src, 0) is None
    assert parse_attrs(src, 1) is None
    assert parse_attrs(src, len(src)) is None
    assert parse_attrs(src, 2) is not None


def test_end_index_after_a_multi_line_list() -> None:
    src = '{#fig-a\nfig-alt="x"}\nnext line'
    parsed = parse_attrs(src)
    assert parsed is not None
    assert src[parsed[1] :] == "\nnext line"


def test_only_the_first_closing_brace_ends_the_list() -> None:
    parsed = parse_attrs("{#x}}")
    assert parsed is not None
    assert parsed == (Attrs("x"), 4)


# -- where pandoc reads it differently ---------------------------------------------------------


def test_escaped_space_in_unquoted_value() -> None:
    assert attrs_of(r"{k=a\ b}") == Attrs(None, (), (("k", "a b"),))


def test_id_and_class_keys_set_id_and_classes() -> None:
    assert attrs_of('{id="fig-rye" class="wide framed"}') == Attrs(
        "fig-rye", ("wide", "framed"), ()
    )
