"""Errors that stop the tool from doing its job. The CLI turns them into one line on stderr and
exit code 2; every message names the file and says what to do."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


class ReviewerError(Exception):
    """Bad input, configuration or environment: the review cannot run."""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice a mistyped `word` most likely meant, or None when none is close: the one
    matching every did-you-mean in an error line uses (commands, keys, rules, directives)."""
    close = get_close_matches(word, list(choices), n=1)
    return close[0] if close else None
