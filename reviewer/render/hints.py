"""Render stage, shared by the formats that list findings for people to act on (concise and
Markdown): each finding's fix hint. The finding's own suggestion comes first: the replacement a
check proposes, or the judge's rewrite once it passed the mechanical checks. Without one, the
hint is the example fix its rule gives in the registry (`review explain CODE` says more), and an
example written as markup rather than as an instruction is marked "e.g."."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.model import Finding
from reviewer.rules import BY_CODE

# An instruction reads as a sentence ("Move the figure ..."); markup does not ("![...](...)").
_INSTRUCTION = re.compile(r"[A-Z][a-z]")


@dataclass(frozen=True)
class Hint:
    text: str  # one line: a line break could forge a finding of its own in a line format
    suggested: bool  # the finding's own suggestion, not its rule's example
    markup: bool  # an example written as markup, to show as code
    rewrite: bool = False  # the judge's rewrite of a whole paragraph: too long for one line

    @property
    def plain(self) -> str:
        return f"e.g. {self.text}" if self.markup else self.text


def hint(f: Finding) -> Hint | None:
    """What to do about `f`, or None when neither it nor its rule says."""
    if f.suggestion and f.suggestion.strip():
        narrative = f.code.startswith("NAR")  # the LLM stage's codes suggest a rewrite
        return Hint(_flat(f.suggestion), suggested=True, markup=False, rewrite=narrative)
    rule = BY_CODE.get(f.code)
    if rule is None or not rule.example.strip():
        return None
    example = _flat(rule.example)
    return Hint(example, suggested=False, markup=not _INSTRUCTION.match(example))


def _flat(text: str) -> str:
    return " ".join(text.split())
