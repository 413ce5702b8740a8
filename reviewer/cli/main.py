"""The command line, kept thin: parse options, run the pipeline, write the audit, and map
errors to exit codes (0 clean, 1 findings at or above --fail-on, 2 could not run, 130 Ctrl-C)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reviewer import __version__
from reviewer.cli import options, tools
from reviewer.commands import terminal
from reviewer.errors import ReviewerError
from reviewer.files.write import default_output, write_atomic
from reviewer.judge.mode import Mode, Unjudged, off
from reviewer.project.config import FAIL_ON_HELP, VISION, Config, load_config
from reviewer.project.prices import PRICES_DATE
from reviewer.render import Format, render

if TYPE_CHECKING:
    from collections import Counter

    from reviewer.gate.baseline import Key
    from reviewer.judge.build import Stage
    from reviewer.model import Report

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
`review PATH --baseline review-baseline.json` fails only on new ones. A comment
`<!-- review: ignore FIG003 -->` before a figure or paragraph suppresses a finding there
(`review: off` ... `review: on` a range, `review: ignore-file` a whole file).
`review batch BOOK` judges a whole book through the Batch API; `review eval GOLD.jsonl`
measures the judge against labelled pairs; `review doctor --base-url URL` probes an endpoint
before a long run. Each has its own -h/--help.

Exit codes: 0 no finding at or above --fail-on; 1 some; 2 the review could not run
(bad input or configuration, a refused API key, no quota left); 130 interrupted.

Settings come from options, then REVIEWER_* and OPENAI_* environment variables, then the
nearest reviewer.toml above the chapter (see config.example.toml)."""

_review_app = typer.Typer(add_completion=False, rich_markup_mode=None)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reviewer {__version__}")
        raise typer.Exit()


@_review_app.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
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
    write_baseline: Annotated[
        Path | None, typer.Option("--write-baseline", metavar="FILE", hidden=True)
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
) -> int:
    """Check that every figure in a Quarto chapter or book is introduced by the prose.

    Finds every figure (images, figure divs, code cells, diagrams, sub-figures, included and
    embedded ones), pairs each with the paragraph that first references it, and reports
    figures that are never referenced, references to undefined figures, missing captions or
    alt text, and figures placed far from their introduction. With a model configured, it
    then judges whether each introducing paragraph explains its figure (score, verdict,
    rationale) and suggests a rewrite that passed mechanical checks.
    """
    overrides = {
        "format": fmt and fmt.value,
        "fail_on": fail_on,
        "model": model,
        "base_url": base_url,
        "max_cost": max_cost,
        "prompts": prompts and str(prompts),
        "vision": vision,
        "select": select,
        "ignore": ignore,
        "severity": severity,
    }
    from reviewer.pipeline import dry_run, review  # not needed for --help
    from reviewer.project.plan import plan

    settings = load_config(paths[0], overrides, explicit=config)
    known = _known(baseline)  # read first: a bad baseline should cost no LLM call
    target = plan(paths)
    mode = Mode(
        no_llm, offline, no_cache, refresh, record, replay, os.environ.get("OPENAI_API_KEY")
    )
    stage = off(settings, mode) or _stage(settings, mode)
    reading = None if quiet else terminal.reading
    try:
        if dry:
            if isinstance(stage, Unjudged):
                raise ReviewerError(f"--dry-run needs the LLM stage, which is {stage.note}")
            estimate = dry_run(target, stage, reading)
            typer.echo(terminal.dry_run(estimate, settings.model, PRICES_DATE), nl=False)
            return 0
        progress = None if quiet else terminal.Judging()
        report = review(target, settings.checks, stage, reading, progress)
    finally:
        if not isinstance(stage, Unjudged):
            stage.close()
    if write_baseline is not None:
        return _write_baseline(report, write_baseline, quiet)
    if baseline is not None and known is not None:
        report = _against(report, known, baseline)
    chosen = Format(settings.format)
    root = target.root or paths[0].parent
    destination = _destination(output, chosen, root, target.chapters, settings.output_dir)
    if destination is not None or not statistics:  # the counts take stdout's place
        _emit(report, chosen, destination, root)
    if statistics:
        typer.echo(terminal.statistics(report), nl=False)
    if not quiet:
        for line in terminal.summary(report, destination, settings.output_dir):
            typer.echo(line, err=True)
    if report.llm_error:
        raise ReviewerError(f"the LLM stage stopped: {report.llm_error}")
    from reviewer.gate.suppress import failing

    return 1 if failing(report, settings.gate) else 0


def _known(path: Path | None) -> Counter[Key] | None:
    from reviewer.gate.baseline import load

    return None if path is None else load(path)


def _against(report: Report, known: Counter[Key], path: Path) -> Report:
    from dataclasses import replace

    from reviewer.gate.baseline import apply

    return replace(apply(report, known, path.parent), baseline=str(path))


def _write_baseline(report: Report, path: Path, quiet: bool) -> int:
    from reviewer.gate import baseline

    try:
        count = baseline.write(report, path)
    except OSError as err:
        raise ReviewerError(f"{path}: cannot write the baseline ({err.strerror or err})") from None
    if not quiet:
        typer.echo(f"review: baseline of {count} findings written to {path}", err=True)
    return 0


def _stage(settings: Config, mode: Mode) -> Stage:
    from reviewer.judge.build import build_stage  # the judge stack loads only when it runs

    return build_stage(settings, mode)


def _emit(report: Report, fmt: Format, destination: Path | None, root: Path) -> None:
    if destination is None:
        sys.stdout.write(render(report, fmt))
        return
    path = destination  # the page being written, named if writing it fails
    try:
        if fmt is Format.HTML:
            from reviewer.render import html

            for path, text in html.pages(report, destination, root):
                write_atomic(path, text)
        else:
            write_atomic(destination, render(report, fmt))
    except OSError as err:  # a folder, a FIFO nobody reads, a full disk: one line, exit 2
        reason = err.strerror or str(err)
        raise ReviewerError(
            f"{path}: cannot write the audit ({reason}); choose another place with --output"
        ) from None


def _destination(
    output: str | None, fmt: Format, root: Path, chapters: tuple[Path, ...], folder: str
) -> Path | None:
    if output == "-" or (output is None and fmt.terminal):
        return None
    if output is not None:
        return Path(output)
    return default_output(root, chapters, folder, fmt.suffix)


def _judging_threads() -> bool:
    return any(t.name.startswith("reviewer-judge") for t in threading.enumerate())


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app, args, prog = _route(args)
        command = typer.main.get_command(app)
        result = command.main(args=args, prog_name=prog, standalone_mode=False)
    except ReviewerError as err:
        typer.echo(f"review: error: {err}", err=True)
        return 2
    except (KeyboardInterrupt, typer.Abort):
        return _interrupted()
    except typer.TyperException as err:
        show = getattr(err, "show", None)
        if show:
            show()
        return int(getattr(err, "exit_code", 2))
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    if result == 130:  # typer turns Ctrl-C inside the command into this exit code
        return _interrupted()
    return result if isinstance(result, int) else 0


def _route(args: list[str]) -> tuple[typer.Typer, list[str], str]:
    if args[:1] == ["batch"]:
        from reviewer.cli import batch as cli_batch  # the batch stage loads only for batch commands

        rest = args[1:]
        if rest and rest[0] not in cli_batch.COMMANDS and not rest[0].startswith("-"):
            tools.mistyped(rest[0], cli_batch.COMMANDS, "batch command or book")
            rest = ["submit", *rest]  # `review batch BOOK` is `review batch submit BOOK`
        return cli_batch.app, rest, "review batch"
    if args[:1] == ["eval"]:
        from reviewer.cli import eval as cli_eval  # the evaluate stage loads only for `review eval`

        return cli_eval.app, args[1:], "review eval"
    if args and args[0] in tools.NAMES:  # rules, explain, cache, baseline, doctor
        tools.check_subcommand(args)
        return tools.app, args, "review"
    if args:
        tools.mistyped(args[0], tools.COMMANDS, "command or file")
    return _review_app, args, "review"


def _interrupted() -> int:
    sys.stderr.write("review: interrupted; answers received so far are in the cache\n")
    sys.stderr.flush()
    if _judging_threads():
        # Requests still in flight would hold the exit for up to their timeout; the cache
        # commits each answer on its own, so there is nothing left to save.
        os._exit(130)
    return 130
