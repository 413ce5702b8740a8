"""The judge sees every diagram's text, measured on the shared corpus: each TikZ, Mermaid and
Graphviz figure with text in it has a request that carries that text.

Whether a diagram has text, and which, is decided here by a deliberately plain reading of its
source (a few patterns per language), independent of the readers under test: every text that
reading finds must be in the request's drawn text. The counts are printed, and the test
fails if the corpus holds no diagram at all."""

from __future__ import annotations

import re

import pytest

from reviewer.judge.request import JudgeRequest
from reviewer.pipeline import judge_requests
from reviewer.project.plan import plan

from .conftest import CORPUS, need_corpus

# Node texts with no command, brace or macro parameter in them: what any reader must find.
_PLAIN = r"([A-Za-z][^\\{}$#%~_^&\n]*[^\\{}$#%~_^&\s])"
_PATTERNS = {
    # `\node[options](name) at (x,y) {text}`, options nested one deep (`-{Latex[length=2mm]}`).
    "tikz": re.compile(
        r"\\node\b\s*(?:\[(?:[^\[\]]|\[[^\]]*\])*\])?\s*(?:\([^)]*\))?\s*"
        r"(?:at\s*\([^)]*\))?\s*\{" + _PLAIN + r"\}"
    ),
    "mermaid": re.compile(r"\w\[" + _PLAIN + r"\]"),
    "dot": re.compile(r"\blabel\s*=\s*\"" + _PLAIN + '"'),
}
DIAGRAM_CODE = re.compile(r"\((tikz|mermaid|dot) code, first lines\)")


def _plain_texts(language: str, source: str) -> set[str]:
    # A `%`/`//` comment line is not drawn.
    kept = "\n".join(
        line for line in source.split("\n") if not line.lstrip().startswith(("%", "//"))
    )
    # TeX sets `--` as an en dash, and so does the reader.
    found = _PATTERNS[language].findall(kept)
    return {" ".join(m.split()).replace("--", "\u2013") for m in found}


@pytest.fixture(scope="module")
def requests() -> list[JudgeRequest]:
    need_corpus()
    return judge_requests(plan(sorted(CORPUS.rglob("*.qmd"))))


def test_every_diagram_with_text_carries_it(
    requests: list[JudgeRequest], capsys: pytest.CaptureFixture[str]
) -> None:
    with_text = carried = 0
    missing: list[str] = []
    for request in requests:
        drawing = request.drawing
        if drawing is None:
            continue
        plain = _plain_texts(drawing.language, drawing.source)
        if not plain:
            continue
        with_text += 1
        drawn = request.drawn_text or ""
        content = request.content()
        lost = sorted(text for text in plain if text not in drawn.split("\n"))
        if "<drawn_text" in content and not lost:
            carried += 1
        else:
            missing.append(f"{request.location}: {request.figure_id}: {lost[:3]}")
    with capsys.disabled():
        print(f"\ndiagrams with text: {with_text}; requests carrying all of it: {carried}")
    assert with_text > 100  # the two ML Systems snapshots hold 162 TikZ figures with text
    assert not missing, "\n".join(missing)


def _may_draw_text(language: str, source: str) -> bool:
    """A loose reading: some node statement holds a brace group with a letter in it, once
    command names are gone (`\\usefont{T1}` counts: loose errs towards "has text")."""
    if language != "tikz":
        return bool(_plain_texts(language, source))
    kept = "\n".join(line.split("%")[0] for line in source.split("\n"))
    for statement in kept.split(";"):
        if re.search(r"\\node\b|\bnode\b", statement):
            bare = re.sub(r"\\[A-Za-z@]+", " ", statement)
            if any(re.search("[A-Za-z]", g) for g in re.findall(r"\{([^{}]*)\}", bare)):
                return True
    return False


def test_no_diagram_that_may_draw_text_is_sent_without_it(requests: list[JudgeRequest]) -> None:
    """Every diagram sent as code lines (its readers found no text) is one the loose reading
    finds no text in either; so every diagram with text carries it."""
    diagrams = as_code = 0
    for request in requests:
        diagrams += request.drawing is not None
        if any(DIAGRAM_CODE.match(line) for line in request.shows):
            as_code += 1
            drawing = request.drawing
            assert drawing is None or not _may_draw_text(drawing.language, drawing.source), (
                request.location
            )
    assert diagrams > 160 and as_code < diagrams / 10
