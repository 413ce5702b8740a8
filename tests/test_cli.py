"""The command line, driven in-process through `reviewer.cli.main.main(argv) -> int`: bad inputs,
exit codes and the `rules` / `explain` commands. Where the audit goes is in test_cli_output.py,
configuration in test_cli_config.py and book mode in test_cli_book.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import reviewer.cli.main
import reviewer.commands.review
from reviewer import __version__
from reviewer.rules import RULES

from .cliutil import (
    CLEAN,
    ERROR,
    INFO_ONLY,
    WARNING_ONLY,
    one_error_line,
    run,
    write,
)
from .conftest import FIXTURES, ROOT

BAD = FIXTURES / "bad"
Cap = pytest.CaptureFixture[str]


# -- inputs the tool cannot review: exit 2, one line naming the file ---------------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [("not_utf8.qmd", "UTF-8"), ("binary.qmd", "binary"), ("empty.qmd", "empty")],
)
def test_unreadable_chapter_exits_2(
    name: str, says: str, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD)
    result = run(capsys, name, "-o", "-")
    assert result.code == 2
    line = one_error_line(result.err)
    assert name in line
    assert says in line
    assert result.out == ""  # no partial review


def test_not_utf8_names_line_3(capsys: Cap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    line = one_error_line(run(capsys, "not_utf8.qmd", "-f", "concise").err)
    assert "not_utf8.qmd:3" in line or "line 3" in line


def test_folder_without_qmd_exits_2(capsys: Cap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    result = run(capsys, "no_qmd_dir", "-o", "-")
    assert result.code == 2
    assert "no_qmd_dir" in one_error_line(result.err)
    assert result.out == ""


def test_missing_path_exits_2(capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "nowhere.qmd", "-o", "-")
    assert result.code == 2
    assert "nowhere.qmd" in one_error_line(result.err)


# -- broken sources: the review runs and reports the finding -----------------------------------


@pytest.mark.parametrize(
    ("name", "finding"),
    [
        ("unclosed_div.qmd", ("unclosed_div.qmd", 7, "SRC001")),
        ("unclosed_fence.qmd", ("unclosed_fence.qmd", 10, "SRC002")),
        ("broken_include.qmd", ("broken_include.qmd", 7, "SRC003")),
        ("cycle_a.qmd", ("cycle_b.qmd", 3, "SRC004")),
        ("cycle_b.qmd", ("cycle_a.qmd", 7, "SRC004")),
    ],
)
def test_broken_source_is_a_finding(
    name: str, finding: tuple[str, int, str], capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD)
    result = run(capsys, name, "-f", "concise")
    assert result.code == 1  # these are errors, and --fail-on defaults to error
    assert finding in result.findings()
    assert "Traceback" not in result.err
    assert run(capsys, name, "-f", "concise", "--fail-on", "never").code == 0


def test_unclosed_div_still_yields_its_figure(capsys: Cap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    audit = run(capsys, "unclosed_div.qmd", "-f", "json", "-o", "-").json()
    (figure,) = audit["files"][0]["figures"]
    assert (figure["id"], figure["kind"], figure["line"]) == ("fig-rack", "div", 7)
    assert figure["caption"] == "A full cooling rack after the morning bake."
    assert figure["alt"] == "A tall wire rack with eight shelves of loaves."
    assert figure["intro"]["line"] == 5


def test_unclosed_fence_hides_the_later_reference(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD)
    audit = run(capsys, "unclosed_fence.qmd", "-f", "json", "-o", "-").json()
    (figure,) = audit["files"][0]["figures"]
    assert (figure["id"], figure["line"], figure["intro"]["line"]) == ("fig-weight", 8, 6)
    assert figure["mentions"] == []


def test_title_from_a_heading_ending_in_a_brace(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "odd.qmd", "# Sets like {a, b}\n\n# Second {#sec-two}\n\nText.\n")
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "odd.qmd", "-f", "json", "-o", "-")
    assert result.code == 0
    assert result.json()["files"][0]["title"] == "Sets like {a, b}"


def test_a_large_chapter_is_reviewed(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    filler = "Flour, water and salt wait on the bench while the oven warms. " * 20
    parts: list[str] = []
    size = 0
    while size < 10 * 1024 * 1024:
        n = len(parts)
        part = (
            f"## Batch {n}\n\nBatch {n} rises for an hour; @fig-b{n} plots its height.\n"
            f"{filler}\n\n![Height of batch {n}.](b{n}.png)"
            f'{{#fig-b{n} fig-alt="A line that rises, then flattens."}}\n\n'
        )
        parts.append(part)
        size += len(part.encode("utf-8"))
    write(tmp_path / "big.qmd", "".join(parts))
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "big.qmd", "-f", "json", "-o", "-")
    assert result.code == 0
    figures = result.json()["files"][0]["figures"]
    assert len(figures) == len(parts)
    assert figures[-1]["id"] == f"fig-b{len(parts) - 1}"
    assert result.json()["files"][0]["findings"] == []


# -- exit codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chapter", "fail_on", "code"),
    [
        (CLEAN, None, 0),
        (CLEAN, "info", 0),
        (WARNING_ONLY, None, 0),
        (WARNING_ONLY, "warning", 1),
        (WARNING_ONLY, "info", 1),
        (WARNING_ONLY, "error", 0),
        (WARNING_ONLY, "never", 0),
        (ERROR, None, 1),
        (ERROR, "error", 1),
        (ERROR, "warning", 1),
        (ERROR, "never", 0),
        (INFO_ONLY, None, 0),
        (INFO_ONLY, "warning", 0),
        (INFO_ONLY, "info", 1),
    ],
)
def test_fail_on(
    chapter: str,
    fail_on: str | None,
    code: int,
    capsys: Cap,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    write(tmp_path / "ch.qmd", chapter)
    monkeypatch.chdir(tmp_path)
    args = ["ch.qmd", "-f", "concise"] + (["--fail-on", fail_on] if fail_on else [])
    assert run(capsys, *args).code == code


def test_interrupt_exits_130(capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    write(tmp_path / "ch.qmd", CLEAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(reviewer.commands.review, "review", interrupted)
    result = run(capsys, "ch.qmd", "-o", "-")
    assert result.code == 130
    assert "Traceback" not in result.err


# -- other commands ----------------------------------------------------------------------------


def test_rules_lists_every_code(capsys: Cap) -> None:
    result = run(capsys, "rules")
    assert result.code == 0
    listed = [line.split()[0] for line in result.out.splitlines() if line.strip()]
    assert listed == [rule.code for rule in RULES]


@pytest.mark.parametrize("code", ["FIG003", "fig003"])
def test_explain(code: str, capsys: Cap) -> None:
    rule = next(r for r in RULES if r.code == "FIG003")
    result = run(capsys, "explain", code)
    assert result.code == 0
    assert "FIG003" in result.out
    assert rule.summary in result.out
    assert rule.why in result.out


def test_explain_unknown_code_exits_2(capsys: Cap) -> None:
    result = run(capsys, "explain", "NOPE")
    assert result.code == 2
    assert "NOPE" in one_error_line(result.err)


def test_help(capsys: Cap) -> None:
    result = run(capsys, "--help")
    assert result.code == 0
    assert "rules" in result.out
    assert "Exit codes" in result.out


def test_version(capsys: Cap) -> None:
    result = run(capsys, "--version")
    assert result.code == 0
    assert __version__ in result.out


def test_console_script_on_the_example(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REVIEWER_"))}
    done = subprocess.run(
        [sys.executable, "-m", "reviewer", "examples/chapter.qmd", "--output", "-"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Figure audit")
    assert "examples/chapter.qmd" in done.stdout
    assert "Traceback" not in done.stderr


# -- bugs found by these tests, since fixed ---------------------------------------------


def test_reference_in_inline_note_counts_for_ref004(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(
        tmp_path / "note.qmd",
        "The oven runs hot.^[Compare @fig-heat.]\n\n"
        '![Oven heat.](heat.png){#fig-heat fig-alt="A rising line."}\n',
    )
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "note.qmd", "-f", "concise").findings() == [("note.qmd", 3, "REF004")]


def test_rules_help_says_the_codes_cover_tables_and_listings(capsys: Cap) -> None:
    result = run(capsys, "rules", "--help")
    assert result.code == 0
    said = " ".join(result.out.split())
    assert "tables (`@tbl-`)" in said and "listings (`@lst-`)" in said
