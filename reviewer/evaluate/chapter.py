"""Evaluate stage, perturbed pairs from a chapter: each figure whose introducing paragraph
describes it gives a `mentions_only` and a `contradicts` variant of that paragraph, as gold
pairs whose verdicts are known by construction.

The chapter is read as a review reads it (load, extract, pair), so the variants are edits of
exactly the paragraph the judge is shown in a review: its Markdown source."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reviewer.evaluate.gold import GoldPair
from reviewer.evaluate.perturb import (
    Contradiction,
    MentionsOnly,
    contradicts,
    describes,
    mentions_only_edit,
)
from reviewer.extract import extract
from reviewer.extract.pair import pair
from reviewer.model import Extraction, Pairing, Verdict
from reviewer.project.load import load_chapter


@dataclass(frozen=True)
class PerturbedFigure:
    """A figure whose introducing paragraph could be perturbed, with the variants it gives."""

    stem: str  # `<path>#<figure id>`
    path: str
    figure_id: str
    line: int  # the paragraph's first line
    caption: str
    alt: str | None
    original: str  # the paragraph's Markdown source
    mentions: MentionsOnly | None
    contradiction: Contradiction | None

    def pairs(self, book: str = "") -> list[GoldPair]:
        """The variants as gold pairs, ids `[<book>/]<stem>~mentions` and `~contradicts`.
        A variant is of low confidence where the construction is less certain: kept sentences
        that still share words with the caption, or a contradicted word whose sentence shares
        none with the caption's."""
        found: list[GoldPair] = []
        if self.mentions is not None:
            m = self.mentions
            low = m.leftover > 0
            found.append(self._pair(book, "mentions", m.text, m.describe(), low))
        if self.contradiction is not None:
            c = self.contradiction
            found.append(self._pair(book, "contradicts", c.text, c.describe(), c.context == 0))
        return found

    def _pair(self, book: str, suffix: str, intro: str, note: str, low: bool) -> GoldPair:
        stem = f"{book}/{self.stem}" if book else self.stem
        verdict = Verdict.MENTIONS_ONLY if suffix == "mentions" else Verdict.CONTRADICTS
        return GoldPair(
            id=f"{stem}~{suffix}",
            book=book,
            path=self.path,
            figure_id=self.figure_id,
            caption=self.caption,
            alt=self.alt,
            intro=intro,
            verdict=verdict,
            score=1,
            rationale=f"Constructed by perturbation: {note}.",
            confidence="low" if low else "high",
            origin="perturbed",
            perturbation=note,
        )


def perturb_chapter(
    extraction: Extraction, seed: int, name: str | None = None
) -> Iterator[PerturbedFigure]:
    """Each figure of one chapter whose introducing paragraph describes it (see `describes`)
    and can be perturbed at least one way. `name` replaces the chapter's path in the ids."""
    seen: set[str] = set()
    for pairing in pair([extraction])[0]:
        found = perturb_pairing(pairing, seed, name or extraction.path)
        if found is not None and found.stem not in seen:  # an id defined twice counts once
            seen.add(found.stem)
            yield found


def perturb_path(path: Path, seed: int, name: str | None = None) -> list[PerturbedFigure]:
    """`perturb_chapter` of a chapter file, its includes followed."""
    extraction, _ = extract(load_chapter(path))
    return list(perturb_chapter(extraction, seed, name))


def perturb_pairing(pairing: Pairing, seed: int, path: str) -> PerturbedFigure | None:
    figure, intro = pairing.figure, pairing.intro
    if figure.id is None or intro is None or pairing.positional or not intro.prose:
        return None
    caption = figure.caption.text if figure.caption else None
    alt = figure.alt.text if figure.alt else None
    source = intro.source.strip()
    if not caption or not describes(source, figure.id, caption, alt):
        return None
    stem = f"{path}#{figure.id}"
    own = figure_seed(seed, stem)
    mentions = mentions_only_edit(source, figure.id, caption, alt, own)
    contradiction = contradicts(source, figure.id, caption, alt, own)
    if mentions is None and contradiction is None:
        return None
    return PerturbedFigure(
        stem=stem,
        path=path,
        figure_id=figure.id,
        line=intro.location.line,
        caption=caption,
        alt=alt,
        original=source,
        mentions=mentions,
        contradiction=contradiction,
    )


def figure_seed(seed: int, stem: str) -> int:
    """Each figure's own seed, so that adding a figure to a chapter leaves the others' pairs as
    they were. A hash, not `hash()`, which changes from one run to the next."""
    return int.from_bytes(hashlib.sha256(f"{seed}\0{stem}".encode()).digest()[:8], "big")
