"""The `review batch` commands, kept thin: a whole book overnight through the OpenAI Batch
API (or the live path), then `status`, `collect` and `cancel`. `reviewer.cli.main.main` routes
`review batch ...` here, so nothing below loads for other commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reviewer.batch import flow
from reviewer.cli import options
from reviewer.cli.tools import HELP
from reviewer.commands import terminal
from reviewer.project.prices import PRICES_DATE
from reviewer.project.settings import VIA, Format

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    context_settings=HELP,
    help="Review a whole book overnight through the OpenAI Batch API, at half price. "
    "`review batch BOOK` submits (short for `review batch submit BOOK`) and returns; "
    "`status`, `collect` and `cancel` follow the run. Every command is safe to run twice, "
    "and a killed one resumes where it stopped.",
)
COMMANDS = ("submit", "status", "collect", "cancel")

BookArg = Annotated[
    Path,
    typer.Argument(
        help="The book: its folder or its _quarto.yml.", show_default=False, metavar="BOOK"
    ),
]
FormatOpt = Annotated[
    Format | None, typer.Option("--format", "-f", help="Format of the chapter audits (md).")
]
WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Stay in the foreground, polling until the report is out.")
]
ViaOpt = Annotated[
    str | None,
    typer.Option(
        "--via",
        metavar="|".join(VIA),
        help="batch: the Batch API; live: the rate-limited concurrent path (for endpoints "
        "without a Batch API); auto (default): batch when the endpoint is OpenAI.",
    ),
]
DryOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Print requests, tokens and cost for the whole book."),
]


def _echo(text: str) -> None:
    typer.echo(f"review: {text}", err=True)


@app.command("submit")
def _submit(
    path: BookArg,
    via: ViaOpt = None,
    wait: WaitOpt = False,
    dry: DryOpt = False,
    max_cost: options.MaxCost = None,
    model: options.Model = None,
    base_url: options.BaseUrl = None,
    fmt: FormatOpt = None,
    floats: options.Floats = None,
    config: options.ConfigFile = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Submit every figure, table and listing of a book the cache cannot answer, then return
    (or --wait)."""
    overrides = {
        "via": via,
        "model": model,
        "base_url": base_url,
        "format": fmt and fmt.value,
        "floats": floats,
    }
    with flow.opened(path, config, overrides, starts=True) as book:
        if dry:
            estimate, label = flow.estimate(book)
            typer.echo(
                terminal.dry_run(estimate, book.config.model, f"{PRICES_DATE}, {label}"), nl=False
            )
        elif book.live:
            progress = None if quiet else terminal.Judging()
            _echo(f"book summary written to {flow.live(book, progress, max_cost)}")
        else:
            _submitted(book, wait, max_cost, path)


def _submitted(book: flow.BatchRun, wait: bool, max_cost: float | None, path: Path) -> None:
    state = flow.submit(book, _echo, max_cost)
    if wait:
        _echo(f"book summary written to {flow.wait(book, _echo)}")
    elif state.finished():
        _echo(f"book summary written to {flow.report(book, state)}")
    else:
        _echo(
            f"follow it with `review batch status {path}`; `review batch collect {path}` "
            "downloads what is done and writes the report once all is"
        )


@app.command("status")
def _status(
    path: BookArg, base_url: options.BaseUrl = None, config: options.ConfigFile = None
) -> None:
    """Show the progress of every batch of the book's run."""
    with flow.opened(path, config, {"base_url": base_url}) as book:
        for row in flow.status(book):
            typer.echo(row)


@app.command("collect")
def _collect(
    path: BookArg,
    wait: WaitOpt = False,
    fmt: FormatOpt = None,
    base_url: options.BaseUrl = None,
    config: options.ConfigFile = None,
) -> None:
    """Download finished batches, validate and cache every answer, send failed or expired
    requests again, and write the book's report once every figure is answered or failed."""
    with flow.opened(path, config, {"format": fmt and fmt.value, "base_url": base_url}) as book:
        done = flow.wait(book, _echo) if wait else flow.collect(book, _echo)
    if done is not None:
        _echo(f"book summary written to {done}")


@app.command("cancel")
def _cancel(
    path: BookArg, base_url: options.BaseUrl = None, config: options.ConfigFile = None
) -> None:
    """Cancel the run's open batches; a later collect keeps what they finished."""
    with flow.opened(path, config, {"base_url": base_url}) as book:
        for row in flow.cancel(book):
            typer.echo(row)
