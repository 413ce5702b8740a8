"""Judge stage, rewrite checks on the rewrite as text: its length, its lines and the characters
it uses; `rewrite_numbers` checks the numbers it states."""

from __future__ import annotations

import math
import re
import unicodedata

from reviewer.parse.inline import fold

MAX_GROWTH = 2.5
GROWTH_ALLOWANCE = 200  # characters, so that a short paragraph can gain a sentence or two
MIN_SHRINK = 0.3  # below this the rewrite has deleted the paragraph rather than edited it

_LINE_RULES = (
    # Any whitespace counts: a line of no-break spaces looks blank to a reader too.
    (re.compile(r"\n[^\S\n]*\n"), "has a blank line, so it is more than one paragraph"),
    (re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)", re.M), "has a heading line"),
    (re.compile(r"\n {0,3}(?:=+|-+)[ \t]*(?:\n|$)"), "has a line that turns it into a heading"),
    (re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.M), "has a code fence"),
    (re.compile(r"^ {0,3}:{3,}", re.M), "has a div fence"),
    (re.compile(r"^(?:[-+*]|\d+[.)]|#[.)]|\(\d+\))(?:[ \t]|$)"), "starts with a list marker"),
    (re.compile(r"^>"), "starts with a block quote marker"),
    (re.compile(r"^\|[ \t]"), "starts with a line block marker"),
    (re.compile(r"\n {0,3}:[ \t]"), "has a line that turns it into a definition list"),
    (re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.M), "has a link or note definition"),
)
_INDENT = re.compile(r" {4}|\t")

# Characters a reader cannot see, or that reorder what they see (Trojan Source).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and marks that print as nothing, which Unicode files outside category Cf.
_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u3164\uffa0\u2800")
_FILLERS |= {chr(c) for c in range(0xFE00, 0xFE10)}  # variation selectors
_CATEGORIES = {"Cc": "control character", "Cf": "invisible character", "Cs": "surrogate"}
_CATEGORIES |= {"Zl": "line separator", "Zp": "paragraph separator"}
_CATEGORIES |= {"Co": "private-use character", "Cn": "unassigned character"}


def length_problems(original: str, rewrite: str) -> list[str]:
    before, after = len(fold(original)), len(fold(rewrite))
    most = math.floor(MAX_GROWTH * before + GROWTH_ALLOWANCE)
    least = math.ceil(MIN_SHRINK * before)
    if after > most:
        times, limit = f"{after / max(before, 1):.1f}", f"at most {most}"
    elif after < least:
        times, limit = f"under {MIN_SHRINK}", f"at least {least}"
    else:
        return []
    return [f"is {times} times as long as the paragraph ({after} characters, {limit})"]


def structure_problems(original: str, rewrite: str) -> list[str]:
    # Only lines the paragraph did not have count: its own odd line start is not the rewrite's.
    before, after = _lines(original), _lines(rewrite)
    problems = [
        message
        for pattern, message in _LINE_RULES
        if len(pattern.findall(after)) > len(pattern.findall(before))
    ]
    # A paragraph that starts four spaces in is a code block, so the indent counts here.
    if _INDENT.match(rewrite.lstrip("\r\n")) and not _INDENT.match(original.lstrip("\r\n")):
        problems.append("starts with an indent that makes it a code block")
    return problems


def _lines(text: str) -> str:
    return re.sub(r"\r\n?", "\n", text).strip()


def character_problems(original: str, rewrite: str) -> list[str]:
    """Each control, invisible or reordering character the paragraph itself does not use."""
    allowed = set(original) | {"\n", "\t"}
    problems: list[str] = []
    for char in dict.fromkeys(rewrite):
        kind = "bidirectional control" if char in _BIDI else _CATEGORIES.get(char_category(char))
        if kind and char not in allowed:
            problems.append(f"has the {kind} U+{ord(char):04X}")
    return problems


def char_category(char: str) -> str:
    """The Unicode category of `char`, with the fillers counted as invisible (Cf)."""
    return "Cf" if char in _FILLERS else unicodedata.category(char)
