"""Judge stage, rewrite checks: `check_rewrite` accepts a minimal edit of a figure's introducing
paragraph and names each way a rewrite loses, breaks or invents something."""

from __future__ import annotations

import pytest

from reviewer.judge.rewrite import check_rewrite

ORIGINAL = (
    "As @fig-loss shows, the training loss falls from 2.5 to 0.3 within 1,000 steps "
    "[@smith2020], while the validation loss $L_v$ plateaus at 95% of `fit()`'s "
    "baseline[^1]; see also @tbl-runs and @sec-setup."
)
# A minimal edit that keeps everything: the base every failing case changes in one place.
GOOD = ORIGINAL.replace("falls", "drops").replace("plateaus", "levels off")
CAPTION = "Training and validation loss over 5 epochs."
ALT = "Line chart of loss against step, with 12 ticks."
NOT_IN = "which is not in the paragraph, caption or alt text"
NOT_HAD = "which the paragraph does not have"


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def check(rewrite: str) -> tuple[str, ...]:
    return check_rewrite(ORIGINAL, rewrite, figure_id="fig-loss", caption=CAPTION, alt=ALT)


def test_a_good_rewrite_passes() -> None:
    assert check(GOOD) == ()


@pytest.mark.parametrize(
    ("rewrite", "expected"),
    [
        pytest.param(edit(" [@smith2020]", ""), ["drops the citation [@smith2020]"], id="citation"),
        pytest.param(
            edit("As @fig-loss shows", "As the plot shows"),
            ["drops the reference @fig-loss"],
            id="figure-ref",
        ),
        pytest.param(
            edit("@fig-loss", "@fig-lost"),
            ["drops the reference @fig-loss", f"adds the reference @fig-lost, {NOT_HAD}"],
            id="other-figure",
        ),
        pytest.param(edit("@tbl-runs and ", ""), ["drops the reference @tbl-runs"], id="tbl-ref"),
        pytest.param(edit(" and @sec-setup", ""), ["drops the reference @sec-setup"], id="sec-ref"),
        pytest.param(
            edit("validation loss $L_v$", "validation loss"),
            ["drops the inline math $L_v$"],
            id="math",
        ),
        pytest.param(
            edit("$L_v$", "$L_t$"),
            ["drops the inline math $L_v$", f"adds the inline math $L_t$, {NOT_HAD}"],
            id="changed-math",
        ),
        pytest.param(
            edit("`fit()`'s", "the fit function's"), ["drops the inline code `fit()`"], id="code"
        ),
        pytest.param(
            edit("baseline[^1]", "baseline"), ["drops the footnote marker [^1]"], id="note"
        ),
    ],
)
def test_what_the_rewrite_drops(rewrite: str, expected: list[str]) -> None:
    assert check(rewrite) == tuple(expected)


@pytest.mark.parametrize(
    ("rewrite", "expected"),
    [
        pytest.param(
            edit("[@smith2020]", "[@smith2020; @jones2021]"),
            [f"adds the citation [@jones2021], {NOT_HAD}"],
            id="citation",
        ),
        pytest.param(
            edit("see also", "see also @tbl-extra,"),
            [f"adds the reference @tbl-extra, {NOT_HAD}"],
            id="reference",
        ),
        pytest.param(
            edit("baseline[^1]", "baseline[^1]^[As measured.]"),
            [f"adds an inline note ^[...], {NOT_HAD}"],
            id="inline-note",
        ),
        pytest.param(
            edit("steps", "steps (<https://example.org/run>)"),
            [f"adds the link https://example.org/run, {NOT_HAD}"],
            id="link",
        ),
        pytest.param(
            edit("1,000 steps", "1,000 steps and 42 epochs"),
            [f"adds the number 42, {NOT_IN}"],
            id="number",
        ),
        pytest.param(
            edit("0.3 within", "0.3 (a 88.5% drop) within"),
            [f"adds the number 88.5%, {NOT_IN}"],
            id="percentage",
        ),
    ],
)
def test_what_the_rewrite_adds(rewrite: str, expected: list[str]) -> None:
    assert check(rewrite) == tuple(expected)


@pytest.mark.parametrize(
    ("rewrite", "expected"),
    [
        pytest.param(
            edit("@tbl-runs and", "@tbl-runs.And"),
            ["breaks the reference @tbl-runs: written @tbl-runs.And"],
            id="punctuation-runs-into-key",
        ),
        pytest.param(
            edit("@fig-loss shows", "@fig-loss.Shows"),
            ["breaks the reference @fig-loss: written @fig-loss.Shows"],
            id="figure-ref",
        ),
        pytest.param(
            edit("@sec-setup", "@sec-"),
            ["has a reference with no label: @sec-", "drops the reference @sec-setup"],
            id="no-label",
        ),
        pytest.param(
            edit("[@smith2020]", "[@smith2020"),
            ["leaves the citation [@smith2020 unclosed"],
            id="unclosed-citation",
        ),
        pytest.param(edit("steps", "steps]"), ["has an unmatched ]"], id="stray-bracket"),
        pytest.param(
            edit("$L_v$", "$L_v"),
            ["has an unmatched $", "drops the inline math $L_v$"],
            id="unclosed-math",
        ),
        pytest.param(
            edit("`fit()`", "`fit()"),
            ["has an unmatched backtick", "drops the inline code `fit()`"],
            id="unclosed-code",
        ),
    ],
)
def test_broken_syntax(rewrite: str, expected: list[str]) -> None:
    assert check(rewrite) == tuple(expected)


@pytest.mark.parametrize(
    ("rewrite", "expected"),
    [
        pytest.param(
            edit("; see also", ".\n\nSee also"),
            ["has a blank line, so it is more than one paragraph"],
            id="blank-line",
        ),
        pytest.param(edit("; see also", ".\n# See also"), ["has a heading line"], id="heading"),
        pytest.param(
            edit("; see also", ".\n---\nSee also"),
            ["has a line that turns it into a heading"],
            id="setext-underline",
        ),
        pytest.param(edit("; see also", ".\n~~~\nSee also"), ["has a code fence"], id="fence"),
        pytest.param(
            edit("; see also", ".\n```\nSee also"),
            ["has a code fence", "has an unmatched backtick"],
            id="backtick-fence",
        ),
        pytest.param(edit("; see also", ".\n:::\nSee also"), ["has a div fence"], id="div"),
        pytest.param("- " + GOOD, ["starts with a list marker"], id="bullet"),
        pytest.param("#. " + GOOD, ["starts with a list marker"], id="numbered"),
        pytest.param("> " + GOOD, ["starts with a block quote marker"], id="block-quote"),
    ],
)
def test_structure(rewrite: str, expected: list[str]) -> None:
    assert check(rewrite) == tuple(expected)


def test_a_list_marker_the_paragraph_already_had_is_kept() -> None:
    original = "1. As @fig-loss shows, the loss falls."
    assert (
        check_rewrite(original, "1. As @fig-loss shows, the loss drops.", figure_id="fig-loss")
        == ()
    )


@pytest.mark.parametrize(
    ("rewrite", "expected"),
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param(" \n\t", "is empty", id="blank"),
        pytest.param(ORIGINAL, "is identical to the paragraph", id="identical"),
        pytest.param(
            ORIGINAL.replace(" the validation", "\nthe validation"),
            "is identical to the paragraph",
            id="rewrapped",
        ),
    ],
)
def test_no_rewrite(rewrite: str, expected: str) -> None:
    assert check(rewrite) == (expected,)


# -- length: the paragraph is 199 characters, so 60 to 697 -----------------------------------------

PLAIN = ("word " * 40).strip()


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        pytest.param(697, (), id="longest"),
        pytest.param(
            698,
            ("is 3.5 times as long as the paragraph (698 characters, at most 697)",),
            id="too-long",
        ),
        pytest.param(60, (), id="shortest"),
        pytest.param(
            59,
            ("is under 0.3 times as long as the paragraph (59 characters, at least 60)",),
            id="too-short",
        ),
    ],
)
def test_length(length: int, expected: tuple[str, ...]) -> None:
    assert check_rewrite(PLAIN, "x" * length, figure_id=None) == expected


def test_a_short_paragraph_may_grow_by_a_sentence() -> None:
    rewrite = "The loss falls. It falls fastest at the start, then levels off near the end."
    assert check_rewrite("The loss falls.", rewrite, figure_id=None) == ()


# -- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(edit("1,000 steps", "1000 steps"), id="thousands-separator"),
        pytest.param(edit("95%", "95 percent"), id="percent-sign"),
        pytest.param(edit("0.3 within", "0.30 within"), id="trailing-zero"),
        pytest.param(edit("steps", "steps, over 5 epochs"), id="number-from-caption"),
        pytest.param(edit("steps", "steps (12 ticks)"), id="number-from-alt"),
    ],
)
def test_numbers_the_paragraph_caption_or_alt_has(rewrite: str) -> None:
    assert check(rewrite) == ()


def test_a_separator_the_paragraph_lacks_is_the_same_number() -> None:
    original = "As @fig-loss shows, the loss falls within 1000 steps."
    rewrite = "As @fig-loss shows, the loss drops within 1,000 steps."
    assert check_rewrite(original, rewrite, figure_id="fig-loss") == ()


def test_without_caption_or_alt_the_message_names_only_the_paragraph() -> None:
    rewrite = "As @fig-loss shows, the loss falls within 3 epochs."
    assert check_rewrite("As @fig-loss shows, the loss falls.", rewrite, figure_id="fig-loss") == (
        "adds the number 3, which is not in the paragraph",
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("@fig-loss-2", "@fig-loss-3", "the reference @fig-loss-", id="reference"),
        pytest.param("[@smith2020]", "[@smith2021]", "the citation [@smith202", id="citation"),
        pytest.param("$x_2$", "$x_3$", "the inline math $x_", id="math"),
        pytest.param("`f(2)`", "`f(3)`", "the inline code `f(", id="code"),
        pytest.param("https://x.org/v2", "https://x.org/v3", "the link https://x.org/v", id="url"),
    ],
)
def test_numbers_inside_markup_are_not_prose(old: str, new: str, expected: str) -> None:
    """Changing the number inside a reference, math, code or a URL is reported as changing
    that, not as adding a number."""
    original = f"As @fig-loss shows, see {old} for the loss."
    problems = check_rewrite(original, original.replace(old, new), figure_id="fig-loss")
    assert [p.startswith(("drops " + expected, "adds " + expected)) for p in problems] == [
        True,
        True,
    ], problems


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("@fig-loss-2", id="figure-id"),
        pytest.param("[@smith2002]", id="citation-key"),
        pytest.param("https://example.org/run2", id="url"),
        pytest.param("$x_2$", id="math-index"),
    ],
)
def test_a_number_in_a_name_does_not_license_it_in_prose(source: str) -> None:
    original = f"As @fig-loss shows, the loss falls ({source})."
    rewrite = f"As @fig-loss shows, the loss falls in 2 steps ({source})."
    assert check_rewrite(original, rewrite, figure_id="fig-loss") == (
        "adds the number 2, which is not in the paragraph",
    )


def test_a_number_the_paragraph_states_in_math_may_be_repeated_in_prose() -> None:
    original = "As @fig-fit shows, the fit has $R^2 = 0.93$."
    rewrite = "As @fig-fit shows, the fit is good: $R^2 = 0.93$, or 0.93."
    assert check_rewrite(original, rewrite, figure_id="fig-fit") == ()


# -- the figure reference ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rewrite",
    [
        "The loss falls quickly (@fig-loss).",
        "@Fig-loss shows the loss falling quickly.",
        "The loss falls quickly [-@fig-loss].",
        "The loss falls quickly [@fig-loss].",
        "The loss falls quickly [Figure @fig-loss].",
    ],
)
def test_any_form_of_the_figure_reference_is_kept(rewrite: str) -> None:
    original = "As @fig-loss shows, the loss falls quickly."
    assert check_rewrite(original, rewrite, figure_id="fig-loss") == ()


def test_a_rewrite_may_add_the_figure_reference_the_paragraph_lacks() -> None:
    original = "The plot below shows the loss falling quickly."
    rewrite = "@fig-loss shows the loss falling quickly."
    assert check_rewrite(original, rewrite, figure_id="fig-loss") == ()


def test_a_rewrite_must_reference_the_figure() -> None:
    original = "The plot below shows the loss falling quickly."
    rewrite = "The plot below shows the loss falling fast."
    assert check_rewrite(original, rewrite, figure_id="fig-loss") == (
        "does not reference @fig-loss",
    )


def test_an_unlabeled_figure_needs_no_reference() -> None:
    original = "The plot below shows the loss falling quickly."
    rewrite = "The plot below shows the loss falling fast."
    assert check_rewrite(original, rewrite, figure_id=None) == ()


def test_other_figure_references_are_kept_too() -> None:
    original = "As @fig-loss shows, and unlike @fig-acc, the loss falls quickly."
    rewrite = "As @fig-loss shows, the loss falls quickly."
    assert check_rewrite(original, rewrite, figure_id="fig-loss") == (
        "drops the reference @fig-acc",
    )


def test_problems_come_in_a_fixed_order() -> None:
    rewrite = edit("[@smith2020]", "[@jones2021]").replace("`fit()`'s", "the") + " It took 7 h."
    assert check(rewrite) == (
        "drops the citation [@smith2020]",
        "drops the inline code `fit()`",
        f"adds the citation [@jones2021], {NOT_HAD}",
        f"adds the number 7, {NOT_IN}",
    )
