"""Extract stage, diagram text: what a Mermaid flowchart (`flowchart`, `graph`) draws.

Node texts in every shape (`A[...]`, `A((...))`, `A>...]`, `A@{ label: ... }`), link texts
(`-->|text|`, `-- text -->`) and subgraph titles; a node written only as its id draws the id.
Read by position in one forward pass, not line by line: a quoted text may hold its shape's closer
and run over lines, so the next newline, quote and brace are searched for once and remembered,
and the whole source is read in about linear time."""

from __future__ import annotations

import re

from reviewer.extract.diagrams.mermaid_drawn import CLASS_SUFFIX, Drawn, Next, unquote, words

# Shapes, longest opener first: `(((` must win over `((` and `(`.
_SHAPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("(((", (")))",)), ("([", ("])",)), ("((", ("))",)), ("[[", ("]]",)), ("[(", (")]",)),
    ("[/", ("/]", "\\]")), ("[\\", ("\\]", "/]")), ("{{", ("}}",)), ("(", (")",)),
    ("[", ("]",)), ("{", ("}",)), (">", ("]",)),
)  # fmt: skip
_GAP = re.compile(r"[\s;]*")
_SPACE = re.compile(r"[^\S\n]*")
_STATEMENT_END = re.compile(r"[\n;]")
# A node id: Mermaid lets `-`, `.`, `=`, `~` into an id unless they start a link.
_ID = re.compile(r"(?:[^\s\[\](){}<>|&;:@\"=\-.~]|-(?![->.])|\.(?!-)|=(?!=)|~(?!~))+")
_LINK = re.compile(r"[xo<]?[-=.~]+[>xo]?")
_TEXT_LINKS = {"--": "--", "==": "==", "-.": ".-"}  # `A -- text --> B`: where its text ends
_FLOW_STYLING = words("classDef class style linkStyle click direction accTitle accDescr end")
_LABEL_KEY = re.compile(r'\blabel\s*:\s*("[^"]*"|[^,\n}]*)')


def _after(pattern: re.Pattern[str], text: str, pos: int) -> int:
    match = pattern.match(text, pos)
    return pos if match is None else match.end()


class Flowchart:
    """One forward pass over a flowchart's statements; every step moves `pos` on."""

    def __init__(self, source: str, out: Drawn) -> None:
        self.s, self.out, self.pos, self.eol = source, out, 0, 0
        self.newline, self.quote, self.brace = (Next(source, c) for c in '\n"}')
        self.edge_ids: set[str] = set()

    def read(self) -> None:
        s = self.s
        while (start := _after(_GAP, s, self.pos)) < len(s):
            self.pos = start
            self._line_end(start)
            self._statement()
            end = _STATEMENT_END.search(s, max(self.pos, start + 1))
            self.pos = end.end() if end else len(s)
        for name in self.edge_ids:  # `e1@{ animate: true }` styles an edge, it is no node
            node = self.out.nodes.get(name)
            if node is not None and node.text is None:
                node.hidden = True

    def _line_end(self, pos: int) -> None:
        if pos > self.eol or pos == 0:
            found = self.newline.at(pos)
            self.eol = len(self.s) if found < 0 else found

    def _statement(self) -> None:
        match = _ID.match(self.s, self.pos)
        word = match.group() if match else ""
        if word == "subgraph":
            rest = self.s[self.pos + len(word) : self.eol].strip().rstrip(";")
            self.pos = self.eol
            self._subgraph(rest)
        elif word not in _FLOW_STYLING:
            self._chain()

    def _subgraph(self, rest: str) -> None:
        match = _ID.match(rest)
        after = rest[match.end() :].lstrip() if match else ""
        if match and after.startswith("["):
            self.out.node(match.group(), unquote(after[1:].removesuffix("]")))
        elif rest:
            self.out.node(rest, unquote(rest))

    def _chain(self) -> None:
        while self._group():
            label = self._link()
            if label is None:
                return
            self.out.text(label)

    def _group(self) -> bool:
        found = False
        while self._node():
            found = True
            self.pos = _after(_SPACE, self.s, self.pos)
            if not self.s.startswith("&", self.pos):
                break
            self.pos = _after(_SPACE, self.s, self.pos + 1)
        return found

    def _node(self) -> bool:
        match = _ID.match(self.s, self.pos)
        if match is None:
            return False
        self.pos = match.end()
        text = self._attributes() if self.s.startswith("@{", self.pos) else self._shape()
        if suffix := CLASS_SUFFIX.match(self.s, self.pos):
            self.pos = suffix.end()
        self.out.node(match.group(), text)
        return True

    def _attributes(self) -> str | None:
        close = self.brace.at(self.pos)
        end = self.eol if close < 0 else close
        body = self.s[self.pos + 2 : end]
        self.pos = end + (close >= 0)
        self._line_end(self.pos)
        label = _LABEL_KEY.search(body)
        return None if label is None else unquote(label.group(1))

    def _shape(self) -> str | None:
        s, pos = self.s, self.pos
        opener, closers = next(((o, c) for o, c in _SHAPES if s.startswith(o, pos)), ("", ()))
        if not opener:
            return None
        start = after = pos + len(opener)
        first = _after(_SPACE, s, start)
        if s.startswith('"', first) and (quote := self.quote.at(first + 1)) >= 0:
            after = quote + 1  # a quoted text may hold the closer, and span lines
            self._line_end(after)
        found = [i for c in closers if (i := s.find(c, after, self.eol)) >= 0]
        if not found:  # unbalanced: the rest of the line is its text
            self.pos = self.eol
            return unquote(s[start : self.eol])
        close = min(found)
        self.pos = close + len(next(c for c in closers if s.startswith(c, close)))
        return unquote(s[start:close])

    def _link(self) -> str | None:
        s = self.s
        self.pos = _after(_SPACE, s, self.pos)
        edge_id = _ID.match(s, self.pos)
        if (
            edge_id
            and s.startswith("@", edge_id.end())
            and s[edge_id.end() + 1 : edge_id.end() + 2] in "-=.~<"
        ):
            self.edge_ids.add(edge_id.group())
            self.pos = edge_id.end() + 1
        link = _LINK.match(s, self.pos)
        if link is None:
            return None
        run = link.group()
        body = run[1:] if run[0] in "xo<" else run
        if body in _TEXT_LINKS:
            return self._text_link(link.end(), _TEXT_LINKS[body])
        if len(body.strip("<>xo")) < 2:
            return None
        self.pos = _after(_SPACE, s, link.end())
        if not s.startswith("|", self.pos):
            return ""
        close = s.find("|", self.pos + 1, self.eol)
        end = self.eol if close < 0 else close
        label, self.pos = s[self.pos + 1 : end], end + (close >= 0)
        self.pos = _after(_SPACE, s, self.pos)
        return unquote(label)

    def _text_link(self, start: int, closer: str) -> str | None:
        close = self.s.find(closer, start, self.eol)
        end = _LINK.match(self.s, close) if close >= 0 else None
        if end is None:
            return None
        self.pos = _after(_SPACE, self.s, end.end())
        return unquote(self.s[start:close])
