"""Extract stage, diagram text: what Mermaid's mindmaps and charts draw (pie, gantt, journey,
timeline, quadrant, xychart, sankey).

Mindmap nodes without their shapes' brackets; chart titles and sections, slices, tasks and
events, journey actors, quadrant labels, axis titles, ends and categories, and a sankey flow's
two ends. Dates, durations, values and a numeric axis's bounds are not read. Each line is read
on its own and gives texts only: nothing in these diagrams is drawn as its bare id."""

from __future__ import annotations

import re

from reviewer.extract.diagrams.mermaid_drawn import (
    CLASS_SUFFIX,
    STYLING,
    Drawn,
    first_word,
    unquote,
    words,
)

_CSV_FIELD = re.compile(r'"[^"]*"|[^,]+')
_MIRROR = str.maketrans("[({)", "])}(")


def mindmap(kind: str, lines: list[str], out: Drawn) -> None:
    for line in lines:
        if line.startswith(("::icon(", ":::")):
            continue  # an icon or a class: paint, no text
        line = CLASS_SUFFIX.sub("", line)
        shape = min((i for c in "[({)" if (i := line.find(c)) >= 0), default=-1)
        if shape < 0:
            out.text(unquote(line))
            continue
        inner = line[shape:]
        opener = inner[: len(inner) - len(inner.lstrip("[({)"))]
        closer = opener.translate(_MIRROR)[::-1]
        inner = inner[len(opener) :]
        out.text(unquote(inner.removesuffix(closer)))


_CHART_QUIET = words(
    "dateFormat axisFormat tickInterval excludes includes todayMarker weekday weekend"
    " displayMode inclusiveEndDates topAxis showData horizontal vertical bar line"
)


def chart(kind: str, lines: list[str], out: Drawn) -> None:
    """Pie, gantt, journey, timeline, quadrant, xychart and sankey: one statement a line."""
    for line in lines:
        word, rest = first_word(line)
        while word in ("showData", "horizontal", "vertical") and rest:
            word, rest = first_word(rest)
            line = " ".join((word, rest))
        if word in ("title", "section"):
            out.text(unquote(rest))
        elif word in ("x-axis", "y-axis"):
            _axis(rest, out)
        elif word.startswith("quadrant-"):
            out.text(rest)
        elif word not in _CHART_QUIET and word not in STYLING:
            _chart_item(kind, line, out)


def _chart_item(kind: str, line: str, out: Drawn) -> None:
    if kind == "sankey":
        fields = _CSV_FIELD.findall(line)
        for text in fields[:2]:
            out.text(unquote(text))
        return
    parts = CLASS_SUFFIX.sub("", line).split(":")
    if kind == "timeline":
        for part in parts:
            out.text(part)
    else:
        out.text(unquote(parts[0]))
    if kind == "journey" and len(parts) > 2:
        for actor in parts[2].split(","):
            out.text(actor)


def _axis(rest: str, out: Drawn) -> None:
    """`x-axis Low --> High`, `x-axis "Month" [jan, feb]`, `y-axis "Revenue" 0 --> 100`."""
    title, bracket, categories = rest.partition("[")
    ends = [] if bracket else title.split("-->")
    for end in ends or [title]:
        words = end.split()
        if words and words[-1].replace(".", "", 1).lstrip("-").isdigit():
            words.pop()  # a bound of a numeric axis, not a label
        out.text(unquote(" ".join(words)))
    for category in _CSV_FIELD.findall(categories.partition("]")[0]) if bracket else ():
        out.text(unquote(category))
