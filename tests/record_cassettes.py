"""Record the cassettes in `cassettes/` from the fake OpenAI server.

    python -m tests.record_cassettes

The answers come from the fake server's word-overlap grader, not from a model: the cassettes
show the format of a judged audit and let tests and the README example run offline. Run this
again whenever a prompt, the schema or the example chapter changes (a replay test fails until
then)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from reviewer.cli import main as review
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
SETS = {"examples": ["examples/chapter.qmd"]}


def record(name: str, chapters: list[str]) -> int:
    target = ROOT / "cassettes" / name
    shutil.rmtree(target, ignore_errors=True)  # stale exchanges would never be replayed
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as scratch:
        argv = [*chapters, "--base-url", fake.base_url, "--record", str(target), "--no-cache"]
        code = review([*argv, "--output", str(Path(scratch) / "audit.md"), "--quiet"])
        print(f"{name}: {fake.count()} exchanges recorded into {target.relative_to(ROOT)}")
    return code


def main() -> int:
    codes = [record(name, chapters) for name, chapters in SETS.items()]
    return max(codes) if max(codes) > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
