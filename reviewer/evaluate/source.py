"""Evaluate stage, reading a paragraph's Markdown source for perturbation: which characters are
prose that may be edited, where its citations are, how it splits into sentences, and which
content words it shares with a caption.

The project's own inline parser decides what is protected, run rule by rule at the top level so
that every construct keeps its offsets in the source: code, math, citations and
cross-references, links, images, notes, raw TeX and HTML are never edited, nor are bare URLs,
shortcodes or a bracketed citation's locator (`[@key, p. 33]`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token

from reviewer.parse.inline import float_target
from reviewer.parse.inline_rules import inline_parser

# Rules whose matches are prose (or markup without words): everything else is protected.
_PROSE_RULES = frozenset({"text", "newline", "emphasis", "strikethrough"})
_URL = re.compile(
    r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|\bdoi:)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
_SHORTCODE = re.compile(r"\{\{<.*?>\}\}", re.S)
_KEY = re.compile(r"@\{[^}]*\}|@[\w:.#$%&\-+?<>~/]*\w")

# A sentence ends at . ! or ? (and closing quotes or brackets) before a space and a capital,
# a digit or something that opens a sentence in Markdown prose.
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]*_]*(?=\s+[\"'\u201c\u2018(\[*_`$@A-Z0-9])")
# Word lists as text, which reads better than a hundred quoted strings.
_ABBREVIATION_TEXT = "e.g i.e etc vs cf al fig figs eq eqs no nos approx resp ch sec vol p pp ca"
_ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())
_WORD_BEFORE = re.compile(r"(\w+(?:\.\w+)*)$")

_WORD = re.compile(r"[A-Za-z][A-Za-z'_-]*[A-Za-z]")
_STOPWORD_TEXT = """
    a about above after again all also an and any are as at be because been before being
    both but by can could did do does doing done each even every for from further had has have
    having here how however if in into is it its itself just let like may might most much must
    new not now of off on once one only or other our out over own same shall she should so some
    such than that the their them then there these they this those through thus to too under
    until upon use used uses using very was way we well were what when where whether which while
    who whom why will with within without would yet you your
    figure figures fig diagram diagrams plot plots chart charts graph graphs image images picture
    screenshot illustration illustrate illustrates illustrated show shows shown showing see seen
    below following depict depicts depicted display displays displayed here present presents
    visual visually example"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Cite:
    start: int
    end: int
    key: str


@dataclass(frozen=True)
class Source:
    """A paragraph's source with, per character, whether it is prose that may be edited."""

    text: str
    editable: tuple[bool, ...]
    cites: tuple[Cite, ...]
    keep: tuple[tuple[int, int], ...]  # notes and footnote markers: never dropped

    def free(self, start: int, end: int) -> bool:
        return start < end and all(self.editable[start:end])

    def cites_in(self, start: int, end: int) -> list[Cite]:
        return [c for c in self.cites if start <= c.start < end]

    def keeps_in(self, start: int, end: int) -> bool:
        return any(start <= a < end for a, _ in self.keep)


def read_source(text: str) -> Source:
    """Run the inline parser's rules as its own loop does, noting what each match covers."""
    md = inline_parser()
    tokens: list[Token] = []
    state = StateInline(text, md, {}, tokens)
    rules = [(rule.name, rule.fn) for rule in md.inline.ruler.__rules__ if rule.enabled]
    editable = [False] * len(text)
    cites: list[Cite] = []
    keep: list[tuple[int, int]] = []
    while state.pos < state.posMax:
        start, count = state.pos, len(tokens)
        name = next((name for name, rule in rules if rule(state, False)), None)
        if name is None:  # no rule took it: markdown-it keeps the character as text
            state.pending += text[start]
            state.pos += 1
        found = [t for t in tokens[count:] if t.type == "cite"]
        if name == "cite" and found:
            cites.append(Cite(start, state.pos, str(found[0].meta["key"])))
        elif name in ("footnote_ref", "footnote_inline"):
            keep.append((start, state.pos))
        prose = name is None or name in _PROSE_RULES
        editable[start : state.pos] = [prose] * (state.pos - start)
    _protect_text(text, editable)
    _protect_citation_brackets(text, editable, cites)
    return Source(text, tuple(editable), tuple(cites), tuple(keep))


def _protect_text(text: str, editable: list[bool]) -> None:
    # The parser reads bare URLs and Quarto shortcodes as text; they are names, not prose.
    for pattern in (_URL, _SHORTCODE):
        for match in pattern.finditer(text):
            editable[match.start() : match.end()] = [False] * (match.end() - match.start())


def _protect_citation_brackets(text: str, editable: list[bool], cites: list[Cite]) -> None:
    """`[see @key, p. 33]`: the whole bracket belongs to the citation."""
    starts = sorted(c.start for c in cites)
    opened: list[int] = []
    for i, char in enumerate(text):
        if not editable[i] or char not in "[]":
            continue
        if char == "[":
            opened.append(i)
        elif opened:
            start = opened.pop()
            if any(start < s < i for s in starts):
                editable[start : i + 1] = [False] * (i + 1 - start)


def references(source: Source, start: int, end: int, figure_id: str) -> bool:
    return any(float_target(c.key) == figure_id for c in source.cites_in(start, end))


def sentences(source: Source) -> list[tuple[int, int]]:
    """Sentence spans (start, end) covering the paragraph, whitespace between them left out."""
    text = source.text
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for match in _END.finditer(text):
        if match.start() < start or not source.free(match.start(), match.end()):
            continue
        if _abbreviation(text[start : match.start()]):
            continue
        spans.append((start, match.end()))
        start = match.end() + len(text[match.end() :]) - len(text[match.end() :].lstrip())
    end = len(text.rstrip())
    if start < end:
        spans.append((start, end))
    return spans


def _abbreviation(before: str) -> bool:
    match = _WORD_BEFORE.search(before)
    if match is None:
        return False
    word = match.group(1)
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def without_keys(text: str) -> str:
    """Text with its `@key` citations and references removed: they name, not describe."""
    return _KEY.sub(" ", text)


def content_words(text: str) -> set[str]:
    """Words that carry content, folded so that `rows` meets `row` and `Data` meets `data`."""
    return {_fold(w) for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2}


def _fold(word: str) -> str:
    word = word.lower().removesuffix("'s")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word
