"""The `review eval` command: measure the judge against labelled pairs (`review eval
GOLD.jsonl`), against perturbations of a corpus whose answers are known by construction
(`--perturb PATH`), or compare two saved results (`--compare A.json B.json`). Kept thin: the
evaluate stage does the work, this maps options to it and errors to exit codes."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from reviewer.cli import options
from reviewer.commands import terminal
from reviewer.errors import ReviewerError
from reviewer.files.write import write_atomic
from reviewer.judge.mode import Mode, off
from reviewer.project.config import load_config
from reviewer.project.prices import Price, price_for

if TYPE_CHECKING:
    from reviewer.judge.build import Stage

app = typer.Typer(add_completion=False, rich_markup_mode=None)

EPILOG = """\
\b
Examples:
  review eval ../shared/gold/dev.jsonl --replay cassettes/eval   offline, from cassettes
  review eval gold.jsonl --model gpt-4.1-mini -o runs/4.1-mini.json
  review eval gold.jsonl --model gpt-4.1 --prompts my-prompts/ -o runs/b.json
  review eval --compare runs/4.1-mini.json runs/b.json           A and B side by side
  review eval --perturb ../shared/corpus/r4ds --pairs r4ds.perturbed.jsonl

The report (Markdown) is printed; the result (JSON) is written to --output, with the Markdown
beside it. Pairs are judged through the same judge stack as `review`: answers are cached, so
running an evaluation again costs nothing, and --replay/--record use cassettes. Accuracy,
kappa, score MAE and Spearman are over the pairs the judge answered; failed pairs are counted
apart. Gold files follow ../shared/gold/README.md."""


@app.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
def _eval(
    gold: Annotated[
        Path | None,
        typer.Argument(
            help="Labelled pairs (JSONL, one pair per line).",
            show_default=False,
            metavar="GOLD.jsonl",
        ),
    ] = None,
    perturb: Annotated[
        Path | None,
        typer.Option(
            "--perturb",
            metavar="PATH",
            help="Instead of a gold file: a chapter or a folder of chapters. Each figure whose "
            "introduction describes it gets a mentions-only and a contradicting variant.",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Chooses among candidate edits; same seed, same pairs.")
    ] = 1729,
    pairs_out: Annotated[
        Path | None,
        typer.Option("--pairs", metavar="FILE", help="With --perturb: also write the pairs."),
    ] = None,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option("--compare", metavar="A.json B.json", help="Compare two saved results."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the result (JSON). Default: _review/eval/<name>.eval.json.",
        ),
    ] = None,
    config: options.ConfigFile = None,
    model: options.Model = None,
    base_url: options.BaseUrl = None,
    offline: options.Offline = False,
    no_cache: options.NoCache = False,
    refresh: options.Refresh = False,
    max_cost: options.MaxCost = None,
    record: options.Record = None,
    replay: options.Replay = None,
    prompts: options.PromptsDir = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> int:
    """Measure the LLM judge: verdict accuracy, a confusion matrix, per-verdict precision and
    recall, Cohen's kappa, score error and rank correlation, the rate of rewrites that pass the
    mechanical checks, tokens and cost."""
    if compare is not None:
        typer.echo(_compare(*compare), nl=False)
        return 0
    source = _source(gold, perturb)
    overrides = {
        "model": model,
        "base_url": base_url,
        "max_cost": max_cost,
        "prompts": prompts and str(prompts),
    }
    settings = load_config(source, overrides, explicit=config)
    mode = Mode(False, offline, no_cache, refresh, record, replay, os.environ.get("OPENAI_API_KEY"))
    if (unjudged := off(settings, mode)) is not None:
        raise ReviewerError(f"review eval needs a model: the LLM stage is {unjudged.note}")
    from reviewer.judge.build import build_stage  # the judge stack loads only when it runs

    price = price_for(settings.model, settings.prices)
    job = _Job(source, perturb is not None, seed, pairs_out, prompts, quiet, price)
    inputs = _inputs(job)  # read first: a bad gold file should cost no LLM call
    stage = build_stage(settings, mode)
    try:
        result, report = _measure(job, inputs, stage, settings.model)
    finally:
        stage.close()
    destination = output or Path("_review") / "eval" / f"{_name(source)}.eval.json"
    _write(destination, result, report)
    typer.echo(report, nl=False)
    if not quiet:
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


def _compare(a: Path, b: Path) -> str:
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
