"""Render stage, shared by every format: text made safe to show. Model answers and server
errors are untrusted, so every audit loses the control and bidirectional formatting characters
they may carry (an ESC that reaches a terminal, an override that reverses what a reviewer
reads), and the Markdown audit escapes them so they stay inert text where they are placed."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from enum import Enum
from typing import Any

from reviewer.controls import strip_controls
from reviewer.model import Report

__all__ = ["clean", "code_block", "code_span", "md_text", "strip_controls"]

# Every character that gives text a meaning inline: emphasis, code, links and images, raw
# HTML and autolinks, entities (which could spell a control back), tables, strikethrough,
# math and headings; `://` too, where GitHub would turn a bare URL into a link.
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|~&$#]|:(?=//)")
# What opens a block at the start of a line once the rest is escaped: list items (`-`, `+`,
# `1.`, `1)`), thematic breaks and setext underlines.
_MD_START = re.compile(r"^(\d{0,9})([-+=.)])")


def clean(report: Report) -> Report:
    """`report` with those characters gone from every string in it. The values are cleaned
    rather than the rendered text because JSON would deliver them anyway, as `\\u` escapes."""
    cleaned: Report = _clean(report)
    return cleaned


def _clean(value: Any) -> Any:
    # Unchanged objects are returned as they are: most reports carry nothing to strip, and
    # rebuilding every frozen dataclass of a book would cost more than the render.
    if isinstance(value, str):
        return value if isinstance(value, Enum) else strip_controls(value)
    if isinstance(value, tuple):
        items = tuple(_clean(item) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for spec in fields(value):
            old = getattr(value, spec.name)
            new = _clean(old)
            if new is not old:
                changed[spec.name] = new
        return replace(value, **changed) if changed else value
    return value


def md_text(text: str) -> str:
    """`text` as one line of inert Markdown that shows it as written. Line breaks become
    spaces, since a new line could open a block (a heading, a finding, a fence); then every
    character with an inline meaning is backslash-escaped, and so is whatever would still open
    a block at the start of a line, in case the caller puts it there."""
    flat = " ".join(strip_controls(text).split())
    escaped = _MD_SPECIAL.sub(r"\\\g<0>", flat)
    return _MD_START.sub(r"\1\\\2", escaped, count=1)


def code_span(text: str) -> str:
    """`text` as a code span delimited by more backticks than any run inside it."""
    flat = " ".join(strip_controls(text).split())
    ticks = "`" * (_longest_backticks([flat]) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def code_block(lines: list[str], info: str = "") -> list[str]:
    """`lines` as a fenced code block, shown exactly and inert: its fence is longer than any
    run of backticks inside, so no line of it can close the block early."""
    shown = [strip_controls(line).replace("\n", " ") for line in lines]
    fence = "`" * max(3, _longest_backticks(shown) + 1)
    return [f"{fence}{info}", *shown, fence]


def _longest_backticks(lines: list[str]) -> int:
    return max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
