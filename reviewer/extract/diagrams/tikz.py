"""Extract stage, diagram text: what a TikZ picture writes on the page, in source order.

Read from the token stream, not by line: `\\node … {text}`, `node[…] (name) at (x,y) {text}`
anywhere on a path (`\\draw … node {…}`, edges, children), `label=`/`pin=` and quoted labels in
options, pgfplots titles, axis labels and legend entries, `\\foreach` loops unrolled, and the
picture's own `\\def`/`\\newcommand` macros expanded, `pics` code included. Styles, coordinates
and arithmetic are read past. A picture that is not valid TeX still gives what it can."""

from __future__ import annotations

from reviewer.extract.diagrams.tex import (
    SPACE,
    Macro,
    Macros,
    Stream,
    Token,
    source_of,
    split_top,
    strip,
    tokenize,
    unbrace,
)
from reviewer.extract.diagrams.tex_text import plain
from reviewer.extract.diagrams.tikz_loops import (
    COUNT,
    MAX_LOOP_ITEMS,
    loop_body,
    loop_head,
    loop_items,
    loop_list,
)

_LABEL_KEYS = frozenset({"label", "pin"})
_TEXT_KEYS = frozenset({"title", "xlabel", "ylabel", "zlabel", "node contents"})
_LIST_KEYS = frozenset(
    {
        "legend entries",
        "symbolic x coords",
        "symbolic y coords",
        "xticklabels",
        "yticklabels",
        "extra x tick labels",
        "extra y tick labels",
    }
)
_DEFINERS = frozenset({"def", "edef", "gdef", "xdef"})
_NEWCOMMANDS = frozenset({"newcommand", "renewcommand", "providecommand"})
_SETMACROS = frozenset({"pgfmathsetmacro", "pgfmathtruncatemacro", "pgfmathsetlengthmacro"})
_KEY_SETTERS = frozenset({"tikzset", "pgfkeys", "pgfplotsset"})
MAX_NESTING = 40  # loops within loops: real pictures nest three deep


def tikz_text(source: str) -> tuple[str, ...]:
    """Every text the picture draws, once each, in the order the source gives them."""
    picture = _Picture(Macros())
    picture.statements(picture.stream_of(tokenize(source)))
    return tuple(dict.fromkeys(picture.texts))


class _Picture:
    def __init__(self, macros: Macros) -> None:
        self.macros = macros
        self.texts: list[str] = []
        self.depth = 0  # loops and matrices read inside loops and matrices

    def stream_of(self, tokens: list[Token]) -> Stream:
        return Stream(tokens, self.macros)

    def statements(self, stream: Stream) -> None:
        """Braces at this level only group: they are read through, not into, so that a
        picture nested thousands deep costs no recursion."""
        if self.depth >= MAX_NESTING:
            return
        self.depth += 1
        try:
            self._statements(stream)
        finally:
            self.depth -= 1

    def _statements(self, stream: Stream) -> None:
        while (token := stream.next()) is not None:
            if token.kind == "cs":
                self._command(token.text, stream)
            elif token.is_word("node"):
                self._node(stream)
            elif token.is_word("foreach"):
                self._foreach(stream)
            elif token.is_char("["):
                self._options(stream.bracket())
            elif token.is_char("("):
                stream.parens()  # a coordinate: its `{...}` is arithmetic, not text

    def _command(self, name: str, stream: Stream) -> None:
        if name in ("node", "matrix"):
            self._node(stream, matrix=name == "matrix")
        elif name == "foreach":
            self._foreach(stream)
        elif name in _DEFINERS:
            self._def(stream)
        elif name in _NEWCOMMANDS:
            self._newcommand(stream)
        elif name in _SETMACROS:
            self._define(_name(stream.argument()), Macro(0, ()))
            stream.argument()
        elif name in _KEY_SETTERS:
            self._pic_code(stream.argument())
        elif name == "addlegendentry":
            stream.optional()
            self._text(stream.argument())
        elif name == "pie":
            self._pie(stream)
        elif name == "legend":
            for item in split_top(unbrace(stream.argument()), ","):
                self._text(item)

    def _pie(self, stream: Stream) -> None:
        """pgf-pie's `\\pie{60/Cleaning, 19/Collecting}`: each slice's label, then its number."""
        stream.optional()
        for item in split_top(unbrace(stream.argument()), ","):
            value, *label = split_top(item, "/")
            if label:
                self._text([*_joined(label, "/"), Token("char", ":"), SPACE, *strip(value)])

    def _node(self, stream: Stream, matrix: bool = False) -> None:
        """`[options] (name) at (x,y) {text}`, in any order, up to the text."""
        of_nodes = False
        while True:
            stream.skip_space()
            token = stream.peek()
            if token is None:
                return
            if token.is_char("["):
                stream.raw()
                options = stream.bracket()
                of_nodes = of_nodes or "of nodes" in source_of(options)
                self._options(options)
            elif token.is_char("("):
                stream.raw()
                stream.parens()
            elif token.is_word("at"):
                stream.raw()
            elif token.kind == "open":
                stream.raw()
                body = stream.group()
                self._cells(body) if matrix and of_nodes else self._node_body(body, matrix)
                return
            else:
                return

    def _node_body(self, body: list[Token], matrix: bool) -> None:
        if matrix:  # a plain matrix holds `\node`s of its own
            self.statements(self.stream_of(body))
        else:
            self._text(body)

    def _cells(self, body: list[Token]) -> None:
        """A `matrix of nodes`: each cell, between `&` and `\\\\`, is a node's text."""
        row: list[Token] = []
        for token in [*body, Token("cs", "\\")]:
            if token.is_char("&") or (token.kind == "cs" and token.text == "\\"):
                self._text(row)
                row = []
            else:
                row.append(token)

    def _options(self, options: list[Token]) -> None:
        for item in split_top(options, ","):
            item = strip(item)
            if item and item[0].is_char('"'):
                self._text(_quoted(item))
                continue
            key, value = _key_value(item)
            if key in _LABEL_KEYS:
                self._label(unbrace(value))
            elif key in _TEXT_KEYS:
                self._text(value)
            elif key in _LIST_KEYS:
                for entry in split_top(unbrace(value), ","):
                    self._text(entry)

    def _label(self, value: list[Token]) -> None:
        """`label={[options]above:text}`: the text follows the first `:`, as TikZ reads it."""
        stream = self.stream_of(value)
        stream.optional()
        rest = []
        while (token := stream.raw()) is not None:
            rest.append(token)
        parts = split_top(rest, ":")
        self._text(_joined(parts[1:], ":") if len(parts) > 1 else parts[0])

    def _foreach(self, stream: Stream) -> None:
        names, options = loop_head(stream)
        stream.skip_space()
        items = loop_items(loop_list(stream))
        body = loop_body(stream)
        count = COUNT.search(source_of(options))
        start = int(count.group(2) or 1) if count else 1
        saved = dict(self.macros.defined)
        for n, values in enumerate(items[:MAX_LOOP_ITEMS]):
            if not self.macros.spend(len(body) + 1):
                break
            for name, value in zip(names, values, strict=False):
                self._define(name, Macro(0, tuple(value)))
            if count:
                self._define(count.group(1), Macro(0, (Token("word", str(start + n)),)))
            self.statements(self.stream_of(body))
        self.macros.defined = saved

    def _def(self, stream: Stream) -> None:
        name = stream.raw()
        params: list[Token] = []
        while (token := stream.raw()) is not None and token.kind != "open":
            params.append(token)
        body = stream.group()
        if name is not None and name.kind == "cs":
            self._define(name.text, Macro(sum(t.kind == "param" for t in params), tuple(body)))

    def _newcommand(self, stream: Stream) -> None:
        stream.skip_space()
        star = stream.peek()
        if star is not None and star.is_char("*"):
            stream.raw()
        name = _name(stream.argument())
        count = stream.optional()
        stream.optional()  # a default for the first argument
        params = int(source_of(count).strip() or 0) if count and _digits(count) else 0
        self._define(name, Macro(params, tuple(stream.argument())))

    def _define(self, name: str | None, macro: Macro) -> None:
        if name:  # TeX takes nine arguments at most
            self.macros.defined[name] = Macro(min(macro.params, 9), macro.body)

    def _pic_code(self, keys: list[Token]) -> None:
        """`\\tikzset{pics/x/.style={code={...}}}`: a pic's code draws its nodes where the
        pic is used, so its texts are the picture's texts."""
        stream = self.stream_of(keys)
        while (token := stream.raw()) is not None:
            if (token.is_word("code") or token.is_word("pic")) and _equals_group(stream):
                self.statements(self.stream_of(stream.group()))

    def _text(self, tokens: list[Token]) -> None:
        text = plain(tokens, self.macros)
        if any(char.isalnum() for char in text):
            self.texts.append(text)


def _name(tokens: list[Token]) -> str | None:
    found = [t for t in tokens if t.kind == "cs"]
    return found[0].text if found else None


def _digits(tokens: list[Token]) -> bool:
    return source_of(tokens).strip().isdigit()


def _equals_group(stream: Stream) -> bool:
    """Whether `= {` comes next, reading it if so."""
    stream.skip_space()
    token = stream.peek()
    if token is None or not token.is_char("="):
        return False
    stream.raw()
    stream.skip_space()
    token = stream.peek()
    if token is None or token.kind != "open":
        return False
    stream.raw()
    return True


def _key_value(item: list[Token]) -> tuple[str, list[Token]]:
    parts = split_top(item, "=")
    key = " ".join(source_of(parts[0]).split())
    return key, _joined(parts[1:], "=")


def _joined(parts: list[list[Token]], separator: str) -> list[Token]:
    out: list[Token] = []
    for n, part in enumerate(parts):
        out.extend([Token("char", separator)] if n else [])
        out.extend(part)
    return out


def _quoted(item: list[Token]) -> list[Token]:
    """The text of a quotes-library label, `"text"` followed by its options."""
    body = item[1:]
    ends = [n for n, t in enumerate(body) if t.is_char('"')]
    return body[: ends[0]] if ends else body
