"""What `review` prints on the terminal: progress while it works and the one-screen summary
after (stderr), and the counts per code of `--statistics` (stdout). The audit itself goes
through the renderers."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from reviewer.files.write import quarto_renders
from reviewer.model import Report, Severity, Usage
from reviewer.render.grouping import counted
from reviewer.render.labels import set_aside
from reviewer.rules import BY_CODE

if TYPE_CHECKING:
    from reviewer.judge.stage import Estimate, Tally


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _live() -> bool:
    return sys.stderr.isatty()


def reading(n: int, total: int, name: str) -> None:
    if total > 1 and _live():
        end = "\n" if n == total else ""
        sys.stderr.write(f"\r\033[Kreading [{n}/{total}] {name}{end}")
        sys.stderr.flush()


def drawing(n: int, total: int, name: str) -> None:
    """Diagrams drawn for the model: a TeX picture takes a second or two, a cached one none."""
    if _live():
        end = "\n" if n == total else ""
        sys.stderr.write(f"\r\033[Kdrawing diagrams [{n}/{total}] {name}{end}")
        sys.stderr.flush()
    elif n == 1:
        sys.stderr.write(f"review: drawing {_plural(total, 'diagram')} for the model\n")


class Judging:
    """A one-line progress bar for the LLM stage: done, cache hits, failures, tokens, cost, ETA.
    Without a terminal it prints a line every tenth of the way, so logs show progress too."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = -1
        self.said = ""  # the last wait reported, without a terminal

    def __call__(self, tally: Tally, total: int) -> None:
        done = tally.done
        elapsed = time.monotonic() - self.started
        eta = elapsed / done * (total - done) if done else 0.0
        line = (
            f"judging [{done}/{total}] {tally.cache_hits} cached, {tally.failed} failed, "
            f"{tally.prompt_tokens + tally.completion_tokens:,} tokens, ${tally.cost:.4f}, "
            f"ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        )
        waiting = f"; {tally.waiting}" if tally.waiting else ""
        if _live():
            sys.stderr.write(f"\r\033[K{line}{waiting}" + ("\n" if done == total else ""))
            sys.stderr.flush()
            return
        why = tally.waiting.rsplit(", resuming", 1)[0] if tally.waiting else ""
        step = done * 10 // total if total else 0
        # A line every tenth of the way, and one for each new reason to wait, not every second.
        if step != self.shown or (why and why != self.said):
            self.shown, self.said = step, why or self.said
            sys.stderr.write(f"{line}{waiting}\n")


def summary(report: Report, destination: Path | None, folder: str) -> list[str]:
    counts = {s: sum(f.severity is s for f in report.active) for s in Severity}
    detail = ", ".join(_plural(n, s.value) for s, n in counts.items() if n)
    line = f"review: {counted(report.files)}, {_plural(len(report.active), 'finding')}"
    line += f" ({detail})" if detail else ""
    line += "".join(f", {said}" for said in set_aside(report.findings))
    if destination is not None:
        line += f"; audit written to {destination}"
    lines = [line]
    if report.llm_note:
        lines.append(f"review: LLM stage {report.llm_note}")
    if report.usage.requests or report.usage.cache_hits:
        lines.append(f"review: {usage_line(report.usage)}")
    if destination is not None and quarto_renders(folder):
        lines.append(f"review: note: Quarto will render {folder}/; name it _{folder} instead")
    return lines


def statistics(report: Report) -> str:
    """One line per code among the findings that count, most frequent first, as
    `ruff --statistics` prints them: `count  CODE  name  [severity]`."""
    counts = Counter(f.code for f in report.active)
    if not counts:
        return ""
    # A code's findings can differ in severity (configured per file); name each one seen.
    seen: dict[str, set[Severity]] = {}
    for finding in report.active:
        seen.setdefault(finding.code, set()).add(finding.severity)
    rows = sorted(counts.items(), key=lambda row: (-row[1], row[0]))
    width = len(str(rows[0][1]))
    names = {code: BY_CODE[code].name if code in BY_CODE else "" for code in counts}
    name_width = max(len(name) for name in names.values())
    return "".join(
        f"{n:>{width}}  {code}  {names[code]:<{name_width}}  [{_severities(seen[code])}]\n"
        for code, n in rows
    )


def _severities(seen: set[Severity]) -> str:
    return ", ".join(s.value for s in sorted(seen, key=lambda s: -s.rank))


def usage_line(usage: Usage) -> str:
    tokens = usage.prompt_tokens + usage.completion_tokens
    return (
        f"{_plural(usage.requests, 'request')}, {_plural(usage.cache_hits, 'cache hit')}, "
        f"{tokens:,} tokens ({usage.prompt_tokens:,} in, {usage.completion_tokens:,} out), "
        f"${usage.cost_usd:.4f}"
    )


def not_drawn(reasons: Mapping[str, int]) -> list[str]:
    """One line per reason a diagram could not be rendered for the model."""
    return [
        f"review: {_plural(count, 'diagram')} sent as text only, not as an image: {reason}"
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1])
    ]


def dry_run(estimate: Estimate, model: str, prices_date: str) -> str:
    cost = (
        f"at most ${estimate.cost_usd:.4f} with {model} (list prices of {prices_date})"
        if estimate.cost_usd is not None
        else f'unknown: no price for {model}; add [prices."{model}"] to reviewer.toml'
    )
    return (
        f"dry run: {_plural(estimate.figures, 'figure')}: "
        f"{estimate.cached} answered by the cache, {_plural(estimate.requests, 'request')} to "
        f"send ({estimate.no_intro} of them propose an introduction for an unreferenced figure)\n"
        f"tokens: {estimate.prompt_tokens:,} prompt (counted offline"
        + (
            f"; {estimate.image_tokens:,} of them for {_plural(estimate.images, 'attached image')}"
            if estimate.images
            else ""
        )
        + f") + at most {estimate.max_output_tokens:,} output"
        + f"\nestimated cost: {cost}\n"
    )
