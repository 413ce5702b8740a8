"""Judge stage, the run: judge every figure of a review, concurrently, within the rate limits
and the cost budget, and count what it spent.

A figure without an introducing paragraph has the verdict `no_intro` by construction; the
model is asked only to propose an introduction for it. Cached answers cost no budget. A figure
that fails gets a `failed` judgment and the run goes on; an error that would fail every later
call too (authentication, quota) stops the run, and the figures not reached are `skipped` with
that reason."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from reviewer.draw.pictures import Pictures
from reviewer.judge.cache import AnswerCache
from reviewer.judge.health import Waits
from reviewer.judge.llm import Answered, Judge, JudgeFailed, JudgeStopped, Settings, Spent
from reviewer.judge.request import JudgeRequest, Prompts
from reviewer.judge.rewrite import check_rewrite
from reviewer.model import Judgment, JudgmentStatus, Usage
from reviewer.project.prices import Price

StageProgress = Callable[["Tally", int], None]


@dataclass(frozen=True)
class Budget:
    max_tokens: int
    price: Price | None
    max_cost: float | None = None
    concurrency: int = 4
    # --offline without cassettes: answers come from the cache or not at all.
    cache_only: bool = False
    waits: Waits = field(default_factory=Waits, compare=False)


@dataclass
class Stage:
    """The judge stack of a run, with its budget and settings; `cache` is the answer cache it
    holds open (None with --no-cache or cassettes), closed with the stage."""

    judge: Judge
    budget: Budget
    settings: Settings
    describe: str
    prompts: Prompts
    cache: AnswerCache | None = None
    pictures: Pictures | None = None  # None when no images are sent (vision off)

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


@dataclass
class Tally:
    done: int = 0
    requests: int = 0
    cache_hits: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    reserved: float = 0.0
    fatal: str | None = None
    asked: int = 0  # figures sent to the model, cache hits mid-run included
    last_failure: str = ""
    waiting: str | None = None  # what the run waits for, for the progress line
    lock: threading.Lock = field(default_factory=threading.Lock)

    def usage(self) -> Usage:
        return Usage(
            self.requests, self.cache_hits, self.prompt_tokens, self.completion_tokens, self.cost
        )


def judge_all(
    requests: Sequence[JudgeRequest],
    judge: Judge,
    budget: Budget,
    progress: StageProgress | None = None,
) -> tuple[list[Judgment], Tally]:
    tally = Tally()
    results: list[Judgment | None] = [None] * len(requests)
    pending: list[int] = []
    for i, request in enumerate(requests):
        results[i] = _without_call(request, judge, budget, tally)
        if results[i] is None:
            pending.append(i)
        else:
            tally.done += 1
    _Run(requests, judge, budget, tally, results, progress).go(pending)
    if tally.asked and tally.failed == tally.asked and not tally.fatal:
        # Nothing was judged: the run did not do its job, whatever the findings say.
        tally.fatal = f"every figure asked failed ({tally.asked}); the last: {tally.last_failure}"
    return [r or Judgment.skipped("not reached") for r in results], tally


def _without_call(
    request: JudgeRequest, judge: Judge, budget: Budget, tally: Tally
) -> Judgment | None:
    hit = judge.cached(request)
    if hit is not None:
        tally.cache_hits += 1
        return judgment_from(hit, request, judge)
    if budget.cache_only:
        return Judgment.skipped("offline: no cached answer for this figure")
    return None


class _Run:
    """Keeps up to `concurrency` figures in flight and collects their judgments in order."""

    def __init__(
        self,
        requests: Sequence[JudgeRequest],
        judge: Judge,
        budget: Budget,
        tally: Tally,
        results: list[Judgment | None],
        progress: StageProgress | None,
    ) -> None:
        self.requests, self.judge, self.budget = requests, judge, budget
        self.tally, self.results, self.progress = tally, results, progress
        self.running: dict[Future[Judgment], int] = {}

    def go(self, pending: list[int]) -> None:
        pool = ThreadPoolExecutor(max(1, self.budget.concurrency), "reviewer-judge")
        queue = list(reversed(pending))
        try:
            while queue or self.running:
                self._submit(pool, queue)
                if self.running:
                    self._collect()
        finally:
            # On Ctrl-C, don't wait for requests in flight: what they bring back is not
            # needed, and every answer already received is in the cache.
            pool.shutdown(wait=not self.running, cancel_futures=True)

    def _submit(self, pool: ThreadPoolExecutor, queue: list[int]) -> None:
        tally = self.tally
        while queue and len(self.running) < self.budget.concurrency and not tally.fatal:
            i = queue.pop()
            reserved = _reserve(self.requests[i], self.judge, self.budget, tally)
            if reserved is None:
                cap = f"over the --max-cost budget of ${self.budget.max_cost:.2f}"
                self.results[i] = Judgment.skipped(cap)
                tally.done += 1
                continue
            args = (self.requests[i], self.judge, self.budget, tally, reserved)
            future = pool.submit(_one, *args)
            self.running[future] = i
        if tally.fatal:
            for i in queue:
                self.results[i] = Judgment.skipped(f"run stopped: {tally.fatal}")
            queue.clear()

    def _collect(self) -> None:
        # A tick a second, so the progress line can say what a long wait is for.
        finished, _ = wait(self.running, timeout=1.0, return_when=FIRST_COMPLETED)
        for future in finished:
            self.results[self.running.pop(future)] = future.result()
            self.tally.done += 1
        waiting = self.budget.waits.line()
        if self.progress and (finished or waiting or self.tally.waiting):
            self.tally.waiting = waiting
            self.progress(self.tally, len(self.requests))


def _reserve(request: JudgeRequest, judge: Judge, budget: Budget, tally: Tally) -> float | None:
    """Set aside the most this request can cost, or None when that would pass --max-cost."""
    if budget.max_cost is None or budget.price is None:
        return 0.0
    worst = budget.price.cost(judge.estimate(request), budget.max_tokens)
    with tally.lock:
        if tally.cost + tally.reserved + worst > budget.max_cost:
            return None
        tally.reserved += worst
    return worst


def _one(
    request: JudgeRequest, judge: Judge, budget: Budget, tally: Tally, reserved: float
) -> Judgment:
    with tally.lock:
        tally.asked += 1
    try:
        answered = judge.answer(request)
    except JudgeFailed as err:
        _spend(tally, err.spent, budget.price, reserved, failed=True)
        tally.last_failure = err.reason
        return Judgment.failed(err.reason)
    except JudgeStopped as err:
        _spend(tally, err.spent, budget.price, reserved)
        with tally.lock:
            tally.fatal = tally.fatal or str(err)
        return Judgment.skipped(f"run stopped: {err}")
    # A hit here is the same question asked earlier in this run (a figure copied between
    # chapters): its answer was stored while this one waited its turn.
    hit = answered.status is JudgmentStatus.CACHED
    _spend(tally, answered.spent, budget.price, reserved, hit=hit)
    return judgment_from(answered, request, judge)


def _spend(
    tally: Tally,
    spent: Spent,
    price: Price | None,
    reserved: float,
    failed: bool = False,
    hit: bool = False,
) -> None:
    with tally.lock:
        tally.requests += spent.requests
        tally.prompt_tokens += spent.prompt_tokens
        tally.completion_tokens += spent.completion_tokens
        tally.cost += price.cost(spent.prompt_tokens, spent.completion_tokens) if price else 0.0
        tally.reserved -= reserved
        tally.failed += failed
        tally.cache_hits += hit


def judgment_from(answered: Answered, request: JudgeRequest, judge: Judge) -> Judgment:
    answer, spent = answered.answer, answered.spent
    rewrite = answer.rewrite
    problems: tuple[str, ...] = ()
    if rewrite is not None:
        text = rewrite

        def check() -> tuple[str, ...]:
            # A proposed introduction is checked as an edit of an empty paragraph: it may
            # cite the figure and use the numbers the figure states, nothing more.
            return check_rewrite(
                request.intro or "",
                text,
                figure_id=request.figure_id,
                caption=request.caption,
                alt=request.alt,
                drawn=request.drawn_text,
            )

        problems = judge.problems(request, text, check)
    return Judgment(
        answered.status,
        score=answer.score,
        verdict=answer.verdict,
        rationale=answer.rationale,
        rewrite=None if problems else rewrite,
        rewrite_problems=problems,
        model=answered.model,
        criteria=answer.criteria,
        rejected_rewrite=rewrite if problems else None,
        requests=spent.requests,
        prompt_tokens=spent.prompt_tokens,
        completion_tokens=spent.completion_tokens,
    )


@dataclass(frozen=True)
class Estimate:
    """What a run would send, for --dry-run: counted offline, nothing is called."""

    figures: int
    no_intro: int
    cached: int
    requests: int
    prompt_tokens: int
    max_output_tokens: int
    cost_usd: float | None
    images: int = 0  # images that would be attached
    image_tokens: int = 0  # their part of prompt_tokens


def estimate_all(
    requests: Sequence[JudgeRequest], judge: Judge, budget: Budget, pictures: Pictures | None
) -> Estimate:
    no_intro = sum(r.intro is None for r in requests)
    hits = prompt = send = images = image_tokens = 0
    for request in requests:
        if judge.cached(request) is not None:
            hits += 1
            continue
        send += 1
        prompt += judge.estimate(request)
        attached = () if pictures is None else pictures.of(*request.drawn_from).images
        images += len(attached)
        image_tokens += sum(image.tokens for image in attached)
    output = send * budget.max_tokens
    cost = budget.price.cost(prompt, output) if budget.price else None
    return Estimate(len(requests), no_intro, hits, send, prompt, output, cost, images, image_tokens)
