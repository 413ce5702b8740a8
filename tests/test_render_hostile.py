"""Render stage against hostile model text: the example chapter's report, judged by a model
that writes Markdown and HTML of its own, control characters and bidi overrides into every
field it fills in (rationale, rewrites, evidence, problems, failure reasons). Every format is
rendered; no control character survives, the Markdown audit has exactly the blocks a benign
report of the same shape has, and the HTML page has no tag the model wrote."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from reviewer.model import (
    Criterion,
    Finding,
    Judgment,
    JudgmentStatus,
    Report,
    Severity,
    Usage,
    Verdict,
)
from reviewer.pipeline import review
from reviewer.project.plan import plan
from reviewer.project.settings import CheckSettings, Format
from reviewer.render import audit_files, render, summary
from reviewer.render.safe_text import code_block, md_text

from .conftest import ROOT

ESC = "\x1b[31m\x1b]0;title\x07\x1b[2J"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
PIECES = (
    "# heading",
    "ok\n\n## Findings\n- **FIG001** fake",
    "### `fig-x` · image · line 1",
    "- `FIG003` (warning) forged finding",
    "setext\n===",
    "setext\n---",
    "```\nfenced\n```",
    "~~~python\nfenced\n~~~",
    "<!-- comment -->",
    "<script>alert('PWN')</script>",
    "</script><img src=x onerror=alert('PWN')>",
    '<a href="javascript:alert(1)">x</a>',
    "| a | b |\n|---|---|\n| c | d |",
    "> quote\n> > nested",
    "[link](http://x.invalid) ![img](http://x.invalid/i.png) <http://x.invalid>",
    "[ref]: http://x.invalid",
    "*em* _em_ **strong** `code` ~~struck~~ $x^2$",
    "1. one\n2) two\n+ plus\n* star",
    "    indented code",
    "&#x202e; &lt;b&gt; \\",
    f"colour{ESC} bidi{BIDI} del\x7f c1\x85\x9b nul\x00 cr\r",
    "***",
)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _hostile(n: int) -> str:
    """Every piece, one per line, starting with a different one for each field."""
    n %= len(PIECES)
    return "\n".join(PIECES[n:] + PIECES[:n])


def _benign(n: int) -> str:
    return f"Plain words number {n}."


Text = Callable[[int], str]


def _judgments(text: Text) -> dict[int, Judgment]:
    """By figure index: 0, 1 and 3 have an introducing paragraph, 2 and 16 have none."""
    judged = Judgment(JudgmentStatus.JUDGED, score=2, verdict=Verdict.PARTIAL, model=text(0))
    return {
        0: replace(
            judged,
            rationale=text(1),
            rewrite=text(2),
            criteria=(Criterion("shows", True, text(3)), Criterion(text(4), False, text(5))),
        ),
        1: replace(
            judged, rationale=text(6), rejected_rewrite=text(7), rewrite_problems=(text(8),)
        ),
        2: replace(judged, rationale=text(9), rewrite=text(10)),
        3: Judgment.failed(text(11), model=text(12)),
        16: replace(
            judged, rationale=text(13), rejected_rewrite=text(14), rewrite_problems=(text(15),)
        ),
    }


@pytest.fixture(scope="module")
def example() -> Iterator[Report]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield review(plan([Path("examples/chapter.qmd")]), CheckSettings())


def _report(example: Report, text: Text) -> Report:
    audit = example.files[0]
    judgments = _judgments(text)
    figures = tuple(
        replace(item, judgment=judgments[n]) if n in judgments else item
        for n, item in enumerate(audit.figures)
    )
    intro = audit.figures[0].pairing.intro
    assert intro is not None
    weak = Finding(
        "NAR003", Severity.WARNING, text(16), intro.location, "fig-station-map", text(17)
    )
    files = (replace(audit, figures=figures, findings=(*audit.findings, weak)),)
    return Report(files, Usage(requests=2), llm_note=text(18), llm_error=text(19))


@pytest.fixture(scope="module")
def hostile(example: Report) -> Report:
    return _report(example, _hostile)


@pytest.fixture(scope="module")
def benign(example: Report) -> Report:
    return _report(example, _benign)


def _outputs(report: Report, tmp: Path) -> dict[str, str]:
    out = {fmt.value: render(report, fmt) for fmt in Format}
    for path, text in audit_files(report, Format.HTML, tmp / "chapter.audit.html"):
        out[f"pages:{path.name}"] = text
    links = {"examples/chapter.qmd": "chapter.audit.md"}
    out["summary"] = render(report, summary.book_summary(links, lambda prompt, completion: 0.0))
    return out


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_no_control_or_bidi_character_reaches_any_format(hostile: Report, tmp_path: Path) -> None:
    outputs = _outputs(hostile, tmp_path)
    assert len(outputs) == len(Format) + 2
    for name, text in outputs.items():
        found = sorted({hex(ord(c)) for c in CONTROLS.findall(text)})
        assert not found, f"{name} keeps {found}"
    for fmt in (Format.JSON, Format.SARIF):
        # Escaped as \u001b the character would still reach whoever reads the JSON.
        values = list(_strings(json.loads(outputs[fmt.value])))
        assert not [v for v in values if CONTROLS.search(v)], fmt
    assert "colour[31m]0;title[2J" in json.loads(outputs["json"])["llm_note"]


def test_terminal_formats_keep_one_line_per_finding(hostile: Report) -> None:
    for fmt in (Format.CONCISE, Format.GITHUB):
        lines = render(hostile, fmt).splitlines()
        assert len(lines) == sum(f.active for f in hostile.findings), fmt
        assert all("\x1b" not in line and "\r" not in line for line in lines)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _shape(tokens: list[Token]) -> list[tuple[str, str, int]]:
    """Every block token, and every token inside inline text, by type, tag and nesting."""
    out: list[tuple[str, str, int]] = []
    for token in tokens:
        out.append((token.type, token.tag, token.nesting))
        out += [(c.type, c.tag, c.nesting) for c in token.children or []]
    return out


def test_markdown_gains_no_block_from_model_text(hostile: Report, benign: Report) -> None:
    tokens = _parser().parse(render(hostile, Format.MD))
    assert _shape(tokens) == _shape(_parser().parse(render(benign, Format.MD)))
    kinds = Counter(t.type for t in tokens)
    assert kinds["fence"] == 2 and kinds["html_block"] == 0 and kinds["table_open"] == 1
    inline = {c.type for t in tokens for c in t.children or []}
    assert not {"html_inline", "link_open", "image", "s_open", "softbreak"} & inline


def _plain(token: Token) -> str:
    return "".join(c.content for c in token.children or [])


def _flat(text: str) -> str:
    return " ".join(CONTROLS.sub("", text).split())


def test_markdown_shows_model_text_as_written(hostile: Report) -> None:
    source = render(hostile, Format.MD)
    tokens = _parser().parse(source)
    shown = "\n".join(_plain(t) for t in tokens if t.type == "inline")
    for n in (1, 3, 6, 8, 9, 11, 13, 15, 16):  # rationales, evidence, problems, reasons
        assert _flat(_hostile(n)) in shown, n
    quoted = [
        _plain(tokens[i + 2])
        for i, t in enumerate(tokens)
        if t.type == "blockquote_open" and tokens[i + 2].type == "inline"
    ]
    assert _flat(_hostile(10)) in quoted and _flat(_hostile(14)) in quoted  # the rewrites
    page = _parser().render(source)
    assert "<script" not in page and "<img" not in page and "<a " not in page


def test_a_fence_in_a_rewrite_cannot_close_the_diff(hostile: Report) -> None:
    fences = [t for t in _parser().parse(render(hostile, Format.MD)) if t.type == "fence"]
    assert [(t.info, t.markup) for t in fences] == [("diff", "````")] * 2
    for fence, n in zip(fences, (2, 7), strict=True):
        added = "".join(line[2:] for line in fence.content.splitlines() if line[:2] == "+ ")
        assert added.replace(" ", "") == _flat(_hostile(n)).replace(" ", "")
    assert code_block(["a ```` b"])[0] == "`````"


_LIST_OPEN = ("bullet_list_open", "list_item_open")
_LIST_CLOSE = ("list_item_close", "bullet_list_close")


@pytest.mark.parametrize("piece", PIECES)
def test_each_piece_stays_one_paragraph_of_text(piece: str) -> None:
    for shown in (md_text(piece), f"> {md_text(piece)}", f"- x {md_text(piece)}"):
        tokens = _parser().parse(shown)
        assert [c.type for t in tokens for c in t.children or []] == ["text"], shown
        assert _plain(next(t for t in tokens if t.type == "inline")).endswith(_flat(piece))
        blocks = [t.type for t in tokens if t.type != "inline"]
        assert blocks in (
            ["paragraph_open", "paragraph_close"],
            ["blockquote_open", "paragraph_open", "paragraph_close", "blockquote_close"],
            [*_LIST_OPEN, "paragraph_open", "paragraph_close", *_LIST_CLOSE],
        ), shown


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, str]] = []
        self.comments = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attrs += [(name, value or "") for name, value in attrs]

    def handle_comment(self, data: str) -> None:
        self.comments += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_html_has_no_tag_from_model_text(hostile: Report, benign: Report) -> None:
    bad, good = _tags(render(hostile, Format.HTML)), _tags(render(benign, Format.HTML))
    diffed = {"del", "ins"}  # the word diff of a rewrite has as many as the words it changes
    assert {t: n for t, n in bad.tags.items() if t not in diffed} == {
        t: n for t, n in good.tags.items() if t not in diffed
    }
    assert bad.tags["script"] == 1 and bad.comments == good.comments
    assert not [name for name, _ in bad.attrs if name.startswith("on")]
    # An embedded image is the base64 of a file of the chapter's, which may spell anything.
    image = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
    values = [value for _, value in bad.attrs if not image.fullmatch(value)]
    assert not [value for value in values if "PWN" in value or "javascript:" in value]
    text = "".join(bad.text)
    assert "</script><img src=x onerror=alert('PWN')>" in text
    assert "<!-- comment -->" in text
