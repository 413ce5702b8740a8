"""Load stage, the plan: a chapter reviewed alone inside a Quarto project is read with its
project, as a pre-commit hook or an editor reviews it. In a book references resolve across
chapters; a website renders each page alone (REF005, never REF001); the audit goes to the
project's `_review/` whatever the working folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from reviewer.project.book import open_book

from .cliutil import Result, reads, run, write
from .conftest import FIXTURES

Cap = pytest.CaptureFixture[str]
BOOK = FIXTURES / "book"
CHAPTERS = ("index.qmd", "chapters/one.qmd", "chapters/two.qmd", "appendix.qmd")


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "book"
    shutil.copytree(BOOK, copy)
    monkeypatch.chdir(copy)
    return copy


def _json(capsys: Cap, *argv: str) -> Result:
    return run(capsys, *argv, "--no-llm", "-f", "json", "-o", "-", "--fail-on", "never")


def _findings(audit: dict[str, Any]) -> list[tuple[str, int, str]]:
    return sorted((f["code"], f["line"], f["message"]) for f in audit["findings"])


def _by_path(result: Result) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).as_posix(): f for f in result.json()["files"]}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_alone_gets_what_the_book_review_gives_it(
    chapter: str, book: Path, capsys: Cap
) -> None:
    whole = _by_path(_json(capsys, "."))[chapter]
    alone = _json(capsys, chapter).json()["files"]
    assert [Path(f["path"]).as_posix() for f in alone] == [chapter]  # context is not reported
    assert _findings(alone[0]) == _findings(whole)
    assert alone[0]["figures"] == whole["figures"]


def test_a_reference_to_another_chapter_is_cross_chapter_not_ref001(
    book: Path, capsys: Cap
) -> None:
    audit = _json(capsys, "chapters/one.qmd").json()["files"][0]
    assert "REF001" not in {f["code"] for f in audit["findings"]}
    cross = audit["cross_chapter_references"]
    assert [(c["target"], c["line"], Path(c["defined_in"]).as_posix()) for c in cross] == [
        ("fig-heat", 7, "chapters/two.qmd")
    ]


def test_a_figure_missing_from_the_whole_book_is_still_ref001(book: Path, capsys: Cap) -> None:
    page = book / "chapters" / "one.qmd"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee also @fig-nowhere.\n", "utf-8")
    audit = _json(capsys, "chapters/one.qmd").json()["files"][0]
    assert [f["figure"] for f in audit["findings"] if f["code"] == "REF001"] == ["fig-nowhere"]


def test_a_figure_cited_only_by_another_chapter_is_not_never_referenced(
    book: Path, capsys: Cap
) -> None:
    two = book / "chapters" / "two.qmd"
    two.write_text(
        two.read_text(encoding="utf-8").replace("The flat part of @fig-heat", "The flat part"),
        "utf-8",
    )
    audit = _json(capsys, "chapters/two.qmd").json()["files"][0]
    assert "FIG001" not in {f["code"] for f in audit["findings"]}
    heat = audit["figures"][0]
    assert Path(heat["intro"]["path"]).as_posix() == "chapters/one.qmd"


def test_files_the_book_does_not_list_are_not_read_as_context(book: Path, capsys: Cap) -> None:
    # scratch.qmd defines fig-draft; the book does not list it, so Quarto never renders it.
    write(book / "chapters" / "three.qmd", "# Three\n\nCompare @fig-draft.\n")
    audit = _json(capsys, "chapters/three.qmd").json()["files"][0]
    assert [f["figure"] for f in audit["findings"] if f["code"] == "REF001"] == ["fig-draft"]


@pytest.mark.parametrize("where", ["chapters", "chapters/deeper"])
def test_the_audit_goes_to_the_project_review_folder_from_any_working_folder(
    where: str, book: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    (book / where).mkdir(exist_ok=True)
    monkeypatch.chdir(book / where)
    relative = os.path.relpath(book / "chapters" / "one.qmd")
    result = run(capsys, relative, "--no-llm", "--fail-on", "never")
    assert result.code == 0, result.err
    assert (book / "_review" / "one.audit.md").is_file()
    assert not (book / where / "_review").exists()


def test_an_unreadable_project_file_leaves_the_chapter_reviewed_alone(
    book: Path, capsys: Cap
) -> None:
    (book / "_quarto.yml").write_text("book: [unclosed\n", encoding="utf-8")
    result = _json(capsys, "chapters/one.qmd")
    assert result.code == 0, result.err
    codes = {f["code"] for f in result.json()["files"][0]["findings"]}
    assert "REF001" in codes  # fig-heat cannot be found without the book


def test_a_context_chapter_that_cannot_be_read_is_passed_over(book: Path, capsys: Cap) -> None:
    (book / "chapters" / "two.qmd").unlink()
    os.mkfifo(book / "chapters" / "two.qmd")  # reading it must neither hang nor fail the run
    result = _json(capsys, "chapters/one.qmd")
    assert result.code == 0, result.err
    assert [f["path"] for f in result.json()["files"]] == ["chapters/one.qmd"]


# -- websites ----------------------------------------------------------------------------------

SITE = """project:
  type: website
website:
  navbar:
    left:
      - href: index.qmd
        text: Home
      - text: More
        menu:
          - about.qmd
  sidebar:
    - title: Guide
      contents:
        - guide/start.qmd
        - section: Depth
          contents:
            - href: guide/later.qmd
            - guide/*.qmd
"""

PAGES = {
    "index.qmd": "# Home\n\nThe oven chart is on the start page, @fig-oven.\n",
    "about.qmd": "# About\n\nWe bake.\n",
    "guide/start.qmd": "# Start\n\n@fig-oven shows the oven warming up over an hour.\n\n"
    '![Oven warm-up.](oven.png){#fig-oven fig-alt="Line rising from cold to hot."}\n',
    "guide/later.qmd": "# Later\n\n@fig-oven shows our own oven, warming faster.\n\n"
    '![Our oven.](ours.png){#fig-oven fig-alt="A steeper rising line."}\n',
    "guide/extra.qmd": "# Extra\n\nNothing here.\n",
}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path / "_quarto.yml", SITE)
    for name, text in PAGES.items():
        write(tmp_path / name, text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_website_reads_in_sidebar_then_navbar_then_path_order(site: Path) -> None:
    pages = [p.relative_to(site).as_posix() for p in open_book(site).chapters]
    assert pages == [
        "guide/start.qmd",
        "guide/later.qmd",
        "index.qmd",
        "about.qmd",
        "guide/extra.qmd",
    ]
    assert open_book(site).kind == "website"


def test_a_website_page_citing_another_pages_figure_gets_ref005_not_ref001(
    site: Path, capsys: Cap
) -> None:
    audit = _json(capsys, "index.qmd").json()["files"][0]
    codes = [(f["code"], f["severity"]) for f in audit["findings"]]
    assert codes == [("REF005", "info")]
    assert "guide/start.qmd" in audit["findings"][0]["message"]


def test_website_pages_are_separate_so_the_same_id_on_two_pages_is_no_duplicate(
    site: Path, capsys: Cap
) -> None:
    whole = _by_path(_json(capsys, "."))
    for page in ("guide/start.qmd", "guide/later.qmd"):
        audit = whole[page]
        assert [f["code"] for f in audit["findings"]] == [], page
        assert audit["cross_chapter_references"] == [], page
        (figure,) = audit["figures"]
        assert Path(figure["intro"]["path"]).as_posix() == page  # its own page's paragraph
    assert [f["code"] for f in whole["index.qmd"]["findings"]] == ["REF005"]


def test_the_book_folder_review_of_a_website_uses_its_order(site: Path, capsys: Cap) -> None:
    paths = [Path(f["path"]).as_posix() for f in _json(capsys, ".").json()["files"]]
    assert paths == [
        "guide/start.qmd",
        "guide/later.qmd",
        "index.qmd",
        "about.qmd",
        "guide/extra.qmd",
    ]


def test_the_md_audit_lists_cross_chapter_references(book: Path, capsys: Cap) -> None:
    result = run(capsys, "chapters/one.qmd", "--no-llm", "-o", "-", "--fail-on", "never")
    section = result.out.split("### Cross-chapter references", 1)[1]
    assert "line 7: `@fig-heat` is defined in `chapters/two.qmd`" in section


def test_the_html_audit_lists_cross_chapter_references(book: Path, capsys: Cap) -> None:
    result = run(capsys, "chapters/one.qmd", "--no-llm", "-f", "html", "-o", "-")
    section = result.out.split("<h2>Cross-chapter references</h2>", 1)[1]
    assert "<code>@fig-heat</code> is defined in <code>chapters/two.qmd</code>" in section


def test_a_listed_chapter_outside_the_project_is_not_read_as_context(
    book: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = write(book.parent / "secret.qmd", "# Secret\n\nThe secret is in @fig-mixing.\n")
    os.symlink(outside, book / "linked.qmd")
    config = book / "_quarto.yml"
    text = config.read_text(encoding="utf-8").replace(
        "    - index.qmd\n", "    - ../secret.qmd\n    - linked.qmd\n    - index.qmd\n"
    )
    config.write_text(text, encoding="utf-8")
    read = reads(monkeypatch)
    audit = _json(capsys, "chapters/one.qmd").json()["files"][0]
    assert "secret.qmd" not in read
    intro = audit["figures"][0]["intro"]
    assert Path(intro["path"]).as_posix() == "chapters/one.qmd"
