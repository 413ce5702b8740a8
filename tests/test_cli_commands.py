"""The commands around the review: a did-you-mean for a mistyped command, `-h` on every
command, `review explain` by code or by name, and `--statistics`."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.cli import main as cli
from reviewer.commands.terminal import statistics
from reviewer.model import FileAudit, Finding, Location, Report, Severity

from .cliutil import CLEAN, one_error_line, run, write

Cap = pytest.CaptureFixture[str]

# Two FIG003 (warning) at lines 5 and 9, one REF001 (error) at line 11, one suppressed FIG003.
MIXED = """# Loaves

The dough doubles in an hour, as @fig-proof shows, and @fig-crust darkens.

![Dough before and after proofing.](proof.png){#fig-proof}

The crust is the last thing to set.

![A dark crust.](crust.png){#fig-crust}

See @fig-missing for the crumb, and @fig-quiet.

<!-- review: ignore FIG003 -->
![A quiet shelf.](quiet.png){#fig-quiet}
"""


# -- a mistyped command ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["rule"], "no such command or file 'rule'; did you mean 'rules'?"),
        (["explian", "FIG003"], "no such command or file 'explian'; did you mean 'explain'?"),
        (["bach", "book/"], "no such command or file 'bach'; did you mean 'batch'?"),
        (["cache", "stat"], "no such cache command 'stat'; did you mean 'stats'?"),
        (["cache", "purge"], "no such cache command 'purge'; one of: stats, clear"),
        (["baseline", "wirte"], "no such baseline command 'wirte'; did you mean 'write'?"),
        (["batch", "stauts"], "no such batch command or book 'stauts'; did you mean 'status'?"),
    ],
)
def test_mistyped_command_gets_a_did_you_mean(
    argv: list[str], says: str, capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(capsys, *argv)
    assert result.code == 2
    assert one_error_line(result.err) == f"review: error: {says}"
    assert result.out == ""


@pytest.mark.parametrize("word", ["rule.qmd", "rule.md", "_quarto.yml", "book/rule", "chaptr"])
def test_a_path_is_never_taken_for_a_command(
    word: str, capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_error_line(run(capsys, word).err)
    assert "did you mean" not in line
    assert word in line  # the review's own "no such file"


def test_a_file_named_like_a_command_is_reviewed(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "rule", CLEAN)
    result = run(capsys, "rule", "--no-llm", "-o", "-", "-f", "json")
    assert result.code == 0
    assert [f["path"] for f in result.json()["files"]] == ["rule"]


def test_a_book_named_like_a_batch_command_is_submitted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stauts").mkdir()
    _, args, prog = cli._route(["batch", "stauts", "--dry-run"])
    assert (args, prog) == (["submit", "stauts", "--dry-run"], "review batch")


# -- -h everywhere -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["-h"],
        ["rules", "-h"],
        ["explain", "-h"],
        ["cache", "-h"],
        ["cache", "stats", "-h"],
        ["cache", "clear", "-h"],
        ["baseline", "-h"],
        ["baseline", "write", "-h"],
        ["doctor", "-h"],
        ["batch", "-h"],
        ["batch", "submit", "-h"],
        ["batch", "status", "-h"],
        ["batch", "collect", "-h"],
        ["batch", "cancel", "-h"],
        ["eval", "-h"],
    ],
    ids=" ".join,
)
def test_every_command_takes_h(argv: list[str], capsys: Cap) -> None:
    result = run(capsys, *argv)
    assert result.code == 0, result.err
    assert "Usage" in result.out


# -- explain by code or by name ----------------------------------------------------------------


@pytest.mark.parametrize("word", ["missing-alt", "MISSING-ALT", "fig003"])
def test_explain_takes_a_name_as_well_as_a_code(word: str, capsys: Cap) -> None:
    by_code = run(capsys, "explain", "FIG003")
    by_word = run(capsys, "explain", word)
    assert by_word.code == by_code.code == 0
    assert by_word.out == by_code.out
    assert by_code.out.startswith("FIG003 missing-alt (warning)")


@pytest.mark.parametrize(
    ("word", "hint"),
    [
        ("FIG03", "did you mean 'FIG003'?"),
        ("fig03", "did you mean 'FIG003'?"),
        ("mising-alt", "did you mean 'missing-alt'?"),
        ("zzz", "`review rules` lists them all"),
    ],
)
def test_explain_unknown_gets_a_did_you_mean(word: str, hint: str, capsys: Cap) -> None:
    result = run(capsys, "explain", word)
    assert result.code == 2
    assert one_error_line(result.err) == f"review: error: unknown code or name '{word}'; {hint}"


# -- --statistics ------------------------------------------------------------------------------

TABLE = "2  FIG003  missing-alt          [warning]\n1  REF001  undefined-reference  [error]\n"


def test_statistics_prints_counts_and_still_writes_the_audit(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "loaves.qmd", MIXED)
    result = run(capsys, "loaves.qmd", "--no-llm", "--statistics")
    assert result.code == 1  # the exit code is the review's: REF001 is an error
    assert result.out == TABLE  # the suppressed FIG003 is not counted
    assert "loaves.audit.md" in result.err
    assert "fig-proof" in (tmp_path / "_review" / "loaves.audit.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", [["-o", "-"], ["-f", "concise"], ["-f", "json", "-o", "-"]])
def test_statistics_replace_an_audit_bound_for_stdout(
    where: list[str], capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "loaves.qmd", MIXED)
    result = run(capsys, "loaves.qmd", "--no-llm", "--statistics", "-q", *where)
    assert result.out == TABLE
    assert not (tmp_path / "_review").exists()


def test_statistics_of_a_clean_chapter_print_nothing(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "shelves.qmd", CLEAN)
    result = run(capsys, "shelves.qmd", "--no-llm", "--statistics", "-o", "-")
    assert (result.code, result.out) == (0, "")


def _finding(code: str, severity: Severity) -> Finding:
    return Finding(code, severity, "m", Location("a.qmd", 1, 1))


def test_statistics_sort_by_count_then_code_and_name_every_severity() -> None:
    found = [
        _finding("REF001", Severity.ERROR),
        _finding("FIG001", Severity.WARNING),
        _finding("FIG001", Severity.ERROR),  # a severity configured for one file
        _finding("FIG003", Severity.WARNING),
    ]
    report = Report(files=(FileAudit("a.qmd", None, (), tuple(found)),))
    assert statistics(report).splitlines() == [
        "2  FIG001  never-referenced     [error, warning]",
        "1  FIG003  missing-alt          [warning]",
        "1  REF001  undefined-reference  [error]",
    ]
