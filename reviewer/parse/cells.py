"""Parse stage: a Quarto code cell's engine and options.

Options come from `#|` comment lines at the top of the cell (`%%|` for mermaid, `//|` for dot and
ojs), read as YAML the way Quarto does, and from knitr's chunk header
(```` ```{r label, fig.cap="..."} ````). knitr's dotted names are folded into Quarto's
(`fig.cap` -> `fig-cap`). A value computed at render time (`!expr ...`, an R expression in the
header) is kept as an `Expr`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from reviewer.parse.attrs import parse_attrs
from reviewer.parse.tree import Attrs

_PREFIXES = ("#|", "%%|", "//|", "--|")
_ENGINE = re.compile(r"\{([A-Za-z][\w-]*)(.*)\}\s*$", re.S)
_R_STRING = re.compile(r"""^(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')$""", re.S)


@dataclass(frozen=True)
class Expr:
    """A value computed when the document renders: not text we can read."""

    source: str


@dataclass(frozen=True)
class Cell:
    engine: str
    options: dict[str, Any]
    attrs: Attrs
    body_start: int  # index of the first line after the option lines


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader (libyaml's when installed) that reads Quarto's `!expr` tag."""


def _expr(loader: yaml.SafeLoader, node: yaml.Node) -> Expr:
    return Expr(str(loader.construct_scalar(node)))  # type: ignore[arg-type]


_Loader.add_constructor("!expr", _expr)


def load_yaml(text: str) -> Any:
    """Parse YAML safely; raises yaml.YAMLError."""
    return yaml.load(text, Loader=_Loader)


def parse_cell(info: str, body: str) -> Cell | None:
    """The cell behind a fence's info string, or None for a plain code block (```python,
    ```{.tikz}, an escaped ```{{r}} or a raw ```{=html})."""
    match = _ENGINE.match(info.strip())
    if match is None or info.strip().startswith("{{"):
        return None
    engine, rest = match.group(1).lower(), match.group(2)
    header, attrs = _header(rest)
    options, body_start = _comment_options(body)
    merged = {**header, **options}
    return Cell(engine, {_fold_key(k): v for k, v in merged.items()}, attrs, body_start)


def _fold_key(key: str) -> str:
    return key.replace(".", "-") if key.startswith(("fig.", "out.")) else key


def _header(rest: str) -> tuple[dict[str, Any], Attrs]:
    """knitr's `r label, key=value` header, or pandoc attributes after the engine."""
    rest = rest.strip()
    if not rest:
        return {}, Attrs()
    if rest[0] in ".#":
        parsed = parse_attrs("{" + rest + "}")
        if parsed is not None:
            attrs = parsed[0]
            return ({"label": attrs.id} if attrs.id else {}), attrs
    options: dict[str, Any] = {}
    for n, part in enumerate(_split_args(rest)):
        key, sep, value = part.partition("=")
        if sep:
            options[key.strip()] = _r_value(value.strip())
        elif n == 0 and not rest.startswith(","):
            options["label"] = key.strip().strip("\"'")
    return options, Attrs()


def _split_args(text: str) -> list[str]:
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _r_value(value: str) -> Any:
    match = _R_STRING.match(value)
    if match:
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        return re.sub(r"\\(.)", r"\1", raw)
    return Expr(value)


def _comment_options(body: str) -> tuple[dict[str, Any], int]:
    lines = body.split("\n")
    collected: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        prefix = next((p for p in _PREFIXES if stripped.startswith(p)), None)
        if prefix is None:
            break
        collected.append(stripped[len(prefix) :])
    if not collected:
        return {}, 0
    return _load_yaml(collected), len(collected)


def _load_yaml(lines: list[str]) -> dict[str, Any]:
    if all(not line or line.startswith(" ") for line in lines):
        lines = [line[1:] for line in lines]
    try:
        loaded = load_yaml("\n".join(lines))
    except yaml.YAMLError:
        return _loose_options(lines)
    return loaded if isinstance(loaded, dict) else {}


def _loose_options(lines: list[str]) -> dict[str, Any]:
    """Quarto would refuse invalid YAML; we keep what reads as `key: value` so the rest of the
    review still runs."""
    options: dict[str, Any] = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith(" "):
            options[key.strip()] = value.strip().strip("\"'")
    return options
