"""The `review batch` commands, kept thin: a whole book overnight through the OpenAI Batch
API (or the live path), then `status`, `collect` and `cancel`. `reviewer.cli.main.main` routes
`review batch ...` here, so nothing below loads for other commands."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from reviewer.batch import flow
from reviewer.batch.keys import check_prompts, follow
from reviewer.batch.state import load
from reviewer.cli.tools import HELP
from reviewer.commands import terminal
from reviewer.errors import ReviewerError
from reviewer.judge.build import build_stage
from reviewer.judge.mode import Mode, off
from reviewer.judge.openai_chat import OpenAIBatches
from reviewer.project.config import VIA, load_config
from reviewer.project.plan import plan
from reviewer.project.prices import PRICES_DATE
from reviewer.render import Format

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
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Read this reviewer.toml.")]
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
CostOpt = Annotated[
    float | None,
    typer.Option("--max-cost", metavar="USD", help="Submit nothing if the book could cost more."),
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model to judge with.")]
UrlOpt = Annotated[str | None, typer.Option("--base-url", help="An OpenAI-compatible endpoint.")]


def _open(
    path: Path, config: Path | None, overrides: Mapping[str, object], starts: bool = False
) -> flow.Book:
    settings = load_config(path, overrides, explicit=config)
    target = plan([path])
    folder = flow.run_folder(settings, target)
    state = load(folder)
    # Only `submit` on a finished run starts a new one; every other command follows the run.
    following = state is not None and not (starts and state.finished())
    if state is not None and following:
        settings = follow(settings, state, overrides, folder)
    key = os.environ.get("OPENAI_API_KEY")
    mode = Mode(api_key=key)
    why = off(settings, mode)
    if why is not None:
        raise ReviewerError(f"review batch needs an endpoint; the LLM stage is {why.note}")
    stage = build_stage(settings, mode)
    api = OpenAIBatches(
        api_key=key,
        base_url=settings.base_url,
        timeout=settings.timeout,
        attempts=settings.attempts,
    )
    try:
        if state is not None and following and stage.llm is not None:
            check_prompts(state, stage.llm.prompts, folder)
        return flow.open_book(settings, target, stage, api)
    except BaseException:
        stage.close()
        raise


@contextmanager
def _opened(
    path: Path, config: Path | None, overrides: Mapping[str, object], starts: bool = False
) -> Iterator[flow.Book]:
    book = _open(path, config, overrides, starts)
    try:
        yield book
    finally:
        book.stage.close()


def _echo(text: str) -> None:
    typer.echo(f"review: {text}", err=True)


@app.command("submit")
def _submit(
    path: BookArg,
    via: ViaOpt = None,
    wait: WaitOpt = False,
    dry: DryOpt = False,
    max_cost: CostOpt = None,
    model: ModelOpt = None,
    base_url: UrlOpt = None,
    fmt: FormatOpt = None,
    config: ConfigOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Submit every figure of a book the cache cannot answer, then return (or --wait)."""
    overrides = {"via": via, "model": model, "base_url": base_url, "format": fmt and fmt.value}
    with _opened(path, config, overrides, starts=True) as book:
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


def _submitted(book: flow.Book, wait: bool, max_cost: float | None, path: Path) -> None:
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
def _status(path: BookArg, base_url: UrlOpt = None, config: ConfigOpt = None) -> None:
    """Show the progress of every batch of the book's run."""
    with _opened(path, config, {"base_url": base_url}) as book:
        for row in flow.status(book):
            typer.echo(row)


@app.command("collect")
def _collect(
    path: BookArg,
    wait: WaitOpt = False,
    fmt: FormatOpt = None,
    base_url: UrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Download finished batches, validate and cache every answer, send failed or expired
    requests again, and write the book's report once every figure is answered or failed."""
    with _opened(path, config, {"format": fmt and fmt.value, "base_url": base_url}) as book:
        done = flow.wait(book, _echo) if wait else flow.collect(book, _echo)
    if done is not None:
        _echo(f"book summary written to {done}")


@app.command("cancel")
def _cancel(path: BookArg, base_url: UrlOpt = None, config: ConfigOpt = None) -> None:
    """Cancel the run's open batches; a later collect keeps what they finished."""
    with _opened(path, config, {"base_url": base_url}) as book:
        for row in flow.cancel(book):
            typer.echo(row)
