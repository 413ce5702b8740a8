"""Evaluate stage, perturbations: edits of a figure's introducing paragraph (its Markdown source)
whose verdict is known by construction, so that the judge can be measured on any chapter.

- `mentions_only`: every sentence about the figure becomes one bare reference ("See @fig-x.").
- `contradicts`: one fact the paragraph shares with the caption or alt text is changed: a
  number, else a direction word, else a label.

Only prose is edited: code, math, citations, cross-references, links, notes and URLs are left
as they are, and each result is checked to parse into the same blocks as the paragraph. The
seed only chooses among candidates, so the same seed always gives the same pairs."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reviewer.evaluate.facts import FINDERS, Candidate, Fact, Kind
from reviewer.evaluate.source import (
    Source,
    content_words,
    read_source,
    references,
    sentences,
    without_keys,
)
from reviewer.parse.document import parse_document
from reviewer.parse.inline import float_target
from reviewer.parse.tree import Block

BARE = ("See @{}.", "Refer to @{}.")
# Shared content words (outside references) from which a sentence, or a whole paragraph,
# describes the figure rather than pointing at it.
DESCRIBE_MIN = 2
# A sentence right after one that cites the figure and opening like this goes on about it.
_ANAPHORA = re.compile(
    r"(?:It|This|These|They|Here|In (?:it|this|these)|On the (?:left|right)|"
    r"The (?:figure|plot|diagram|chart|graph|image|map|panel|picture|screenshot|illustration|"
    r"result|viewer)s?)\b"
)


@dataclass(frozen=True)
class Contradiction:
    text: str  # the whole edited paragraph
    kind: Kind
    original: str
    replacement: str
    contradicts: str  # the caption or alt word it now disagrees with
    where: str  # "caption" or "alt"
    evidence: str  # the caption or alt sentence holding that word
    offset: int  # where the edit starts, in the paragraph's source
    # Content words its sentence shares with `evidence`: 0 means the texts may use the same
    # word about different things, and the contradiction is less certain.
    context: int = 0

    def describe(self) -> str:
        """The edit, as a gold file's `perturbation` field records it."""
        return (
            f'contradicts ({self.kind}): changed "{self.original}" to "{self.replacement}"; '
            f'{self.where} says "{self.evidence}"'
        )


@dataclass(frozen=True)
class MentionsOnly:
    text: str  # the whole edited paragraph
    dropped: tuple[str, ...]  # the sentences replaced by `bare`
    bare: str
    # Content words the kept sentences still share with the caption or alt text: above 0, a
    # judge could fairly answer `partial`.
    leftover: int

    def describe(self) -> str:
        dropped = "; ".join(f'"{" ".join(t.split())}"' for t in self.dropped)
        return f'mentions_only: replaced {dropped} with "{self.bare}"'


def mentions_only(
    source: str, figure_id: str, caption: str | None, alt: str | None, seed: int = 0
) -> str | None:
    """The paragraph with its sentences about the figure replaced by a bare reference; None when
    no sentence cites the figure, one to be dropped holds another reference, citation or note,
    or they describe nothing anyway."""
    found = mentions_only_edit(source, figure_id, caption, alt, seed)
    return found.text if found else None


def mentions_only_edit(
    source: str, figure_id: str, caption: str | None, alt: str | None, seed: int = 0
) -> MentionsOnly | None:
    """`mentions_only`, with what was dropped."""
    fid = _bare_id(figure_id)
    src = read_source(source)
    spans = sentences(src)
    citing = {i for i, (a, b) in enumerate(spans) if references(src, a, b, fid)}
    words = _fact_words(caption, alt)
    about = _about(src, spans, citing, words)
    dropped = tuple(source[a:b] for i, (a, b) in enumerate(spans) if i in about)
    if not about or any(_must_keep(src, *spans[i], fid) for i in about):
        return None
    if not content_words(without_keys(" ".join(dropped))):
        return None  # already a bare pointer: the edit would change nothing
    bare = random.Random(seed).choice(BARE).format(fid)
    # The bare reference stands where the figure was first cited.
    text = _rebuild(source, spans, about, min(citing), bare)
    kept = " ".join(source[a:b] for i, (a, b) in enumerate(spans) if i not in about)
    leftover = len(content_words(without_keys(kept)) & words)
    return MentionsOnly(text, dropped, bare, leftover) if _same_shape(source, text) else None


def contradicts(
    source: str, figure_id: str, caption: str | None, alt: str | None, seed: int = 0
) -> Contradiction | None:
    """The paragraph with one shared fact changed; None when it shares none with the caption
    or alt text, or does not cite the figure."""
    fid = _bare_id(figure_id)
    src = read_source(source)
    if not references(src, 0, len(source), fid):
        return None
    facts = [Fact(where, text) for where, text in (("caption", caption), ("alt", alt)) if text]
    for finder in FINDERS:
        found = finder(src, facts)
        if found:
            return _contradiction(source, _choose(found, seed))
    return None


def describes(source: str, figure_id: str, caption: str | None, alt: str | None) -> bool:
    """Whether the paragraph says something about the figure beyond pointing at it: its words
    outside references share at least DESCRIBE_MIN content words with the caption or alt."""
    words = content_words(without_keys(read_source(source).text))
    return len(words & _fact_words(caption, alt)) >= DESCRIBE_MIN


# -- helpers -------------------------------------------------------------------------------------


def _bare_id(figure_id: str) -> str:
    return float_target(figure_id.lstrip("#@")) or figure_id.lstrip("#@")


def _fact_words(caption: str | None, alt: str | None) -> set[str]:
    return content_words(" ".join(t for t in (caption, alt) if t))


def _about(
    src: Source, spans: list[tuple[int, int]], citing: set[int], words: set[str]
) -> set[int]:
    """Indexes of the sentences about the figure: those that cite it, those that follow one of
    them and point back at it, and those that share DESCRIBE_MIN content words with it."""
    if not citing:
        return set()
    about = set(citing)
    for i in sorted(citing):
        while i + 1 < len(spans) and _ANAPHORA.match(src.text, spans[i + 1][0]):
            i += 1
            about.add(i)
    for i, (a, b) in enumerate(spans):
        if len(content_words(without_keys(src.text[a:b])) & words) >= DESCRIBE_MIN:
            about.add(i)
    return about


def _must_keep(src: Source, start: int, end: int, fid: str) -> bool:
    others = [c for c in src.cites_in(start, end) if float_target(c.key) != fid]
    return bool(others) or src.keeps_in(start, end)


def _rebuild(
    source: str, spans: list[tuple[int, int]], about: set[int], first: int, bare: str
) -> str:
    parts: list[str] = []
    for i, (start, end) in enumerate(spans):
        if i in about and i != first:
            continue
        gap = source[spans[i - 1][1] : start] if parts else ""
        parts.append(gap + (bare if i == first else source[start:end]))
    return source[: spans[0][0]] + "".join(parts) + source[spans[-1][1] :]


def _choose(found: list[Candidate], seed: int) -> Candidate:
    # A fact stated in a sentence that shares words with the caption's is the same fact, not
    # the same word by chance: prefer those.
    close = [c for c in found if c.context] or found
    return random.Random(seed).choice(sorted(close, key=lambda c: (c.start, c.replacement)))


def _contradiction(source: str, pick: Candidate) -> Contradiction | None:
    text = source[: pick.start] + pick.replacement + source[pick.end :]
    if not _same_shape(source, text):
        return None
    return Contradiction(
        text,
        pick.kind,
        pick.original,
        pick.replacement,
        pick.contradicts,
        pick.where,
        pick.evidence,
        pick.start,
        pick.context,
    )


def _same_shape(original: str, variant: str) -> bool:
    """Both texts parse into the same blocks: the edit made no heading, list or fence."""
    return _shape(parse_document(original, "-").blocks) == _shape(
        parse_document(variant, "-").blocks
    )


def _shape(blocks: Sequence[Block]) -> list[object]:
    return [(b.kind, _shape(b.children)) for b in blocks]
