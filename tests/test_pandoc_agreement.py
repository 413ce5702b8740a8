"""Extract stage against pandoc itself: for small snippets where pandoc's Markdown and
CommonMark disagree, the paragraphs that cite figures and their plain text must be the ones
pandoc reads. The expectations below were taken from `pandoc -f markdown -t json` (2.17);
when pandoc is installed, the test also asks it directly."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from reviewer.extract import extract
from reviewer.parse.document import parse_document

PANDOC_FORMAT = (
    "markdown+fenced_divs+bracketed_spans+implicit_figures+link_attributes"
    "+citations+raw_tex+raw_html+yaml_metadata_block+footnotes+inline_notes"
    "+pipe_tables+fenced_code_attributes+backtick_code_blocks-smart"
)

# snippet -> [(figure ids cited, plain text)] for each prose block that cites a figure
CASES: dict[str, tuple[str, list[tuple[list[str], str]]]] = {
    "html_div_ends_paragraph": (
        'Text with @fig-a here\n<div class="x">\nmore @fig-c\n</div>\n\nNext @fig-b.\n',
        [
            (["fig-a"], "Text with @fig-a here"),
            (["fig-c"], "more @fig-c"),
            (["fig-b"], "Next @fig-b."),
        ],
    ),
    "heading_does_not_end_paragraph": (
        "Para @fig-a\n## Heading\n",
        [(["fig-a"], "Para @fig-a ## Heading")],
    ),
    "list_line_does_not_end_paragraph": (
        "Para @fig-a\n- not an item\n",
        [(["fig-a"], "Para @fig-a - not an item")],
    ),
    "tilde_fence_does_not_end_paragraph": (
        "Para @fig-a\n~~~\ncode\n~~~\n",
        [(["fig-a"], "Para @fig-a ~~~ code ~~~")],
    ),
    "backtick_fence_ends_paragraph": (
        "Para @fig-a\n```\n@fig-b\n```\n",
        [(["fig-a"], "Para @fig-a")],
    ),
    "definition_list": (
        "Term\n:   Definition citing @fig-a.\n\nAfter @fig-b.\n",
        [(["fig-a"], "Definition citing @fig-a."), (["fig-b"], "After @fig-b.")],
    ),
    "latex_environment_is_raw": (
        "\\begin{figure}\n@fig-a\n\n\\end{figure}\n\nAfter @fig-b\n",
        [(["fig-b"], "After @fig-b")],
    ),
    "escaped_space_reads_as_a_space": ("A\\ B @fig-a\n", [(["fig-a"], "A B @fig-a")]),
    "braced_citation": ("See @{fig-a} now.\n", [(["fig-a"], "See @fig-a now.")]),
    "reference_link": (
        "See [text][ref] and @fig-a.\n\n[ref]: https://example.org\n",
        [(["fig-a"], "See text and @fig-a.")],
    ),
    "escaped_at_is_text": ("Not \\@fig-a but @fig-b.\n", [(["fig-b"], "Not @fig-a but @fig-b.")]),
    "email_is_text": (
        "Mail me@fig-a.org or @fig-b.\n",
        [(["fig-b"], "Mail me@fig-a.org or @fig-b.")],
    ),
    "money_is_not_math": (
        "It costs $5 and $10 in @fig-a.\n",
        [(["fig-a"], "It costs $5 and $10 in @fig-a.")],
    ),
    "math_after_digit": (
        "About 10$^{14}$ bytes in @fig-a.\n",
        [(["fig-a"], "About 10^{14} bytes in @fig-a.")],
    ),
    "comment_inside_paragraph": (
        "Text <!-- @fig-a --> and @fig-b.\n",
        [(["fig-b"], "Text and @fig-b.")],
    ),
    "raw_tex_inline_dropped": (
        "A \\textbf{bold} and @fig-a \\index{x}.\n",
        [(["fig-a"], "A and @fig-a .")],
    ),
    "superscript": ("The 1^st^ run in @fig-a.\n", [(["fig-a"], "The 1st run in @fig-a.")]),
    "span": ("A [word]{.red} in @fig-a.\n", [(["fig-a"], "A word in @fig-a.")]),
    "div_closer_ends_paragraph": (
        "::: note\nText @fig-a\nmore\n:::\n\nAfter @fig-b\n",
        [(["fig-a"], "Text @fig-a more"), (["fig-b"], "After @fig-b")],
    ),
    "blockquote_lazy_line": (
        "> Quote @fig-a\ncontinued\n",
        [(["fig-a"], "Quote @fig-a continued")],
    ),
}


def _ours(text: str) -> list[tuple[list[str], str]]:
    extraction, _ = extract(parse_document(text, "snippet.qmd"))
    blocks: dict[int, tuple[list[str], str]] = {}
    for ref in extraction.references:
        if ref.paragraph.prose:
            ids, _ = blocks.setdefault(ref.paragraph.order, ([], ref.paragraph.text or ""))
            ids.append(ref.target)
    return [blocks[order] for order in sorted(blocks)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_paragraphs_match_pandoc(name: str) -> None:
    text, expected = CASES[name]
    assert _ours(text) == expected


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_expectations_are_pandocs(name: str) -> None:
    text, expected = CASES[name]
    result = subprocess.run(
        ["pandoc", "-f", PANDOC_FORMAT, "-t", "json"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    assert _pandoc_paragraphs(json.loads(result.stdout)["blocks"]) == expected


def _pandoc_paragraphs(blocks: list[Any]) -> list[tuple[list[str], str]]:
    found: list[tuple[list[str], str]] = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind in ("Para", "Plain"):
            ids = [c for c in _cites(content) if c.startswith("fig-")]
            if ids:
                found.append((ids, " ".join(_text(content).split())))
        elif kind == "Div":
            found += _pandoc_paragraphs(content[1])
        elif kind == "BlockQuote":
            found += _pandoc_paragraphs(content)
        elif kind == "DefinitionList":
            for _, definitions in content:
                for definition in definitions:
                    found += _pandoc_paragraphs(definition)
    return found


_NESTED = ("Emph", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Underline")


def _cites(inlines: list[Any]) -> list[str]:
    out: list[str] = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Cite":
            out += [c["citationId"] for c in content[0]]
        elif kind in _NESTED:
            out += _cites(content)
        elif kind in ("Link", "Image", "Span", "Quoted"):
            out += _cites(content[1])
    return out


def _text(inlines: list[Any]) -> str:
    parts: list[str] = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in _NESTED:
            parts.append(_text(content))
        elif kind in ("Cite", "Link", "Image", "Span"):
            parts.append(_text(content[1]))
        elif kind in ("Code", "Math"):
            parts.append(content[1])
    return "".join(parts)
