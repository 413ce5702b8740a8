"""Extract stage: `table_text`, a table's header and first rows as the judge reads them, for
pipe, grid, simple and multiline tables, within its bounds on hostile sources."""

from __future__ import annotations

import random
import re

import pytest

from reviewer.extract.table_text import MAX_CELL, MAX_CHARS, MAX_ROWS, table_text

GRID = """\
+----------------------------+--------------------------+
| **System Constraint**      | **Model Representation** |
+:===========================+:=========================+
| **Computational Cost**     | ✗                        |
+----------------------------+--------------------------+
| **Memory and Storage**     | ✓ cell text that runs    |
|                            | onto a second line       |
+----------------------------+--------------------------+
"""
PIPE = """\
| **Aspect**        | Software 1.0             | Software 2.0   |
|:------------------|:-------------------------|:---------------|
| **Failure Mode**  | Loud (Crash, Exception)  | Silent ($\\Delta$ acc) |
| **Debugging**     | Trace `a|b` path         | see @sec-ops   |
"""
SIMPLE = """\
  Right     Left     Center     Default
-------     ------ ----------   -------
     12     12        12            12
    123     123       123          123
"""
MULTILINE = """\
-------------------------------------------------------------
 Centered   Default           Right Left
  Header    Aligned         Aligned Aligned
----------- ------- --------------- -------------------------
   First    row                12.0 Example of a row that
                                    spans multiple lines.

  Second    row                 5.0 Here's another one. Note
                                    the blank line between
                                    rows.
-------------------------------------------------------------

: Here's the caption. It, too, may span
multiple lines.
"""
HEADLESS_MULTILINE = """\
----------- ------- --------------- -------------------------
   First    row                12.0 Example of a row that
                                    spans multiple lines.

  Second    row                 5.0 Here's another one.
----------- ------- --------------- -------------------------
"""
HEADLESS_SIMPLE = """\
-------     ------ ----------   -------
     12     12        12             12
    123     123       123           123
-------     ------ ----------   -------
"""

CASES = [
    # -- the three kinds, as books write them
    (
        "grid",
        GRID,
        "System Constraint | Model Representation\n"
        "Computational Cost | ✗\n"
        "Memory and Storage | ✓ cell text that runs onto a second line",
    ),
    (
        "pipe",
        PIPE,
        "Aspect | Software 1.0 | Software 2.0\n"
        "Failure Mode | Loud (Crash, Exception) | Silent (\\Delta acc)\n"
        "Debugging | Trace a|b path | see @sec-ops",
    ),
    ("simple", SIMPLE, "Right | Left | Center | Default\n12 | 12 | 12 | 12\n123 | 123 | 123 | 123"),
    (
        "multiline",
        MULTILINE,
        "Centered Header | Default Aligned | Right Aligned | Left Aligned\n"
        "First | row | 12.0 | Example of a row that spans multiple lines.\n"
        "Second | row | 5.0 | Here's another one. Note the blank line between rows.",
    ),
    (
        "multiline without header",
        HEADLESS_MULTILINE,
        "First | row | 12.0 | Example of a row that spans multiple lines.\n"
        "Second | row | 5.0 | Here's another one.",
    ),
    ("simple without header", HEADLESS_SIMPLE, "12 | 12 | 12 | 12\n123 | 123 | 123 | 123"),
    ("simple, then caption", "  a   b\n---  ---\n  1   2\n\n: Caption", "a | b\n1 | 2"),
    ("simple, text left of dashes", "Name  Size\n  --- ----\nlonger 2", "Name | Size\nlonger | 2"),
    # -- pipe tables
    ("pipe without outer pipes", "a | b\n--|--\nc | d", "a | b\nc | d"),
    ("pipe, then caption", "| a | b |\n|---|---|\n| c | d |\n\n: Caption {#tbl-x}", "a | b\nc | d"),
    ("pipe of one column", "| only |\n|------|\n| one  |", "only\none"),
    ("escaped pipe is text", "| a\\|b | c |\n|---|---|\n| d | e |", "a|b | c\nd | e"),
    ("pipe in code", "| `x | y` | z |\n|---|---|", "x | y | z"),
    ("pipe in math", "| $|x|$ | norm |\n|---|---|", "|x| | norm"),
    ("unclosed code", "| a ` b | c |\n|---|---|", "a ` b | c"),
    ("currency is no math", "| $5 | $10 |\n|---|---|", "$5 | $10"),
    ("empty cells stay empty", "| a |  | c |\n|---|---|---|\n|   | e |   |", "a |  | c\n | e | "),
    ("later dash rows are rows", "| - | - |\n|---|---|\n| - | - |", "- | -\n- | -"),
    ("rule first, no header", "|---|---|\n| a | b |\n| - | - |", "a | b\n- | -"),
    ("unbalanced pipes", "| a | b\n|---|\n| c | d | e | f |\n| g", "a | b\nc | d | e | f\ng"),
    ("no rule line", "| a | b |\n| c | d |", "a | b\nc | d"),
    (
        "markup made plain",
        "| [a](http://x) | ![i](a.png) |\n|--|--|\n| @fig-x | **b** |",
        "a | i\n@fig-x | b",
    ),
    # -- grid tables
    (
        "grid without last border",
        "+---+---+\n| a | b |\n+===+===+\n| c | d |\n| e | f |",
        "a | b\nc e | d f",
    ),
    ("grid pipe inside a cell", "+-----+---+\n| a|b | c |\n+-----+---+", "a|b | c"),
    ("grid cell across columns", "+---+---+\n| spans |\n+---+---+\n| a | b |", "spans | \na | b"),
    (
        "grid of wide characters",
        "+------+---+\n| 中文字 | b |\n+======+===+\n| c    | d |",
        "中文字 | b\nc | d",
    ),
    ("grid ends at text", "+---+\n| a |\n+---+\nnot table\n| b |", "a"),
    # -- odd characters and line ends
    ("crlf", "| a | b |\r\n|---|---|\r\n| c | d |\r\n", "a | b\nc | d"),
    ("lone cr", "| a | b |\r|---|---|\r| c | d |", "a | b\nc | d"),
    ("tabs in pipe", "| a\t| b |\n|---|---|\n| c\t|\td |", "a | b\nc | d"),
    ("tabs in simple", "a\tb\n---\t---\nc\td", "a | b\nc | d"),
    ("control characters dropped", "a\x00b | c\x07\n--- | ---\nd | e\x1b[1m", "ab | c\nd | e[1m"),
    ("byte order mark", "\ufeff| a | b |\n|---|---|", "a | b"),
    # -- no table
    ("empty", "", ""),
    ("blank", "   \n\t\n", ""),
    (
        "paragraph",
        "just a   paragraph\nwith **two** lines\n\nand more",
        "just a paragraph\nwith **two** lines\nand more",
    ),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_table_text(source: str, expected: str) -> None:
    assert table_text(source) == expected


# -- bounds ------------------------------------------------------------------------------------

N = 100_000
LONG = {
    "pipe": "| h | i |\n|---|---|\n" + "| **a** | b |\n" * N,
    "grid": "+---+---+\n| h | i |\n+===+===+\n" + "| a | b |\n+---+---+\n" * N,
    "grid of two-line rows": "+---+---+\n| h | i |\n+===+===+\n"
    + "| a | b |\n|   |   |\n+---+---+\n" * N,
    "simple": "h   i\n--- ---\n" + "a   b\n" * N,
    "multiline": "-------\nh   i\n--- ---\n" + "a   b\n\n" * N + "-------\n",
}


@pytest.mark.parametrize("kind", LONG)
def test_long_table_shows_first_rows_and_counts_the_rest(kind: str) -> None:
    lines = table_text(LONG[kind]).split("\n")
    assert lines[0] == "h | i"
    assert lines[1:MAX_ROWS] == ["a | b"] * (MAX_ROWS - 1)
    assert lines[MAX_ROWS:] == [f"… ({N + 1 - MAX_ROWS} more rows)"]


def test_one_row_left_out() -> None:
    rows = "| a |\n|---|\n" + "| r |\n" * MAX_ROWS
    assert table_text(rows).split("\n")[-2:] == ["r", "… (1 more row)"]


def test_no_count_when_all_rows_fit() -> None:
    rows = "| a |\n|---|\n" + "| r |\n" * (MAX_ROWS - 1)
    assert table_text(rows).split("\n") == ["a"] + ["r"] * (MAX_ROWS - 1)


def test_long_cell_is_cut() -> None:
    out = table_text(f"| {'w ' * 1000}| b |\n|---|---|")
    cell, rest = out.split(" | ")
    assert (len(cell), cell[-1], rest) == (MAX_CELL, "…", "b")


def test_cell_of_long_markup_says_it_was_cut() -> None:
    out = table_text(f"| [a](http://{'x' * 10_000}) | b |\n|---|---|")
    assert out == "[a](http://" + "x" * (MAX_CELL - 12) + "… | b"


WIDE = 10_000
WIDE_TABLES = {
    "pipe": "|" + " **c** |" * WIDE + "\n|" + "---|" * WIDE,
    "grid": "+" + "---+" * WIDE + "\n|" + " c |" * WIDE + "\n+" + "---+" * WIDE,
    "simple": " ".join(["c"] * WIDE) + "\n" + " ".join(["-"] * WIDE) + "\n" + " ".join("d" * WIDE),
}


@pytest.mark.parametrize("kind", WIDE_TABLES)
def test_wide_table_is_cut_at_max_chars(kind: str) -> None:
    out = table_text(WIDE_TABLES[kind])
    header = out.split("\n")[0]
    assert len(out) <= MAX_CHARS
    assert header.startswith("c | c | c") and header.endswith("…")
    assert len(header) > MAX_CHARS - 50  # the budget is used, not wasted


def test_long_rows_fill_max_chars_and_count_the_rest() -> None:
    cell = "x" * MAX_CELL
    source = "| h |\n|---|\n" + f"| {cell} | {cell} | {cell} |\n" * 50
    lines = table_text(source).split("\n")
    shown = len(lines) - 1
    assert len("\n".join(lines)) <= MAX_CHARS
    assert lines[-2].endswith("…")  # the last row shown is cut, not dropped
    assert lines[-1] == f"… ({51 - shown} more rows)"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x" * 1_000_000, "x" * (MAX_CELL - 1) + "…"),
        ("`" * 1_000_000, "`" * (MAX_CELL - 1) + "…"),
        ("| " + "[" * 100_000 + " |", "[" * (MAX_CELL - 1) + "…"),
        ("+" + "-" * 1_000_000 + "+\n|" + "x" * 1_000_000 + "|", "x" * (MAX_CELL - 1) + "…"),
        ("-" * 1_000_000 + "\n" + "a" * 1_000_000, "a" * (MAX_CELL - 1) + "…"),
        ("\n" * 1_000_000, ""),
        ("\x00" * 1_000_000, ""),
    ],
    ids=["letters", "backticks", "brackets", "grid", "dashes", "newlines", "nul"],
)
def test_megabyte_line(source: str, expected: str) -> None:
    assert table_text(source) == expected


def test_megabyte_of_pipes() -> None:
    out = table_text("|" * 1_000_000)
    assert len(out) <= MAX_CHARS and out.endswith("…") and set(out) == {" ", "|", "…"}


def test_grid_row_of_many_lines_says_it_goes_on() -> None:
    out = table_text("+---+---+\n" + "| a | b |\n" * N)
    first, second = out.split(" | ")
    assert first.startswith("a a a") and first.endswith("a …")
    assert second.startswith("b b b") and second.endswith("b …")


def test_many_lines_of_prose_are_counted() -> None:
    lines = table_text("word\n" * 100).split("\n")
    assert lines == ["word"] * MAX_ROWS + [f"… ({100 - MAX_ROWS} more lines)"]


def test_never_raises_on_noise() -> None:
    rng = random.Random(20240611)
    alphabet = "|+-=: `$\\*_[]()!<>@{}\n\n\t\r\x00\x1bab中✓"
    for _ in range(400):
        source = "".join(rng.choice(alphabet) for _ in range(rng.randrange(300)))
        out = table_text(source)
        assert len(out) <= MAX_CHARS
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out), repr(source)
