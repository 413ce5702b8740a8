"""Extract stage, diagram text: what a TikZ, Mermaid or Graphviz figure draws, read from its
source."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from reviewer.extract.diagrams.graphviz import dot_text
from reviewer.extract.diagrams.mermaid import mermaid_text
from reviewer.extract.diagrams.tikz import tikz_text
from reviewer.model import Drawing

# A code block's language, as its fence names it, to the reader of what it draws.
LANGUAGES = {"tikz": "tikz", "mermaid": "mermaid", "dot": "dot", "graphviz": "dot"}
_READERS: dict[str, Callable[[str], tuple[str, ...]]] = {
    "tikz": tikz_text,
    "mermaid": mermaid_text,
    "dot": dot_text,
}


def drawing(language: str | None, source: str) -> Drawing | None:
    """The diagram a code block draws; None for code that is not a diagram."""
    name = LANGUAGES.get(language or "")
    return Drawing(name, source) if name is not None else None


@lru_cache(maxsize=4096)
def drawn_text(diagram: Drawing) -> tuple[str, ...]:
    """What the diagram draws, in source order, each text once. Remembered: the request, the
    JSON audit and the HTML card all ask."""
    return _READERS[diagram.language](diagram.source)
