"""Render stage, HTML format: a self-contained page per chapter (style, script and images
inside it, or images linked relative to it), and an index page for a book. Figures come worst
first, and filters by verdict and finding code work from the keyboard. Nothing is fetched at
view time: a Content-Security-Policy forbids it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path

from reviewer import __version__
from reviewer.model import FigureAudit, FileAudit, Finding, Report
from reviewer.render import Files, Renderer
from reviewer.render.grouping import Key, counted, figure_key, findings_by_figure, unclaimed
from reviewer.render.html_card import Media, card, finding_item, verdict_of, worst_first
from reviewer.render.labels import set_aside

_CSP = (
    "default-src 'none'; img-src 'self' data: file:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'"
)
_VERDICTS = ("contradicts", "mentions_only", "no_intro", "partial", "explains", "unjudged")


class _Renderer:
    def render(self, report: Report) -> str:
        """Every file on one page, for `--output -`; images are embedded or linked by file
        URI."""
        return _page(report, report.files, Media(None), "Figure audit")

    def files(self, report: Report, destination: Path, root: Path | None) -> Files:
        """What `--format html` writes: one page, or for several chapters one page each
        beside an index at `destination`. The index comes last, so it never links to a page
        not yet written. Images are shown only from inside `root`, the project."""
        return _pages(report, destination, Media(destination.parent, root))


RENDERER: Renderer = _Renderer()


def _pages(report: Report, destination: Path, media: Media) -> list[tuple[Path, str]]:
    chapters = [a for a in report.files if a.figures or a.findings]
    if len(chapters) <= 1:
        return [(destination, _page(report, report.files, media, "Figure audit"))]
    names = _names(chapters, destination)
    out = [
        (destination.parent / name, _page(report, (audit,), media, "Figure audit", destination))
        for audit, name in zip(chapters, names, strict=True)
    ]
    out.append((destination, _index(report, chapters, names)))
    return out


def _names(chapters: list[FileAudit], destination: Path) -> list[str]:
    base, seen, names = destination.name.removesuffix(".html"), Counter[str](), []
    for audit in chapters:
        stem = Path(audit.path).stem
        seen[stem] += 1
        suffix = f"-{seen[stem]}" if seen[stem] > 1 else ""
        names.append(f"{base}.{stem}{suffix}.html")
    return names


def _head(title: str) -> str:
    style = resources.files("reviewer.render").joinpath("assets/audit.css").read_text("utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="reviewer {__version__}">\n'
        f"<title>{escape(title)}</title>\n<style>\n{style}</style>\n</head>\n<body>\n"
    )


def _tail() -> str:
    script = resources.files("reviewer.render").joinpath("assets/audit.js").read_text("utf-8")
    return (
        f"<footer>Written by reviewer {__version__}. Keys: j and k move between figures; "
        f"Tab reaches the filters.</footer>\n<script>\n{script}</script>\n</body>\n</html>\n"
    )


def _page(
    report: Report,
    files: tuple[FileAudit, ...],
    media: Media,
    heading: str,
    index: Path | None = None,
) -> str:
    title = files[0].title or files[0].path if len(files) == 1 else heading
    chapters = [_Chapter.of(audit) for audit in files]
    cards, others = _cards(chapters, media, nested=len(files) > 1)
    back = f'<p><a href="{escape(index.name)}">Back to the book index</a></p>' if index else ""
    return (
        _head(f"{heading}: {title}")
        + '<a class="skip" href="#figures">Skip to the figures</a>\n<header>\n'
        + f"<h1>{escape(heading)}: {escape(title)}</h1>\n{back}{_overview(report, files)}"
        + "</header>\n"
        + _filters(chapters)
        + f'<main id="figures" tabindex="-1">\n{"".join(cards)}{others}</main>\n'
        + _tail()
    )


def _overview(report: Report, files: tuple[FileAudit, ...]) -> str:
    findings = [f for audit in files for f in audit.findings]
    said = f"{counted(files)}, {sum(f.active for f in findings)} findings that count"
    quiet = set_aside(findings)
    said += f" ({', '.join(quiet)})" if quiet else ""
    lines = [f"<p>{escape(', '.join(sorted({a.path for a in files})))}: {said}.</p>"]
    if report.llm_note:
        lines.append(f"<p>LLM stage: {escape(report.llm_note)}</p>")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Chapter:
    """One chapter's audit with its findings grouped by figure, computed once per page."""

    audit: FileAudit
    grouped: dict[Key, list[Finding]]

    @classmethod
    def of(cls, audit: FileAudit) -> _Chapter:
        return cls(audit, findings_by_figure(audit))

    def findings(self, item: FigureAudit) -> list[Finding]:
        return self.grouped.get(figure_key(item), [])


def _cards(chapters: list[_Chapter], media: Media, nested: bool) -> tuple[list[str], str]:
    cards: list[str] = []
    others: list[Finding] = []
    anchors: Counter[str] = Counter()
    for chapter in chapters:
        audit = chapter.audit
        items = sorted(audit.figures, key=lambda a: worst_first(a, chapter.findings(a)))
        section = [
            card(item, chapter.findings(item), media, _anchor(item, anchors)) for item in items
        ]
        if nested:
            section = [_deeper(text) for text in section]
            title = escape(audit.title or audit.path)
            section.insert(0, f"<h2>{title} <small>({escape(audit.path)})</small></h2>\n")
        cards += section
        others += unclaimed(audit, chapter.grouped)
    tail = _cross_chapter([c.audit for c in chapters])
    if not others:
        return cards, tail
    listed = "".join(finding_item(f) for f in others)
    return cards, (
        f'<section><h2>Other findings</h2><ul class="findings">{listed}</ul></section>\n{tail}'
    )


def _cross_chapter(audits: list[FileAudit]) -> str:
    """References another chapter of the book resolves: not findings, where they lead."""
    rows = [
        f"<li>{escape(c.reference.location.path)} line {c.reference.location.line}: "
        f"<code>{escape(c.reference.written)}</code> is defined in "
        f"<code>{escape(c.defined_in)}</code></li>"
        for audit in audits
        for c in audit.elsewhere
    ]
    if not rows:
        return ""
    return f"<section><h2>Cross-chapter references</h2><ul>{''.join(rows)}</ul></section>\n"


def _anchor(item: FigureAudit, seen: Counter[str]) -> str:
    figure = item.pairing.figure
    name = figure.id or f"figure-line-{figure.location.line}"
    seen[name] += 1
    return name if seen[name] == 1 else f"{name}-{seen[name]}"


def _deeper(text: str) -> str:
    """One heading level down, for cards under a chapter heading on a combined page."""
    for level in (3, 2):
        text = text.replace(f"<h{level}", f"<h{level + 1}").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return text


def _filters(chapters: list[_Chapter]) -> str:
    verdicts: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    for chapter in chapters:
        for item in chapter.audit.figures:
            verdicts[verdict_of(item.judgment)] += 1
            codes.update({f.code for f in chapter.findings(item) if f.active} or {"none"})
    verdict_boxes = [_box("verdict", v, verdicts[v]) for v in _VERDICTS if verdicts[v]]
    code_boxes = [_box("code", c, codes[c]) for c in sorted(codes, key=lambda c: (c == "none", c))]
    return (
        '<nav class="filters" aria-label="Filters">\n'
        f"<fieldset><legend>Verdict</legend>{''.join(verdict_boxes)}</fieldset>\n"
        f"<fieldset><legend>Finding code</legend>{''.join(code_boxes)}</fieldset>\n"
        '<button type="button" id="reset">Show all</button>\n'
        '<p class="shown" id="shown" aria-live="polite"></p>\n</nav>\n'
    )


def _box(name: str, value: str, count: int) -> str:
    label = "no finding" if value == "none" else value.replace("_", " ")
    return (
        f'<label><input type="checkbox" name="{name}" value="{escape(value)}" checked> '
        f"{escape(label)} ({count})</label>"
    )


def _index(report: Report, chapters: list[FileAudit], names: list[str]) -> str:
    rows = []
    for audit, name in zip(chapters, names, strict=True):
        active = [f for f in audit.findings if f.active]
        scores = [a.judgment.score for a in audit.figures if a.judgment.score is not None]
        mean = f"{sum(scores) / len(scores):.1f}" if scores else "none"
        cells = [len(audit.figures), len(active), sum(1 for s in scores if s < 3), mean]
        rows.append(
            f'<tr><td><a href="{escape(name)}">{escape(audit.title or audit.path)}</a>'
            f"<br><small>{escape(audit.path)}</small></td>"
            + "".join(f'<td class="n">{cell}</td>' for cell in cells)
            + "</tr>"
        )
    table = (
        '<table class="chapters"><caption>Chapters in reading order</caption><thead><tr>'
        '<th scope="col">Chapter</th><th scope="col">Figures</th><th scope="col">Findings</th>'
        '<th scope="col">Scored below 3</th><th scope="col">Mean score</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return (
        _head("Figure audit: book index")
        + "<header>\n<h1>Figure audit: book index</h1>\n"
        + _overview(report, tuple(chapters))
        + f"</header>\n<main>\n{table}\n</main>\n"
        + _tail()
    )
