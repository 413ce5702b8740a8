"""Evaluate stage, metrics: how the judge's verdicts and scores compare with the gold ones.

One `Outcome` per gold pair; a pair the judge failed on or skipped has no predicted verdict and
counts in `failed` and in the confusion matrix's `failed` column. The rates (accuracy, kappa,
precision, recall, F1, score MAE and Spearman) are over the judged pairs only, so that an
outage does not read as disagreement; tokens and cost count every pair.

`Evaluation.to_json()` is the result file (schema_version 1):
    {"schema_version": 1,
     "run": {"model", "base_url_kind", "prompts_digest", "date", "gold_file", "judge"},
            (each or null)
     "groups": {"all" | "high_confidence" | "labelled" | "labelled_high_confidence" |
                "perturbed" | "perturbed_high_confidence": METRICS}}
`all` and `high_confidence` are always there; an origin's groups only when it has pairs.
METRICS (`Metrics.to_json()`):
    {"pairs", "judged", "failed", "correct", "accuracy",
     "kappa", "observed_agreement", "expected_agreement",
     "scored", "score_mae", "score_spearman",
     "rewrites": {"proposed", "passed", "pass_rate"},
     "tokens": {"prompt", "completion"}, "cost_usd",
     "confusion": {gold verdict: {predicted verdict or "failed": count}},
     "per_verdict": {gold verdict: {"support", "predicted", "correct",
                                    "precision", "recall", "f1"}}}
A rate is null when undefined (nothing to divide by, a constant score column)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from reviewer.evaluate.gold import GOLD_VERDICTS, GoldPair
from reviewer.evaluate.stats import agreement, kappa, ratio, spearman
from reviewer.model import Judgment, JudgmentStatus, Verdict

FAILED = "failed"
ROWS = tuple(v.value for v in GOLD_VERDICTS)
COLUMNS = (*(v.value for v in Verdict), FAILED)
_ANSWERED = frozenset({JudgmentStatus.JUDGED, JudgmentStatus.CACHED, JudgmentStatus.REPLAYED})


@dataclass(frozen=True)
class Outcome:
    """One gold pair and what the judge said about it (`verdict` None: failed or skipped)."""

    gold_verdict: Verdict
    gold_score: int
    verdict: Verdict | None = None
    score: int | None = None
    rewrite_proposed: bool = False
    rewrite_passed: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    confidence: str = "high"
    origin: str = "labelled"
    id: str = ""

    def __post_init__(self) -> None:
        if self.gold_verdict.value not in ROWS:
            raise ValueError(f"{self.gold_verdict.value} is not a gold verdict")

    @classmethod
    def of(cls, pair: GoldPair, judgment: Judgment, cost_usd: float = 0.0) -> Outcome:
        answered = judgment.status in _ANSWERED and judgment.verdict is not None
        return cls(
            gold_verdict=pair.verdict,
            gold_score=pair.score,
            verdict=judgment.verdict if answered else None,
            score=judgment.score if answered else None,
            # A rewrite that failed the mechanical checks was still proposed.
            rewrite_proposed=judgment.rewrite is not None or judgment.rejected_rewrite is not None,
            rewrite_passed=judgment.rewrite is not None,
            prompt_tokens=judgment.prompt_tokens,
            completion_tokens=judgment.completion_tokens,
            cost_usd=cost_usd,
            confidence=pair.confidence,
            origin=pair.origin,
            id=pair.id,
        )


@dataclass(frozen=True)
class VerdictScores:
    verdict: str
    support: int  # judged pairs whose gold verdict is this one
    predicted: int  # judged pairs the judge gave this verdict
    correct: int
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True)
class Metrics:
    pairs: int
    judged: int
    failed: int
    correct: int
    accuracy: float | None
    kappa: float | None
    observed_agreement: float | None
    expected_agreement: float | None
    scored: int
    score_mae: float | None
    score_spearman: float | None
    rewrites_proposed: int
    rewrites_passed: int
    rewrite_pass_rate: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    confusion: tuple[tuple[int, ...], ...]  # ROWS x COLUMNS
    per_verdict: tuple[VerdictScores, ...]  # one per ROWS entry

    def count(self, gold: str, predicted: str) -> int:
        return self.confusion[ROWS.index(gold)][COLUMNS.index(predicted)]

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "judged": self.judged,
            "failed": self.failed,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "kappa": self.kappa,
            "observed_agreement": self.observed_agreement,
            "expected_agreement": self.expected_agreement,
            "scored": self.scored,
            "score_mae": self.score_mae,
            "score_spearman": self.score_spearman,
            "rewrites": {
                "proposed": self.rewrites_proposed,
                "passed": self.rewrites_passed,
                "pass_rate": self.rewrite_pass_rate,
            },
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            "cost_usd": self.cost_usd,
            "confusion": {
                row: dict(zip(COLUMNS, counts, strict=True))
                for row, counts in zip(ROWS, self.confusion, strict=True)
            },
            "per_verdict": {
                v.verdict: {k: x for k, x in asdict(v).items() if k != "verdict"}
                for v in self.per_verdict
            },
        }


@dataclass(frozen=True)
class RunInfo:
    """What was evaluated; every field is optional, for the caller to fill."""

    model: str | None = None
    base_url_kind: str | None = None
    prompts_digest: str | None = None
    date: str | None = None
    gold_file: str | None = None
    judge: str | None = None  # how it was reached: live, cached, replayed from cassettes

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Evaluation:
    run: RunInfo
    groups: tuple[tuple[str, Metrics], ...]

    def group(self, name: str) -> Metrics:
        return dict(self.groups)[name]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "run": self.run.to_json(),
            "groups": {name: metrics.to_json() for name, metrics in self.groups},
        }


def evaluate(outcomes: Sequence[Outcome], run: RunInfo | None = None) -> Evaluation:
    """Metrics for all pairs and for the high-confidence ones, overall and by origin."""
    groups: list[tuple[str, Metrics]] = []
    for origin in (None, "labelled", "perturbed"):
        chosen = [o for o in outcomes if origin is None or o.origin == origin]
        if origin is not None and not chosen:
            continue
        prefix = f"{origin}_" if origin else ""
        groups.append((f"{origin or 'all'}", compute(chosen)))
        high = [o for o in chosen if o.confidence == "high"]
        groups.append((f"{prefix}high_confidence", compute(high)))
    return Evaluation(run or RunInfo(), tuple(groups))


def compute(outcomes: Sequence[Outcome]) -> Metrics:
    judged = [o for o in outcomes if o.verdict is not None]
    gold = [o.gold_verdict.value for o in judged]
    said = [o.verdict.value for o in judged if o.verdict is not None]
    observed, expected = agreement(gold, said) if judged else (None, None)
    correct = sum(g == p for g, p in zip(gold, said, strict=True))
    scored = [o for o in judged if o.score is not None]
    pairs = [(float(o.gold_score), float(o.score)) for o in scored if o.score is not None]
    proposed = [o for o in outcomes if o.rewrite_proposed]
    passed = sum(o.rewrite_passed for o in proposed)
    return Metrics(
        pairs=len(outcomes),
        judged=len(judged),
        failed=len(outcomes) - len(judged),
        correct=correct,
        accuracy=ratio(correct, len(judged)),
        kappa=kappa(observed, expected) if observed is not None and expected is not None else None,
        observed_agreement=observed,
        expected_agreement=expected,
        scored=len(pairs),
        score_mae=ratio(sum(abs(g - p) for g, p in pairs), len(pairs)),
        score_spearman=spearman([g for g, _ in pairs], [p for _, p in pairs]),
        rewrites_proposed=len(proposed),
        rewrites_passed=passed,
        rewrite_pass_rate=ratio(passed, len(proposed)),
        prompt_tokens=sum(o.prompt_tokens for o in outcomes),
        completion_tokens=sum(o.completion_tokens for o in outcomes),
        cost_usd=sum(o.cost_usd for o in outcomes),
        confusion=_confusion(outcomes),
        per_verdict=tuple(_scores(row, gold, said) for row in ROWS),
    )


def _confusion(outcomes: Sequence[Outcome]) -> tuple[tuple[int, ...], ...]:
    counts = Counter(
        (o.gold_verdict.value, o.verdict.value if o.verdict is not None else FAILED)
        for o in outcomes
    )
    return tuple(tuple(counts[row, column] for column in COLUMNS) for row in ROWS)


def _scores(verdict: str, gold: Sequence[str], said: Sequence[str]) -> VerdictScores:
    support = sum(g == verdict for g in gold)
    predicted = sum(p == verdict for p in said)
    correct = sum(g == p == verdict for g, p in zip(gold, said, strict=True))
    precision, recall = ratio(correct, predicted), ratio(correct, support)
    f1 = None
    if precision is not None and recall is not None:
        f1 = ratio(2 * precision * recall, precision + recall) or 0.0
    return VerdictScores(verdict, support, predicted, correct, precision, recall, f1)
