"""The command line in book mode: a folder or its `_quarto.yml` gives the chapters and their
order; references resolve across chapters; a chapter that cannot be read is a finding (SRC005),
not the end of the review. Expectations: tests/fixtures/book/expected.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .cliutil import Result, reads, run, write
from .conftest import FIXTURES

BOOK = FIXTURES / "book"
EXPECTED: dict[str, Any] = json.loads((BOOK / "expected.json").read_text(encoding="utf-8"))
Cap = pytest.CaptureFixture[str]

# The fixture book's _quarto.yml, plus one chapter that does not exist.
WITH_MISSING = """project:
  type: book

book:
  title: "A Day at the Corner Bakery"
  chapters:
    - index.qmd
    - chapters/one.qmd
    - chapters/lost.qmd
    - chapters/two.qmd
  appendices:
    - appendix.qmd
"""


@pytest.fixture
def book_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture book that a test may change; the working folder is its parent."""
    copy = tmp_path / "book"
    shutil.copytree(BOOK, copy)
    monkeypatch.chdir(tmp_path)
    return copy


def files_by_path(result: Result) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).as_posix(): f for f in result.json()["files"]}


def figure_ids(result: Result) -> list[str]:
    return [fig["id"] for f in result.json()["files"] for fig in f["figures"]]


@pytest.mark.parametrize("target", ["book", "book/_quarto.yml"])
def test_chapters_in_quarto_order(
    target: str, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES)
    result = run(capsys, target, "-f", "json", "-o", "-")
    assert result.code == 0
    paths = [Path(f["path"]).as_posix() for f in result.json()["files"]]
    assert paths == [f"book/{p}" for p in EXPECTED["order"]]


def test_figures_and_their_intros_across_chapters(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES)
    result = run(capsys, "book", "-f", "json", "-o", "-")
    found = {
        fig["id"]: (
            Path(f["path"]).as_posix(),
            fig["line"],
            Path(fig["intro"]["path"]).as_posix(),
            fig["intro"]["line"],
        )
        for f in result.json()["files"]
        for fig in f["figures"]
    }
    assert found == {
        e["id"]: (f"book/{e['path']}", e["line"], f"book/{e['intro']['path']}", e["intro"]["line"])
        for e in EXPECTED["figures"]
    }
    assert found["fig-heat"][2] == "book/chapters/one.qmd"


def test_files_outside_the_book_are_never_read(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = reads(monkeypatch)
    monkeypatch.chdir(FIXTURES)
    result = run(capsys, "book", "-f", "json", "-o", "-")
    assert sorted(read) == sorted(Path(p).name for p in EXPECTED["order"])
    for name in EXPECTED["not_in_book"]:
        assert name not in read
        assert name not in result.out
    assert "fig-draft" not in figure_ids(result)


def test_book_audit_is_named_after_the_folder(book_copy: Path, capsys: Cap) -> None:
    assert run(capsys, "book", "-q").code == 0
    assert (book_copy / "_review" / "book.audit.md").is_file()


def test_missing_chapter_is_src005_and_the_rest_is_reviewed(book_copy: Path, capsys: Cap) -> None:
    write(book_copy / "_quarto.yml", WITH_MISSING)
    result = run(capsys, "book", "-f", "json", "-o", "-")
    assert result.code == 1  # SRC005 is an error
    files = files_by_path(result)
    config = files["book/_quarto.yml"]
    assert [(f["code"], f["severity"]) for f in config["findings"]] == [("SRC005", "error")]
    assert "chapters/lost.qmd" in config["findings"][0]["message"]
    assert sorted(figure_ids(result)) == ["fig-heat", "fig-mixing", "fig-recipe"]
    assert run(capsys, "book", "-f", "json", "-o", "-", "--fail-on", "never").code == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"# Baking\n\nThe caf\xe9 buys rolls.\n", "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"", "empty"),
    ],
)
def test_unreadable_chapter_is_src005_and_the_others_are_reviewed(
    content: bytes, says: str, book_copy: Path, capsys: Cap
) -> None:
    (book_copy / "chapters" / "two.qmd").write_bytes(content)
    result = run(capsys, "book", "-f", "json", "-o", "-")
    assert result.code == 1
    assert "Traceback" not in result.err
    files = files_by_path(result)
    broken = files["book/chapters/two.qmd"]
    assert [f["code"] for f in broken["findings"]] == ["SRC005"]
    assert broken["findings"][0]["line"] in (1, 3)
    assert says in broken["findings"][0]["message"]
    assert broken["figures"] == []
    assert {"book/index.qmd", "book/chapters/one.qmd", "book/appendix.qmd"} <= set(files)
    assert sorted(figure_ids(result)) == ["fig-mixing", "fig-recipe"]
    # with fig-heat unreadable, the reference to it in chapters/one.qmd is undefined
    one = files["book/chapters/one.qmd"]
    assert ("REF001", 7) in [(f["code"], f["line"]) for f in one["findings"]]


def test_concise_book_review_lists_findings_by_chapter(book_copy: Path, capsys: Cap) -> None:
    (book_copy / "chapters" / "two.qmd").write_bytes(b"caf\xe9\n")
    result = run(capsys, "book/_quarto.yml", "-f", "concise")
    assert ("book/chapters/two.qmd", 1, "SRC005") in result.findings()
