"""Command, `review eval`: measure the judge against labelled pairs or perturbed chapters,
through the same judge setup as `review`, and write the result (JSON) with its report
(Markdown) beside it; or compare two saved results."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from reviewer.commands import terminal
from reviewer.errors import ReviewerError
from reviewer.files.write import write_atomic
from reviewer.judge.mode import Mode, judge_setup, off, required
from reviewer.judge.stage import Stage
from reviewer.project.config import load_config
from reviewer.project.prices import Price, price_for


@dataclass(frozen=True, kw_only=True)
class EvalOptions:
    """An evaluation as the command line asks for it. `settings` override reviewer.toml's."""

    gold: Path | None = None
    perturb: Path | None = None
    seed: int = 1729
    pairs_out: Path | None = None
    output: Path | None = None
    config: Path | None = None
    prompts: Path | None = None  # --prompts: recorded in the result, and read by the judge
    settings: Mapping[str, object] = field(default_factory=dict)
    mode: Mode = field(default_factory=Mode)
    quiet: bool = False


def run(options: EvalOptions) -> int:
    source = _source(options.gold, options.perturb)
    asked = {**options.settings, "prompts": options.prompts and str(options.prompts)}
    config = load_config(source, asked, explicit=options.config)
    unjudged = off(config, options.mode)
    if unjudged is not None:  # said before anything is read: without a model, nothing to do
        required(unjudged, "review eval")
    job = _Job(
        source,
        options.perturb is not None,
        options.seed,
        options.pairs_out,
        options.prompts,
        options.quiet,
        price_for(config.model, config.prices),
    )
    inputs = _inputs(job)  # read first: a bad gold file should cost no LLM call
    with judge_setup(config, options.mode) as judging:
        result, report = _measure(job, inputs, required(judging, "review eval"), config.model)
    destination = options.output or Path("_review") / "eval" / f"{_name(source)}.eval.json"
    _write(destination, result, report)
    typer.echo(report, nl=False)
    if not options.quiet:
        typer.echo(f"review eval: result written to {destination}", err=True)
    return 0


def _source(gold: Path | None, perturb: Path | None) -> Path:
    if (gold is None) == (perturb is None):
        raise ReviewerError(
            "give a gold file (review eval GOLD.jsonl) or --perturb PATH, not both; "
            "--compare A.json B.json compares saved results"
        )
    source = gold or perturb
    assert source is not None
    if not source.exists():
        raise ReviewerError(f"{source}: no such file or folder")
    return source


@dataclass(frozen=True)
class _Job:
    source: Path
    perturbing: bool
    seed: int
    pairs_out: Path | None
    prompts: Path | None
    quiet: bool
    price: Price | None

    @property
    def book(self) -> str:
        """Perturbed pairs' ids start with the folder's name when a folder is perturbed."""
        return self.source.name if self.source.is_dir() else ""


def _inputs(job: _Job) -> list[Any]:
    """The gold pairs, or the perturbed figures (their pairs written out when asked)."""
    from reviewer.evaluate.gold import dump_gold, read_gold

    if not job.perturbing:
        return list(read_gold(job.source))
    figures = _perturbed(job.source, job.seed)
    if job.pairs_out is not None:
        pairs = [p for f in figures for p in f.pairs(job.book)]
        write_atomic(job.pairs_out, dump_gold(pairs))
    return figures


def _measure(job: _Job, inputs: list[Any], stage: Stage, model: str) -> tuple[dict[str, Any], str]:
    """The result (JSON) and the report (Markdown) of one evaluation."""
    from reviewer.evaluate import report
    from reviewer.evaluate.rank import render_rankings, run_perturbed
    from reviewer.evaluate.run import rows, run_gold, run_info

    info = run_info(stage, model, job.prompts, str(job.source))
    progress = None if job.quiet else terminal.Judging()
    if not job.perturbing:
        evaluation, outcomes = run_gold(inputs, stage, info, job.price, progress)
        return {**evaluation.to_json(), "pairs": rows(outcomes)}, report.render(evaluation)
    found, _ = run_perturbed(inputs, stage, info, job.price, job.book, progress)
    data = found.to_json(job.seed, str(job.source))
    return data, render_rankings(data) + "\n" + report.render(data)


def _perturbed(source: Path, seed: int) -> list[Any]:
    """A chapter's perturbed figures, or those of every chapter of a folder, chosen and
    ordered as `review` reads a book folder (partials and `_` folders left out)."""
    from reviewer.evaluate.chapter import perturb_path
    from reviewer.project.book import open_book

    if source.is_file():
        return perturb_path(source, seed)
    chapters = open_book(source).chapters
    return [f for p in chapters for f in perturb_path(p, seed, p.relative_to(source).as_posix())]


def _name(source: Path) -> str:
    return source.stem if source.is_file() else (source.resolve().name or "corpus")


def _write(destination: Path, result: dict[str, Any], report: str) -> None:
    try:
        write_atomic(destination, json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        write_atomic(destination.with_suffix(".md"), report)
    except OSError as err:
        raise ReviewerError(
            f"{destination}: cannot write the result ({err.strerror or err})"
        ) from None


def compared(a: Path, b: Path) -> str:
    from reviewer.evaluate.report import compare

    return compare(_load(a), _load(b))


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ReviewerError(f"{path}: cannot read the result ({err.strerror or err})") from None
    except ValueError:
        raise ReviewerError(f"{path}: not a result written by `review eval`") from None
    if not isinstance(data, dict) or "groups" not in data:
        raise ReviewerError(f"{path}: not a result written by `review eval`")
    return data
