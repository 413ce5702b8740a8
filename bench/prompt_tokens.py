"""Prompt size of the LLM stage on a corpus: tokens per figure (counted offline, as the rate
limiter and --dry-run count them), and what judging it all would cost.

    python bench/prompt_tokens.py [CORPUS]      # default ../shared/corpus

Last line: `prompt tokens: median <n>, p90 <n>, max <n> per figure; <requests> requests`."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from reviewer.judge.chat import ChatCall, ChatReply
from reviewer.judge.llm import LLMJudge, Settings
from reviewer.judge.request import load_prompts
from reviewer.pipeline import judge_requests
from reviewer.project.plan import plan
from reviewer.project.prices import DEFAULT_PRICES, PRICES_DATE

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_OUTPUT = 400  # tokens of a typical answer: five quotes, a rationale and a rewrite
MAX_OUTPUT = 1200


def main(argv: list[str]) -> int:
    corpus = Path(argv[0]) if argv else ROOT.parent / "shared" / "corpus"
    chapters = sorted(corpus.rglob("*.qmd"))
    if not chapters:
        print(f"no .qmd files under {corpus}", file=sys.stderr)
        return 2
    requests = judge_requests(plan(chapters))
    judge = LLMJudge(_Unused(), load_prompts(), Settings("gpt-4.1-mini", "openai"))
    counts = sorted(judge.estimate(r) for r in requests)
    total = sum(counts)
    print(f"{len(chapters)} chapters, {len(requests)} figures, {total:,} prompt tokens")
    print(f"{'model':<14} {'expected $':>11} {'at most $':>10}   (list prices of {PRICES_DATE})")
    for model in ("gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1-mini", "gpt-5-mini"):
        price = DEFAULT_PRICES[model]
        expected = price.cost(total, EXPECTED_OUTPUT * len(requests))
        worst = price.cost(total, MAX_OUTPUT * len(requests))
        print(f"{model:<14} {expected:>11.4f} {worst:>10.4f}")
    p90 = counts[int(0.9 * (len(counts) - 1))]
    print(
        f"prompt tokens: median {statistics.median(counts):.0f}, p90 {p90}, max {counts[-1]} "
        f"per figure; {len(requests)} requests"
    )
    return 0


class _Unused:
    def complete(self, call: ChatCall) -> ChatReply:
        raise AssertionError("this benchmark never calls a model")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
