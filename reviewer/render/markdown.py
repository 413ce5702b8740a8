"""Render stage, Markdown format: the audit authors read. Per chapter, a table of its figures
(worst judged first), then each figure with its caption, alt text, introducing paragraph,
mentions, findings, judgment and any rewrite as a diff, then the findings that belong to no
figure. Text from the chapter, the checks and above all the model goes through `safe_text`, so
none of it can open a block of its own (a heading, a finding, a fence) or a link."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable

from reviewer.model import (
    FigureAudit,
    FileAudit,
    Finding,
    FloatType,
    Location,
    Report,
    RichText,
    Severity,
)
from reviewer.render import OneText, Renderer
from reviewer.render.grouping import Key, counted, figure_key, findings_by_figure, unclaimed
from reviewer.render.hints import Hint, hint
from reviewer.render.labels import QUIET
from reviewer.render.safe_text import code_block, code_span, md_text


def render(report: Report) -> str:
    out = ["# Figure audit", "", _summary(report), ""]
    if report.llm_note:
        out += [f"LLM stage: {md_text(report.llm_note)}", ""]
    usage = report.usage
    if usage.requests or usage.cache_hits:
        out += [
            f"Usage: {usage.requests} requests, {usage.cache_hits} cache hits, "
            f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens, "
            f"${usage.cost_usd:.4f}.",
            "",
        ]
    for audit in report.files:
        out += _file(audit)
    return "\n".join(out).rstrip("\n") + "\n"


RENDERER: Renderer = OneText(render)


def _summary(report: Report) -> str:
    counts = Counter(f.severity for f in report.active)
    parts = [
        f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}"
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[s]
    ]
    detail = f" ({', '.join(parts)})" if parts else ""
    files = len(report.files)
    quiet = Counter(f.status for f in report.findings if not f.active)
    aside = "".join(f", {n} {QUIET[status]}" for status, n in sorted(quiet.items()))
    return (
        f"Reviewed {files} file{'s' if files != 1 else ''}: {counted(report.files)}, "
        f"{len(report.active)} findings{detail}{aside}."
    )


def _file(audit: FileAudit) -> list[str]:
    path = code_span(audit.path)
    title = f"{md_text(audit.title)} ({path})" if audit.title else path
    out = [f"## {title}", ""]
    by_figure = findings_by_figure(audit)
    if not audit.figures:
        out += ["No figures.", ""]
    else:
        out += _table(audit, by_figure)
    for item in audit.figures:
        out += _figure(item, audit.path, by_figure.get(figure_key(item), []))
    rest = unclaimed(audit, by_figure)
    if rest:
        out += ["### Other findings", ""]
        out += [f"- {_where(f.location, audit.path)}: {_finding(f)}" for f in rest]
        out.append("")
    return out + _cross_chapter(audit)


def _cross_chapter(audit: FileAudit) -> list[str]:
    """References another chapter resolves: not findings, but where the reader is sent."""
    if not audit.elsewhere:
        return []
    out = ["### Cross-chapter references", ""]
    for cross in audit.elsewhere:
        ref = cross.reference
        out.append(
            f"- {_where(ref.location, audit.path)}: {code_span(ref.written)} is defined in "
            f"{code_span(cross.defined_in)}"
        )
    return [*out, ""]


def _table(audit: FileAudit, codes: dict[Key, list[Finding]]) -> list[str]:
    rows = [
        "| Figure | Line | Kind | Introduced at | Verdict | Score | Findings |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in worst_first(audit.figures):
        pairing, figure, j = item.pairing, item.pairing.figure, item.judgment
        intro = _where(pairing.intro.location, audit.path) if pairing.intro else "none"
        found = " ".join(f.code for f in codes.get(figure_key(item), [])) or "-"
        verdict = j.verdict.value if j.verdict else j.status.value
        score = str(j.score) if j.score is not None else "-"
        rows.append(
            f"| {_name(item)} | {_where(figure.location, audit.path)} | "
            f"{figure.kind.value} | {intro} | {verdict} | {score} | {found} |"
        )
    return [*rows, ""]


def worst_first(items: Iterable[FigureAudit]) -> list[FigureAudit]:
    """Lowest score first; figures without a score keep their order, after the scored ones."""
    return sorted(items, key=lambda i: (i.judgment.score is None, i.judgment.score or 0))


def _name(item: FigureAudit) -> str:
    figure = item.pairing.figure
    return code_span(figure.id) if figure.id else "(no id)"


def _figure(item: FigureAudit, path: str, findings: list[Finding]) -> list[str]:
    pairing, figure = item.pairing, item.pairing.figure
    head = f"### {_name(item)} · {figure.kind.value} · {_where(figure.location, path)}"
    out = [head, ""]
    noun = figure.float_type.noun
    if figure.parent:
        out += [f"Sub-{noun} of {code_span(figure.parent)}.", ""]
    if figure.embedded_from:
        out += [f"Embedded from {code_span(figure.embedded_from)}.", ""]
    out += [f"**Caption:** {_rich(figure.caption)}", ""]
    if figure.float_type is FloatType.FIGURE:
        out += [f"**Alt text:** {_rich(figure.alt)}", ""]
    if pairing.intro is None:
        out += [f"**Introduced by:** no prose paragraph references this {noun}.", ""]
    else:
        how = "the paragraph just before it (no id to cite)" if pairing.positional else ""
        where = _where(pairing.intro.location, path)
        out += [f"**Introduced by** {how or where}:", "", *_quote(pairing.intro.text or ""), ""]
    if pairing.mentions:
        lines = ", ".join(_where(m.location, path) for m in pairing.mentions)
        out += [f"**Mentions:** {lines}", ""]
    if findings:
        rewrite = item.judgment.rewrite
        out += ["**Findings:**", "", *(f"- {_finding(f, rewrite)}" for f in findings), ""]
    out += [f"**Judgment:** {_judgment(item)}", ""]
    out += _criteria(item)
    out += _rewrite(item)
    return out


def _rewrite(item: FigureAudit) -> list[str]:
    j, intro = item.judgment, item.pairing.intro
    text = j.rewrite or j.rejected_rewrite
    if text is None:
        return []
    if intro is None:
        line = item.pairing.figure.location.line
        noun = item.pairing.figure.float_type.noun
        head = f"**Proposed introduction** (add it before the {noun} at line {line}):"
        body = list(_quote(text))
    else:
        head = f"**Suggested rewrite** (paste over the paragraph at line {intro.location.line}):"
        body = _diff(intro.source, text)
    if j.rewrite is None:
        problems = "; ".join(md_text(problem) for problem in j.rewrite_problems)
        head = f"**Held back**, not a suggestion: it {problems}."
    return [head, "", *body, ""]


def _diff(before: str, after: str) -> list[str]:
    """A sentence-level diff: unchanged sentences once, changed ones as - and + lines."""
    old, new = _sentences(before), _sentences(after)
    lines = [
        line
        for line in difflib.ndiff(old, new)
        if not line.startswith("?")  # ndiff's intraline hints are noise at sentence level
    ]
    return code_block([f"{line[0]} {line[2:]}".rstrip() for line in lines], "diff")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]


def _criteria(item: FigureAudit) -> list[str]:
    rows = []
    for c in item.judgment.criteria:
        evidence = f": “{md_text(c.evidence)}”" if c.evidence else ""
        name = _CRITERIA.get(c.name) or md_text(c.name)
        rows.append(f"- {'✓' if c.met else '✗'} {name}{evidence}")
    return [*rows, ""] if rows else []


_CRITERIA = {
    "shows": "says what it shows",
    "takeaway": "states the takeaway",
    "where_to_look": "says where to look",
    "consistent": "agrees with caption and alt",
    "timely": "comes before it is needed",
}


def _rich(value: RichText | None) -> str:
    if value is None:
        return "_none_"
    if value.text is None:
        return f"_computed when the book renders:_ {code_span(value.expr or '')}"
    return md_text(value.text) or "_empty_"


def _quote(text: str) -> Iterable[str]:
    # One line: a line break inside a quote could end it, or open a block within it.
    return [f"> {md_text(text)}"]


def _judgment(item: FigureAudit) -> str:
    j = item.judgment
    if j.verdict is None:
        return f"{j.status.value}: {md_text(j.reason)}" if j.reason else j.status.value
    score = f", score {j.score}/5" if j.score is not None else ""
    return f"{j.verdict.value}{score}. {md_text(j.rationale or '')}".strip()


def _finding(f: Finding, rewrite: str | None = None) -> str:
    """One finding on one line: code, severity, message, and for one that counts, its fix
    (`rewrite` is the suggested rewrite shown under the figure, which it need not repeat)."""
    said = f"{code_span(f.code)} ({f.severity.value}) {md_text(f.message)}"
    if not f.active:
        return f"~~{said}~~ ({QUIET[f.status]})"
    fix = hint(f)
    if fix is None:
        return said
    if fix.suggested and rewrite and f.suggestion == rewrite:
        return f"{said}; fix: paste the suggested rewrite below"
    return f"{said}; fix: {_hint_text(fix)}"


def _hint_text(fix: Hint) -> str:
    if fix.suggested:  # a check's or the model's text: inert, whatever it holds
        return md_text(fix.text)
    if fix.markup:
        return f"e.g. {code_span(fix.text)}"
    # A rule's instruction may hold code spans of its own (the registry writes them so).
    parts = re.split(r"(`[^`]+`)", fix.text)
    return "".join(code_span(p[1:-1]) if n % 2 else md_text(p) for n, p in enumerate(parts))


def _where(loc: Location, path: str) -> str:
    return f"line {loc.line}" if loc.path == path else f"{code_span(loc.path)} line {loc.line}"
