"""The command line, `review eval`: measure the judge against labelled pairs (`review eval
GOLD.jsonl`), against perturbations of a corpus whose answers are known by construction
(`--perturb PATH`), or compare two saved results (`--compare A.json B.json`). Kept thin: it maps
the options onto reviewer.commands.evaluate, which does the run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reviewer.cli import options
from reviewer.judge.mode import Mode

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
        from reviewer.commands.evaluate import compared

        typer.echo(compared(*compare), nl=False)
        return 0
    from reviewer.commands.evaluate import EvalOptions, run  # the evaluate stage loads here

    return run(
        EvalOptions(
            gold=gold,
            perturb=perturb,
            seed=seed,
            pairs_out=pairs_out,
            output=output,
            config=config,
            prompts=prompts,
            settings={"model": model, "base_url": base_url, "max_cost": max_cost},
            mode=Mode(
                offline=offline, no_cache=no_cache, refresh=refresh, record=record, replay=replay
            ),
            quiet=quiet,
        )
    )
