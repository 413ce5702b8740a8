"""Extract stage, diagram text: TeX read as TeX reads it, as far as a TikZ picture needs.

Tokens are control sequences, braces, letters and single characters, with `%` comments gone.
A stream hands them out with the picture's own macros (`\\def`, `\\newcommand`, `\\foreach`
variables) expanded, inside a budget: a picture is untrusted text, and `\\def\\a{\\a\\a}` must
cost a bounded amount of work, not hang the review."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

# Tokens pushed back by macro expansion, for the whole picture: generous for real diagrams
# (the largest in the corpus expands to about 60,000), small enough to bound a hostile one.
EXPANSION_BUDGET = 400_000
_TOKEN = re.compile(r"%[^\n]*|\\(?:[A-Za-z@]+|.|\n)?|#\d?|[A-Za-z0-9]+|\s+|.", re.DOTALL)


class Token(NamedTuple):
    kind: str  # "cs", "open", "close", "space", "param", "word", "char" (or "comment", dropped)
    text: str  # a control sequence's name without its backslash; otherwise the source

    @property
    def source(self) -> str:
        return f"\\{self.text}" if self.kind == "cs" else self.text

    def is_char(self, char: str) -> bool:
        return self.kind == "char" and self.text == char

    def is_word(self, word: str) -> bool:
        return self.kind == "word" and self.text == word


OPEN, CLOSE, SPACE = Token("open", "{"), Token("close", "}"), Token("space", " ")
_Done = Callable[[Token, int], bool]  # whether a token, at a brace depth, ends a run


def tokenize(source: str) -> list[Token]:
    known: dict[str, Token] = {}  # a picture repeats its commands and words: build each once
    tokens = []
    for text in _TOKEN.findall(source):
        token = known.get(text)
        if token is None:
            token = known[text] = _token(text)
        if token.kind != "comment":
            tokens.append(token)
    return tokens


def _token(text: str) -> Token:
    if text.startswith("%"):
        return Token("comment", text)
    if text.startswith("\\"):
        return Token("cs", text[1:] or "\\")
    if text == "{":
        return OPEN
    if text == "}":
        return CLOSE
    if text.isspace():
        return SPACE
    if text.startswith("#"):
        return Token("param", text)
    return Token("word" if text.isalnum() else "char", text)


@dataclass(frozen=True)
class Macro:
    params: int
    body: tuple[Token, ...]


@dataclass
class Macros:
    """The picture's definitions, shared by every stream reading it, and what is left of the
    expansion budget."""

    defined: dict[str, Macro] = field(default_factory=dict)
    budget: int = EXPANSION_BUDGET

    def spend(self, count: int) -> bool:
        self.budget -= count
        return self.budget >= 0


class Stream:
    """Tokens handed out in order; `next` expands the picture's macros, `raw` does not."""

    def __init__(self, tokens: Iterable[Token], macros: Macros) -> None:
        self._stack = list(tokens)[::-1]
        self.macros = macros

    def push(self, tokens: Iterable[Token]) -> None:
        self._stack.extend(list(tokens)[::-1])

    def peek(self) -> Token | None:
        return self._stack[-1] if self._stack else None

    def raw(self) -> Token | None:
        return self._stack.pop() if self._stack else None

    def next(self) -> Token | None:
        while True:
            token = self.raw()
            if token is None or token.kind != "cs":
                return token
            macro = self.macros.defined.get(token.text)
            if macro is None:
                return token
            args = [self.argument() for _ in range(macro.params)]
            expansion = substitute(macro.body, args)
            if not self.macros.spend(len(expansion) + 1):
                return None  # out of budget: the rest of the picture is not read
            self.push(expansion)

    def skip_space(self) -> None:
        while (token := self.peek()) is not None and token.kind == "space":
            self.raw()

    def argument(self) -> list[Token]:
        """One undelimited macro argument: a brace group's contents, or one token."""
        self.skip_space()
        token = self.raw()
        if token is None:
            return []
        return self.group() if token.kind == "open" else [token]

    def group(self) -> list[Token]:
        """The tokens up to the `}` that closes a `{` just read, unexpanded."""
        return self._until(lambda token, depth: token.kind == "close" and depth == 0)

    def bracket(self) -> list[Token]:
        """The tokens up to the `]` that closes a `[` just read, braces respected."""
        return self._until(lambda token, depth: token.is_char("]") and depth == 0)

    def parens(self) -> list[Token]:
        """The tokens up to the `)` that closes a `(` just read: a coordinate. Parentheses
        inside braces are arithmetic, and may be unbalanced there: `(\\x,{exp(-\\x})`."""
        out: list[Token] = []
        depth = nesting = 0
        while (token := self.raw()) is not None:
            if depth == 0 and token.is_char(")"):
                if nesting == 0:
                    return out
                nesting -= 1
            elif depth == 0 and token.is_char("("):
                nesting += 1
            depth = max(0, depth + (token.kind == "open") - (token.kind == "close"))
            out.append(token)
        return out

    def optional(self) -> list[Token] | None:
        """A `[...]` argument when one comes next, spaces allowed before it."""
        self.skip_space()
        token = self.peek()
        if token is None or not token.is_char("["):
            return None
        self.raw()
        return self.bracket()

    def _until(self, done: _Done) -> list[Token]:
        out: list[Token] = []
        depth = 0
        while (token := self.raw()) is not None:
            if done(token, depth):
                return out
            depth += (token.kind == "open") - (token.kind == "close")
            out.append(token)
        return out


def substitute(body: Iterable[Token], args: list[list[Token]]) -> list[Token]:
    out: list[Token] = []
    for token in body:
        index = int(token.text[1:]) - 1 if token.kind == "param" and token.text[1:] else -1
        out.extend(args[index] if 0 <= index < len(args) else [token])
    return out


def split_top(tokens: list[Token], separator: str) -> list[list[Token]]:
    """Tokens cut at every `separator` character outside braces."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        depth += (token.kind == "open") - (token.kind == "close")
        if depth == 0 and token.is_char(separator):
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def unbrace(tokens: list[Token]) -> list[Token]:
    """The tokens without surrounding spaces, and without one pair of braces around them all."""
    inner = strip(tokens)
    if len(inner) >= 2 and inner[0].kind == "open" and inner[-1].kind == "close":
        depth = 0
        for n, token in enumerate(inner):
            depth += (token.kind == "open") - (token.kind == "close")
            if depth == 0 and n < len(inner) - 1:
                return inner  # `{a}{b}`: the first brace closes early
        return strip(inner[1:-1])
    return inner


def strip(tokens: list[Token]) -> list[Token]:
    start, end = 0, len(tokens)
    while start < end and tokens[start].kind == "space":
        start += 1
    while end > start and tokens[end - 1].kind == "space":
        end -= 1
    return tokens[start:end]


def source_of(tokens: Iterable[Token]) -> str:
    return "".join(token.source for token in tokens)
