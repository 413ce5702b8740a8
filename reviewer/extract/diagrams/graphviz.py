"""Extract stage, diagram text: what a Graphviz (DOT) graph writes on the page, in source order.

Reads the DOT statements, not lines, from dot_tokens' tokens: the drawn texts are the `label`,
`xlabel`, `headlabel` and `taillabel` of nodes, edges, graphs and clusters; a node without a
label (its own or a `node [label=...]` default) draws its ID, read once where it first appears,
and `label=""` draws nothing. Each label is decoded by dot_labels (escapes, record fields, HTML
cells), with the names its `\\N`, `\\G`, `\\E`, `\\T` and `\\H` escapes stand for given here.

Deliberately not read: every other attribute (colors, shapes, layout), ports, compass points,
`tooltip`/`URL` texts, and whether the graph is valid DOT: a graph Graphviz would refuse still
gives what could be read. The tokenizer and the statement reader move forward through the source
and keep an explicit stack of subgraphs, so any input, however deep, is read in about linear
time, and only its first MAX_SOURCE characters."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice, pairwise

from reviewer.extract.diagrams.dot_labels import Value, record, render
from reviewer.extract.diagrams.dot_tokens import Token, tokens

_LABEL_KEYS = ("label", "xlabel", "headlabel", "taillabel")
_RECORDS = frozenset({"record", "Mrecord"})
# Far beyond any figure a reader takes in; past it, reading would only cost time.
MAX_SOURCE = 100_000
_FAN = 64  # `{a b c} -> {d e f}` makes every pair: labels of more than this many say no more


def dot_text(source: str) -> tuple[str, ...]:
    """Every text the graph draws, once each, in the order the source gives them."""
    return _Reader(tokens(source[:MAX_SOURCE])).read()


@dataclass
class _Node:
    name: str
    attrs: dict[str, Value]


@dataclass
class _Frame:
    """A graph or subgraph being read, with the statement it is in the middle of."""

    name: str
    node_defaults: dict[str, Value]
    edge_defaults: dict[str, Value]
    members: list[str] = field(default_factory=list)
    kind: str = ""  # "", "node", "edge", or "graph"/"node defaults"/"edge defaults" for attr_stmt
    target: _Node | None = None
    ends: list[list[str]] = field(default_factory=list)
    attrs: dict[str, Value] = field(default_factory=dict)
    expect: bool = False  # an edge operator was read, its head is next

    def child(self, name: str) -> _Frame:
        return _Frame(name, dict(self.node_defaults), dict(self.edge_defaults))


class _Reader:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.i = tokens, 0
        self.frames = [_Frame("", {}, {})]
        self.root, self.edge_op = "", "--"
        self.items: list[str | _Node] = []
        self.nodes: dict[str, _Node] = {}
        self.subgraph_name: str | None = None

    def read(self) -> tuple[str, ...]:
        while self.i < len(self.tokens):
            self._step(self.tokens[self.i])
        while self.frames:
            self._end_statement(self.frames.pop())
        return self._texts()

    def _peek(self, offset: int) -> Token | None:
        at = self.i + offset
        return self.tokens[at] if at < len(self.tokens) else None

    def _step(self, token: Token) -> None:
        frame, kind = self.frames[-1], token.kind
        self.i += 1
        if kind == "{":
            self._open(frame)
        elif kind == "}":
            self._close()
        elif kind == "[":
            self._apply(frame, self._attr_list())
        elif kind in (";", ","):
            self._end_statement(frame)
        elif kind == "edge":
            frame.expect = bool(frame.ends)
        elif kind in ("id", "html"):
            self._id(frame, token)

    def _keyword(self, token: Token) -> str:
        return "" if token.quoted or token.kind != "id" else token.text.lower()

    def _id(self, frame: _Frame, token: Token) -> None:
        word, after = self._keyword(token), self._peek(0)
        if word in ("graph", "node", "edge") and after is not None and after.kind == "[":
            self._end_statement(frame)
            frame.kind = {"graph": "graph", "node": "node defaults", "edge": "edge defaults"}[word]
        elif word in ("graph", "digraph", "subgraph", "strict"):
            self._header(frame, word, after)
        elif after is not None and after.kind == "=":  # `label = "x"`: the graph's own
            self._end_statement(frame)
            self.i += 1
            if (value := self._peek(0)) is not None and value.kind in ("id", "html"):
                self.i += 1
                self._apply(frame, {token.text: (value.text, value.kind == "html")}, "graph")
        else:
            self._operand(frame, [token.text])
            while (colon := self._peek(0)) and colon.kind == ":" and self._peek(1):
                self.i += 2  # a port and compass point: where the edge meets the node

    def _header(self, frame: _Frame, word: str, after: Token | None) -> None:
        if word == "strict":
            return
        if not frame.expect:
            self._end_statement(frame)
        if word == "digraph":
            self.edge_op = "->"
        self.subgraph_name = ""
        if after is not None and after.kind in ("id", "html"):
            self.subgraph_name = after.text
            self.i += 1

    def _open(self, frame: _Frame) -> None:
        if not frame.expect:
            self._end_statement(frame)
        name = self.subgraph_name or ""
        if len(self.frames) == 1 and not self.root:
            self.root = name
        self.subgraph_name = None
        self.frames.append(frame.child(name))

    def _close(self) -> None:
        if len(self.frames) == 1:
            return
        child = self.frames.pop()
        self._end_statement(child)
        self._operand(self.frames[-1], child.members, node=False)

    def _operand(self, frame: _Frame, names: list[str], node: bool = True) -> None:
        """A node ID or a closed subgraph: an edge's head, or the start of a statement."""
        target = self._node(names[0]) if node else None
        if not (frame.expect and frame.ends):
            self._end_statement(frame)
            frame.kind, frame.target = "node", target
        else:
            frame.kind, frame.target = "edge", None
        frame.ends.append(names[:_FAN])
        frame.expect = False
        # Only the innermost subgraph: a closing one hands its members to its parent.
        frame.members.extend(names[: max(0, _FAN - len(frame.members))])

    def _node(self, name: str) -> _Node:
        node = self.nodes.get(name)
        if node is None:
            defaults = self.frames[-1].node_defaults
            node = self.nodes[name] = _Node(name, dict(defaults))
            self.items.append(node)
        return node

    def _attr_list(self) -> dict[str, Value]:
        attrs: dict[str, Value] = {}
        while (key := self._peek(0)) is not None and key.kind != "]":
            equals, value = self._peek(1), self._peek(2)
            self.i += 1
            if equals and equals.kind == "=" and value and value.kind in ("id", "html"):
                attrs[key.text] = (value.text, value.kind == "html")
                self.i += 2
        self.i += 1  # past the `]`
        return attrs

    def _apply(self, frame: _Frame, attrs: dict[str, Value], kind: str = "") -> None:
        kind = kind or frame.kind
        if kind == "node defaults":
            frame.node_defaults.update(attrs)
        elif kind == "edge defaults":
            frame.edge_defaults.update(attrs)
        elif kind == "graph":
            self._emit(attrs, _LABEL_KEYS, {"G": frame.name})
        elif kind == "node" and frame.target is not None:
            frame.target.attrs.update(attrs)  # its label is read with the node, where it began
            self._emit(attrs, _LABEL_KEYS[1:], {"N": frame.target.name, "G": self.root})
        elif kind == "edge":
            frame.attrs.update(attrs)

    def _emit(self, attrs: dict[str, Value], keys: tuple[str, ...], names: dict[str, str]) -> None:
        for key in keys:
            if key in attrs:
                self.items.extend(render(attrs[key], names))

    def _end_statement(self, frame: _Frame) -> None:
        if frame.kind == "edge":
            self._edge_labels(frame)
        frame.kind, frame.target, frame.ends, frame.attrs, frame.expect = "", None, [], {}, False

    def _edge_labels(self, frame: _Frame) -> None:
        attrs = {**frame.edge_defaults, **frame.attrs}
        ends = pairwise(frame.ends)
        pairs = list(islice(((t, h) for tails, heads in ends for t in tails for h in heads), _FAN))
        for key in _LABEL_KEYS:
            value = attrs.get(key)
            if value is None:
                continue
            # Without escapes every edge of the statement draws the same text: read it once.
            for tail, head in pairs if "\\" in value[0] else pairs[:1]:
                names = {"T": tail, "H": head, "E": f"{tail}{self.edge_op}{head}", "G": self.root}
                self.items.extend(render(value, names))

    def _texts(self) -> tuple[str, ...]:
        texts: dict[str, None] = {}
        for item in self.items:
            for text in _node_texts(item, self.root) if isinstance(item, _Node) else [item]:
                folded = " ".join(text.split())
                if folded:
                    texts.setdefault(folded, None)
        return tuple(texts)


def _node_texts(node: _Node, root: str) -> list[str]:
    label = node.attrs.get("label")
    names = {"N": node.name, "G": root}
    if label is None:
        return [node.name]
    shape = node.attrs.get("shape", ("", False))[0]
    if shape in _RECORDS and not label[1]:
        return record(label[0], names)
    return render(label, names)
