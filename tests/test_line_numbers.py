"""Line numbers are exact: the line reported for each float holds its definition, the line of
each reference holds the `@`, and each introducing paragraph's span holds its reference.
Checked on the fixtures, the example chapter and, where it is present, the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract import extract
from reviewer.extract.pair import pair
from reviewer.model import Figure, FigureKind, Reference
from reviewer.project.load import load_chapter

from .conftest import CORPUS, FIXTURES, ROOT, corpus_required

CHAPTERS = [*sorted((FIXTURES / "extract").glob("*.qmd")), ROOT / "examples" / "chapter.qmd"]
CORPUS_CHAPTERS = sorted(CORPUS.rglob("*.qmd")) if CORPUS.is_dir() else []


def _lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").split("\n")


def _span(figure: Figure) -> str:
    lines = _lines(figure.location.path)
    return "\n".join(lines[figure.location.line - 1 : figure.location.end_line])


def _check_figure(figure: Figure) -> None:
    lines = _lines(figure.location.path)
    first = lines[figure.location.line - 1].lstrip(" >-*+0123456789.")
    last = lines[figure.location.end_line - 1].strip()
    if figure.embedded_from:
        assert "{{< embed" in first and (figure.parent or figure.id or "?") in first  # panels too
    elif figure.kind is FigureKind.IMAGE:
        assert "![" in first or first.startswith("[![")
        assert figure.id is None or f"#{figure.id}" in _span(figure)
    elif figure.kind is FigureKind.PIPE_TABLE:
        # The table and its caption paragraph, whichever comes first, to whichever comes last.
        markers = (":", "Table:", "table:")
        assert first.startswith(markers) or f"{{#{figure.id}" in last or last.startswith(markers)
        assert f"{{#{figure.id}" in _span(figure)
    elif figure.kind is FigureKind.DIV:
        assert first.startswith(":::") and f"#{figure.id}" in _span(figure)
        assert last.startswith(":::") and not last.strip(":")
    else:
        assert first.startswith(("```", "~~~")) and last.startswith(("```", "~~~"))
        label = figure.parent or figure.id
        assert label is None or label in _span(figure)


def _check_reference(ref: Reference) -> None:
    line = _lines(ref.location.path)[ref.location.line - 1]
    assert ref.written in line
    para = ref.paragraph.location
    assert para.line <= ref.location.line <= para.end_line


def _check(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(path.parent)
    extraction, _ = extract(load_chapter(Path(path.name)))
    for figure in extraction.figures:
        _check_figure(figure)
    for ref in extraction.references:
        _check_reference(ref)
    for pairing in pair([extraction])[0]:
        if pairing.intro and pairing.figure.id and not pairing.positional:
            span = _lines(pairing.intro.location.path)[
                pairing.intro.location.line - 1 : pairing.intro.location.end_line
            ]
            assert any(
                f"@{pairing.figure.id[4:]}" in line or pairing.figure.id in line for line in span
            )
    return len(extraction.figures)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_fixture_lines(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _check(path, monkeypatch) > 0


@pytest.mark.skipif(not CORPUS_CHAPTERS and not corpus_required(), reason="no shared corpus")
@pytest.mark.parametrize(
    "path",
    CORPUS_CHAPTERS or [Path("missing")],
    ids=lambda p: str(p.relative_to(CORPUS)) if p.is_absolute() else "-",
)
def test_corpus_lines(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not path.is_absolute():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    _check(path, monkeypatch)
