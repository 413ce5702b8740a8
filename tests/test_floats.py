"""Tables and listings through every stage after extraction: which kinds a review covers
(`--floats`, the `floats` setting), what the judge is told about a table or listing, the
cache key, the rewrite checks, and the chapters a careless or hostile author could write."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract import extract
from reviewer.extract.shown import MAX_CODE_CHARS, MAX_CODE_LINES, bounded_code
from reviewer.extract.table_text import MAX_ROWS
from reviewer.judge.llm import LLMJudge, Settings
from reviewer.judge.request import JudgeRequest, load_prompts
from reviewer.judge.rewrite import check_rewrite
from reviewer.model import FloatType
from reviewer.parse.document import parse_document
from reviewer.pipeline import judge_requests
from reviewer.project.plan import plan
from tests.cliutil import one_error_line, run, write
from tests.judgeutil import ScriptedChat

Cap = pytest.CaptureFixture[str]

CHAPTER = """# Loaves

The morning bake is planned in @tbl-bake, and @lst-timer starts the ovens; @fig-shelf shows
the result on the shelf.

| Loaf      | Count | Oven |
|-----------|------:|------|
| Rye       |    40 | deck |
| Sourdough |    65 | rack |

: Loaves baked before seven {#tbl-bake}

```{#lst-timer .python lst-cap="The oven timer: one alarm per loaf"}
for loaf in loaves:
    alarm(loaf.minutes)
```

![A full shelf.](shelf.png){#fig-shelf fig-alt="Rows of loaves on wooden boards."}

See also @tbl-missing and @lst-missing.
"""


def _review(capsys: Cap, path: Path, *args: str) -> dict[str, object]:
    result = run(
        capsys, str(path), "--no-llm", "-f", "json", "-o", "-", "--fail-on", "never", *args
    )
    assert result.code == 0, result.err
    audit: dict[str, object] = result.json()["files"][0]
    return audit


def _ids(audit: dict[str, object], key: str) -> list[str]:
    items = audit[key]
    assert isinstance(items, list)
    return [item["id"] for item in items]


def _undefined(audit: dict[str, object]) -> list[str]:
    findings = audit["findings"]
    assert isinstance(findings, list)
    return sorted(f["figure"] for f in findings if f["code"] == "REF001")


def test_every_kind_is_reviewed_by_default(capsys: Cap, tmp_path: Path) -> None:
    audit = _review(capsys, write(tmp_path / "c.qmd", CHAPTER))
    assert _ids(audit, "figures") == ["fig-shelf"]
    assert _ids(audit, "tables") == ["tbl-bake"]
    assert _ids(audit, "listings") == ["lst-timer"]
    assert _undefined(audit) == ["lst-missing", "tbl-missing"]


@pytest.mark.parametrize(
    ("chosen", "figures", "tables", "listings"),
    [
        ("fig", ["fig-shelf"], [], []),
        ("tbl", [], ["tbl-bake"], []),
        ("tables, listings", [], ["tbl-bake"], ["lst-timer"]),
    ],
)
def test_floats_chooses_the_kinds_and_leaves_the_others_alone(
    capsys: Cap,
    tmp_path: Path,
    chosen: str,
    figures: list[str],
    tables: list[str],
    listings: list[str],
) -> None:
    audit = _review(capsys, write(tmp_path / "c.qmd", CHAPTER), "--floats", chosen)
    assert (_ids(audit, "figures"), _ids(audit, "tables"), _ids(audit, "listings")) == (
        figures,
        tables,
        listings,
    )
    # A reference to a kind left out is no finding: nothing was looked for to define it.
    wanted = {FloatType.of(i) for i in figures + tables + listings}
    assert all(FloatType.of(target) in wanted for target in _undefined(audit))


def test_the_setting_and_the_environment_choose_too(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapter = write(tmp_path / "c.qmd", CHAPTER)
    write(tmp_path / "reviewer.toml", 'floats = ["listings"]\n')
    assert _ids(_review(capsys, chapter), "listings") == ["lst-timer"]
    assert _ids(_review(capsys, chapter), "tables") == []
    monkeypatch.setenv("REVIEWER_FLOATS", "tbl")
    assert _ids(_review(capsys, chapter), "tables") == ["tbl-bake"]
    assert _ids(_review(capsys, chapter, "--floats", "fig"), "tables") == []  # option wins


@pytest.mark.parametrize("bad", ["", "figs", "fig,charts", " , "])
def test_an_unknown_kind_is_one_line_naming_the_choices(
    capsys: Cap, tmp_path: Path, bad: str
) -> None:
    result = run(capsys, str(write(tmp_path / "c.qmd", CHAPTER)), "--no-llm", "--floats", bad)
    assert result.code == 2
    line = one_error_line(result.err)
    assert "floats" in line and "fig, tbl and lst" in line


def _requests(tmp_path: Path, text: str) -> list[JudgeRequest]:
    return judge_requests(plan([write(tmp_path / "c.qmd", text)]))


def test_the_judge_reads_a_tables_rows_and_a_listings_code(tmp_path: Path) -> None:
    table, listing, figure = _requests(tmp_path, CHAPTER)
    content = table.content()
    assert '<table id="tbl-bake" kind="pipe-table">' in content and "</table>" in content
    assert "<rows>Loaf | Count | Oven\nRye | 40 | deck\nSourdough | 65 | rack</rows>" in content
    code = listing.content()
    assert '<listing id="lst-timer" kind="code-block">' in code
    assert '<code language="python">for loaf in loaves:\n    alarm(loaf.minutes)</code>' in code
    assert '<figure id="fig-shelf" kind="image">' in figure.content()
    system = load_prompts().system
    assert "<table>" in system and "<listing>" in system and "rows" in system


def test_a_huge_table_and_a_long_listing_are_cut_and_say_so(tmp_path: Path) -> None:
    rows = "".join(f"| r{n} | {n} |\n" for n in range(100_000))
    code = "".join(f"x{n} = {n}\n" for n in range(5_000))
    text = (
        "# Big\n\nSee @tbl-big and @lst-long.\n\n| a | b |\n|---|---|\n"
        f"{rows}\n: Big {{#tbl-big}}\n\n"
        f'```{{#lst-long .python lst-cap="Long"}}\n{code}```\n'
    )
    table, listing = _requests(tmp_path, text)
    assert table.shown is not None and listing.shown is not None
    shown_rows = table.shown.split("\n")
    assert (
        len(shown_rows) == MAX_ROWS + 1 and shown_rows[-1] == f"… ({100_001 - MAX_ROWS} more rows)"
    )
    lines = listing.shown.split("\n")
    assert (
        len(lines) == MAX_CODE_LINES + 1 and lines[-1] == f"… ({5_000 - MAX_CODE_LINES} more lines)"
    )


def test_a_minified_listing_is_cut_inside_its_one_line() -> None:
    assert bounded_code("x" * 100_000) == "x" * MAX_CODE_CHARS + "…"
    assert bounded_code("short\n\n") == "short"


def test_a_changed_cell_is_a_new_question(tmp_path: Path) -> None:
    judge = LLMJudge(
        ScriptedChat([]), load_prompts(), Settings(model="m", endpoint="compatible"), None
    )
    before = _requests(tmp_path, CHAPTER)[0]
    after = _requests(tmp_path, CHAPTER.replace("|    40 |", "|    45 |"))[0]
    assert before.shown != after.shown
    assert judge.key(before) != judge.key(after)


def test_a_rewrite_may_use_the_tables_numbers_and_no_others(tmp_path: Path) -> None:
    table = _requests(tmp_path, CHAPTER)[0]
    intro = table.intro or ""
    ok = f"{intro} Sourdough leads with 65 loaves, against 40 of rye."
    bad = f"{intro} Sourdough leads with 70 loaves."
    checked = {
        text: check_rewrite(
            intro, text, figure_id="tbl-bake", caption=table.caption, drawn=table.drawn_text
        )
        for text in (ok, bad)
    }
    assert checked[ok] == ()
    assert any("70" in problem for problem in checked[bad])


HOSTILE = {
    "a caption of ten thousand braces": "Stock @tbl-x.\n\n| a |\n|---|\n| 1 |\n\n: "
    + "{ " * 10_000
    + "{#tbl-x}\n",
    "an unterminated attribute list": 'Stock @lst-x.\n\n```{#lst-x lst-cap="open\n1\n```\n',
    "a listing div ten thousand deep": "Stock @lst-x.\n\n"
    + "::: {#lst-x}\n" * 10_000
    + "```\ncode\n```\n"
    + ":::\n" * 10_000,
    "a table of ten thousand columns": "Stock @tbl-x.\n\n"
    + "|"
    + " a |" * 10_000
    + "\n|"
    + "---|" * 10_000
    + "\n\n: Wide {#tbl-x}\n",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_chapters_end_with_an_answer(text: str) -> None:
    extraction, _ = extract(parse_document(f"# Hostile\n\n{text}", "h.qmd"))
    floats = [f for f in extraction.figures if f.float_type is not FloatType.FIGURE]
    for found in floats:
        assert found.id is not None and found.id.startswith(("tbl-", "lst-"))
    if "braces" in text[:200]:
        assert floats == []  # Quarto reads no id from `{ { ... {#tbl-x}`: the first `{` starts it
    if "unterminated" in text[:200]:
        assert floats == []  # no lst-cap that reads: no listing


def test_a_table_in_a_figure_and_a_listing_in_a_table_have_their_parents() -> None:
    text = (
        "# Nest\n\n@fig-panel @tbl-inner @lst-deep\n\n::: {#fig-panel}\n\n"
        "| a |\n|---|\n| 1 |\n\n: Inner {#tbl-inner}\n\n"
        '```{#lst-deep .r lst-cap="Deep"}\nx\n```\n\nThe panel.\n:::\n'
    )
    extraction, _ = extract(parse_document(text, "n.qmd"))
    parents = {f.id: f.parent for f in extraction.figures}
    assert parents == {"fig-panel": None, "tbl-inner": "fig-panel", "lst-deep": "fig-panel"}
