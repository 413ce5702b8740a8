"""Evaluate stage, the run: judge pairs through the review's own judge stack (the same request
format, prompts, cache, retries, rate limits, cassettes and rewrite checks), then score the
judgments against the known answers.

A gold pair is judged from exactly its strings (the gold README asks for that): the figure id,
caption, alt text and introducing paragraph, with no chapter, section or neighbouring
paragraph, so a cassette recorded anywhere replays everywhere, corpus or not."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reviewer.evaluate.gold import GoldPair
from reviewer.evaluate.metrics import Evaluation, Outcome, RunInfo, evaluate
from reviewer.judge.request import PROMPT_FILES, JudgeRequest, load_prompts
from reviewer.judge.stage import StageProgress, Tally, judge_all
from reviewer.model import Judgment
from reviewer.project.prices import Price

if TYPE_CHECKING:
    from reviewer.judge.stage import Stage


def request(figure_id: str, caption: str | None, alt: str | None, intro: str) -> JudgeRequest:
    return JudgeRequest(
        figure_id=figure_id,
        kind="figure",
        chapter=None,
        section=None,
        caption=caption,
        alt=alt,
        shows=(),
        intro=intro,
    )


def request_for(pair: GoldPair) -> JudgeRequest:
    return request(pair.figure_id, pair.caption, pair.alt, pair.intro)


@dataclass(frozen=True)
class Judged:
    judgments: list[Judgment]
    tally: Tally


def judge(
    requests: Sequence[JudgeRequest], stage: Stage, progress: StageProgress | None = None
) -> Judged:
    judgments, tally = judge_all(requests, stage.judge, stage.budget, progress)
    return Judged(judgments, tally)


def cost_of(judgment: Judgment, price: Price | None) -> float:
    """At the model's list price, replays included: a replay's tokens are the recorded ones,
    so its cost is what the recorded run cost."""
    return price.cost(judgment.prompt_tokens, judgment.completion_tokens) if price else 0.0


def run_gold(
    pairs: Sequence[GoldPair],
    stage: Stage,
    info: RunInfo,
    price: Price | None,
    progress: StageProgress | None = None,
) -> tuple[Evaluation, list[Outcome]]:
    judged = judge([request_for(p) for p in pairs], stage, progress)
    outcomes = [
        Outcome.of(pair, judgment, cost_of(judgment, price))
        for pair, judgment in zip(pairs, judged.judgments, strict=True)
    ]
    return evaluate(outcomes, info), outcomes


def rows(outcomes: Sequence[Outcome]) -> list[dict[str, object]]:
    """Each pair's answer beside its gold one, for reading the errors (and checking sums)."""
    return [
        {
            "id": o.id,
            "origin": o.origin,
            "confidence": o.confidence,
            "gold_verdict": o.gold_verdict.value,
            "gold_score": o.gold_score,
            "verdict": o.verdict.value if o.verdict else None,
            "score": o.score,
            "rewrite_proposed": o.rewrite_proposed,
            "rewrite_passed": o.rewrite_passed,
        }
        for o in outcomes
    ]


def run_info(stage: Stage, model: str, prompts: Path | None, source: str) -> RunInfo:
    """What the result is a measurement of: the model, the endpoint, the prompts, the data."""
    loaded = load_prompts(prompts)
    text = "\0".join(getattr(loaded, name.removesuffix(".md")) for name in PROMPT_FILES)
    return RunInfo(
        model=model,
        base_url_kind=stage.settings.endpoint,
        prompts_digest=hashlib.sha256(text.encode()).hexdigest(),
        date=date.today().isoformat(),
        gold_file=source,
        judge=stage.describe,
    )
