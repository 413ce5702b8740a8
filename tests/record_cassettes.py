"""Record the cassettes in `cassettes/` from the fake OpenAI server.

    python -m tests.record_cassettes

The answers come from the fake server's word-overlap grader, not from a model: the cassettes
show the format of a judged audit and let tests and the README example run offline. Run this
again whenever a prompt, the schema or the example chapter changes (a replay test fails until
then).

`cassettes/eval` replays `review eval ../shared/gold/dev.jsonl`. The gold pairs quote other
people's books, so those cassettes keep none of their text: a replay matches on the hash in
each file's name, so the request body is left out, and the answers lose their quotes (the
rationale becomes the verdict and score, evidence is emptied, rewrites are dropped)."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from reviewer.cli.main import main as review
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
SETS = {"examples": ["examples/chapter.qmd"]}


def record(name: str, command: list[str], output: str) -> int:
    """Run `review COMMAND` against the fake server, recording into cassettes/NAME."""
    target = ROOT / "cassettes" / name
    shutil.rmtree(target, ignore_errors=True)  # stale exchanges would never be replayed
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as scratch:
        argv = [*command, "--base-url", fake.base_url, "--record", str(target), "--no-cache"]
        code = review([*argv, "--output", str(Path(scratch) / output), "--quiet"])
        print(f"{name}: {fake.count()} exchanges recorded into {target.relative_to(ROOT)}")
    return code


GOLD = ROOT.parent / "shared" / "gold" / "dev.jsonl"


def record_eval() -> int:
    code = record("eval", ["eval", str(GOLD)], "eval.json")
    for path in sorted((ROOT / "cassettes" / "eval").glob("*.json")):
        if path.name != "cassette.json":
            path.write_text(json.dumps(redacted(json.loads(path.read_text())), indent=2) + "\n")
    return code


def redacted(exchange: dict[str, Any]) -> dict[str, Any]:
    """The exchange without the gold pairs' text (see the module docstring)."""
    exchange["request"]["body"] = "(left out: it quotes ../shared/gold; replay matches the hash)"
    body = exchange["response"]["body"]
    for choice in body.get("choices", []) if isinstance(body, dict) else []:
        answer = json.loads(choice["message"]["content"])
        answer["rationale"] = (
            f"[fake server] {answer.get('verdict')}, score {answer.get('score')}, "
            "from word overlap with the caption (quotes removed from this cassette)."
        )
        for criterion in answer.get("criteria", {}).values():
            criterion["evidence"] = ""
        answer["rewrite"] = None
        choice["message"]["content"] = json.dumps(answer)
    return exchange


def main() -> int:
    codes = [record(name, chapters, "audit.md") for name, chapters in SETS.items()]
    codes.append(record_eval())
    return max(codes) if max(codes) > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
