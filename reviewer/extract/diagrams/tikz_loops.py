"""Extract stage, diagram text: a TikZ `\\foreach` loop taken apart, its variables, its list
(`a,b`, `1/Train,2/Test`, `1,...,4`, `10,20,...,40`) and its body, so that the picture reader
can draw the body once per item."""

from __future__ import annotations

import re

from reviewer.extract.diagrams.tex import CLOSE, Stream, Token, source_of, split_top, strip, unbrace

MAX_LOOP_ITEMS = 200  # one `\\foreach`: `{1,...,1000}` draws numbers, not labels worth all that
COUNT = re.compile(r"count\s*=\s*\\([A-Za-z@]+)(?:\s+from\s+(-?\d+))?")


def loop_list(stream: Stream) -> list[Token]:
    token = stream.next()  # expanded: `\foreach \x in \names` is a list in a macro
    if token is None:
        return []
    if token.kind == "open":
        return stream.group()
    return [token]


def loop_body(stream: Stream) -> list[Token]:
    stream.skip_space()
    token = stream.raw()
    if token is None:
        return []
    if token.kind == "open":
        return stream.group()
    body = [token]  # `\foreach \x in {1,2} \node at (\x,0) {\x};`: one statement
    while (token := stream.raw()) is not None:
        body.append(token)
        if token.is_char(";"):
            break
        if token.kind == "open":
            body.extend([*stream.group(), CLOSE])
    return body


def loop_head(stream: Stream) -> tuple[list[str], list[Token]]:
    """A loop's variable names (`\\x` or `\\x/\\y`) and its options, up to `in`."""
    names: list[str] = []
    options: list[Token] = []
    while (token := stream.raw()) is not None and not token.is_word("in"):
        if token.kind == "cs":
            names.append(token.text)
        elif token.is_char("["):
            options.extend(stream.bracket())
    return names, options


def loop_items(tokens: list[Token]) -> list[list[list[Token]]]:
    """Each item of a loop's list, cut into its `/` parts; `a,b,...,z` ranges are counted."""
    items = [strip(item) for item in split_top(tokens, ",")]
    out: list[list[list[Token]]] = []
    for n, item in enumerate(items):
        if source_of(item) == "..." and 0 < n < len(items) - 1:
            out.extend(_range(items[max(0, n - 2) : n], items[n + 1]))
        elif item:
            out.append([unbrace(part) for part in split_top(item, "/")])
    return out


def _range(before: list[list[Token]], last: list[Token]) -> list[list[list[Token]]]:
    numbers = [_number(item) for item in [*before, last]]
    if any(value is None for value in numbers):
        return []
    *known, end = [value for value in numbers if value is not None]
    step = known[-1] - known[-2] if len(known) > 1 else 1.0
    if step == 0 or (end - known[-1]) / step > MAX_LOOP_ITEMS:
        return []
    values, value = [], known[-1] + step
    while (value < end) if step > 0 else (value > end):
        values.append([[Token("word", _format(value))]])
        value += step
    return values


def _number(tokens: list[Token]) -> float | None:
    try:
        return float(source_of(tokens).strip())
    except ValueError:
        return None


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
