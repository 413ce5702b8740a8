"""Render stage, HTML format: one figure's card. The figure itself (its image, or a marked
excerpt of the code that draws it) beside its caption, alt text and introducing paragraph, then
the findings, the judgment and the suggested rewrite as an inline diff."""

from __future__ import annotations

import base64
import difflib
import os
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from reviewer.extract.diagrams import drawn_text
from reviewer.extract.shown import float_content, reads_rows
from reviewer.model import Figure, FigureAudit, Finding, FindingStatus, FloatType, Judgment
from reviewer.project.images import image_path, read_image, readable_image
from reviewer.render.labels import QUIET

MAX_DRAWN_SHOWN = 60  # labels on a card; the JSON audit has them all
_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
_VERDICT_RANK = {
    v: n for n, v in enumerate(("contradicts", "mentions_only", "no_intro", "partial"))
}


@dataclass
class Media:
    """How images reach the page: embedded while the page stays small, else linked relative to
    the audit file (`audit_dir`), so the page never needs the network."""

    audit_dir: Path | None
    root: Path | None = None  # the project: images outside it are neither embedded nor linked
    embed_limit: int = 1_500_000
    budget: int = 40_000_000
    spent: int = field(default=0)

    def source(self, image: Path) -> str:
        size = image.stat().st_size
        data = read_image(image, self.embed_limit) if self.spent + size <= self.budget else None
        if data is not None:
            self.spent += len(data)
            encoded = base64.b64encode(data).decode("ascii")
            return f"data:{_MIME[image.suffix.lower()]};base64,{encoded}"
        if self.audit_dir is None:
            return image.resolve().as_uri()
        return Path(os.path.relpath(image.resolve(), self.audit_dir.resolve())).as_posix()


def worst_first(item: FigureAudit, findings: list[Finding]) -> tuple[float, int, int, int]:
    """Sort key: lowest score first, then the most severe finding that counts, then order."""
    judgment = item.judgment
    score = judgment.score if judgment.score is not None else 6.0
    rank = max((f.severity.rank for f in findings if f.active), default=-1)
    verdict = _VERDICT_RANK.get(judgment.verdict.value if judgment.verdict else "", 9)
    return score, -rank, verdict, item.pairing.figure.order


def verdict_of(judgment: Judgment) -> str:
    return judgment.verdict.value if judgment.verdict else "unjudged"


def card(item: FigureAudit, findings: list[Finding], media: Media, anchor: str) -> str:
    """`anchor` is the card's id in the page: the figure id, made unique where an id is
    defined twice (once per output format, say)."""
    pairing, judgment = item.pairing, item.judgment
    figure = pairing.figure
    codes = sorted({f.code for f in findings if f.active})
    name = f"@{figure.id}" if figure.id else "Figure without an id"
    noun = figure.float_type.noun
    anchor = escape(anchor)
    verdict = verdict_of(judgment)
    score = f" · {judgment.score}/5" if judgment.score is not None else ""
    return (
        f'<article class="card" id="{anchor}" tabindex="-1" data-verdict="{verdict}" '
        f'data-figure="{escape(figure.id or "")}" data-line="{figure.location.line}" '
        f'data-codes="{" ".join(codes)}" aria-labelledby="{anchor}-h">\n'
        f'<h2 id="{anchor}-h"><code>{escape(name)}</code> '
        f'<span class="badge v-{verdict}">{verdict.replace("_", " ")}{score}</span></h2>\n'
        f'<p class="where">{escape(str(figure.location))} · {figure.kind.value}'
        f"{f' · sub-{noun} of @' + escape(figure.parent) if figure.parent else ''}</p>\n"
        f'<div class="cols">\n<div class="shows">{_shows(item, media)}</div>\n'
        f'<div class="text">{_texts(item)}{_findings(findings)}{_judgment(item)}</div>\n'
        "</div>\n</article>\n"
    )


def _shows(item: FigureAudit, media: Media) -> str:
    figure = item.pairing.figure
    alt = figure.alt.text if figure.alt and figure.alt.text else None
    caption = figure.caption.text if figure.caption and figure.caption.text else None
    label = alt or caption or f"Figure {figure.id or ''}; the source gives no alt text"
    parts = [_image(src, figure.location.path, label, media) for src in figure.images]
    drawn = drawn_text(figure.drawing) if figure.drawing else ()
    content = float_content(figure)
    if not parts and content is not None:
        parts.append(_content(figure, content))
    elif not parts and figure.drawing and drawn:
        parts.append(_drawn(figure.drawing.language, drawn))
    elif not parts and figure.code_head:
        parts.append(_excerpt(figure.code_kind, figure.code_head))
    if not parts:
        parts.append('<p class="missing">Nothing to show: the figure is drawn elsewhere.</p>')
    return "".join(parts)


def _image(src: str, chapter: str, label: str, media: Media) -> str:
    shown = escape(src)
    if re.match(r"[a-z][a-z0-9+.-]*://", src, re.IGNORECASE):
        return f'<p class="missing">Remote image, not loaded: <code>{shown}</code></p>'
    path = image_path(src, chapter, media.root)
    if path is None:
        return f'<p class="missing">Not a local file, not loaded: <code>{shown}</code></p>'
    if readable_image(src, chapter, media.root) is None:
        return f'<p class="missing">Outside the project, not shown: <code>{shown}</code></p>'
    if path.suffix.lower() not in _MIME:
        return f'<p class="missing">Not shown in a browser: <code>{shown}</code></p>'
    if not path.is_file():
        return f'<p class="missing">Image not found: <code>{shown}</code></p>'
    return (
        f'<figure><img src="{escape(media.source(path))}" alt="{escape(label)}" loading="lazy">'
        f"<figcaption><code>{shown}</code></figcaption></figure>"
    )


def _drawn(language: str, drawn: tuple[str, ...]) -> str:
    """The text a diagram draws, as the judge is told it."""
    shown = drawn[:MAX_DRAWN_SHOWN]
    more = len(drawn) - len(shown)
    items = "".join(f"<li>{escape(text)}</li>" for text in shown)
    tail = f'<p class="missing">and {more} more</p>' if more else ""
    head = f"Text the {escape(language)} diagram draws, read from its source"
    return f'<p class="missing">{head}:</p><ul class="drawn">{items}</ul>{tail}'


def _content(figure: Figure, content: str) -> str:
    """A table's first rows or a listing's code, as the judge is told it."""
    what = "rows" if reads_rows(figure) else "code"
    head = f"The {figure.float_type.noun}'s {what}, as the model reads them"
    return (
        f'<p class="missing">{head}:</p><pre class="excerpt"><code>{escape(content)}</code></pre>'
    )


def _excerpt(kind: str | None, lines: tuple[str, ...]) -> str:
    """The first lines of the code that draws the figure, its cell options marked."""
    shown = []
    for line in lines:
        text = escape(line)
        option = line.lstrip().startswith(("#|", "%%|", "//|"))
        shown.append(f"<mark>{text}</mark>" if option else text)
    head = f"{escape(kind or 'code')} code, first lines"
    return (
        f'<p class="missing">{head}:</p><pre class="excerpt"><code>'
        + "\n".join(shown)
        + ("</code></pre>")
    )


def _texts(item: FigureAudit) -> str:
    figure, intro = item.pairing.figure, item.pairing.intro
    out = [_section("Caption", figure.caption.text if figure.caption else None, "no caption")]
    if figure.float_type is FloatType.FIGURE:
        out.append(_section("Alt text", figure.alt.text if figure.alt else None, "no alt text"))
    if intro is None:
        out.append('<h3>Introducing paragraph</h3><p class="missing">No paragraph cites it.</p>')
    else:
        how = "the paragraph before it" if item.pairing.positional else "first citing paragraph"
        text = _highlight(escape(intro.text or intro.source), figure.id)
        out.append(
            f'<h3>Introducing paragraph</h3><p class="where">{escape(str(intro.location))}'
            f" · {how}</p><blockquote>{text}</blockquote>"
        )
    return "".join(out)


def _section(title: str, text: str | None, missing: str) -> str:
    body = f"<p>{escape(text)}</p>" if text else f'<p class="missing">{missing}</p>'
    return f"<h3>{title}</h3>{body}"


def _highlight(text: str, figure_id: str | None) -> str:
    if not figure_id:
        return text
    pattern = re.compile(r"@\{?" + re.escape(figure_id) + r"\}?(?![\w-])", re.IGNORECASE)
    return pattern.sub(lambda m: f'<mark class="ref">{m.group(0)}</mark>', text)


def _findings(findings: list[Finding]) -> str:
    if not findings:
        return ""
    return (
        '<h3>Findings</h3><ul class="findings">'
        + "".join(finding_item(f) for f in findings)
        + "</ul>"
    )


def finding_item(f: Finding) -> str:
    status = ""
    if f.status is not FindingStatus.ACTIVE:
        status = f'<span class="status">{QUIET[f.status]}</span>'
    quiet = "" if f.active else ' class="quiet"'
    # A narrative finding's suggestion is the rewrite, which the card shows as a diff.
    shown = None if f.code.startswith("NAR") else f.suggestion
    tip = f" <em>Suggestion:</em> {escape(shown)}" if shown else ""
    return (
        f'<li class="sev-{f.severity.value}"><span{quiet}><code>{f.code}</code> '
        f"{f.severity.value}: {escape(f.message)}</span>{status}{tip}</li>"
    )


def _judgment(item: FigureAudit) -> str:
    judgment = item.judgment
    if judgment.verdict is None:
        reason = escape(judgment.reason or judgment.status.value)
        return f'<h3>Judgment</h3><p class="missing">Not judged: {reason}</p>'
    out = [
        f"<h3>Judgment</h3><p><strong>{judgment.verdict.value.replace('_', ' ')}</strong>, "
        f"score {judgment.score}/5 ({judgment.status.value}"
        f"{', ' + escape(judgment.model) if judgment.model else ''})</p>"
    ]
    if judgment.rationale:
        out.append(f"<p>{escape(judgment.rationale)}</p>")
    out.append(_rewrite(item))
    if judgment.criteria:
        met = sum(c.met for c in judgment.criteria)
        items = "".join(
            f"<li>{'✓ met' if c.met else '✗ not met'}: {escape(c.name.replace('_', ' '))}"
            f"{': ' + escape(c.evidence) if c.evidence else ''}</li>"
            for c in judgment.criteria
        )
        out.append(
            f"<details><summary>Criteria: {met} of {len(judgment.criteria)} met</summary>"
            f'<ul class="criteria">{items}</ul></details>'
        )
    return "".join(out)


def _rewrite(item: FigureAudit) -> str:
    judgment, intro = item.judgment, item.pairing.intro
    if judgment.rewrite:
        title = "Suggested rewrite" if intro else "Suggested introduction"
        body = diff(intro.source, judgment.rewrite) if intro else escape(judgment.rewrite)
        return f'<h3>{title}</h3><p class="diff">{body}</p>'
    if judgment.rejected_rewrite:
        problems = "; ".join(judgment.rewrite_problems)
        return (
            "<details><summary>A rewrite was proposed and rejected by the checks</summary>"
            f"<p>{escape(problems)}</p><p>{escape(judgment.rejected_rewrite)}</p></details>"
        )
    return ""


def diff(before: str, after: str) -> str:
    """A word-level inline diff: removed words in <del>, added ones in <ins>. Changes split
    only by a space are shown as one change, which reads better than word-by-word pairs."""
    out = []
    for removed, added, same in _chunks(before, after):
        if removed:
            out.append(f"<del>{escape(removed)}</del>")
        if added:
            out.append(f"<ins>{escape(added)}</ins>")
        out.append(escape(same))
    return "".join(out)


def _chunks(before: str, after: str) -> list[tuple[str, str, str]]:
    """(removed, added, unchanged text after them), merging changes a blank separates."""
    old, new = re.findall(r"\S+|\s+", before), re.findall(r"\S+|\s+", after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    chunks: list[tuple[str, str, str]] = [("", "", "")]
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        removed, added, same = chunks[-1]
        if op == "equal":
            chunks[-1] = (removed, added, same + "".join(old[a1:a2]))
        elif (removed or added) and not same.strip():
            # Only a blank since the last change: fold it into one larger change.
            chunks[-1] = (
                removed + same + "".join(old[a1:a2]),
                added + same + "".join(new[b1:b2]),
                "",
            )
        else:
            chunks.append(("".join(old[a1:a2]), "".join(new[b1:b2]), ""))
    return chunks
