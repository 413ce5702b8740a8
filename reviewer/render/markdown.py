"""Render stage, Markdown format: the audit authors read. Per chapter, a table of its figures,
then each figure with its caption, alt text, introducing paragraph, mentions, findings and
judgment, then the findings that belong to no figure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from reviewer.model import FigureAudit, FileAudit, Finding, Location, Report, RichText, Severity


def render(report: Report) -> str:
    out = ["# Figure audit", "", _summary(report), ""]
    if report.llm_note:
        out += [f"LLM stage: {report.llm_note}", ""]
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


def _summary(report: Report) -> str:
    figures = sum(len(a.figures) for a in report.files)
    counts = Counter(f.severity for f in report.findings)
    parts = [
        f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}"
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[s]
    ]
    detail = f" ({', '.join(parts)})" if parts else ""
    files = len(report.files)
    return (
        f"Reviewed {files} file{'s' if files != 1 else ''}: {figures} figures, "
        f"{len(report.findings)} findings{detail}."
    )


def _file(audit: FileAudit) -> list[str]:
    title = f"{audit.title} (`{audit.path}`)" if audit.title else f"`{audit.path}`"
    out = [f"## {title}", ""]
    by_figure = _findings_by_figure(audit)
    if not audit.figures:
        out += ["No figures.", ""]
    else:
        out += _table(audit, by_figure)
    for item in audit.figures:
        out += _figure(item, audit.path, by_figure.get(_key(item), []))
    claimed = {id(f) for items in by_figure.values() for f in items}
    rest = [f for f in audit.findings if id(f) not in claimed]
    if rest:
        out += ["### Other findings", ""]
        out += [f"- {_where(f.location, audit.path)}: {_finding(f)}" for f in rest]
        out.append("")
    return out


_Key = tuple[str, int, str | None]


def _key(item: FigureAudit) -> _Key:
    figure = item.pairing.figure
    return figure.location.path, figure.location.line, figure.id


def _findings_by_figure(audit: FileAudit) -> dict[_Key, list[Finding]]:
    """Findings about a figure, which sit on its line and name it (REF001 names a target)."""
    keys = {_key(item) for item in audit.figures}
    grouped: dict[_Key, list[Finding]] = {}
    for f in audit.findings:
        key = (f.location.path, f.location.line, f.figure)
        if key in keys and f.code != "REF001":
            grouped.setdefault(key, []).append(f)
    return grouped


def _table(audit: FileAudit, codes: dict[_Key, list[Finding]]) -> list[str]:
    rows = [
        "| Figure | Line | Kind | Introduced at | Mentions | Findings |",
        "|---|---|---|---|---|---|",
    ]
    for item in audit.figures:
        pairing, figure = item.pairing, item.pairing.figure
        intro = _where(pairing.intro.location, audit.path) if pairing.intro else "none"
        found = " ".join(f.code for f in codes.get(_key(item), [])) or "-"
        rows.append(
            f"| {_name(item)} | {_where(figure.location, audit.path)} | "
            f"{figure.kind.value} | {intro} | {len(pairing.mentions)} | {found} |"
        )
    return [*rows, ""]


def _name(item: FigureAudit) -> str:
    figure = item.pairing.figure
    return f"`{figure.id}`" if figure.id else "(no id)"


def _figure(item: FigureAudit, path: str, findings: list[Finding]) -> list[str]:
    pairing, figure = item.pairing, item.pairing.figure
    head = f"### {_name(item)} · {figure.kind.value} · {_where(figure.location, path)}"
    out = [head, ""]
    if figure.parent:
        out += [f"Sub-figure of `{figure.parent}`.", ""]
    if figure.embedded_from:
        out += [f"Embedded from `{figure.embedded_from}`.", ""]
    out += [f"**Caption:** {_rich(figure.caption)}", "", f"**Alt text:** {_rich(figure.alt)}", ""]
    if pairing.intro is None:
        out += ["**Introduced by:** no prose paragraph references this figure.", ""]
    else:
        how = "the paragraph just before it (no id to cite)" if pairing.positional else ""
        where = _where(pairing.intro.location, path)
        out += [f"**Introduced by** {how or where}:", "", *_quote(pairing.intro.text or ""), ""]
    if pairing.mentions:
        lines = ", ".join(_where(m.location, path) for m in pairing.mentions)
        out += [f"**Mentions:** {lines}", ""]
    if findings:
        out += ["**Findings:**", "", *(f"- {_finding(f)}" for f in findings), ""]
    out += [f"**Judgment:** {_judgment(item)}", ""]
    out += _rewrite(item)
    return out


def _rewrite(item: FigureAudit) -> list[str]:
    j = item.judgment
    if not j.rewrite:
        return []
    if not j.rewrite_problems:
        return ["**Suggested rewrite:**", "", *_quote(j.rewrite), ""]
    problems = "; ".join(j.rewrite_problems)
    return [
        f"**Rewrite held back** (it failed the checks: {problems}):",
        "",
        *_quote(j.rewrite),
        "",
    ]


def _rich(value: RichText | None) -> str:
    if value is None:
        return "_none_"
    if value.text is None:
        return f"_computed when the book renders:_ `{value.expr}`"
    return value.text or "_empty_"


def _quote(text: str) -> Iterable[str]:
    return [f"> {text}"]


def _judgment(item: FigureAudit) -> str:
    j = item.judgment
    if j.verdict is None:
        return f"{j.status.value}: {j.reason}" if j.reason else j.status.value
    score = f", score {j.score}/5" if j.score is not None else ""
    return f"{j.verdict.value}{score}. {j.rationale or ''}".strip()


def _finding(f: Finding) -> str:
    return f"`{f.code}` ({f.severity.value}) {f.message}"


def _where(loc: Location, path: str) -> str:
    return f"line {loc.line}" if loc.path == path else f"`{loc.path}` line {loc.line}"
