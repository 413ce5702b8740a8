"""Parse stage, inline level: images with their pandoc attributes, `@fig-`/`@tbl-`/`@lst-`
references and the plain text of a paragraph, caption or alt text.

Inline parsing is the expensive part of Markdown, so it runs only on the blocks that need it:
paragraphs that hold an image or a reference, and captions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from markdown_it.token import Token

from reviewer.parse.inline_rules import inline_parser
from reviewer.parse.tree import Attrs

# Every character that starts an inline rule (markdown-it's and ours); text without any of
# them is its own plain text.
_MARKUP = re.compile(r"[\\`*_\[\]!<>&$^~{}@]")


@dataclass(frozen=True)
class InlineRef:
    target: str
    written: str
    offset: int


@dataclass(frozen=True)
class InlineImage:
    caption_source: str
    caption_text: str
    src: str
    attrs: Attrs
    offset: int
    end: int
    refs: tuple[InlineRef, ...] = ()


@dataclass
class InlineResult:
    text: str
    images: list[InlineImage] = field(default_factory=list)
    refs: list[InlineRef] = field(default_factory=list)
    note_refs: list[InlineRef] = field(default_factory=list)  # inside inline notes `^[...]`
    rest_text: str = ""  # plain text outside images: empty for a paragraph that is only figures


def fold(text: str) -> str:
    return " ".join(text.split())


_FLOAT_PREFIXES = {p: p.lower() for p in ("fig-", "Fig-", "tbl-", "Tbl-", "lst-", "Lst-")}


def float_target(key: str) -> str | None:
    """`fig-x` for a citation key that names a figure (`@fig-x`, or `@Fig-x` for a capitalised
    "Figure"), `tbl-x` and `lst-x` likewise for tables and listings, else None. Quarto reads
    `@FIG-x` as a bibliography citation, not a cross-reference."""
    prefix = _FLOAT_PREFIXES.get(key[:4]) if len(key) > 4 else None
    return prefix + key[4:] if prefix else None


def _tokens(content: str, links: Mapping[str, Any] | None) -> list[Token]:
    """Inline tokens of a block's source. markdown-it's own `parseInline` would first re-run
    the whole core chain (normalisation, block pass in inline mode) on every call."""
    md = inline_parser()
    tokens: list[Token] = []
    md.inline.parse(content, md, {"references": dict(links)} if links else {}, tokens)
    return tokens


def analyze(content: str, links: Mapping[str, Any] | None = None) -> InlineResult:
    """Images, figure references and plain text of one block's inline source. `links` are the
    chapter's `[label]: url` definitions, so that `[text][label]` reads as its text."""
    tokens = _tokens(content, links)
    result = InlineResult(text=fold(_plain(tokens)))
    rest: list[str] = []
    _collect(tokens, result, rest)
    result.rest_text = fold("".join(rest))
    return result


def plain_text(content: str, links: Mapping[str, Any] | None = None) -> str:
    if not _MARKUP.search(content):
        return fold(content)  # nothing an inline rule would act on: most headings and captions
    return fold(_plain(_tokens(content, links)))


def _collect(tokens: list[Token], result: InlineResult, rest: list[str]) -> None:
    for token in tokens:
        if token.type == "image":
            result.images.append(_image(token))
        elif token.type == "cite":
            target = float_target(token.meta["key"])
            if target:
                written = token.meta["written"]
                result.refs.append(InlineRef(target, written, token.meta["offset"]))
            rest.append(token.content)
        elif token.type == "footnote_ref" and "note" in token.meta:
            offset = token.meta["offset"]
            result.note_refs += [replace(r, offset=offset) for r in _cites(token.meta["note"])]
        else:
            rest.append(_plain([token]))


def _cites(tokens: list[Token]) -> list[InlineRef]:
    found: list[InlineRef] = []
    for token in tokens:
        if token.type == "cite" and (target := float_target(token.meta["key"])):
            found.append(InlineRef(target, token.meta["written"], token.meta["offset"]))
        found += _cites(token.children or [])
    return found


def _image(token: Token) -> InlineImage:
    children = token.children or []
    offset = token.meta.get("offset", 0)
    refs = [replace(ref, offset=offset) for ref in _cites(children)]
    return InlineImage(
        caption_source=token.content,
        caption_text=fold(_plain(children)),
        src=unquote(str(token.attrGet("src") or "")),
        attrs=token.meta.get("attrs") or Attrs(),
        offset=token.meta.get("offset", 0),
        end=token.meta.get("end", 0),
        refs=tuple(refs),
    )


def _plain(tokens: list[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        kind = token.type
        if kind in ("text", "text_special", "cite"):
            out.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "code_inline":
            attrs = token.meta.get("attrs")
            if not (attrs and any(c.startswith("=") for c in attrs.classes)):
                out.append(token.content)
        elif kind in ("math_inline", "math_inline_double"):
            out.append(token.content)
        elif kind == "image" or (token.children and not kind.startswith("footnote")):
            out.append(_plain(token.children or []))
    return "".join(out)
