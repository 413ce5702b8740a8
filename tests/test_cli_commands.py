"""The commands around the review: a did-you-mean for a mistyped command, `-h` on every
command, and `review explain` by code or by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer import cli

from .cliutil import CLEAN, one_error_line, run, write

Cap = pytest.CaptureFixture[str]

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
