"""Benchmark the extract stage: how fast `reviewer` finds figures and paragraphs in `.qmd` files.

For every `*.qmd` under CORPUS (default: `../shared/corpus` next to the repository), read once into
memory before any timing, this measures in one run:

* ours: `extract(parse_document(text, path))` per file and for the whole corpus (throughput in
  MB/s of UTF-8 input), plus `parse_document` alone, so block parsing can be told from extraction;
* pandoc: `pandoc -f markdown -t json` per file (text on stdin, output discarded), as a reference
  for a full Markdown parser; skipped with a note when `pandoc` is not on PATH;
* scan: `re.finditer(r"@fig-", text)` over the same texts, the floor a line scanner reaches;
* peak memory: `tracemalloc` peak over an untimed extraction of the whole corpus, keeping every
  extraction alive as a book review does;
* linear growth: the largest chapter against itself repeated twice; the time ratio should be near
  2 (at most 2.2).

Each timed block is preceded by a garbage collection and by one warm-up run; times are medians over
`--repeat` repetitions (`--pandoc-repeat` for pandoc). MB means 10**6 bytes. The last line printed
is a one-line summary:

    extract: <MB/s> MB/s, pandoc/ours <x>, ours/scan <y>, peak <MB> MB

(`n/a` for x when pandoc was skipped.) `--quick`, for CI, takes a few seconds: the four smallest
chapters, one repetition of everything, pandoc on the two smallest only (its ratio compares
those two with ours on the same two); when CORPUS holds no `.qmd`, the repository's own
`examples/` and `tests/fixtures/{book,extract,judge}/` chapters are used instead, with a note.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewer.extract import extract
from reviewer.parse.document import parse_document

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
MB = 1_000_000
FIG_REF = re.compile(r"@fig-")
PANDOC_ARGS = ("-f", "markdown", "-t", "json")
LINEAR_LIMIT = 2.2
QUICK_FILES = 4
QUICK_PANDOC_FILES = 2
# tests/fixtures/bad is left out: some of its files are not UTF-8 on purpose.
FALLBACK = (
    REPO_ROOT / "examples",
    *(REPO_ROOT / "tests" / "fixtures" / name for name in ("book", "extract", "judge")),
)


@dataclass(frozen=True)
class Chapter:
    name: str  # path relative to the corpus, as passed to parse_document
    data: bytes  # raw file, fed to pandoc and used for sizes
    text: str  # decoded as reviewer.project.load.read_text does (UTF-8, optional BOM)


@dataclass(frozen=True)
class Timing:
    per_file: list[float]  # median seconds per chapter, in corpus order
    total: float  # median seconds for the whole corpus


def load_corpus(corpus: Path, folders: Sequence[Path] | None = None) -> list[Chapter]:
    """Every `*.qmd` under `folders` (default: the corpus), named relative to `corpus`."""
    chapters = []
    paths = sorted(p for folder in folders or [corpus] for p in folder.rglob("*.qmd"))
    for path in paths:
        data = path.read_bytes()
        chapters.append(
            Chapter(path.relative_to(corpus).as_posix(), data, data.decode("utf-8-sig"))
        )
    return chapters


def smallest(chapters: Sequence[Chapter], count: int) -> list[Chapter]:
    """The `count` smallest chapters, in corpus order."""
    kept = {id(c) for c in sorted(chapters, key=lambda c: len(c.data))[:count]}
    return [c for c in chapters if id(c) in kept]


def quick_chapters(corpus: Path) -> tuple[list[Chapter], Path]:
    """The few chapters --quick times, and the folder their names are relative to."""
    chapters = load_corpus(corpus) if corpus.is_dir() else []
    if not chapters:
        print(f"note: no .qmd files under {corpus}; using the repository's own chapters")
        corpus, chapters = REPO_ROOT, load_corpus(REPO_ROOT, FALLBACK)
    return smallest(chapters, QUICK_FILES), corpus


def run_ours(chapter: Chapter) -> None:
    extract(parse_document(chapter.text, chapter.name))


def run_parse(chapter: Chapter) -> None:
    parse_document(chapter.text, chapter.name)


def run_scan(chapter: Chapter) -> None:
    for _ in FIG_REF.finditer(chapter.text):
        pass


def make_pandoc(pandoc: str) -> Callable[[Chapter], None]:
    def run_pandoc(chapter: Chapter) -> None:
        subprocess.run(
            [pandoc, *PANDOC_ARGS],
            input=chapter.data,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )

    return run_pandoc


def time_corpus(
    func: Callable[[Chapter], None],
    chapters: Sequence[Chapter],
    repeat: int,
    warmup: Sequence[Chapter] | None = None,
) -> Timing:
    """Median per-file and whole-corpus times of `func`, after one warm-up pass over `warmup`
    (default: the whole corpus)."""
    for chapter in chapters if warmup is None else warmup:
        func(chapter)
    per_file: list[list[float]] = [[] for _ in chapters]
    totals: list[float] = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for i, chapter in enumerate(chapters):
            t0 = time.perf_counter()
            func(chapter)
            per_file[i].append(time.perf_counter() - t0)
        totals.append(time.perf_counter() - start)
    return Timing([statistics.median(times) for times in per_file], statistics.median(totals))


def peak_memory(chapters: Sequence[Chapter]) -> float:
    """Peak bytes traced while extracting the whole corpus, keeping all extractions alive."""
    run_ours(chapters[0])  # build the cached parser outside the traced pass
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        kept = [extract(parse_document(c.text, c.name)) for c in chapters]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    return float(peak)


def linear_growth(chapter: Chapter, repeat: int) -> tuple[float, float]:
    """Median seconds for the chapter and for the chapter repeated twice. The two are timed in
    alternation so that drift in machine load falls on both alike."""
    doubled_text = chapter.text + "\n\n" + chapter.text
    doubled = Chapter(chapter.name, doubled_text.encode(), doubled_text)
    pair = (chapter, doubled)
    times: tuple[list[float], list[float]] = ([], [])
    for item in pair:
        run_ours(item)
    for _ in range(repeat):
        for item, seconds in zip(pair, times, strict=True):
            gc.collect()
            start = time.perf_counter()
            run_ours(item)
            seconds.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def ratio(numerator: float | None, denominator: float) -> str:
    if numerator is None or denominator <= 0:
        return "n/a"
    return f"{numerator / denominator:.1f}"


def time_pandoc(chapters: Sequence[Chapter], repeat: int) -> Timing | None:
    pandoc_path = shutil.which("pandoc")
    if pandoc_path is None:
        print("note: pandoc not on PATH; pandoc skipped")
        return None
    version = subprocess.run(
        [pandoc_path, "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    print(f"{version}, pandoc-repeat {repeat}")
    first = smallest(chapters, 1)  # warm the binary, keep the run short
    return time_corpus(make_pandoc(pandoc_path), chapters, repeat, first)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "corpus",
        nargs="?",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"folder searched for *.qmd (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument("--repeat", type=int, default=5, help="repetitions for our code and scan")
    parser.add_argument("--pandoc-repeat", type=int, default=3, help="repetitions for pandoc")
    parser.add_argument(
        "--quick", action="store_true", help="4 small chapters, 1 repetition, pandoc on 2 (CI)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = args.pandoc_repeat = 1
    if args.repeat < 1 or args.pandoc_repeat < 1:
        parser.error("repetitions must be at least 1")

    if args.quick:
        chapters, args.corpus = quick_chapters(args.corpus)
    else:
        chapters = load_corpus(args.corpus)
    if not chapters:
        parser.error(f"no .qmd files under {args.corpus}")
    size = sum(len(c.data) for c in chapters)
    print(f"corpus: {args.corpus.resolve()}: {len(chapters)} files, {size / MB:.2f} MB")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {sys.version.split()[0]}, repeat {args.repeat}, medians; "
        f"{os.cpu_count()} CPUs, load average {load:.2f} at start"
    )

    ours = time_corpus(run_ours, chapters, args.repeat)
    parse = time_corpus(run_parse, chapters, args.repeat)
    scan = time_corpus(run_scan, chapters, args.repeat)

    # pandoc costs a process per file: --quick times it on the two smallest chapters only.
    on_pandoc = smallest(chapters, QUICK_PANDOC_FILES) if args.quick else chapters
    pandoc = time_pandoc(on_pandoc, args.pandoc_repeat)
    pandoc_ms = {}
    if pandoc is not None:
        pandoc_ms = {c.name: t * 1000 for c, t in zip(on_pandoc, pandoc.per_file, strict=True)}

    peak = peak_memory(chapters)
    largest = max(chapters, key=lambda c: len(c.data))
    once, twice = linear_growth(largest, args.repeat)

    width = max(len(c.name) for c in chapters)
    header = f"{'file':<{width}}  {'KB':>7}  {'parse ms':>9}  {'ours ms':>9}"
    header += f"  {'pandoc ms':>9}" if pandoc else ""
    print()
    print(header)
    print("-" * len(header))
    for i, chapter in enumerate(chapters):
        row = f"{chapter.name:<{width}}  {len(chapter.data) / 1000:>7.1f}"
        row += f"  {parse.per_file[i] * 1000:>9.2f}  {ours.per_file[i] * 1000:>9.2f}"
        if pandoc:
            shown = pandoc_ms.get(chapter.name)
            row += f"  {shown:>9.1f}" if shown is not None else f"  {'-':>9}"
        print(row)
    print("-" * len(header))
    row = f"{'total':<{width}}  {size / 1000:>7.1f}"
    row += f"  {parse.total * 1000:>9.1f}  {ours.total * 1000:>9.1f}"
    row += f"  {pandoc.total * 1000:>9.1f}" if pandoc else ""
    print(row)
    print()

    mb_s = size / MB / ours.total
    pandoc_total = pandoc.total if pandoc else None
    pandoc_size = sum(len(c.data) for c in on_pandoc)
    # pandoc/ours compares the same files: all of them, or only those pandoc ran on.
    ours_same = ours.total
    if len(on_pandoc) < len(chapters):
        timed = zip(chapters, ours.per_file, strict=True)
        ours_same = sum(t for c, t in timed if c.name in pandoc_ms)
    growth = twice / once
    print(f"ours (parse + extract): {ours.total * 1000:.1f} ms, {mb_s:.2f} MB/s")
    print(
        f"  parse_document alone: {parse.total * 1000:.1f} ms "
        f"({parse.total / ours.total:.0%} of ours), {size / MB / parse.total:.2f} MB/s"
    )
    print(
        f"  extract (by difference): {(ours.total - parse.total) * 1000:.1f} ms "
        f"({1 - parse.total / ours.total:.0%} of ours)"
    )
    if pandoc_total is None:
        print("pandoc: skipped (not on PATH)")
    else:
        on = "" if len(on_pandoc) == len(chapters) else f" ({len(on_pandoc)} files)"
        print(
            f"pandoc{on}: {pandoc_total * 1000:.1f} ms, {pandoc_size / MB / pandoc_total:.2f} MB/s"
        )
    print(
        f"scan (re.finditer @fig-): {scan.total * 1000:.2f} ms, {size / MB / scan.total:.0f} MB/s"
    )
    print(f"peak memory (tracemalloc, all extractions kept): {peak / MB:.1f} MB")
    verdict = "ok" if growth <= LINEAR_LIMIT else f"NOT LINEAR (> {LINEAR_LIMIT})"
    print(
        f"linear growth: {largest.name} {len(largest.data) / 1000:.0f} KB {once * 1000:.1f} ms, "
        f"x2 {twice * 1000:.1f} ms, ratio {growth:.2f} ({verdict})"
    )
    print(
        f"extract: {mb_s:.2f} MB/s, pandoc/ours {ratio(pandoc_total, ours_same)}, "
        f"ours/scan {ratio(ours.total, scan.total)}, peak {peak / MB:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
