"""Fix stage, `review fix`: the judged rewrites of the example chapter (replayed from its
cassettes) as a diff `git apply` takes, walked by scripted answers, and written in place; a
paragraph that is not what was judged is left out, CRLF files stay CRLF, and a chapter read
again after --apply shows the new paragraphs."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.fix.edits import Edit, Skip, text_hash
from reviewer.fix.interactive import walk, word_diff
from reviewer.fix.patch import diff, place, read_source
from reviewer.model import Verdict
from tests.cliutil import Result, run
from tests.conftest import ROOT

Cap = pytest.CaptureFixture[str]
CASSETTES = str(ROOT / "cassettes" / "examples")


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a copy of the example chapter, as the working folder."""
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", work)
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *command], cwd=work, check=True)
    monkeypatch.chdir(work)
    return work


def fix(capsys: Cap, *args: str) -> Result:
    return run(capsys, "fix", "chapter.qmd", "--replay", CASSETTES, *args)


def test_the_diff_applies_with_git_and_patch(capsys: Cap, book: Path) -> None:
    made = fix(capsys)
    assert made.code == 0, made.err
    assert made.out.count("\n@@ ") == 15  # one hunk per rewrite, the table's and listing's too
    assert "@tbl-seasons" in made.out and "@lst-rebalance" in made.out
    assert "--- a/chapter.qmd\n+++ b/chapter.qmd\n" in made.out
    (book / "fix.patch").write_text(made.out)
    checked = subprocess.run(["git", "apply", "--check", "fix.patch"], cwd=book, check=False)
    assert checked.returncode == 0
    patched = subprocess.run(
        ["patch", "-p1", "--dry-run", "-i", "fix.patch"], cwd=book, capture_output=True, check=False
    )
    assert patched.returncode == 0, patched.stdout
    assert "review fix: 15 rewrites in the diff (2 files)" in made.err
    assert (book / "chapter.qmd").read_text() == (ROOT / "examples" / "chapter.qmd").read_text()


def test_apply_writes_the_rewrites_and_a_review_shows_them(capsys: Cap, book: Path) -> None:
    applied = fix(capsys, "--only", "fig-live-map", "--apply")
    assert applied.code == 0, applied.err
    assert "review fix: 1 rewrite applied (1 file)" in applied.err
    after = run(capsys, "chapter.qmd", "--no-llm", "-f", "json", "-o", "-")
    figures = {f["id"]: f for f in after.json()["files"][0]["figures"]}
    intro = figures["fig-live-map"]["intro"]["text"]
    assert intro.endswith("The figure shows live availability map, static snapshot.")
    changed = subprocess.run(["git", "diff", "--stat"], cwd=book, capture_output=True, text=True)
    assert "chapter.qmd | 2 +-" in changed.stdout


def test_a_crlf_chapter_stays_crlf(capsys: Cap, book: Path) -> None:
    chapter = book / "chapter.qmd"
    chapter.write_bytes(chapter.read_bytes().replace(b"\n", b"\r\n"))
    made = fix(capsys, "--only", "fig-live-map")
    assert made.code == 0, made.err
    assert "-The operator also publishes a live map." in made.out
    assert fix(capsys, "--only", "fig-live-map", "--apply").code == 0
    data = chapter.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert b"static snapshot.\r\n" in data


def test_interactive_takes_what_the_script_says(
    capsys: Cap, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\nn\n?\ny\nq\n"))
    walked = fix(capsys, "--interactive")
    assert walked.code == 0, walked.err
    assert walked.out.count("\n@@ ") == 2
    assert "Take this rewrite [y,n,e,q,?]?" in walked.err and "e - edit the rewrite" in walked.err
    assert "review fix: 2 rewrites in the diff" in walked.err


def test_interactive_edit_goes_through_the_checks(
    capsys: Cap, book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('@fig-', '@tbl-', 1))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.setattr(sys, "stdin", io.StringIO("e\nq\n"))
    walked = fix(capsys, "--interactive")
    assert "the edited text was not taken: it drops the reference @fig-live-map" in walked.err
    assert walked.out == ""


EDIT = Edit(
    path="ch.qmd",
    figure="fig-a",
    line=3,
    end_line=3,
    old="As @fig-a shows, loss falls.",
    new="As @fig-a shows, the loss falls over the epochs.",
    verdict=Verdict.PARTIAL,
    score=3,
    rationale="It says little.",
)


def test_a_paragraph_edited_since_it_was_judged_is_left_out(tmp_path: Path) -> None:
    chapter = tmp_path / "ch.qmd"
    chapter.write_text("# Loss\n\nAs @fig-a shows, the loss falls fast.\n")
    placed = place(EDIT, read_source(chapter, "ch.qmd"))
    assert isinstance(placed, Skip) and "not the paragraph as judged" in placed.reason


def test_a_list_item_is_not_rewritten_into_a_paragraph(tmp_path: Path) -> None:
    chapter = tmp_path / "ch.qmd"
    chapter.write_text("# Loss\n\n- As @fig-a shows, loss falls.\n")
    assert isinstance(place(EDIT, read_source(chapter, "ch.qmd")), Skip)


def test_a_file_without_a_final_newline_keeps_it_so(tmp_path: Path) -> None:
    chapter = tmp_path / "ch.qmd"
    chapter.write_text("# Loss\n\nAs @fig-a shows, loss falls.")
    source = read_source(chapter, "ch.qmd")
    placed = place(EDIT, source)
    assert not isinstance(placed, Skip)
    patch = diff(source, [placed])
    assert patch.count("\\ No newline at end of file") == 2
    assert text_hash("a\r\nb\n") == text_hash("a\nb")


def test_the_walk_goes_worst_first_and_stops_at_q() -> None:
    worse = EDIT.__class__(**{**EDIT.__dict__, "figure": "fig-b", "score": 1})
    said: list[str] = []
    answers = iter(["n", "y"])
    taken = walk([EDIT, worse], lambda _: next(answers), said.append, lambda t: t)
    assert said[0].startswith("[1/2] @fig-b") and taken == [EDIT]
    assert walk([EDIT], lambda _: None, said.append, lambda t: t) == []  # end of input: quit


def test_word_diff_marks_words() -> None:
    assert (
        word_diff("loss falls.", "the loss falls fast.") == "{+the +}loss [-falls.-]{+falls fast.+}"
    )


def test_introductions_are_inserted_only_when_asked(capsys: Cap, book: Path) -> None:
    plain = fix(capsys, "--only", "fig-trial-bike")
    assert plain.out == "" and "--introductions inserts the proposed one" in plain.err
    added = fix(capsys, "--only", "fig-trial-bike", "--introductions", "--apply")
    assert added.code == 0, added.err
    after = run(capsys, "chapter.qmd", "--no-llm", "-f", "json", "-o", "-")
    figures = {f["id"]: f for f in after.json()["files"][0]["figures"]}
    assert figures["fig-trial-bike"]["intro"]["text"].startswith("@fig-trial-bike shows")


def test_a_fix_that_does_not_take_puts_every_chapter_back(
    capsys: Cap, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reviewer.fix.files

    before = {p.name: p.read_bytes() for p in book.glob("*.qmd")}
    monkeypatch.setattr(reviewer.fix.files, "_not_taken", lambda edits, report: ["@fig-x lost"])
    failed = fix(capsys, "--apply")
    assert failed.code == 2 and "nothing was changed: @fig-x lost" in failed.err
    assert {p.name: p.read_bytes() for p in book.glob("*.qmd")} == before


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "say what to fix: `review fix PATH`"),
        (("chapter.qmd", "--verdict", "bogus"), "--verdict bogus: not a verdict; one of partial"),
        (("chapter.qmd", "--diff", "--apply"), "--diff prints the edits and --apply writes them"),
        (("chapter.qmd", "--no-llm"), "review fix needs the LLM stage"),
    ],
)
def test_usage_errors_are_one_line(
    capsys: Cap, book: Path, args: tuple[str, ...], said: str
) -> None:
    failed = run(capsys, "fix", *args)
    assert failed.code == 2 and said in failed.err
    assert len(failed.err.strip().splitlines()) == 1 and "Traceback" not in failed.err


def test_an_edited_paragraph_has_no_judgment_and_is_left_out(capsys: Cap, book: Path) -> None:
    chapter = book / "chapter.qmd"
    text = chapter.read_text()
    chapter.write_text(text.replace("The static copy in @fig-live-map", "A copy in @fig-live-map"))
    made = fix(capsys)
    assert made.code == 0, made.err
    assert "skipped chapter.qmd:16: @fig-live-map: no rewrite was suggested" in made.err
    assert "-A copy in @fig-live-map" not in made.out  # no hunk touches the edited paragraph
    # @fig-trip-flow's question held it as the paragraph before: that one is not judged either.
    assert "skipped chapter.qmd:24: @fig-trip-flow: no rewrite was suggested" in made.err
    assert made.out.count("\n@@ ") == 13
