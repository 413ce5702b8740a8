"""Pair stage: give every figure its introducing paragraph and its later mentions.

The introducing paragraph is the first prose paragraph, in reading order, that references the
figure: across included files, and across chapters when a whole book is reviewed. Later prose
paragraphs that reference it are mentions. A figure without an id cannot be referenced, so the
prose paragraph just before it (in the same section) stands in, marked as positional."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from reviewer.model import Extraction, Figure, Pairing, Paragraph, Reference
from reviewer.parse.inline import plain_text


class _Index:
    """All prose paragraphs and references of a review, in reading order."""

    def __init__(self, extractions: Sequence[Extraction]) -> None:
        self.prose = sorted(
            (p for ex in extractions for p in ex.paragraphs if p.prose), key=lambda p: p.order
        )
        self.orders = [p.order for p in self.prose]
        # Each chapter's paragraphs hold one run of reading orders; its first order marks it.
        self.starts = sorted(
            min(p.order for p in ex.paragraphs) for ex in extractions if ex.paragraphs
        )
        self.refs: dict[str, list[Reference]] = defaultdict(list)
        for ex in extractions:
            for ref in ex.references:
                self.refs[ref.target].append(ref)
        for refs in self.refs.values():
            refs.sort(key=lambda r: (r.paragraph.order, r.location.line))

    def before(self, order: int) -> Paragraph | None:
        """The last prose paragraph that comes before `order` in reading order."""
        i = bisect.bisect_left(self.orders, order)
        return self.prose[i - 1] if i else None

    def context(self, order: int) -> Paragraph | None:
        """The paragraph before `order` in the same chapter: context for the judge, which
        must not change when the chapter is reviewed on its own."""
        previous = self.before(order)
        if previous is None or self._chapter(previous.order) != self._chapter(order):
            return None
        return previous

    def _chapter(self, order: int) -> int:
        return bisect.bisect_right(self.starts, order)


def pair(extractions: Sequence[Extraction]) -> list[list[Pairing]]:
    """Pairings for each extraction's figures, in the extractions' order."""
    index = _Index(extractions)
    return [[_pair(figure, index) for figure in ex.figures] for ex in extractions]


def _pair(figure: Figure, index: _Index) -> Pairing:
    if figure.id is None:
        return _positional(figure, index)
    prose = [ref for ref in index.refs.get(figure.id, ()) if ref.paragraph.prose]
    if not prose:
        return Pairing(figure, None)
    intro = prose[0].paragraph
    mentions = tuple(ref for ref in prose if ref.paragraph.order != intro.order)
    return Pairing(figure, _texted(intro), _texted(index.context(intro.order)), mentions)


def _positional(figure: Figure, index: _Index) -> Pairing:
    intro = index.before(figure.order)
    if intro is None or intro.location.path != figure.location.path:
        return Pairing(figure, None, positional=True)
    if intro.section != figure.section:
        return Pairing(figure, None, positional=True)
    return Pairing(figure, _texted(intro), _texted(index.context(intro.order)), positional=True)


def _texted(paragraph: Paragraph | None) -> Paragraph | None:
    """The paragraph with its plain text, converted now if the extractor had no need to."""
    if paragraph is None or paragraph.text is not None:
        return paragraph
    return replace(paragraph, text=plain_text(paragraph.source))
