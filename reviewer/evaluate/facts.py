"""Evaluate stage, facts a paragraph shares with its figure's caption or alt text: numbers,
direction words and labels, each with the edit that would make the paragraph contradict it.

Only prose the parser reads as text is ever a candidate (see `source`). A candidate also counts
how many content words its sentence shares with the caption sentence that states the fact, so
that a fact the two texts state about the same thing can be preferred to a chance match."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import partial

from reviewer.evaluate.source import STOPWORDS, Source, content_words, sentences

# Not after a word character or a point, nor before one: `x2`, `v1.2`, `3D` and `GPT-4` are
# names.
_NUMBER = re.compile(r"(?<![\w.,])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w]|[.,]\d)")
_WORD = re.compile(r"(?<![\w-])[A-Za-z]+(?![\w])")
# A run of capitalised words is one label: "MS Word", "Lorenz Walthert".
_CAPITALISED = re.compile(r"(?<![\w'])[A-Z][A-Za-z0-9]*(?:[ -][A-Z][A-Za-z0-9]*)*(?![\w])")
_QUOTED = re.compile(r"\"([^\"\n]{1,40})\"|\u201c([^\u201d\n]{1,40})\u201d")
_SAFE_LABEL = re.compile(r"\w[\w .'-]*\Z")  # a replacement must not bring markup with it
_TITLE = re.compile(r"\s*([^:.!?]{1,80}):\s")
_SMALL = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs"}
)
_CLAUSE_END = re.compile(r"[.!?:]\s*\Z")
_CAPTION_SENTENCE = re.compile(r"(?<=[.!?])\s+")

# Each pair lists the forms of one direction and, at the same index, the opposite form.
_DIRECTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("increase", "increases", "increased", "increasing"),
        ("decrease", "decreases", "decreased", "decreasing"),
    ),
    (("rise", "rises", "rising", "rose"), ("fall", "falls", "falling", "fell")),
    (("grow", "grows", "growing", "grew"), ("shrink", "shrinks", "shrinking", "shrank")),
    (("higher", "highest"), ("lower", "lowest")),
    (("more",), ("less",)),
    (("fewer",), ("more",)),
    (("larger", "largest", "bigger", "biggest"), ("smaller", "smallest", "smaller", "smallest")),
    (("faster", "fastest"), ("slower", "slowest")),
    (("longer", "longest"), ("shorter", "shortest")),
    (("wider", "widest"), ("narrower", "narrowest")),
    (("better", "best"), ("worse", "worst")),
    (("left", "leftmost"), ("right", "rightmost")),
    (("above",), ("below",)),
    (("top",), ("bottom",)),
    (("before", "earlier"), ("after", "later")),
    (("first",), ("last",)),
    (("horizontal", "horizontally"), ("vertical", "vertically")),
    (("positive",), ("negative",)),
    (("maximum",), ("minimum",)),
    (("inside",), ("outside",)),
    (("ascending",), ("descending",)),
)


def _opposites() -> dict[str, tuple[int, str]]:
    """word -> (side, opposite word); a side is one direction of one pair."""
    table: dict[str, tuple[int, str]] = {}
    for n, (one, other) in enumerate(_DIRECTIONS):
        for word, opposite in zip(one, other, strict=True):
            table.setdefault(word, (2 * n, opposite))
        for word, opposite in zip(other, one, strict=True):
            table.setdefault(word, (2 * n + 1, opposite))
    return table


_OPPOSITE = _opposites()


class Kind(StrEnum):
    NUMBER = "number"
    DIRECTION = "direction"
    LABEL = "label"


@dataclass(frozen=True)
class Fact:
    """A caption or alt text: `where` names it in messages."""

    where: str
    text: str


@dataclass(frozen=True)
class Candidate:
    kind: Kind
    start: int
    end: int
    original: str
    replacement: str
    contradicts: str  # the caption or alt word the edited paragraph now disagrees with
    where: str
    evidence: str  # the caption or alt sentence that states the fact
    context: int


Finder = Callable[[Source, list[Fact]], list[Candidate]]


def numbers(source: Source, facts: list[Fact]) -> list[Candidate]:
    stated = {value for fact in facts for _, value in _numbers(fact.text)}
    forbidden = stated | {value for _, value in _numbers(source.text)}
    found: list[Candidate] = []
    for match, value in _numbers(source.text):
        if value not in stated or not _editable(source, match.start(), match.end()):
            continue
        new = _new_number(value, match.group(0), forbidden)
        fact, said, evidence = next(_stating(facts, partial(_said_number, value=value)))
        found.append(_candidate(Kind.NUMBER, source, match, new, said, fact, evidence))
    return found


def directions(source: Source, facts: list[Fact]) -> list[Candidate]:
    found: list[Candidate] = []
    for match in _WORD.finditer(source.text):
        word = match.group(0)
        side, opposite = _OPPOSITE.get(word.lower(), (-1, ""))
        if side < 0 or not source.free(match.start(), match.end()):
            continue
        stated = next(_stating(facts, partial(_said_direction, side=side)), None)
        if stated is not None:
            fact, said, evidence = stated
            new = _same_case(word, opposite)
            found.append(_candidate(Kind.DIRECTION, source, match, new, said, fact, evidence))
    return found


def labels(source: Source, facts: list[Fact]) -> list[Candidate]:
    named = [
        (label, quoted, sentence)
        for fact in facts
        for sentence in map(_untitled, _CAPTION_SENTENCE.split(fact.text))
        for label, quoted in _labels(sentence)
    ]
    found: list[Candidate] = []
    for label, quoted in sorted({(label, quoted) for label, quoted, _ in named}):
        swaps = _swaps(label, quoted, named, source.text)
        pattern = re.compile(rf"(?<!\w){re.escape(label)}(?!\w)")
        for match in pattern.finditer(source.text if swaps else ""):
            if not source.free(match.start(), match.end()):
                continue
            fact, said, evidence = next(_stating(facts, partial(_said_label, label=label)))
            for new in swaps:
                found.append(_candidate(Kind.LABEL, source, match, new, said, fact, evidence))
    return found


def _swaps(
    label: str, quoted: bool, named: list[tuple[str, bool, str]], paragraph: str
) -> list[str]:
    """Labels of the same kind that the paragraph does not use. Those named in a sentence
    with `label` ("Data, Algorithm and Machine") are its siblings and the only choice if any."""
    fit = [
        (other, sentence)
        for other, same, sentence in named
        if same == quoted and not _overlaps(other, label) and not _uses(paragraph, other)
    ]
    beside = {other for other, sentence in fit if _said_label(sentence, label)}
    return sorted(beside or {other for other, _ in fit})


FINDERS: tuple[Finder, ...] = (numbers, directions, labels)


# -- helpers -------------------------------------------------------------------------------------


def _numbers(text: str) -> list[tuple[re.Match[str], Decimal]]:
    return [
        (m, Decimal(m.group(1).replace(",", "") + (m.group(2) or "")))
        for m in _NUMBER.finditer(text)
    ]


def _editable(source: Source, start: int, end: int) -> bool:
    # A number opening a line could become a list marker (`2.`) and end the paragraph.
    line_start = source.text.rfind("\n", 0, start) + 1
    return source.free(start, end) and bool(source.text[line_start:start].strip())


def _new_number(value: Decimal, written: str, forbidden: set[Decimal]) -> str:
    """A different plausible number: a year moves by a year or two, anything else doubles."""
    if value == value.to_integral_value() and 1800 <= value <= 2100 and "," not in written:
        steps = [value + k * sign for k in range(1, 50) for sign in (1, -1)]
    elif value == 0:
        steps = [Decimal(k) for k in range(1, 50)]
    else:
        steps = [value * k for k in range(2, 10)] + [value + k for k in range(1, 50)]
    new = next(step for step in steps if step not in forbidden and step >= 0)
    return f"{new:,f}" if "," in written else f"{new:f}"


def _stating(
    facts: list[Fact], said: Callable[[str], str | None]
) -> Iterator[tuple[Fact, str, str]]:
    """(fact, the word as the fact writes it, the sentence it is in) for each fact stating it."""
    for fact in facts:
        for sentence in _CAPTION_SENTENCE.split(fact.text):
            word = said(sentence)
            if word is not None:
                yield fact, word, sentence.strip()


def _said_number(text: str, value: Decimal) -> str | None:
    return next((m.group(0) for m, v in _numbers(text) if v == value), None)


def _said_direction(text: str, side: int) -> str | None:
    words = (m.group(0) for m in _WORD.finditer(text))
    return next((w for w in words if _OPPOSITE.get(w.lower(), (-1, ""))[0] == side), None)


def _said_label(text: str, label: str) -> str | None:
    return label if re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text) else None


def _same_case(word: str, new: str) -> str:
    if len(word) > 1 and word.isupper():
        return new.upper()
    return new[:1].upper() + new[1:] if word[:1].isupper() else new


def _labels(text: str) -> Iterator[tuple[str, bool]]:
    """Capitalised words inside a sentence (a sentence's first word is capitalised anyway) and
    quoted terms, each with whether it was quoted."""
    for match in _CAPITALISED.finditer(text):
        words = match.group(0).split(" ")
        before = text[: match.start()].rstrip(" \"'(\u201c")
        if not before or _CLAUSE_END.search(before):
            words = words[1:]
        while words and words[0].lower() in STOPWORDS:  # "The", "A": not part of a name
            words = words[1:]
        label = " ".join(words)
        if len(label) > 1 and label.lower() not in STOPWORDS:
            yield label, False
    for match in _QUOTED.finditer(text):
        term = (match.group(1) or match.group(2)).strip()
        if _SAFE_LABEL.match(term) and term.lower() not in STOPWORDS:
            yield term, True


def _untitled(text: str) -> str:
    """A caption without its Title Case heading ("Data Pipeline Architectures: ..." or a whole
    "ML System Lifecycle."), whose words are a title, not labels of what the figure shows."""
    match = _TITLE.match(text)
    if match is not None and _titled(match.group(1)):
        return text[match.end() :]
    return "" if _titled(text.rstrip(".")) else text


def _titled(text: str) -> bool:
    words = text.split()
    return len(words) > 1 and all(w[:1].isupper() or w[:1].isdigit() or w in _SMALL for w in words)


def _overlaps(one: str, other: str) -> bool:
    """`ML` for `TinyML` is a narrower claim, not a different one."""
    a, b = one.lower(), other.lower()
    return a in b or b in a


def _uses(text: str, label: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text, re.I) is not None


def _candidate(
    kind: Kind,
    source: Source,
    match: re.Match[str],
    new: str,
    said: str,
    fact: Fact,
    evidence: str,
) -> Candidate:
    start, end = match.start(), match.end()
    sentence = next((s for s in sentences(source) if s[0] <= start < s[1]), (start, end))
    near = content_words(source.text[sentence[0] : sentence[1]])
    shared = len((near & content_words(evidence)) - content_words(match.group(0)))
    return Candidate(kind, start, end, match.group(0), new, said, fact.where, evidence, shared)
