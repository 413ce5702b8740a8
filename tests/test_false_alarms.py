"""False alarms on real books, measured as a pre-commit hook sees them: every chapter of the
shared corpus reviewed alone (`review CHAPTER --no-llm -f json -o -`), inside its project.

Two counts must be 0:
- a REF001 "undefined reference" to a figure, table or listing that another chapter of the
  same book defines;
- a FIG002 "no caption" on an image or plot that has no `fig-` id, which Quarto does not make
  into a figure at all.

The true alarms of the same kinds must stay: the corpus has an unresolved reference and two
cross-referenced figures without a caption, so a check that was simply turned off fails here.

The corpus keeps the project file of two books only. For the others, whose real repositories
have one (geocompx/geocompy and hadley/r4ds are books, quarto-dev/quarto-web a website), the
test reviews a copy of the excerpt with a minimal `_quarto.yml` of that type, as the author's
hook would see the repository. The copy lives in a temporary folder; nothing is kept."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli.main import main
from reviewer.project.book import find_project_root

from .conftest import CORPUS, ORACLE, need_corpus

# Every REF001 the corpus must still give, each a figure no chapter of the excerpt defines.
STILL_UNDEFINED = {
    ("quarto-cli-tests/tests/docs/crossrefs/unresolved.qmd", "fig-elephant1"): "the test "
    "document exists to show Quarto's unresolved reference",
    ("geocompy/08-mapping.qmd", "fig-raster-crop"): "defined in a chapter of the book that "
    "the excerpt leaves out; nothing read here defines it",
    ("geocompy/08-mapping.qmd", "fig-zion-transect"): "the same",
    ("geocompy/01-spatial-data.qmd", "tbl-numpy-data-types"): "a table that no chapter of the "
    "excerpt defines (the oracle lists it under undefined_tbl_lst_refs too)",
    ("geocompy/03-spatial-operations.qmd", "tbl-numpy-data-types"): "the same",
}

FLOATS = ("figures", "tables", "listings")

# Corpus book folder -> the project type of the repository it was taken from.
PROJECT_FILE_LEFT_OUT = {"geocompy": "book", "r4ds": "book", "quarto-web": "website"}


def _project_file(kind: str, chapters: list[str]) -> str:
    if kind == "website":
        return "project:\n  type: website\n"
    listed = "".join(f"    - {c}\n" for c in chapters)
    return f"project:\n  type: book\nbook:\n  title: excerpt\n  chapters:\n{listed}"


def _as_the_author_has_it(tmp: Path) -> Path:
    """The corpus, with a project file added where the excerpt left it out."""
    copy = tmp / "corpus"
    shutil.copytree(CORPUS, copy, symlinks=True)
    for folder, kind in PROJECT_FILE_LEFT_OUT.items():
        book = copy / folder
        chapters = sorted(
            p.relative_to(book).as_posix()
            for p in book.rglob("*.qmd")
            if not p.name.startswith("_")
        )
        (book / "_quarto.yml").write_text(_project_file(kind, chapters), encoding="utf-8")
    return copy


def _review_alone(chapter: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main([str(chapter), "--no-llm", "-f", "json", "-o", "-", "--fail-on", "never", "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    audit: dict[str, Any] = json.loads(out)["files"][0]
    return audit


def _defined_in_book(chapter: Path, corpus: Path) -> set[str]:
    """Every float id the oracle finds in the chapter's project, or its corpus book folder
    when it has none (the chapter excluded)."""
    root = find_project_root(chapter) or corpus / chapter.relative_to(corpus).parts[0]
    found: set[str] = set()
    for oracle_file in ORACLE.rglob("*.figures.json"):
        other = corpus / str(oracle_file.relative_to(ORACLE))[: -len(".figures.json")]
        if other != chapter and other.resolve().is_relative_to(root.resolve()):
            oracle = json.loads(oracle_file.read_text("utf-8"))
            found |= {f["id"] for key in FLOATS for f in oracle[key]}
    return found


def _classify(
    audit: dict[str, Any], chapter: Path, corpus: Path, counts: Counter[str], undefined: set[Any]
) -> None:
    ids = {f["id"] for key in FLOATS for f in audit[key]}
    book: set[str] | None = None
    for f in audit["findings"]:
        if f["code"] == "REF001":
            book = _defined_in_book(chapter, corpus) if book is None else book
            counts["REF001 false" if f["figure"] in book else "REF001 true"] += 1
            undefined.add((chapter.relative_to(corpus).as_posix(), f["figure"]))
        elif f["code"] == "FIG002":
            labelled = f["figure"] in ids and str(f["figure"]).startswith(("fig-", "tbl-", "lst-"))
            counts["FIG002 true" if labelled else "FIG002 false"] += 1


def test_no_false_ref001_or_fig002_on_any_chapter_reviewed_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    need_corpus()
    corpus = _as_the_author_has_it(tmp_path)
    monkeypatch.chdir(corpus)
    counts: Counter[str] = Counter()
    undefined: set[tuple[str, str]] = set()
    chapters = sorted(corpus.rglob("*.qmd"))
    for chapter in chapters:
        _classify(_review_alone(chapter, capsys), chapter, corpus, counts, undefined)
    print(f"{len(chapters)} chapters reviewed alone:", dict(sorted(counts.items())))
    assert counts["REF001 false"] == 0
    assert counts["FIG002 false"] == 0
    assert undefined == set(STILL_UNDEFINED)
    assert counts["FIG002 true"] == 2  # a TikZ div and a code cell, each with an id only
