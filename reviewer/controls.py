"""Shared by every stage: the characters untrusted text loses before anyone is shown it.
C0 controls but tab and newline, DEL, C1, and the bidirectional marks, embeddings, overrides
and isolates: an ESC that reaches a terminal, or an override that reverses what a reviewer
reads. Model answers and server error texts both pass through here."""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    return text if _CONTROLS.search(text) is None else _CONTROLS.sub("", text)
