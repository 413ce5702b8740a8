"""Batch stage, the commands' work: `review batch BOOK` (submit, or run live), `status`,
`collect` and `cancel`, over one book and its run folder `<output dir>/batch`."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from reviewer.batch import report as book_report
from reviewer.batch.api import BatchAPI
from reviewer.batch.client import OpenAIBatches
from reviewer.batch.keys import check_prompts, follow, run_keys
from reviewer.batch.lines import BatchLimits
from reviewer.batch.run import Batches
from reviewer.batch.state import FigureState, FigureStatus, RunState, load
from reviewer.errors import ReviewerError
from reviewer.judge.mode import Mode, judge_setup, required
from reviewer.judge.request import JudgeRequest
from reviewer.judge.stage import Budget, Estimate, Stage, StageProgress, estimate_all
from reviewer.pipeline import judge_requests, review
from reviewer.project.config import Config, load_config
from reviewer.project.plan import Plan, plan
from reviewer.project.prices import BATCH_DISCOUNT, Price, price_for
from reviewer.project.settings import Format

Echo = Callable[[str], None]


@dataclass
class BatchRun:
    """A book under review through the batch path, with what its commands need to work on it."""

    config: Config
    target: Plan
    stage: Stage
    batches: Batches
    requests: list[JudgeRequest]

    @property
    def root(self) -> Path:
        return self.target.root or Path(".")

    @property
    def out(self) -> Path:
        return self.root / self.config.output_dir

    @property
    def fmt(self) -> Format:
        return Format(self.config.format)

    @property
    def live(self) -> bool:
        via = self.config.via
        return via == "live" or (via == "auto" and self.stage.settings.endpoint != "openai")

    def batch_price(self) -> Price | None:
        price = price_for(self.config.model, self.config.prices)
        return Price(price.input * BATCH_DISCOUNT, price.output * BATCH_DISCOUNT) if price else None

    def figures(self) -> list[FigureState]:
        """Every question of the book, in reading order, as a run would track it."""
        found = []
        for key, request in self.batches.requests.items():
            where = request.location
            path, line = (where.path, where.line) if where else ("", 0)
            found.append(FigureState(key, path, request.figure_id, line))
        return found

    def estimate(self, price: Price | None) -> Estimate:
        budget = Budget(self.config.max_output_tokens, price)
        return estimate_all(self.requests, self.stage.judge, budget, self.stage.pictures)


def estimate(book: BatchRun) -> tuple[Estimate, str]:
    """The whole book's estimate before anything is sent, and which prices it used."""
    if book.live:
        return book.estimate(book.stage.budget.price), "live list prices"
    return book.estimate(book.batch_price()), "batch prices, half the list price"


def live(book: BatchRun, progress: StageProgress | None, max_cost: float | None) -> Path:
    """The same run through the rate-limited concurrent path. Every answer is cached as it
    arrives, so a killed run started again asks only for what is missing."""
    found, _ = estimate(book)
    _within(found, max_cost)
    result = review(book.target, book.config.checks, book.stage, None, progress)
    return book_report.write(result, book.out, book.root, book.fmt, book.stage.budget.price)


def _within(found: Estimate, max_cost: float | None) -> None:
    if max_cost is not None and (found.cost_usd or 0.0) > max_cost:
        raise ReviewerError(
            f"the book could cost up to ${found.cost_usd:.4f}, over --max-cost "
            f"${max_cost:.2f}; nothing was sent"
        )


def run_folder(config: Config, target: Plan) -> Path:
    """Where a book's batch run keeps its state and files: beside its audits."""
    return (target.root or Path(".")) / config.output_dir / "batch"


@contextmanager
def opened(
    path: Path, config_file: Path | None, overrides: Mapping[str, object], starts: bool = False
) -> Iterator[BatchRun]:
    """The book's run, with its judge stack open. Only `submit` on a finished run starts a
    new one; every other command follows the run on disk, with the settings it was
    submitted with."""
    config = load_config(path, overrides, explicit=config_file)
    target = plan([path], config.float_types)
    folder = run_folder(config, target)
    state = load(folder)
    following = state is not None and not (starts and state.finished())
    if state is not None and following:
        config = follow(config, state, overrides, folder)
        target = replace(target, floats=config.float_types)
    with judge_setup(config, Mode()) as judging:
        stage = required(judging, "review batch")
        if state is not None and following:
            check_prompts(state, stage.prompts, folder)
        yield _run(config, target, stage, OpenAIBatches.of(config), folder)


def _run(config: Config, target: Plan, stage: Stage, api: BatchAPI, folder: Path) -> BatchRun:
    if not target.book:
        raise ReviewerError("review batch takes a book: its folder or its _quarto.yml")
    if stage.cache is None:
        raise ReviewerError("review batch needs the answer cache; drop --no-cache")
    requests = judge_requests(target)
    by_key = {stage.judge.key(r): r for r in requests}
    limits = BatchLimits(config.batch_max_requests, config.batch_max_bytes)
    batches = Batches(folder, api, stage.judge, stage.settings, by_key, limits, config.attempts)
    return BatchRun(config, target, stage, batches, requests)


def submit(book: BatchRun, echo: Echo, max_cost: float | None) -> RunState:
    found = book.estimate(book.batch_price())
    _within(found, max_cost)
    keys = run_keys(book.config, book.stage.settings.endpoint, book.stage.prompts)
    state = book.batches.start(str(book.root), book.figures(), keys)
    parts = book.batches.submit(state)
    sent = sum(len(p.custom_ids) for p in parts)
    echo(
        f"batch run {state.run}: {len(state.figures)} figures to judge, "
        f"{found.cached} answered by the cache; {sent} requests in {len(parts)} "
        f"batch{'es' if len(parts) != 1 else ''} submitted now"
    )
    return state


def collect(book: BatchRun, echo: Echo) -> Path | None:
    state = _state(book)
    resent = book.batches.collect(state)
    if resent:
        echo(f"batch run {state.run}: {resent} requests sent again (failed, expired or repairs)")
    if not state.finished():
        echo(progress(state))
        return None
    return report(book, state)


def wait(book: BatchRun, echo: Echo, sleep: Callable[[float], None] = time.sleep) -> Path:
    while True:
        done = collect(book, echo)
        if done is not None:
            return done
        sleep(book.config.poll_seconds)


def report(book: BatchRun, state: RunState) -> Path:
    price = book.batch_price()
    budget = Budget(book.config.max_output_tokens, price, concurrency=4)
    judge = book_report.RunJudge(book.batches.judge, state)
    describe = f"{state.model} via the Batch API, run {state.run}"
    stage = Stage(
        judge,
        budget,
        book.stage.settings,
        describe,
        book.stage.prompts,
        pictures=book.stage.pictures,
    )
    result = review(book.target, book.config.checks, stage)
    return book_report.write(result, book.out, book.root, book.fmt, price)


def status(book: BatchRun) -> list[str]:
    state = _state(book)
    book.batches.poll(state)
    rows = [f"batch run {state.run} ({state.model}): {progress(state)}"]
    for part in state.parts:
        counts = part.counts
        done = f"{counts.get('completed', 0)}/{counts.get('total', 0)}"
        rows.append(
            f"  {part.name}  {part.batch_id or '(not created)'}  {part.status}  {done} done, "
            f"{counts.get('failed', 0)} failed{'  collected' if part.collected else ''}"
        )
    return rows


def cancel(book: BatchRun) -> list[str]:
    state = _state(book)
    infos = book.batches.cancel(state)
    return [f"batch run {state.run}: cancel asked for {len(infos)} batches"] + [
        f"  {info.id}  {info.status}" for info in infos
    ]


def progress(state: RunState) -> str:
    counts = Counter(figure.status for figure in state.figures.values())
    waiting = counts[FigureStatus.SUBMITTED] + counts[FigureStatus.PENDING]
    open_parts = len(state.open_parts())
    return (
        f"{counts[FigureStatus.ANSWERED]} answered, {counts[FigureStatus.FAILED]} failed, "
        f"{waiting} waiting, of {len(state.figures)}; "
        f"{open_parts} batch{'es' if open_parts != 1 else ''} open"
    )


def _state(book: BatchRun) -> RunState:
    state = load(book.batches.folder)
    if state is None:
        raise ReviewerError(
            f"no batch run under {book.batches.folder}; start one with `review batch BOOK`"
        )
    return state
