"""The baseline: `review baseline write` records today's findings, and `--baseline FILE` counts
only new ones. Findings match by file, figure id and code, never by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cliutil import one_error_line, run, write

Cap = pytest.CaptureFixture[str]

# Two figures without alt text (FIG003) and one never referenced (FIG001).
CHAPTER = """# Mills

A mill grinds grain between two stones, as @fig-stones shows. The upper stone turns and the
lower one stays still.

![Two millstones, the upper one turning.](stones.png){#fig-stones}

Water drives the wheel in @fig-wheel.

![An undershot water wheel.](wheel.png){#fig-wheel}

![A sack of flour.](sack.png){#fig-sack fig-alt="A white sack tied with string."}
"""


@pytest.fixture
def mill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "book" / "mills.qmd", CHAPTER)
    code = run_quiet(
        "baseline", "write", "book/mills.qmd", "--no-llm", "-o", "review-baseline.json"
    )
    assert code == 0
    return tmp_path / "book" / "mills.qmd"


def run_quiet(*argv: str) -> int:
    from reviewer.cli.main import main

    return main(list(argv))


def _new(capsys: Cap, *extra: str) -> tuple[int, list[tuple[str, int, str]]]:
    result = run(
        capsys,
        "book/mills.qmd",
        "--no-llm",
        "-f",
        "concise",
        "--baseline",
        "review-baseline.json",
        "--fail-on",
        "warning",
        *extra,
    )
    return result.code, result.findings()


def test_the_baseline_records_every_finding(mill: Path, capsys: Cap) -> None:
    capsys.readouterr()
    recorded = json.loads(Path("review-baseline.json").read_text(encoding="utf-8"))
    assert recorded["schema_version"] == 1
    assert sorted((f["code"], f["figure_or_message"]) for f in recorded["findings"]) == [
        ("FIG001", "fig-sack"),
        ("FIG003", "fig-stones"),
        ("FIG003", "fig-wheel"),
    ]
    assert all(f["path"] == "book/mills.qmd" for f in recorded["findings"])
    assert _new(capsys) == (0, [])


def test_moving_a_figure_ten_lines_down_makes_nothing_new(mill: Path, capsys: Cap) -> None:
    text = mill.read_text(encoding="utf-8")
    figure = "![An undershot water wheel.]"
    moved = text.replace(figure, "The wheel turns slowly.\n" * 5 + "\n" * 5 + figure)
    mill.write_text(moved, encoding="utf-8")
    full = run(capsys, "book/mills.qmd", "--no-llm", "-f", "concise", "--fail-on", "never")
    assert ("book/mills.qmd", 20, "FIG003") in full.findings()  # was line 10: it moved
    code, new = _new(capsys)
    assert (code, new) == (0, [])


def test_a_new_figure_without_alt_text_is_the_one_new_finding(mill: Path, capsys: Cap) -> None:
    added = "\nThe miller sets the gap in @fig-gap.\n\n![Setting the gap.](gap.png){#fig-gap}\n"
    mill.write_text(mill.read_text(encoding="utf-8") + added, encoding="utf-8")
    code, new = _new(capsys)
    assert new == [("book/mills.qmd", 16, "FIG003")]
    assert code == 1
    json_run = run(
        capsys,
        "book/mills.qmd",
        "--no-llm",
        "-f",
        "json",
        "-o",
        "-",
        "--baseline",
        "review-baseline.json",
        "--fail-on",
        "never",
    )
    statuses = [(f["figure"], f["status"]) for f in json_run.json()["files"][0]["findings"]]
    assert sorted(statuses) == [
        ("fig-gap", "active"),
        ("fig-sack", "baselined"),
        ("fig-stones", "baselined"),
        ("fig-wheel", "baselined"),
    ]
    assert "1 finding" in json_run.err and "3 in the baseline" in json_run.err


def test_a_second_finding_of_the_same_kind_is_new(mill: Path, capsys: Cap) -> None:
    # The baseline counts: one REF001 for @fig-gone is recorded, so a second one is new.
    write(mill, CHAPTER + "\nSee @fig-gone.\n")
    assert run_quiet("baseline", "write", "book/mills.qmd", "--no-llm") == 0
    write(mill, CHAPTER + "\nSee @fig-gone.\n\nAnd @fig-gone again.\n")
    code, new = _new(capsys)
    assert new == [("book/mills.qmd", 16, "REF001")]
    assert code == 1


def test_the_baseline_matches_from_another_working_directory(
    mill: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(mill.parent)
    result = run(
        capsys,
        "mills.qmd",
        "--no-llm",
        "-f",
        "concise",
        "--baseline",
        "../review-baseline.json",
        "--fail-on",
        "warning",
    )
    assert (result.code, result.out) == (0, "")


def test_findings_suppressed_in_the_source_are_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Cap
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mills.qmd", CHAPTER.replace("![A sack", "<!-- review: ignore -->\n![A sack"))
    assert run_quiet("baseline", "write", "mills.qmd", "--no-llm", "-o", "b.json") == 0
    recorded = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["findings"]
    assert [f["figure_or_message"] for f in recorded] == ["fig-stones", "fig-wheel"]
    assert "baseline of 2 findings written to b.json" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "cannot read the baseline"), ("{not json", "not a baseline written by")],
)
def test_a_bad_baseline_is_one_error_line(
    mill: Path, capsys: Cap, content: str | None, says: str
) -> None:
    if content is not None:
        write(Path("bad.json"), content)
    result = run(capsys, "book/mills.qmd", "--baseline", "bad.json", "-o", "-")
    assert result.code == 2
    assert says in one_error_line(result.err)
    assert result.out == ""


def test_baseline_write_needs_a_path(capsys: Cap) -> None:
    result = run(capsys, "baseline", "write")
    assert result.code == 2
    assert "review baseline write PATH" in one_error_line(result.err)
