"""The command line, `review PATH`: its options, mapped onto one review run. The typer
command only reads them; reviewer.commands.review runs it and decides the exit code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from reviewer import __version__
from reviewer.cli import options
from reviewer.judge.mode import Mode
from reviewer.project.settings import FAIL_ON_HELP, VISION, Format

if TYPE_CHECKING:  # the pipeline loads once the options are read, not for --help
    from reviewer.commands.review import ReviewOptions

Invocation = tuple[list[Path], "ReviewOptions"]  # the paths and options of one review

EPILOG = """\
\b
Examples:
  review chapter.qmd               audit one chapter into _review/chapter.audit.md
  review book/ --format json -o -  a whole book (folder or _quarto.yml), JSON on stdout
  review chapter.qmd -f concise    path:line: CODE [severity] message (fix: ...), one a line
  review chapter.qmd --ignore FIG003 --select FIG,REF
                                   choose rules (also [rules] in reviewer.toml)
  review chapter.qmd --dry-run     what judging would send and cost; no call
  review book/ --statistics        findings counted per code, most frequent first
  review chapter.qmd --base-url http://localhost:11434/v1 --model llama3.1
                                   judge with a local OpenAI-compatible server
  review examples/chapter.qmd --replay cassettes/examples
                                   judge from recorded HTTP cassettes, offline

The LLM stage runs when OPENAI_API_KEY or a base URL is set; without either, one line says
how to turn it on. Answers are cached, so a second run of an unchanged chapter costs
nothing; a killed run keeps what it received.

Other commands: `review rules` lists every finding code; `review explain CODE` explains one
(a name works too: `review explain missing-alt`);
`review cache stats` shows where the answer cache is and its size; `review cache clear`
empties it; `review baseline write PATH` records today's findings, so that
`review PATH --baseline review-baseline.json` fails only on new ones; `review fix PATH`
turns the judged rewrites into a diff, or walks them (--interactive) and writes them
(--apply). A comment
`<!-- review: ignore FIG003 -->` before a figure or paragraph suppresses a finding there
(`review: off` ... `review: on` a range, `review: ignore-file` a whole file).
`review batch BOOK` judges a whole book through the Batch API; `review eval GOLD.jsonl`
measures the judge against labelled pairs; `review doctor --base-url URL` probes an endpoint
before a long run. Each has its own -h/--help.

Exit codes: 0 no finding at or above --fail-on; 1 some; 2 the review could not run
(bad input or configuration, a refused API key, no quota left); 130 interrupted.

Settings come from options, then REVIEWER_* and OPENAI_* environment variables, then the
nearest reviewer.toml above the chapter (see config.example.toml)."""

app = typer.Typer(add_completion=False, rich_markup_mode=None)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reviewer {__version__}")
        raise typer.Exit()


@app.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
def _review(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A chapter (.qmd), several chapters, or one book folder / _quarto.yml.",
            show_default=False,
            metavar="PATH",
        ),
    ],
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Audit format: md (for people), html (a page to look at, figures beside "
            "their prose), json (for tools), sarif (code scanning), concise or github (one "
            "line per finding, printed: for terminals and GitHub Actions). Default: md.",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the audit; '-' for stdout. Default: "
            "_review/<name>.audit.<ext> in the project folder, which Quarto does not render.",
        ),
    ] = None,
    no_llm: Annotated[
        bool,
        typer.Option("--no-llm", help="Skip the LLM stage: structural checks only, no network."),
    ] = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="SEVERITY|score<N",
            help="Exit 1 when a finding that counts is at least this severe, or a judged score "
            f"is below N. One of: {FAIL_ON_HELP} ('error,score<3'). Default: error.",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="Count only findings not in this file (from `review baseline write`); they "
            "match by file, figure id and code, so moving a figure keeps them old.",
        ),
    ] = None,
    config: options.ConfigFile = None,
    model: options.Model = None,
    base_url: options.BaseUrl = None,
    offline: options.Offline = False,
    no_cache: options.NoCache = False,
    refresh: options.Refresh = False,
    dry: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the request count, tokens and estimated cost, then stop without calling.",
            rich_help_panel=options.LLM,
        ),
    ] = False,
    max_cost: options.MaxCost = None,
    record: options.Record = None,
    replay: options.Replay = None,
    prompts: options.PromptsDir = None,
    vision: Annotated[
        str | None,
        typer.Option(
            "--vision",
            metavar="|".join(VISION),
            help="Attach the figure's image: auto (when the model takes images), on, off.",
            rich_help_panel=options.LLM,
        ),
    ] = None,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics",
            help="Print the count of findings per code on stdout, most frequent first, in "
            "place of anything the audit would print there; an audit bound for a file is "
            "still written (with -o - or -f concise|github, only the counts are printed).",
        ),
    ] = False,
    floats: options.Floats = None,
    select: options.Select = None,
    ignore: options.Ignore = None,
    severity: options.SeverityOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> object:  # an Invocation: typer reads this annotation, at --help too
    """Check that every figure, table and listing in a Quarto chapter or book is introduced
    by the prose.

    Finds every figure (images, figure divs, code cells, diagrams, sub-figures, included and
    embedded ones), every table (`: Caption {#tbl-x}`, `::: {#tbl-x}`, `label: tbl-x`) and
    every listing (`{#lst-x lst-cap=...}`, `::: {#lst-x}`), pairs each with the paragraph
    that first references it, and reports floats that are never referenced, references to
    undefined ones, missing captions or alt text, and floats placed far from their
    introduction. With a model configured, it then judges whether each introducing paragraph
    explains its figure, table or listing (score, verdict, rationale) and suggests a rewrite
    that passed mechanical checks. --floats fig reviews figures only.
    """
    from reviewer.commands.review import ReviewOptions

    return paths, ReviewOptions(
        settings={
            "format": fmt and fmt.value,
            "fail_on": fail_on,
            "model": model,
            "base_url": base_url,
            "max_cost": max_cost,
            "prompts": prompts and str(prompts),
            "vision": vision,
            "floats": floats,
            "select": select,
            "ignore": ignore,
            "severity": severity,
        },
        config=config,
        mode=Mode(
            no_llm=no_llm,
            offline=offline,
            no_cache=no_cache,
            refresh=refresh,
            record=record,
            replay=replay,
        ),
        output=output,
        baseline=baseline,
        dry_run=dry,
        statistics=statistics,
        quiet=quiet,
    )


def read(args: list[str], prog: str = "review") -> Invocation | int:
    """`review ARGS` as the run it asks for, not yet run; or the exit code of --help,
    --version or a usage error. `review baseline write` reads its arguments here too."""
    command = typer.main.get_command(app)
    found = command.main(args=args, prog_name=prog, standalone_mode=False)
    return cast("Invocation | int", found)
