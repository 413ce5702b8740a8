"""Suppression comments, through the real command line: `<!-- review: ignore CODES -->` (the
next block), `off CODES` ... `on` (a range of lines), `ignore-file CODES` (the file it is in).
A word naming no rule suppresses nothing and is SRC009; a comment that suppresses nothing is
SRC010, unless what it names could not have appeared in this run."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .cliutil import run, write
from .conftest import ROOT

Cap = pytest.CaptureFixture[str]
Row = tuple[str, int, str, str]  # (path, line, code, status)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rows(capsys: Cap, *argv: str) -> list[Row]:
    """Every finding of the run, suppressed ones too, from the JSON audit, in line order."""
    result = run(capsys, *argv, "-f", "json", "-o", "-", "--fail-on", "never")
    assert result.code == 0, result.err
    rows = [
        (f["path"], f["line"], f["code"], f["status"])
        for audit in result.json()["files"]
        for f in audit["findings"]
    ]
    return sorted(rows)


def _review(capsys: Cap, folder: Path, text: str, *argv: str) -> list[Row]:
    write(folder / "bakery.qmd", text)
    return _rows(capsys, "bakery.qmd", *argv)


def _at(rows: list[Row]) -> list[tuple[int, str, str]]:
    return [(line, code, status) for _, line, code, status in rows]


def _messages(capsys: Cap, code: str, *argv: str) -> list[str]:
    result = run(capsys, *argv, "-f", "json", "-o", "-", "--fail-on", "never")
    return [f["message"] for f in result.json()["files"][0]["findings"] if f["code"] == code]


# -- ignore: the next block --------------------------------------------------------------------

# Two figures without alt text (FIG003 at lines 6 and 10); the comment is at line 5.
OVENS = """# Ovens

The deck oven holds six loaves, as @fig-deck shows; @fig-rack shows the rack oven.

<!-- review: ignore {codes} -->
![A deck oven with two decks.](deck.png){{#fig-deck}}

The rack oven takes a whole trolley.

![A rack oven.](rack.png){{#fig-rack}}
"""


@pytest.mark.parametrize(
    "codes",
    ["FIG003", "fig003", "missing-alt", "MISSING-ALT", "FIG001 FIG003", "FIG003,FIG001", ""],
)
def test_ignore_covers_the_next_block_only(here: Path, capsys: Cap, codes: str) -> None:
    rows = _review(capsys, here, OVENS.format(codes=codes))
    assert _at(rows) == [(6, "FIG003", "suppressed"), (10, "FIG003", "active")]


def test_names_and_codes_together(here: Path, capsys: Cap) -> None:
    chapter = """# Flour

<!-- review: ignore never-referenced, missing-alt id-style -->
![Rye flour.](rye.png){#fig-rye_flour}
"""
    rows = _review(capsys, here, chapter)
    assert _at(rows) == [
        (4, "FIG001", "suppressed"),
        (4, "FIG003", "suppressed"),
        (4, "FIG005", "suppressed"),
    ]


# -- a word that names no rule ------------------------------------------------------------------

# The case: one figure with three findings (line 6), a mistyped code above it (line 5).
SACKS = """# Flour

The mill sends the sacks on Monday.

<!-- review: {form} FIG03 -->
![Flour sacks.](sacks.png){#fig-flour_sacks}
"""


@pytest.mark.parametrize("form", ["ignore", "off", "ignore-file"])
def test_a_mistyped_code_suppresses_nothing_and_is_src009(
    here: Path, capsys: Cap, form: str
) -> None:
    write(here / "flour.qmd", SACKS.replace("{form}", form))
    assert _at(_rows(capsys, "flour.qmd")) == [
        (5, "SRC009", "active"),
        (6, "FIG001", "active"),
        (6, "FIG003", "active"),
        (6, "FIG005", "active"),
    ]
    result = run(capsys, "flour.qmd", "-f", "concise")
    assert result.code == 1  # SRC009 is an error: the run fails until the typo is fixed
    assert "'FIG03' is not a rule code or name" in result.out
    assert "(did you mean 'FIG003'?)" in result.out


def test_mixed_known_and_unknown_codes_suppress_the_known_only(here: Path, capsys: Cap) -> None:
    write(here / "flour.qmd", SACKS.replace("{form} FIG03", "ignore FIG03 FIG001, id-stlye"))
    assert _at(_rows(capsys, "flour.qmd")) == [
        (5, "SRC009", "active"),
        (5, "SRC009", "active"),
        (6, "FIG001", "suppressed"),
        (6, "FIG003", "active"),
        (6, "FIG005", "active"),
    ]
    said = _messages(capsys, "SRC009", "flour.qmd")
    assert sorted(said) == [
        "'FIG03' is not a rule code or name, so it suppresses nothing (did you mean 'FIG003'?)",
        "'id-stlye' is not a rule code or name, so it suppresses nothing "
        "(did you mean 'id-style'?)",
    ]


@pytest.mark.parametrize("word", ["FIG", "FIG00", "ALL", "fig-flour_sacks", "*"])
def test_prefixes_and_all_are_not_codes_in_a_comment(here: Path, capsys: Cap, word: str) -> None:
    """Selection takes prefixes; a comment names whole codes or names, so it stays narrow."""
    write(here / "flour.qmd", SACKS.replace("{form} FIG03", f"ignore {word}"))
    rows = _rows(capsys, "flour.qmd")
    assert (5, "SRC009", "active") in _at(rows)
    assert all(status == "active" for *_, status in rows)


def test_src009_can_be_ignored_but_the_typo_still_suppresses_nothing(
    here: Path, capsys: Cap
) -> None:
    write(here / "flour.qmd", SACKS.replace("{form}", "ignore"))
    assert _at(_rows(capsys, "flour.qmd", "--ignore", "SRC009")) == [
        (6, "FIG001", "active"),
        (6, "FIG003", "active"),
        (6, "FIG005", "active"),
    ]


# -- a reason after ';' -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment",
    [
        "ignore FIG003; a decorative photo, FIG001 is fine",
        "ignore FIG003 ; FIG001 ALL nonsense words",
        "ignore missing-alt;no space before the reason",
    ],
)
def test_words_after_a_semicolon_are_the_reason(here: Path, capsys: Cap, comment: str) -> None:
    write(here / "flour.qmd", SACKS.replace("{form} FIG03", comment))
    assert _at(_rows(capsys, "flour.qmd")) == [
        (6, "FIG001", "active"),
        (6, "FIG003", "suppressed"),
        (6, "FIG005", "active"),
    ]


def test_a_bare_comment_with_a_reason_covers_every_code(here: Path, capsys: Cap) -> None:
    write(here / "flour.qmd", SACKS.replace("{form} FIG03", "ignore ; the sacks are a stock photo"))
    rows = _rows(capsys, "flour.qmd")
    assert [status for *_, status in rows] == ["suppressed"] * 3


# -- off ... on --------------------------------------------------------------------------------

LOAVES = """# Loaves

We bake @fig-one, @fig-two, @fig-three and @fig-four.

<!-- review: off FIG003 -->

![One loaf.](one.png){#fig-one}

![Two loaves.](two.png){#fig-two}

<!-- review: on -->

![Three loaves.](three.png){#fig-three}

<!-- review: off -->

See @fig-gone.

![Four loaves.](four.png){#fig-four}

<!-- review: on -->

See @fig-lost.

<!-- review: off REF001 -->

See @fig-stale.

![Five loaves.](five.png){#fig-five}
"""


def test_off_and_on_with_and_without_codes_and_unclosed(here: Path, capsys: Cap) -> None:
    assert _at(_review(capsys, here, LOAVES)) == [
        (7, "FIG003", "suppressed"),  # off FIG003 ... on
        (9, "FIG003", "suppressed"),
        (13, "FIG003", "active"),  # after `on`
        (17, "REF001", "suppressed"),  # bare off: every code
        (19, "FIG003", "suppressed"),
        (23, "REF001", "active"),  # after the second `on`
        (27, "REF001", "suppressed"),  # off REF001, never closed: to the end of the file
        (29, "FIG001", "active"),  # ... for REF001 only
        (29, "FIG003", "active"),
    ]


def test_one_on_closes_every_open_range(here: Path, capsys: Cap) -> None:
    chapter = """# Rolls

<!-- review: off FIG003 -->

<!-- review: off FIG001 -->

![A soft roll.](soft.png){#fig-soft}

<!-- review: on -->

![A hard roll.](hard.png){#fig-hard}
"""
    assert _at(_review(capsys, here, chapter)) == [
        (7, "FIG001", "suppressed"),
        (7, "FIG003", "suppressed"),
        (11, "FIG001", "active"),
        (11, "FIG003", "active"),
    ]


# An `off FIG003` range, and `close` on the lines before the second figure (line 12 when
# `close` takes two lines, 11 when one).
CLOSED = """# Loaves

We bake @fig-one and @fig-three.

<!-- review: off FIG003 -->

![One loaf.](one.png){{#fig-one}}

{close}

![Three loaves.](three.png){{#fig-three}}
"""


def test_on_right_after_a_paragraph_line_closes_the_range(here: Path, capsys: Cap) -> None:
    chapter = CLOSED.format(close="The first loaf cools on the rack.\n<!-- review: on -->")
    assert _at(_review(capsys, here, chapter)) == [
        (7, "FIG003", "suppressed"),
        (12, "FIG003", "active"),
    ]


def test_a_mistyped_on_is_reported(here: Path, capsys: Cap) -> None:
    chapter = CLOSED.format(close="<!-- review: onn -->")
    rows = _at(_review(capsys, here, chapter))
    assert any(line == 9 and code.startswith("SRC") for line, code, _ in rows), rows


# -- ignore-file -------------------------------------------------------------------------------

FLOUR = """# Flour

We mill @fig-rye and @fig-spelt.

![Rye flour.](rye.png){#fig-rye}

See @fig-absent.

![Spelt flour.](spelt.png){#fig-spelt}
"""
IGNORE_FILE = "<!-- review: ignore-file FIG003 ; stock photos, alt text comes later -->\n"


@pytest.mark.parametrize(
    "placed",
    [
        pytest.param(lambda text: IGNORE_FILE + "\n" + text, id="first-line"),
        pytest.param(lambda text: text + "\n" + IGNORE_FILE, id="last-line"),
        pytest.param(
            lambda text: text.replace("See @fig-absent.\n", "See @fig-absent.\n\n" + IGNORE_FILE),
            id="middle",
        ),
        pytest.param(
            lambda text: text + "\n::: {.callout-note}\n" + IGNORE_FILE + "\nNotes.\n:::\n",
            id="inside-a-callout",
        ),
    ],
)
def test_ignore_file_anywhere_covers_the_whole_file(
    here: Path, capsys: Cap, placed: Callable[[str], str]
) -> None:
    rows = _review(capsys, here, placed(FLOUR))
    assert [(code, status) for _, _, code, status in rows] == [
        ("FIG003", "suppressed"),
        ("REF001", "active"),
        ("FIG003", "suppressed"),
    ]


# -- an included file --------------------------------------------------------------------------

SUGAR = """# Sugar

We weigh @fig-cane and @fig-beet.

{{< include _part.qmd >}}

![Beet sugar.](beet.png){#fig-beet}

See @fig-nothing.
"""


def _sugar(capsys: Cap, folder: Path, main: str, part: str) -> list[Row]:
    write(folder / "sugar.qmd", main)
    write(folder / "_part.qmd", part)
    return _rows(capsys, "sugar.qmd")


def test_ignore_file_in_an_included_file_covers_only_that_file(here: Path, capsys: Cap) -> None:
    part = "<!-- review: ignore-file FIG003 REF001 -->\n\n![Cane sugar.](cane.png){#fig-cane}\n"
    assert _sugar(capsys, here, SUGAR, part) == [
        ("_part.qmd", 3, "FIG003", "suppressed"),
        ("sugar.qmd", 7, "FIG003", "active"),
        ("sugar.qmd", 9, "REF001", "active"),
    ]


def test_ignore_file_in_the_chapter_does_not_cover_its_included_file(
    here: Path, capsys: Cap
) -> None:
    main = SUGAR + "\n<!-- review: ignore-file FIG003 -->\n"
    assert _sugar(capsys, here, main, "![Cane sugar.](cane.png){#fig-cane}\n") == [
        ("_part.qmd", 1, "FIG003", "active"),
        ("sugar.qmd", 7, "FIG003", "suppressed"),
        ("sugar.qmd", 9, "REF001", "active"),
    ]


def test_an_unclosed_off_in_an_included_file_ends_with_that_file(here: Path, capsys: Cap) -> None:
    part = "<!-- review: off -->\n\n![Cane sugar.](cane.png){#fig-cane}\n"
    assert _sugar(capsys, here, SUGAR, part) == [
        ("_part.qmd", 3, "FIG003", "suppressed"),
        ("sugar.qmd", 7, "FIG003", "active"),
        ("sugar.qmd", 9, "REF001", "active"),
    ]


# -- comments that are not directives ----------------------------------------------------------

NOTES = """# Writing notes

Authors silence a finding with a comment, as @fig-note shows.

```markdown
<!-- review: ignore-file -->
<!-- review: off FIG03 -->
```

~~~
<!-- review: ignore FIG003 -->
~~~

    <!-- review: ignore-file FIG003 -->

```{python}
print("<!-- review: ignore-file -->")
```

Write `<!-- review: ignore-file -->` at the top of a chapter.

<!-- A note to the editor: review: ignore-file is not written here. -->

![A note card.](note.png){#fig-note}
"""


def test_comments_in_code_are_examples_not_directives(here: Path, capsys: Cap) -> None:
    assert _at(_review(capsys, here, NOTES)) == [(24, "FIG003", "active")]


# -- SRC010: a comment that suppresses nothing --------------------------------------------------

# The figure has its alt text, so there is no FIG003 for the comment (line 5) to suppress.
DONE = """# Ovens

The deck oven holds six loaves, as @fig-deck shows.

<!-- review: ignore {codes} -->
![A deck oven with two decks.](deck.png){{#fig-deck fig-alt="Two stacked decks."}}
"""


def test_an_unused_comment_is_src010(here: Path, capsys: Cap) -> None:
    write(here / "ovens.qmd", DONE.format(codes="FIG003"))
    assert _rows(capsys, "ovens.qmd") == [("ovens.qmd", 5, "SRC010", "active")]
    assert _messages(capsys, "SRC010", "ovens.qmd") == [
        "review: ignore comment suppresses no FIG003"
    ]
    result = run(capsys, "ovens.qmd", "-f", "concise")
    assert result.code == 0  # a warning
    assert run(capsys, "ovens.qmd", "-f", "concise", "--severity", "SRC010=error").code == 1
    assert _rows(capsys, "ovens.qmd", "--ignore", "unused-suppression") == []


@pytest.mark.parametrize(
    ("codes", "argv"),
    [
        pytest.param("NAR002", ["--no-llm"], id="llm-code-without-llm"),
        pytest.param("NAR001 NAR003", [], id="llm-code-no-endpoint"),
        pytest.param("", ["--no-llm"], id="bare-without-llm"),
        pytest.param("FIG003", ["--ignore", "FIG003"], id="ignored-code"),
        pytest.param("missing-alt", ["--ignore", "FIG"], id="ignored-family"),
        pytest.param("FIG003", ["--select", "FIG001,SRC"], id="not-selected"),
    ],
)
def test_no_src010_for_what_could_not_appear_in_this_run(
    here: Path, capsys: Cap, codes: str, argv: list[str]
) -> None:
    write(here / "ovens.qmd", DONE.format(codes=codes))
    assert _rows(capsys, "ovens.qmd", *argv) == []


def test_no_src010_for_a_code_ignored_for_that_file(here: Path, capsys: Cap) -> None:
    write(here / "reviewer.toml", '[rules.per-file-ignores]\n"ovens.qmd" = ["FIG003"]\n')
    write(here / "ovens.qmd", DONE.format(codes="FIG003"))
    assert _rows(capsys, "ovens.qmd") == []


def test_src010_names_only_the_codes_that_could_have_appeared(here: Path, capsys: Cap) -> None:
    write(here / "ovens.qmd", DONE.format(codes="FIG003 REF001 NAR002"))
    assert _rows(capsys, "ovens.qmd", "--ignore", "FIG003") == [
        ("ovens.qmd", 5, "SRC010", "active")
    ]
    assert _messages(capsys, "SRC010", "ovens.qmd", "--ignore", "FIG003") == [
        "review: ignore comment suppresses no REF001"
    ]


def test_a_comment_with_only_unknown_codes_is_src009_not_src010(here: Path, capsys: Cap) -> None:
    write(here / "ovens.qmd", DONE.format(codes="FIG03"))
    assert _rows(capsys, "ovens.qmd") == [("ovens.qmd", 5, "SRC009", "active")]


@pytest.mark.parametrize(
    ("comment", "form"),
    [("off FIG003", "off"), ("ignore-file FIG003", "ignore-file")],
)
def test_unused_range_and_file_comments_are_src010(
    here: Path, capsys: Cap, comment: str, form: str
) -> None:
    write(here / "ovens.qmd", DONE.replace("ignore {codes}", comment).replace("{{", "{"))
    assert _messages(capsys, "SRC010", "ovens.qmd") == [
        f"review: {form} comment suppresses no FIG003"
    ]


# -- with the LLM stage: the example chapter, replayed from its cassettes ----------------------


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "examples" / "chapter.qmd"


def _judged(capsys: Cap, *extra: str) -> list[dict[str, object]]:
    replay = str(ROOT / "cassettes" / "examples")
    argv = ["examples/chapter.qmd", "--replay", replay, "--no-cache", "-f", "json", "-o", "-"]
    result = run(capsys, *argv, "--fail-on", "never", *extra)
    assert result.code == 0, result.err
    findings: list[dict[str, object]] = result.json()["files"][0]["findings"]
    return findings


def _comment(chapter: Path, before: str, comment: str) -> int:
    """Put `comment` on the line before the one starting with `before`; its line number."""
    lines = chapter.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if line.startswith(before))
    lines[at:at] = [f"<!-- review: {comment} -->\n"]
    chapter.write_text("".join(lines), encoding="utf-8")
    return at + 1


def test_a_comment_above_a_figure_covers_its_narrative_finding(example: Path, capsys: Cap) -> None:
    def live_map(findings: list[dict[str, object]]) -> list[tuple[object, object]]:
        return [(f["code"], f["status"]) for f in findings if f["figure"] == "fig-live-map"]

    assert live_map(_judged(capsys)) == [("NAR002", "active")]
    _comment(example, "[![Live availability map", "ignore figure-only-mentioned")
    findings = _judged(capsys)
    assert live_map(findings) == [("NAR002", "suppressed")]
    assert "SRC010" not in {f["code"] for f in findings}


def test_unused_llm_and_bare_comments_are_src010_when_the_llm_stage_ran(
    example: Path, capsys: Cap
) -> None:
    bare = _comment(example, "## How a trip works", "ignore")
    narrative = _comment(example, "## Demand through the week", "ignore NAR002")
    unused = [(f["line"], f["code"]) for f in _judged(capsys) if f["code"] == "SRC010"]
    assert unused == [(bare, "SRC010"), (narrative, "SRC010")]
    assert [f["code"] for f in _judged(capsys, "--no-llm") if f["code"] == "SRC010"] == []


def test_an_unused_bare_comment_reads_as_english(example: Path, capsys: Cap) -> None:
    _comment(example, "## How a trip works", "ignore")
    said = [str(f["message"]) for f in _judged(capsys) if f["code"] == "SRC010"]
    assert len(said) == 1
    assert "no any" not in said[0]


# -- how the audits show them ------------------------------------------------------------------


def test_json_marks_suppressed_and_concise_leaves_them_out(here: Path, capsys: Cap) -> None:
    write(here / "ovens.qmd", OVENS.format(codes="FIG003"))
    result = run(capsys, "ovens.qmd", "-f", "json", "-o", "-")
    statuses = [(f["line"], f["status"]) for f in result.json()["files"][0]["findings"]]
    assert statuses == [(6, "suppressed"), (10, "active")]
    concise = run(capsys, "ovens.qmd", "-f", "concise", "--fail-on", "warning")
    assert concise.findings() == [("ovens.qmd", 10, "FIG003")]
    assert concise.code == 1
    assert "1 suppressed in the source" in concise.err


def test_only_suppressed_findings_do_not_fail_the_run(here: Path, capsys: Cap) -> None:
    write(here / "flour.qmd", SACKS.replace("{form} FIG03", "ignore"))
    result = run(capsys, "flour.qmd", "-f", "concise", "--fail-on", "info")
    assert (result.code, result.out) == (0, "")
    assert "3 suppressed in the source" in result.err


def test_a_directive_shown_in_inline_code_is_text(here: Path, capsys: Cap) -> None:
    chapter = OVENS.format(codes="FIG003").replace(
        "The rack oven takes a whole trolley.",
        "Write `<!-- review: ignore FIG003 -->` above a figure to silence it.",
    )
    rows = _review(capsys, here, chapter)
    assert _at(rows) == [(6, "FIG003", "suppressed"), (10, "FIG003", "active")]


def test_an_ignore_joined_to_a_paragraph_covers_the_next_block(here: Path, capsys: Cap) -> None:
    chapter = OVENS.format(codes="FIG003").replace(
        "The rack oven takes a whole trolley.\n",
        "The rack oven takes a whole trolley.\n<!-- review: ignore FIG003 -->\n",
    )
    rows = _review(capsys, here, chapter)
    assert _at(rows) == [(6, "FIG003", "suppressed"), (11, "FIG003", "suppressed")]
