"""Benchmark what a rerun costs: a warm rerun of a whole corpus (every figure answered from the
cache) against extraction alone, and the start-up of the `review` command.

    python bench/rerun.py [CORPUS] [--repeat N] [--startup-repeat N] [--quick]

CORPUS defaults to `../shared/corpus` next to the repository; when it holds no `*.qmd`, the
repository's own chapters (`examples/` and `tests/fixtures/judge/`) are used instead, and a
note says so.

1. Rerun: every `*.qmd` under CORPUS, given together on one command line, through
   `reviewer.cli.main.main` in this process with `-f json -o <tmp> -q`, REVIEWER_CACHE_DIR in a
   temporary folder and the fake OpenAI server of the test suite on 127.0.0.1 (no limits, no
   latency). A cold run fills the cache (timed once, for information). Then, alternating in
   each repetition after one warm-up of each: a warm rerun, the same command (every judgment
   must be `cached` in the audit and the server must receive no request), and extraction
   only, the same command with `--no-llm`. Both sides parse, pair, check and write an audit;
   the ratio of their medians (warm/extract, the headline) is what the cached judge stage
   adds. In process, imports are paid once, so the same pair is also timed as whole
   processes (the `review` command below), which adds what a user waits for on top: loading
   the judge stack (openai) that a `--no-llm` run never imports.
2. Start-up, as whole processes: `review --help`, and `review examples/chapter.qmd --no-llm
   -o -` (the repository's example chapter, 20 figures), run with the `review` script next to
   sys.executable (or `python -m reviewer` without one), output discarded, after one warm-up.

Times are medians of wall seconds. --quick uses the three smallest chapters and one
repetition of everything. The last line printed is:

    rerun: warm/extract <r>, help <s> s, small chapter <s> s

with r and the seconds to 2 decimals."""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchlib import (
    CHAT_PATH,
    REPO_ROOT,
    FakeOpenAI,
    child_environ,
    judgment_statuses,
    reviewer_environ,
)

from reviewer.cli.main import main as review_main

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
FALLBACK = (REPO_ROOT / "examples", REPO_ROOT / "tests" / "fixtures" / "judge")
SMALL_CHAPTER = REPO_ROOT / "examples" / "chapter.qmd"
QUICK_FILES = 3
# The cold run should not wait on the default limits (500 requests per minute).
UNLIMITED = {"REVIEWER_REQUESTS_PER_MINUTE": "10000000", "REVIEWER_TOKENS_PER_MINUTE": "1000000000"}


Runner = Callable[[Sequence[str]], float]  # runs `review ARGV`, returns wall seconds


@dataclass(frozen=True)
class Rerun:
    figures: int
    cold: float
    cold_requests: int
    warm: float  # in process
    extract: float
    warm_process: float  # as whole processes: what a user waits for
    extract_process: float


def chapters(corpus: Path, quick: bool) -> tuple[list[Path], str]:
    """The chapters to review and a line saying where they come from."""
    files = sorted(corpus.rglob("*.qmd")) if corpus.is_dir() else []
    where = f"corpus: {corpus.resolve()}"
    if not files:
        files = sorted(p for folder in FALLBACK for p in folder.rglob("*.qmd"))
        where = f"note: no .qmd under {corpus}; using the repository's examples/ and fixtures"
    if quick:
        files = sorted(sorted(files, key=lambda p: p.stat().st_size)[:QUICK_FILES])
    size = sum(p.stat().st_size for p in files)
    return files, f"{where}: {len(files)} files, {size / 1e6:.2f} MB"


def measure_rerun(
    files: Sequence[Path], folder: Path, command: Sequence[str], repeat: int
) -> Rerun:
    audit = folder / "audit.json"
    common = [*map(str, files), "-f", "json", "-o", str(audit), "-q"]
    env = UNLIMITED | {
        "REVIEWER_CACHE_DIR": str(folder / "cache"),
        "REVIEWER_CONCURRENCY": "8",
        "REVIEWER_FAIL_ON": "never",  # findings are expected; only a broken run should stop us
    }
    with FakeOpenAI() as fake, reviewer_environ(env):
        warm_argv = [*common, "--base-url", fake.base_url]
        cold = timed(warm_argv)
        cold_requests = fake.count(CHAT_PATH)
        figures = judgment_statuses(audit).total()
        extract_argv = [*common, "--no-llm"]
        in_process = alternate(timed, warm_argv, extract_argv, audit, repeat)
        as_process = alternate(process_runner(command, env), warm_argv, extract_argv, audit, repeat)
        if fake.count(CHAT_PATH) != cold_requests:
            raise SystemExit("rerun: a warm rerun sent requests; the cache did not answer")
    return Rerun(figures, cold, cold_requests, *in_process, *as_process)


def alternate(
    run: Runner, warm_argv: Sequence[str], extract_argv: Sequence[str], audit: Path, repeat: int
) -> tuple[float, float]:
    """Median seconds of warm reruns and of extraction, after one warm-up of each. They are
    timed in alternation so that drift in machine load falls on both alike."""
    warm_rerun(run, warm_argv, audit)  # warm-ups: imports, file caches, the audit file
    run(extract_argv)
    pairs = [(warm_rerun(run, warm_argv, audit), run(extract_argv)) for _ in range(repeat)]
    return statistics.median(w for w, _ in pairs), statistics.median(e for _, e in pairs)


def warm_rerun(run: Runner, argv: Sequence[str], audit: Path) -> float:
    seconds = run(argv)
    statuses = judgment_statuses(audit)  # checked after the clock stopped
    if set(statuses) != {"cached"}:
        raise SystemExit(f"rerun: a warm rerun was not all cache hits: {dict(statuses)}")
    return seconds


def timed(argv: Sequence[str]) -> float:
    """`review ARGV` through reviewer.cli.main.main in this process."""
    gc.collect()
    start = time.perf_counter()
    code = review_main(list(argv))
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"rerun: review exited with {code}: {' '.join(argv)}")
    return seconds


def process_runner(command: Sequence[str], settings: dict[str, str]) -> Runner:
    """`review ARGV` as a new process, with only `settings` among the reviewer's settings."""
    env = child_environ(settings)

    def run(argv: Sequence[str]) -> float:
        start = time.perf_counter()
        done = subprocess.run(
            [*command, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 1):  # 1: findings at --fail-on, which a chapter may have
            raise SystemExit(f"rerun: {' '.join(argv)} failed: {done.stderr.decode()}")
        return seconds

    return run


def review_command() -> tuple[list[str], str]:
    """The installed console script if it sits next to this interpreter, else `-m reviewer`."""
    script = Path(sys.executable).parent / ("review.exe" if os.name == "nt" else "review")
    if script.is_file():
        return [str(script)], str(script)
    return [sys.executable, "-m", "reviewer"], f"{sys.executable} -m reviewer"


def startup(command: Sequence[str], args: Sequence[str], repeat: int) -> float:
    """Median wall seconds of `command ARGS` as a whole process, after one untimed run. No
    key, base URL or setting of the developer's own reaches it."""
    run = process_runner(command, {})
    run(args)
    return statistics.median(run(args) for _ in range(repeat))


def print_table(rerun: Rerun, help_s: float, chapter_s: float, repeat: int, runs: int) -> None:
    rows = [
        (f"cold run ({rerun.cold_requests} requests, fills the cache)", rerun.cold, 1),
        ("extract only (--no-llm)", rerun.extract, repeat),
        ("warm rerun (all cached, 0 requests)", rerun.warm, repeat),
        ("extract only (--no-llm), process", rerun.extract_process, repeat),
        ("warm rerun, process", rerun.warm_process, repeat),
        ("review --help, process", help_s, runs),
        (f"review {SMALL_CHAPTER.name} --no-llm -o -, process", chapter_s, runs),
    ]
    width = max(len(name) for name, _, _ in rows)
    header = f"{'step':<{width}}  {'median s':>9}  {'runs':>4}"
    print(header)
    print("-" * len(header))
    for name, seconds, count in rows:
        print(f"{name:<{width}}  {seconds:>9.3f}  {count:>4}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="warm and extract repetitions")
    parser.add_argument("--startup-repeat", type=int, default=7, help="process start-up runs")
    parser.add_argument("--quick", action="store_true", help="3 chapters, 1 repetition (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = args.startup_repeat = 1
    if args.repeat < 1 or args.startup_repeat < 1:
        parser.error("repetitions must be at least 1")
    files, where = chapters(args.corpus, args.quick)
    command, shown = review_command()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(where)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f} at "
        f"start; review command: {shown}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        rerun = measure_rerun(files, Path(tmp), command, args.repeat)
    help_s = startup(command, ["--help"], args.startup_repeat)
    chapter_s = startup(command, [str(SMALL_CHAPTER), "--no-llm", "-o", "-"], args.startup_repeat)
    print()
    print_table(rerun, help_s, chapter_s, args.repeat, args.startup_repeat)
    print()
    ratio = rerun.warm / rerun.extract
    per_process = rerun.warm_process / rerun.extract_process
    print(
        f"{len(files)} chapters, {rerun.figures} figures; warm rerun / extract only: "
        f"{ratio:.2f} in process, {per_process:.2f} as processes"
    )
    print(f"rerun: warm/extract {ratio:.2f}, help {help_s:.2f} s, small chapter {chapter_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
