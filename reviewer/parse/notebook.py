"""Parse stage: the cell of a Jupyter notebook that `{{< embed nb.ipynb#name >}}` names.

Quarto finds the cell by its `label` option or by its cell id, and reads its options from the
`#|` lines at the top of its source; options kept in the cell's metadata count where the source
does not set them. The cell becomes a code block, so the extract stage reads its caption, alt
text and sub-captions as it reads any cell's. A notebook is untrusted input: anything but
nbformat 4 JSON of the expected shape gives no cell, never an error."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from reviewer.model import Location
from reviewer.parse.cells import parse_cell
from reviewer.parse.tree import Block, BlockKind

# The options a figure is made of; others in the metadata do not change what is reviewed.
_FIGURE_OPTIONS = ("label", "fig-cap", "fig-alt", "fig-subcap")
_LANGUAGE = re.compile(r"[A-Za-z][\w-]{0,30}")

Notebook = dict[str, Any]


def read_notebook(data: bytes) -> Notebook | None:
    """The notebook in `data`, or None when it is not one: not JSON, not text, nested past
    the stack, or JSON without a list of cells."""
    try:
        notebook = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    return notebook


def notebook_cell(notebook: Notebook, name: str, where: Location) -> Block | None:
    """The code cell `name` of `notebook`, as a code block at `where` (the embed's line: the
    figure renders there), or None when there is no such cell."""
    info = "{" + _language(notebook.get("metadata")) + "}"
    for cell in notebook["cells"]:
        source = _source(cell)
        if source is None:
            continue
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        named = name in (cell.get("id"), metadata.get("label"))
        if not named and name not in source:
            continue  # spares the YAML read of every other cell's options
        parsed = parse_cell(info, source)
        options = parsed.options if parsed else {}
        if named or options.get("label") == name:
            return Block(BlockKind.CODE, where, _with_metadata(source, options, metadata), info)
    return None


def _language(metadata: Any) -> str:
    """The notebook's language, which names the cell's engine as a fence would."""
    if isinstance(metadata, dict):
        for key, field in (("kernelspec", "language"), ("language_info", "name")):
            section = metadata.get(key)
            value = section.get(field) if isinstance(section, dict) else None
            if isinstance(value, str) and _LANGUAGE.fullmatch(value):
                return value.lower()
    return "python"


def _source(cell: Any) -> str | None:
    """A code cell's source: one string, or the list of lines nbformat writes."""
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    source = cell.get("source")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def _with_metadata(source: str, options: dict[str, Any], metadata: dict[str, Any]) -> str:
    """`source` with the figure options that only its metadata sets written as `#|` lines
    above it, so the cell reads as one whole, source options first."""
    extra = {
        key: metadata[key]
        for key in _FIGURE_OPTIONS
        if key not in options and _plain(metadata.get(key))
    }
    if not extra:
        return source
    dumped = yaml.safe_dump(extra, sort_keys=False, allow_unicode=True, width=1 << 20)
    # The same prefix as the source's own option lines: YAML reads them as one block.
    head = source.lstrip()
    prefix = "#|" if head.startswith("#|") and not head.startswith("#| ") else "#| "
    lines = [f"{prefix}{line}" for line in dumped.splitlines()]
    return "\n".join(lines) + "\n" + source


def _plain(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )
