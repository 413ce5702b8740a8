"""The command line, kept thin: parse options, run the pipeline, write the audit, and map
errors to exit codes (0 clean, 1 findings at or above --fail-on, 2 could not run, 130 Ctrl-C)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from reviewer import __version__
from reviewer.config import FailOn, load_config
from reviewer.errors import ReviewerError
from reviewer.model import Report, Severity
from reviewer.output import default_output, quarto_renders, write_atomic
from reviewer.pipeline import NO_LLM, NOT_YET, plan, review
from reviewer.render import Format, render
from reviewer.rules import BY_CODE, RULES

EPILOG = """\
\b
Examples:
  review chapter.qmd               audit one chapter into _review/chapter.audit.md
  review book/ --format json -o -  a whole book (folder or _quarto.yml), JSON on stdout
  review chapter.qmd -f concise    path:line: CODE message, one finding per line

Other commands: `review rules` lists every finding code; `review explain CODE` explains one.

Exit codes: 0 no finding at or above --fail-on; 1 some; 2 the review could not run
(bad input or configuration); 130 interrupted.

Settings come from options, then REVIEWER_* environment variables, then the nearest
reviewer.toml above the chapter (see config.example.toml)."""

_review_app = typer.Typer(add_completion=False, rich_markup_mode=None)
_commands_app = typer.Typer(add_completion=False, rich_markup_mode=None, no_args_is_help=True)
SUBCOMMANDS = ("rules", "explain")


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
            help="Audit format: md (for people), json (for tools), concise "
            "(one line per finding, printed to the terminal). Default: md.",
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
        FailOn | None,
        typer.Option(
            "--fail-on", help="Exit 1 when a finding is at least this severe. Default: error."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Read this reviewer.toml instead of searching upward for one."
        ),
    ] = None,
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
    alt text, and figures placed far from their introduction.
    """
    overrides = {"format": fmt and fmt.value, "fail_on": fail_on and fail_on.value}
    settings = load_config(paths[0], overrides, explicit=config)
    target = plan(paths)
    unjudged = NO_LLM if no_llm else NOT_YET
    report = review(target, settings.checks, unjudged, progress=None if quiet else _progress)
    chosen = Format(settings.format)
    root = target.root or paths[0].parent
    destination = _destination(output, chosen, root, target.chapters, settings.output_dir)
    _emit(render(report, chosen), destination)
    if not quiet:
        _summary(report, destination, settings.output_dir)
    threshold = settings.fail_threshold
    failing = threshold is not None and any(
        f.severity.rank >= threshold.rank for f in report.findings
    )
    return 1 if failing else 0


def _emit(text: str, destination: Path | None) -> None:
    if destination is None:
        sys.stdout.write(text)
        return
    try:
        write_atomic(destination, text)
    except OSError as err:
        reason = err.strerror or str(err)
        raise ReviewerError(
            f"{destination}: cannot write the audit ({reason}); choose another place with --output"
        ) from None


def _destination(
    output: str | None, fmt: Format, root: Path, chapters: tuple[Path, ...], folder: str
) -> Path | None:
    if output == "-" or (output is None and fmt is Format.CONCISE):
        return None
    if output is not None:
        return Path(output)
    return default_output(root, chapters, folder, fmt.suffix)


def _progress(n: int, total: int, name: str) -> None:
    if total > 1 and sys.stderr.isatty():
        end = "\n" if n == total else ""
        sys.stderr.write(f"\r\033[Kreading [{n}/{total}] {name}{end}")
        sys.stderr.flush()


def _summary(report: Report, destination: Path | None, folder: str) -> None:
    figures = sum(len(a.figures) for a in report.files)
    counts = {s: sum(f.severity is s for f in report.findings) for s in Severity}
    detail = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    found = len(report.findings)
    line = f"review: {figures} figure{'s' if figures != 1 else ''}, "
    line += f"{found} finding{'s' if found != 1 else ''}"
    line += f" ({detail})" if detail else ""
    if destination is not None:
        line += f"; audit written to {destination}"
    typer.echo(line, err=True)
    if report.llm_note:
        typer.echo(f"review: LLM stage {report.llm_note}", err=True)
    if destination is not None and quarto_renders(folder):
        typer.echo(
            f"review: note: Quarto will render {folder}/; name it _{folder} instead", err=True
        )


@_commands_app.command("rules")
def _rules() -> None:
    """List every finding code with its severity and one-line summary."""
    for rule in RULES:
        typer.echo(f"{rule.code}  {rule.severity.value:<7}  {rule.name:<28} {rule.summary}")


@_commands_app.command("explain")
def _explain(code: Annotated[str, typer.Argument(help="A finding code, e.g. FIG003.")]) -> None:
    """Explain one finding code: what it checks, why it matters, and an example fix."""
    rule = BY_CODE.get(code.upper())
    if rule is None:
        raise ReviewerError(f"unknown code '{code}'; `review rules` lists them all")
    typer.echo(
        f"{rule.code} {rule.name} ({rule.severity.value})\n\n{rule.summary}\n\n"
        f"Why it matters: {rule.why}\n\nExample: {rule.example}"
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    app = _commands_app if args and args[0] in SUBCOMMANDS else _review_app
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="review", standalone_mode=False)
    except ReviewerError as err:
        typer.echo(f"review: error: {err}", err=True)
        return 2
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("review: interrupted", err=True)
        return 130
    except typer.TyperException as err:
        show = getattr(err, "show", None)
        if show:
            show()
        return int(getattr(err, "exit_code", 2))
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    return result if isinstance(result, int) else 0
