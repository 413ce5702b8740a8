"""Render stage, the book summary (Markdown): per chapter, figures, findings by code, verdicts,
mean score, requests, tokens and cost; then the worst figures of the book, each linked to its
chapter's audit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from reviewer.model import FigureAudit, FileAudit, Report, Usage
from reviewer.render import OneText, Renderer
from reviewer.render.grouping import counted
from reviewer.render.safe_text import code_span, md_text

WORST = 30  # figures listed in the worst-first table
Cost = Callable[[int, int], float]


def chapter_usage(audit: FileAudit, cost: Cost) -> Usage:
    judgments = [item.judgment for item in audit.figures]
    prompt = sum(j.prompt_tokens for j in judgments)
    completion = sum(j.completion_tokens for j in judgments)
    hits = sum(j.status.value == "cached" for j in judgments)
    requests = sum(j.requests for j in judgments)
    return Usage(requests, hits, prompt, completion, cost(prompt, completion))


def book_summary(links: Mapping[str, str], cost: Cost) -> Renderer:
    """The book's summary as a renderer: `links` maps each chapter to its audit's file."""
    return OneText(lambda report: _render(report, links, cost))


def _render(report: Report, links: Mapping[str, str], cost: Cost) -> str:
    out = ["# Book summary", ""]
    if report.llm_note:
        out += [f"LLM stage: {md_text(report.llm_note)}", ""]
    u = report.usage
    out += [
        f"{len(report.files)} files, {counted(report.files)}, "
        f"{len(report.findings)} findings; {u.requests} requests, {u.cache_hits} cache hits, "
        f"{u.prompt_tokens + u.completion_tokens} tokens, ${u.cost_usd:.4f}.",
        "",
        "| Chapter | Figures | Findings | Verdicts | Mean score | Requests | Tokens | Cost |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += [_row(audit, links, cost) for audit in report.files]
    out += ["", "## Worst figures first", ""]
    out += _worst(report, links)
    return "\n".join(out).rstrip("\n") + "\n"


def _row(audit: FileAudit, links: Mapping[str, str], cost: Cost) -> str:
    codes = Counter(f.code for f in audit.findings)
    verdicts = Counter(i.judgment.verdict.value for i in audit.figures if i.judgment.verdict)
    scores = [i.judgment.score for i in audit.figures if i.judgment.score is not None]
    mean = f"{sum(scores) / len(scores):.1f}" if scores else "-"
    usage = chapter_usage(audit, cost)
    return (
        f"| {_link(audit, links)} | {len(audit.figures)} | {_counts(codes)} | "
        f"{_counts(verdicts)} | {mean} | {usage.requests} | "
        f"{usage.prompt_tokens + usage.completion_tokens} | ${usage.cost_usd:.4f} |"
    )


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counter.items())) or "-"


def _link(audit: FileAudit, links: Mapping[str, str]) -> str:
    name = md_text(audit.title or audit.path)
    target = links.get(audit.path)
    return f"[{name}]({target})" if target else name


def _worst(report: Report, links: Mapping[str, str]) -> list[str]:
    scored = [
        (item, audit)
        for audit in report.files
        for item in audit.figures
        if item.judgment.score is not None
    ]
    scored.sort(key=lambda pair: pair[0].judgment.score or 0)
    if not scored:
        return ["No figure has a score."]
    rows = ["| Score | Verdict | Figure | Chapter | Line |", "|---|---|---|---|---|"]
    rows += [_worst_row(item, audit, links) for item, audit in scored[:WORST]]
    if len(scored) > WORST:
        rows += ["", f"{len(scored) - WORST} more in the chapter audits."]
    return rows


def _worst_row(item: FigureAudit, audit: FileAudit, links: Mapping[str, str]) -> str:
    j, figure = item.judgment, item.pairing.figure
    name = code_span(figure.id) if figure.id else "(no id)"
    verdict = j.verdict.value if j.verdict else "-"
    return f"| {j.score} | {verdict} | {name} | {_link(audit, links)} | {figure.location.line} |"
