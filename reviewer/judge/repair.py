"""Judge stage, the repair policy: an answer that breaks the schema, is cut off or is refused
gets one repair question that shows the model its answer and what was wrong with it; a second
bad answer fails the figure. The live path and the batch path both follow this one policy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Repair:
    """The question to ask again: the bad answer as it came, and its problems."""

    bad: str
    problems: str


class InvalidTwice(Exception):
    """The repaired answer was bad too: the figure fails with both reasons."""


def next_repair(previous: Repair | None, bad: str, problems: str) -> Repair:
    """The repair to ask for after an invalid answer, or InvalidTwice when one was asked."""
    if previous is not None:
        raise InvalidTwice(f"invalid answer twice: {previous.problems}; then: {problems}")
    return Repair(bad, problems)
