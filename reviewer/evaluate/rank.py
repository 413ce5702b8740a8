"""Evaluate stage, perturbations: judge each figure's original introducing paragraph beside its
mentions-only and contradicting variants, and count how often the judge scores the original
above each variant and gives the variant the verdict it was built to have.

The variants' verdicts are known by construction; the original's are not, so the originals
are only ranked against, never scored as right or wrong."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from reviewer.evaluate.chapter import PerturbedFigure
from reviewer.evaluate.gold import GoldPair
from reviewer.evaluate.metrics import Evaluation, Outcome, RunInfo, evaluate
from reviewer.evaluate.run import Judged, cost_of, judge, request, request_for
from reviewer.evaluate.stats import ratio
from reviewer.judge.stage import StageProgress
from reviewer.model import Judgment
from reviewer.project.prices import Price

if TYPE_CHECKING:
    from reviewer.judge.stage import Stage

KINDS = ("mentions", "contradicts")


@dataclass(frozen=True)
class Ranking:
    """One kind of variant: how the judge's scores and verdicts met the construction."""

    kind: str
    pairs: int
    judged: int  # both the original and the variant judged
    original_above: int
    ties: int
    original_below: int
    right_verdict: int
    above_rate: float | None
    right_rate: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PerturbResult:
    figures: int
    rankings: tuple[Ranking, ...]
    evaluation: Evaluation  # the variants scored as gold pairs

    def to_json(self, seed: int, path: str) -> dict[str, Any]:
        data = self.evaluation.to_json()
        return {
            "schema_version": 1,
            "run": data["run"],
            "perturb": {"path": path, "seed": seed, "figures": self.figures},
            "rankings": {r.kind: r.to_json() for r in self.rankings},
            "groups": data["groups"],
        }


def run_perturbed(
    figures: Sequence[PerturbedFigure],
    stage: Stage,
    info: RunInfo,
    price: Price | None,
    book: str = "",
    progress: StageProgress | None = None,
) -> tuple[PerturbResult, Judged]:
    variants = [(n, pair) for n, figure in enumerate(figures) for pair in figure.pairs(book)]
    originals = [request(f.figure_id, f.caption, f.alt, f.original) for f in figures]
    judged = judge([*originals, *(request_for(p) for _, p in variants)], stage, progress)
    base, rest = judged.judgments[: len(figures)], judged.judgments[len(figures) :]
    outcomes = [
        Outcome.of(pair, j, cost_of(j, price)) for (_, pair), j in zip(variants, rest, strict=True)
    ]
    rankings = tuple(
        _ranking(kind, [(base[n], pair, j) for (n, pair), j in zip(variants, rest, strict=True)])
        for kind in KINDS
    )
    return PerturbResult(len(figures), rankings, evaluate(outcomes, info)), judged


def _ranking(kind: str, rows: list[tuple[Judgment, GoldPair, Judgment]]) -> Ranking:
    mine = [(o, p, v) for o, p, v in rows if p.id.endswith(f"~{kind}")]
    both = [(o, p, v) for o, p, v in mine if o.score is not None and v.score is not None]
    above = sum(1 for o, _, v in both if (o.score or 0) > (v.score or 0))
    ties = sum(1 for o, _, v in both if o.score == v.score)
    right = sum(1 for _, p, v in mine if v.verdict is p.verdict)
    answered = sum(1 for _, _, v in mine if v.verdict is not None)
    return Ranking(
        kind=kind,
        pairs=len(mine),
        judged=len(both),
        original_above=above,
        ties=ties,
        original_below=len(both) - above - ties,
        right_verdict=right,
        above_rate=ratio(above, len(both)),
        right_rate=ratio(right, answered),
    )


def render_rankings(result: dict[str, Any]) -> str:
    """The perturbation table, in Markdown, from the JSON `PerturbResult.to_json` writes."""
    meta = result["perturb"]
    lines = [
        f"## Perturbations of {meta['path']} (seed {meta['seed']}, {meta['figures']} figures)",
        "",
        "| variant | pairs | both judged | original scored higher | tie | original lower "
        "| variant given its verdict |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, r in result["rankings"].items():
        above = _share(r["original_above"], r["above_rate"])
        right = _share(r["right_verdict"], r["right_rate"])
        cells = [kind, r["pairs"], r["judged"], above, r["ties"], r["original_below"], right]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _share(count: int, rate: float | None) -> str:
    return f"{count} ({rate:.0%})" if rate is not None else f"{count}"
