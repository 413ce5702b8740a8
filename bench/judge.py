"""Benchmark the LLM stage's throughput at the rate limits: how close a live run comes to the
fastest schedule that the requests-per-minute (RPM) and tokens-per-minute (TPM) limits allow.

    python bench/judge.py [--quick]

Each run writes a synthetic chapter (original prose about a river survey, one citing paragraph
per figure, paragraph lengths varied so requests differ in size) to a temporary folder, starts
the fake OpenAI server of the test suite in this process on 127.0.0.1 with RPM and TPM limits
and a fixed latency, and reviews the chapter through the real command line in process
(`reviewer.cli.main.main([chapter, "--base-url", url, "--no-cache", "-f", "json", "-o", audit,
"-q"])`), with the reviewer's own limits set equal to the server's, so no 429 is expected.
Two runs: "rpm", where the request budget binds, and "tpm", where the token budget binds;
the other limit is set to the whole run's total, so it never binds.

Tokens are counted as the reviewer's limiter charges them: `LLMJudge.question(r).tokens`,
the prompt counted offline plus the maximum output tokens. Both sides' buckets start full
with a minute's budget and refill continuously, so the bound is the earliest a run can end:

    bound = max((requests - RPM) / RPM * 60 s + latency,
                (tokens - TPM) / TPM * 60 s + latency,
                requests * latency / concurrency)

(a bucket that starts full lets the k-th unit go at (units so far - capacity) / rate, and the
last answer takes one more latency; spending the first minute's budget at the concurrency
ceiling, concurrency / latency requests per second, ends at the same time in a fluid model).
Utilization = bound / wall, where wall is the whole `main()` call: it stays at or below 1, and
start-up, extraction and the audit count against it. Each run holds `minutes` minutes of
budget at the binding limit, so about (minutes - 1) minutes of the wall time is spent at the
steady-state rate. The default mode takes about four minutes; --quick takes a few seconds
(tiny limits, 1.025 minutes of budget per run), which checks that the code path works: with
runs of two seconds, fixed costs (extraction, the audit, connections) weigh too much for its
utilization to mean much.

The table lists each run; 429s are the server's 429 responses (from its log), failed the
figures whose judgment is `failed` in the JSON audit. The last line printed is:

    judge: utilization <rpm run>/<tpm run>, 429s <n>, failed <n>

with utilization to 2 decimals and 429s and failed summed over both runs."""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchlib import CHAT_PATH, FakeOpenAI, judgment_statuses, reviewer_environ

from reviewer.cli.main import main as review_main
from reviewer.judge.chat import ChatCall, ChatReply
from reviewer.judge.llm import LLMJudge, Settings
from reviewer.judge.request import load_prompts
from reviewer.pipeline import judge_requests
from reviewer.project.plan import plan

MODEL = "gpt-4.1-mini"  # the default model; the fake server answers any name


@dataclass(frozen=True)
class Spec:
    name: str  # "rpm" or "tpm": the limit that binds
    figures: int
    minutes: float  # the run's total at the binding limit, in minutes of budget
    latency: float  # the server's seconds per answer
    concurrency: int
    max_output: int  # REVIEWER_MAX_OUTPUT_TOKENS


@dataclass(frozen=True)
class Result:
    spec: Spec
    requests: int  # chat requests the server received, 429s included
    tokens: int  # the limiter's charge for the whole run
    rpm: int
    tpm: int
    bound: float
    wall: float
    refused: int  # 429 responses
    failed: int
    statuses: dict[str, int]
    refused_at: tuple[float, ...]  # seconds from the first request to each 429

    @property
    def utilization(self) -> float:
        return self.bound / self.wall


DEFAULT_SPECS = (
    Spec("rpm", figures=360, minutes=3.0, latency=0.2, concurrency=4, max_output=400),
    Spec("tpm", figures=180, minutes=3.0, latency=0.5, concurrency=4, max_output=400),
)
QUICK_SPECS = (
    Spec("rpm", figures=123, minutes=1.025, latency=0.02, concurrency=4, max_output=400),
    Spec("tpm", figures=40, minutes=1.025, latency=0.05, concurrency=4, max_output=400),
)

SUBJECTS = (
    "water depth", "water temperature", "nitrate level", "bank erosion", "trout count",
    "sediment load", "flow speed", "algae cover", "dissolved oxygen", "reed growth",
)  # fmt: skip
PLACES = (
    "the upper weir", "the mill pool", "the ford", "the estuary mouth", "the gravel bar",
    "the old bridge", "the ferry steps", "the willow bend",
)  # fmt: skip
SHAPES = (
    "rises steadily", "falls after the spring floods", "peaks in late summer",
    "stays nearly flat", "doubles within a decade", "swings widely between seasons",
)  # fmt: skip
ASIDES = (
    "The survey team took readings at dawn, before boats stirred the water.",
    "Two readings were lost in the March storm and are left blank rather than guessed.",
    "Volunteers from the village school helped carry the sampling gear.",
    "The gauge was recalibrated in the third year, which explains the small step.",
    "Compare the shaded band, the range of the ten years before the survey began.",
    "Readings after heavy rain are marked with open circles.",
    "The dashed line is the level the river authority treats as a warning.",
    "Each point is the mean of three samples taken a few metres apart.",
)  # fmt: skip


def chapter_text(figures: int, seed: str) -> str:
    """A chapter with `figures` figures, each right after the paragraph that cites it."""
    rng = random.Random(seed)
    parts = ["# River Survey\n"]
    for n in range(1, figures + 1):
        if n % 12 == 1:
            parts.append(f"## Reach {n // 12 + 1}\n")
        subject, place, shape = rng.choice(SUBJECTS), rng.choice(PLACES), rng.choice(SHAPES)
        asides = " ".join(rng.sample(ASIDES, rng.randint(0, 5)))
        parts.append(
            f"In @fig-s{n:03d}, the {subject} at {place} {shape} over the survey years. {asides}\n"
        )
        parts.append(
            f"![The {subject} at {place}, survey {n}.](s{n:03d}.png)"
            f'{{#fig-s{n:03d} fig-alt="A line chart of the {subject} that {shape}."}}\n'
        )
    return "\n".join(parts)


class _NoChat:
    def complete(self, call: ChatCall) -> ChatReply:
        raise AssertionError("the token count never calls a model")


def limiter_tokens(chapter: Path, max_output: int) -> list[int]:
    """What the reviewer's limiter charges for each figure's first (and normally only) call."""
    settings = Settings(MODEL, "compatible", max_tokens=max_output)
    judge = LLMJudge(_NoChat(), load_prompts(), settings)
    return [judge.question(r).tokens for r in judge_requests(plan([chapter]))]


def limits(spec: Spec, tokens: Sequence[int]) -> tuple[int, int]:
    """(rpm, tpm): the binding one holds the run's total in `minutes` minutes; the other holds
    the whole run, so it cannot bind."""
    total = sum(tokens)
    if spec.name == "rpm":
        return round(len(tokens) / spec.minutes), total
    return len(tokens), round(total / spec.minutes)


def bound(requests: int, tokens: int, rpm: int, tpm: int, spec: Spec) -> float:
    """The earliest the run can end, in seconds (see the module docstring)."""
    by_requests = max(0, requests - rpm) / rpm * 60 + spec.latency
    by_tokens = max(0, tokens - tpm) / tpm * 60 + spec.latency
    return max(by_requests, by_tokens, requests * spec.latency / spec.concurrency)


def run(spec: Spec, folder: Path) -> Result:
    chapter = folder / f"{spec.name}.qmd"
    chapter.write_text(chapter_text(spec.figures, spec.name), encoding="utf-8")
    tokens = limiter_tokens(chapter, spec.max_output)
    rpm, tpm = limits(spec, tokens)
    audit = folder / f"{spec.name}.audit.json"
    env = {
        "REVIEWER_REQUESTS_PER_MINUTE": str(rpm),
        "REVIEWER_TOKENS_PER_MINUTE": str(tpm),
        "REVIEWER_CONCURRENCY": str(spec.concurrency),
        "REVIEWER_MAX_OUTPUT_TOKENS": str(spec.max_output),
        "REVIEWER_MODEL": MODEL,
        "REVIEWER_FAIL_ON": "never",  # exit code 0 unless the run itself broke
    }
    argv = [str(chapter), "--no-cache", "-f", "json", "-o", str(audit), "-q"]
    with FakeOpenAI(latency=spec.latency, rpm=rpm, tpm=tpm) as fake, reviewer_environ(env):
        start = time.perf_counter()
        code = review_main([*argv, "--base-url", fake.base_url])
        wall = time.perf_counter() - start
        requests, refused = fake.count(CHAT_PATH), fake.count(CHAT_PATH, 429)
        refused_at = when_refused(fake)
    if code != 0:
        raise SystemExit(f"judge: the {spec.name} run exited with {code}")
    statuses = dict(judgment_statuses(audit))
    return Result(
        spec, requests, sum(tokens), rpm, tpm, bound(len(tokens), sum(tokens), rpm, tpm, spec),
        wall, refused, statuses.get("failed", 0), statuses, refused_at,
    )  # fmt: skip


def when_refused(fake: FakeOpenAI) -> tuple[float, ...]:
    """When the 429s came, to tell the initial burst from the steady state."""
    chats = [r for r in fake.log if r.path == CHAT_PATH]
    first = min((r.time for r in chats), default=0.0)
    return tuple(r.time - first for r in chats if r.status == 429)


def print_table(results: Sequence[Result]) -> None:
    header = (
        f"{'run':<4} {'requests':>8} {'tokens':>9} {'RPM':>6} {'TPM':>8} {'latency':>7} "
        f"{'conc':>4} {'bound s':>8} {'wall s':>8} {'util':>5} {'429s':>5} {'failed':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        s = r.spec
        print(
            f"{s.name:<4} {r.requests:>8} {r.tokens:>9,} {r.rpm:>6} {r.tpm:>8,} "
            f"{s.latency:>7.2f} {s.concurrency:>4} {r.bound:>8.1f} {r.wall:>8.1f} "
            f"{r.utilization:>5.2f} {r.refused:>5} {r.failed:>6}"
        )


def print_notes(results: Sequence[Result]) -> None:
    for r in results:
        answered = r.requests - r.refused
        if answered != r.spec.figures or r.statuses.get("judged", 0) != r.spec.figures:
            print(f"note: {r.spec.name}: {answered} answered requests, statuses {r.statuses}")
        if r.refused_at:
            at = ", ".join(f"{t:.1f}" for t in r.refused_at)
            print(f"note: {r.spec.name}: 429s at {at} s after the first request")
    print("bound = earliest end with buckets starting full; utilization = bound / wall")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, tiny limits (CI)")
    args = parser.parse_args(argv)
    specs = QUICK_SPECS if args.quick else DEFAULT_SPECS
    # Import the judge stack now, so the first timed run does not pay for loading openai.
    importlib.import_module("reviewer.judge.build")
    importlib.import_module("reviewer.judge.openai_chat")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f} at "
        f"start; fake server in process on 127.0.0.1, limits equal on both sides"
    )
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as tmp:
        results = [run(spec, Path(tmp)) for spec in specs]
    print()
    print_table(results)
    print()
    print_notes(results)
    utilization = "/".join(f"{r.utilization:.2f}" for r in results)
    refused = sum(r.refused for r in results)
    failed = sum(r.failed for r in results)
    print(f"judge: utilization {utilization}, 429s {refused}, failed {failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
