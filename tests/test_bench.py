"""The benchmarks' --quick modes run to the end and print their documented last line.

Each runs as `python bench/X.py --quick` from the repository root, in a subprocess (the
network guard of conftest.py does not reach it; the benchmarks only use a fake server on
127.0.0.1). Times are printed, never checked: the machines running the tests are shared."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

NUMBER = r"\d+(?:\.\d+)?"
LAST_LINES = {
    "extract.py": (
        rf"extract: {NUMBER} MB/s, pandoc/ours (?:{NUMBER}|n/a), ours/scan {NUMBER}, "
        rf"peak {NUMBER} MB"
    ),
    "hook.py": (
        r"hook: largest chapter \d+\.\d\d s \([^/]+\.qmd, \d+ KB, \d+ findings\), "
        r"example \d+\.\d\d s, help \d+\.\d\d s, largest/help \d+\.\d\d"
    ),
    "diagrams.py": (
        rf"figures with an image or their own text: {NUMBER}% -> {NUMBER}% of \d+; extra prompt "
        r"tokens per figure: -?\d+ \(\d+ figures changed, -?\d+ each\)"
    ),
    "rasterize.py": r"svg: .*; pdf: .*",
    "floats.py": (
        rf"floats: ours {NUMBER} MB/s, \w+ {NUMBER} MB/s, ours/\w+ {NUMBER}; \d+ tables, "
        r"\d+ listings"
    ),
    "judge.py": r"judge: utilization \d+\.\d\d/\d+\.\d\d, 429s \d+, failed \d+",
    "rerun.py": r"rerun: warm/extract \d+\.\d\d, help \d+\.\d\d s, small chapter \d+\.\d\d s",
}


def run_quick(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("script", sorted(LAST_LINES))
def test_quick_mode_prints_the_summary_line(script: str) -> None:
    last = run_quick(script).splitlines()[-1]
    assert re.fullmatch(LAST_LINES[script], last), last


@pytest.mark.parametrize(
    "script", ["diagrams.py", "extract.py", "floats.py", "hook.py", "rerun.py"]
)
def test_quick_mode_without_a_corpus_uses_the_repositorys_chapters(
    script: str, tmp_path: Path
) -> None:
    out = run_quick(script, str(tmp_path / "no-corpus"))
    assert "note: no .qmd" in out
    assert re.fullmatch(LAST_LINES[script], out.splitlines()[-1]), out
