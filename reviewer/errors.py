"""Errors that stop the tool from doing its job. The CLI turns them into one line on stderr and
exit code 2; every message names the file and says what to do."""

from __future__ import annotations


class ReviewerError(Exception):
    """Bad input, configuration or environment: the review cannot run."""
