"""Extract stage, diagram text: what a Mermaid diagram writes on the page, in source order.

Reads node and edge labels, subgraph titles, participants, messages, notes and block titles,
chart titles, slices, sections, tasks, axes and points, class members, states and entities: each
text once, whitespace folded, Mermaid's entity codes (`#quot;`, `#9829;`) decoded, `<br>` read as
a space, HTML tags and markdown emphasis dropped. A flowchart node, participant or state written
only as a bare id draws its id, so the id is read, once, where the node first appears.

Deliberately not read: Quarto cell options (`%%|`), comments, `%%{init}%%` directives, the
diagram-type line, `classDef`/`style`/`linkStyle`/`click`/`class` statements, accessibility
titles, dates, durations and numbers. This is no Mermaid parser and checks no syntax: a diagram
Mermaid would refuse still gives what could be read. Every scan moves forward through the
source, so any input is read in about linear time, and only its first MAX_SOURCE characters.

This module drops the comments, directives and front matter and hands each diagram type to its
reader: flowcharts to mermaid_flow; sequence, class, state and ER diagrams to mermaid_kinds;
mindmaps and charts to mermaid_charts; any other type to a generic reader here. What the readers
collect, and the text cleaning they share, is in mermaid_drawn."""

from __future__ import annotations

import re

from reviewer.extract.diagrams.mermaid_charts import chart, mindmap
from reviewer.extract.diagrams.mermaid_drawn import (
    QUOTED_OR_BRACKETED,
    STYLING,
    Drawn,
    Next,
    first_word,
    unquote,
)
from reviewer.extract.diagrams.mermaid_flow import Flowchart
from reviewer.extract.diagrams.mermaid_kinds import (
    class_diagram,
    er_diagram,
    sequence,
    state_diagram,
)

# Far beyond any figure a reader takes in; past it, reading would only cost time.
MAX_SOURCE = 100_000

_COMMENT = re.compile(r"%%[^\n]*")
_DESCRIPTION = re.compile(r"\baccDescr\s*\{[^{}]*\}")  # for screen readers, over lines

_KINDS = {
    "flowchart": "flow", "graph": "flow", "flowchart-elk": "flow",
    "sequenceDiagram": "sequence", "classDiagram": "class", "classDiagram-v2": "class",
    "stateDiagram": "state", "stateDiagram-v2": "state", "erDiagram": "er",
    "mindmap": "mindmap", "pie": "pie", "gantt": "gantt", "journey": "journey",
    "timeline": "timeline", "quadrantChart": "quadrant", "xychart-beta": "xychart",
    "xychart": "xychart", "sankey-beta": "sankey", "sankey": "sankey",
}  # fmt: skip


def mermaid_text(source: str) -> tuple[str, ...]:
    """Every text the diagram draws, once each, in the order the source gives them."""
    out = Drawn()
    title, body = _front_matter(_uncommented(source[:MAX_SOURCE]))
    out.text(title)
    first, _, rest = body.lstrip().partition("\n")
    word, tail = first_word(first)
    kind = _KINDS.get(word.rstrip(";"))
    if kind == "flow":
        direction = _DIRECTION.match(tail)
        Flowchart(tail[direction.end() if direction else 0 :] + "\n" + rest, out).read()
    elif kind is None:
        _generic(_lines(body), out)
    else:
        _READERS.get(kind, chart)(kind, [*_lines(tail), *_lines(rest)], out)
    return out.result()


_DIRECTION = re.compile(r"(?:TB|TD|BT|RL|LR|[<>^v])(?=[\s;]|$)")


def _uncommented(source: str) -> str:
    text = source.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    closes, newlines = Next(text, "}%%"), Next(text, "\n")
    pieces, pos = [], 0
    while (start := text.find("%%{", pos)) >= 0:
        pieces.append(text[pos:start])
        close, newline = closes.at(start), newlines.at(start)
        # An unclosed directive ends with its line, so the diagram after it is still read.
        pos = close + 3 if close >= 0 else len(text) if newline < 0 else newline
    pieces.append(text[pos:])
    return _DESCRIPTION.sub("", _COMMENT.sub("", "".join(pieces)))


def _front_matter(text: str) -> tuple[str, str]:
    """The YAML block Mermaid reads before the diagram: its title is drawn, the rest is config."""
    lines = text.lstrip().split("\n")
    if lines[0].strip() != "---":
        return "", text
    end = next((n for n, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
    if not end:
        return "", text
    titles = [line[6:].strip() for line in lines[1:end] if line.startswith("title:")]
    title = titles[-1] if titles else ""
    if len(title) >= 2 and title[0] == title[-1] and title[0] in "'\"":
        title = title[1:-1]
    return title, "\n".join(lines[end + 1 :])


def _lines(text: str) -> list[str]:
    return [s for line in text.split("\n") if (s := line.strip().rstrip(";").strip())]


def _generic(lines: list[str], out: Drawn) -> None:
    """Diagram types read no further: titles, branch names, and quoted or bracketed texts."""
    for line in lines:
        word, rest = first_word(line)
        if word in ("title", "branch"):
            out.text(rest if word == "title" else (rest.split() or [""])[0])
        elif word not in STYLING:
            for quoted, bracketed in QUOTED_OR_BRACKETED.findall(line):
                out.text(unquote(quoted or bracketed))


_READERS = {
    "sequence": sequence,
    "class": class_diagram,
    "state": state_diagram,
    "er": er_diagram,
    "mindmap": mindmap,
}
