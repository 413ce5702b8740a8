"""Extract stage, read on demand: what a table or listing shows, as the text the judge reads and
the JSON audit keeps. A table is read as its header and first rows, cell by cell, which a
model reads exactly; a listing (or a table made by code) as its code, within a size bound."""

from __future__ import annotations

from reviewer.extract.table_text import table_text
from reviewer.model import Figure, FloatType

MAX_CODE_LINES = 80
MAX_CODE_CHARS = 4000  # about 1,000 tokens, as for a diagram's drawn text


def float_content(figure: Figure) -> str | None:
    """A table's rows or a listing's code; None for a figure, or a float that holds neither."""
    if figure.body is None or figure.float_type is FloatType.FIGURE:
        return None
    return table_text(figure.body) if reads_rows(figure) else bounded_code(figure.body)


def reads_rows(figure: Figure) -> bool:
    """A table written in Markdown, read as rows; a listing, or a table made by code, is read
    as code."""
    return figure.float_type is FloatType.TABLE and figure.code_kind is None


def bounded_code(code: str) -> str:
    """The code's first lines, whole lines only, saying how many were left out."""
    text = code.rstrip("\n")
    kept: list[str] = []
    size = 0
    for line in text.split("\n", MAX_CODE_LINES)[:MAX_CODE_LINES]:
        if size + len(line) + 1 > MAX_CODE_CHARS:
            if not kept:  # one minified line: cut inside it
                kept.append(line[:MAX_CODE_CHARS] + "…")
            break
        kept.append(line)
        size += len(line) + 1
    left = text.count("\n") + 1 - len(kept)
    return "\n".join([*kept, f"… ({left} more lines)"] if left else kept)
