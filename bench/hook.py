"""Benchmark the pre-commit hook of this repository as pre-commit runs it: a whole process per
commit, on the staged chapters.

    python bench/hook.py [CORPUS] [--repeat N] [--quick]

The hook is the one with id `review` in `.pre-commit-hooks.yaml`, read with PyYAML. Its
`entry` is split with shlex and kept exactly (no `--fail-on` or other option is added); its
first word, `review`, is the console script next to sys.executable, or `python -m reviewer`
without one. Each run is `<entry> FILE` as a new process from the repository root, the way
pre-commit appends the staged file names to the entry's arguments, timed with
time.perf_counter around subprocess.run. Three commands alternate within each repetition, so
that drift in machine load falls on all alike:

1. the hook on the largest `*.qmd` under CORPUS (by bytes). CORPUS defaults to
   `../shared/corpus` next to the repository; when it holds no `*.qmd`, the repository's
   `examples/chapter.qmd` is used instead, and a note says so;
2. the hook on the repository's `examples/chapter.qmd`;
3. `review --help`, the start-up floor: interpreter, imports and the command line, no work.

The child sees none of the developer's reviewer settings; OPENAI_API_KEY is a dummy and
OPENAI_BASE_URL points at a closed port (127.0.0.1:9), so a hook that ever tried to call an
LLM would fail rather than reach one. Every hook run must exit with 0 (no finding at the
default --fail-on) or 1 (findings), never 2 (an error), and write nothing to stderr (the entry
has --quiet); `review --help` must exit with 0. Findings are the lines the hook prints
(`--format concise`: one per finding) and must be the same in every run.

Times are medians of wall seconds over --repeat repetitions (default 7) after one warm-up of
each command; --quick runs each command once, without a warm-up. KB are thousands of bytes.
The last line printed is, on one line:

    hook: largest chapter <s> s (<name>, <KB> KB, <n> findings), example <s> s,
    help <s> s, largest/help <r>

with the seconds and r (largest chapter / help) to 2 decimals, KB an integer and name the
chapter's file name only."""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from benchlib import REPO_ROOT, child_environ

HOOKS_FILE = REPO_ROOT / ".pre-commit-hooks.yaml"
HOOK_ID = "review"
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
EXAMPLE = REPO_ROOT / "examples" / "chapter.qmd"
# A dummy key and a closed port: an LLM call from the hook would fail, never reach a server.
NO_LLM = {"OPENAI_API_KEY": "sk-bench-dummy", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


@dataclass(frozen=True)
class Target:
    """A chapter given to the hook, or None for `review --help`."""

    label: str
    path: Path | None = None


@dataclass(frozen=True)
class Timing:
    seconds: float  # median
    findings: int | None  # lines printed by the hook; None for --help


def hook_entry(hooks_file: Path = HOOKS_FILE, hook_id: str = HOOK_ID) -> list[str]:
    """The `entry` of the hook `hook_id`, split into words as pre-commit does."""
    hooks = yaml.safe_load(hooks_file.read_text(encoding="utf-8"))
    for hook in hooks:
        if hook.get("id") == hook_id:
            return shlex.split(hook["entry"])
    raise SystemExit(f"hook: no hook with id {hook_id!r} in {hooks_file}")


def review_command() -> tuple[list[str], str]:
    """The installed console script if it sits next to this interpreter, else `-m reviewer`."""
    script = Path(sys.executable).parent / ("review.exe" if os.name == "nt" else "review")
    if script.is_file():
        return [str(script)], str(script)
    return [sys.executable, "-m", "reviewer"], f"{sys.executable} -m reviewer"


def largest_chapter(corpus: Path) -> tuple[Path, str]:
    """The largest `*.qmd` under `corpus` and a line saying where it comes from."""
    files = list(corpus.rglob("*.qmd")) if corpus.is_dir() else []
    if not files:
        return EXAMPLE, f"note: no .qmd under {corpus}; using the repository's {EXAMPLE.name}"
    largest = max(files, key=lambda p: (p.stat().st_size, str(p)))
    return largest, f"corpus: {corpus.resolve()}: {len(files)} chapters, largest {largest}"


class HookRunner:
    """Runs the hook (or `review --help`) as a new process and checks how it ended."""

    def __init__(self, command: Sequence[str], hook_args: Sequence[str]) -> None:
        self.command = list(command)
        self.hook_args = list(hook_args)
        self.env = child_environ(NO_LLM)
        self.findings: dict[str, int] = {}

    def argv(self, target: Target) -> list[str]:
        if target.path is None:
            return [*self.command, "--help"]
        return [*self.command, *self.hook_args, str(target.path)]

    def __call__(self, target: Target) -> float:
        argv = self.argv(target)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, cwd=REPO_ROOT, env=self.env)
        seconds = time.perf_counter() - start
        shown = shlex.join(argv)
        if target.path is None:
            if done.returncode != 0:
                raise SystemExit(f"hook: `{shown}` exited with {done.returncode}")
            return seconds
        if done.returncode not in (0, 1):  # 1: findings at --fail-on; 2 would be an error
            stderr = done.stderr.decode(errors="replace")
            raise SystemExit(f"hook: `{shown}` exited with {done.returncode}: {stderr}")
        if done.stderr:
            stderr = done.stderr.decode(errors="replace")
            raise SystemExit(f"hook: `{shown}` wrote to stderr despite --quiet: {stderr}")
        findings = sum(1 for line in done.stdout.decode().splitlines() if line.strip())
        if self.findings.setdefault(target.label, findings) != findings:
            raise SystemExit(f"hook: `{shown}` found {findings} then {self.findings[target.label]}")
        return seconds


def measure(run: HookRunner, targets: Sequence[Target], repeat: int, warm_up: bool) -> list[float]:
    """Median seconds of each target, run in alternation, after one warm-up of each."""
    if warm_up:
        for target in targets:
            run(target)
    rounds = [[run(target) for target in targets] for _ in range(repeat)]
    return [statistics.median(times) for times in zip(*rounds, strict=True)]


def kilobytes(path: Path) -> int:
    return round(path.stat().st_size / 1000)


def print_table(rows: Sequence[tuple[str, Timing]], runs: int) -> None:
    width = max(len(name) for name, _ in rows)
    header = f"{'run':<{width}}  {'findings':>8}  {'median s':>9}  {'runs':>4}"
    print(header)
    print("-" * len(header))
    for name, timing in rows:
        findings = "-" if timing.findings is None else str(timing.findings)
        print(f"{name:<{width}}  {findings:>8}  {timing.seconds:>9.3f}  {runs:>4}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=7, help="repetitions of each command")
    parser.add_argument("--quick", action="store_true", help="1 repetition, no warm-up (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    entry = hook_entry()
    if entry[0] != "review":
        raise SystemExit(f"hook: the entry of {HOOK_ID!r} does not start with `review`: {entry}")
    command, shown = review_command()
    largest, where = largest_chapter(args.corpus)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(where)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f} at "
        f"start; review command: {shown}"
    )
    print(f"hook entry: {shlex.join(entry)}")
    run = HookRunner(command, entry[1:])
    targets = [Target("largest", largest), Target("example", EXAMPLE), Target("help")]
    medians = measure(run, targets, args.repeat, warm_up=not args.quick)
    timings = [Timing(s, run.findings.get(t.label)) for t, s in zip(targets, medians, strict=True)]
    hook_words = shlex.join(entry)
    rows = [
        (f"{hook_words} {largest.name} ({kilobytes(largest)} KB)", timings[0]),
        (f"{hook_words} {EXAMPLE.name} ({kilobytes(EXAMPLE)} KB)", timings[1]),
        ("review --help", timings[2]),
    ]
    print()
    print_table(rows, args.repeat)
    print()
    big, example, help_ = timings
    print(
        f"hook: largest chapter {big.seconds:.2f} s ({largest.name}, {kilobytes(largest)} KB, "
        f"{big.findings} findings), example {example.seconds:.2f} s, help {help_.seconds:.2f} s, "
        f"largest/help {big.seconds / help_.seconds:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
