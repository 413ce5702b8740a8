"""Benchmark what reading tables and listings costs the extract stage: this tree's
`extract(parse_document(...))` against a git revision's, on the same chapters, in one run.

The revision (default 480ff49, the last commit before tables and listings were read) is
unpacked with `git archive` into a temporary folder. Each side runs in a subprocess of its
own, alternating, `--rounds` times (each timing `--repeat` passes over every chapter after
one warm-up pass), so that a machine growing busier slows both sides alike. The speed of a
side is its median round, in MB/s of UTF-8 input (MB = 10**6 bytes). The last line printed is:

    floats: ours <x> MB/s, <rev> <y> MB/s, ours/<rev> <r>; <t> tables, <l> listings

`--quick`, for CI, times the four smallest chapters in two rounds of one pass. Where the
revision cannot be unpacked (no git, a shallow clone), the tree is compared with itself and a
note says so. CORPUS defaults to `../shared/corpus` next to the repository, or the
repository's own chapters when it holds none."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
BEFORE = "480ff49"
FALLBACK = (REPO_ROOT / "examples", REPO_ROOT / "tests" / "fixtures" / "extract")
QUICK_FILES = 4


def chapters(corpus: Path, quick: bool) -> list[Path]:
    found = sorted(corpus.rglob("*.qmd")) if corpus.is_dir() else []
    if not found:
        print(f"note: no .qmd files under {corpus}; using the repository's own chapters")
        found = sorted(p for folder in FALLBACK for p in folder.rglob("*.qmd"))
    if quick:
        found = sorted(sorted(found, key=lambda p: p.stat().st_size)[:QUICK_FILES])
    return found


def unpack(revision: str, into: Path) -> Path | None:
    """The revision's `reviewer` package under `into`, or None when git cannot give it."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", revision, "reviewer", "prompts"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return into


def worker(root: Path, paths: Sequence[Path], repeat: int) -> None:
    """One side's timing, printed as JSON: seconds for `repeat` passes, and what it found."""
    sys.path.insert(0, str(root))
    from reviewer.extract import extract
    from reviewer.parse.document import parse_document

    texts = [(p.as_posix(), p.read_text(encoding="utf-8-sig")) for p in paths]
    found = [extract(parse_document(text, name))[0] for name, text in texts]  # warm-up
    start = time.perf_counter()
    for _ in range(repeat):
        for name, text in texts:
            extract(parse_document(text, name))
    seconds = time.perf_counter() - start
    ids = [f.id or "" for ex in found for f in ex.figures]
    tables = sum(i.startswith("tbl-") for i in ids)
    listings = sum(i.startswith("lst-") for i in ids)
    print(json.dumps({"seconds": seconds, "tables": tables, "listings": listings}))


def side(root: Path, listing: Path, repeat: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(root), str(listing), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--against", default=BEFORE, metavar="REV")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds, repeat = (2, 1) if args.quick else (args.rounds, args.repeat)
    paths = chapters(args.corpus, args.quick)
    size = sum(len(p.read_bytes()) for p in paths) * repeat / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "chapters.txt"
        listing.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
        before = unpack(args.against, Path(tmp))
        if before is None:
            print(f"note: cannot unpack {args.against} with git; comparing this tree with itself")
        speeds: dict[str, list[float]] = {"ours": [], "before": []}
        counts: dict[str, float] = {}
        for _ in range(rounds):
            for name, root in (("ours", REPO_ROOT), ("before", before or REPO_ROOT)):
                result = side(root, listing, repeat)
                speeds[name].append(size / result["seconds"])
                counts = result if name == "ours" else counts
            print(f"round: ours {speeds['ours'][-1]:.2f} MB/s, before {speeds['before'][-1]:.2f}")
        shutil.rmtree(Path(tmp) / "reviewer", ignore_errors=True)
    ours, then = (statistics.median(speeds[k]) for k in ("ours", "before"))
    print(
        f"floats: ours {ours:.2f} MB/s, {args.against} {then:.2f} MB/s, "
        f"ours/{args.against} {ours / then:.2f}; "
        f"{int(counts['tables'])} tables, {int(counts['listings'])} listings"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        lines = Path(sys.argv[3]).read_text(encoding="utf-8").splitlines()
        worker(Path(sys.argv[2]), [Path(line) for line in lines], int(sys.argv[4]))
    else:
        main()
