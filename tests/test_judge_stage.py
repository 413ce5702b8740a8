"""Judge stage, the run, driven by a fake judge that queues answers: rewrites are checked
before they are suggested, the budget skips what it cannot afford, a fatal error stops the
run, and usage adds up."""

from __future__ import annotations

import json

from reviewer.judge.llm import Answered, JudgeStopped, Spent
from reviewer.judge.request import JudgeRequest
from reviewer.judge.stage import Budget, judge_all
from reviewer.model import JudgmentStatus, Verdict
from reviewer.project.prices import Price
from tests.judgeutil import QueueJudge, answer_json, request

BUDGET = Budget(max_tokens=500, price=Price(1.0, 2.0), concurrency=2)
INTRO = "As @fig-a shows [@smith2020], loss falls."


def test_a_rewrite_that_passes_the_checks_is_suggested() -> None:
    good = f"{INTRO} The line falls over the 10 epochs."
    (judgment,), _ = judge_all([request(INTRO)], QueueJudge([answer_json(rewrite=good)]), BUDGET)
    assert judgment.rewrite == good and judgment.rewrite_problems == ()
    assert judgment.rejected_rewrite is None


def test_a_rewrite_that_drops_a_citation_is_held_back_with_the_reason() -> None:
    bad = "As @fig-a shows, loss falls by 42 points."
    (judgment,), _ = judge_all([request(INTRO)], QueueJudge([answer_json(rewrite=bad)]), BUDGET)
    assert judgment.rewrite is None and judgment.rejected_rewrite == bad
    assert "drops the citation [@smith2020]" in judgment.rewrite_problems
    assert any("adds the number 42" in p for p in judgment.rewrite_problems)


def test_a_figure_without_intro_gets_a_checked_proposal() -> None:
    proposal = json.dumps({"rationale": "Nothing cites it.", "proposal": "@fig-a shows the loss."})
    (judgment,), tally = judge_all([request(None)], QueueJudge([proposal]), BUDGET)
    assert judgment.verdict is Verdict.NO_INTRO and judgment.score == 1
    assert judgment.rewrite == "@fig-a shows the loss."
    assert tally.requests == 1


def test_usage_adds_up_and_costs_by_the_price() -> None:
    requests = [request(f"As @fig-a shows, loss falls {n} times.") for n in range(3)]
    judgments, tally = judge_all(requests, QueueJudge([answer_json()] * 3), BUDGET)
    assert [j.status for j in judgments] == [JudgmentStatus.JUDGED] * 3
    assert (tally.requests, tally.prompt_tokens, tally.completion_tokens) == (3, 3000, 600)
    assert tally.cost == 3 * (1000 * 1.0 + 200 * 2.0) / 1_000_000


def test_max_cost_skips_what_would_pass_the_budget() -> None:
    # Each request may cost 1000 prompt + 500 output tokens = $0.002 at most.
    budget = Budget(max_tokens=500, price=Price(1.0, 2.0), max_cost=0.005, concurrency=1)
    requests = [request(f"As @fig-a shows, loss falls {n} times.") for n in range(4)]
    judgments, tally = judge_all(requests, QueueJudge([answer_json()] * 4), budget)
    statuses = [j.status for j in judgments]
    assert statuses[:2] == [JudgmentStatus.JUDGED] * 2
    assert tally.cost <= 0.005
    skipped = [j for j in judgments if j.status is JudgmentStatus.SKIPPED]
    assert skipped and all("--max-cost budget of $0.01" in (j.reason or "") for j in skipped)


class Refused(QueueJudge):
    def answer(self, req: JudgeRequest) -> Answered:
        self.asked.append(req)
        raise JudgeStopped("the endpoint refused the API key", Spent(requests=1))


def test_a_fatal_error_stops_the_run_and_skips_the_rest() -> None:
    budget = Budget(max_tokens=500, price=None, concurrency=1)
    requests = [request(f"As @fig-a shows, loss falls {n} times.") for n in range(5)]
    judge = Refused([])
    judgments, tally = judge_all(requests, judge, budget)
    assert len(judge.asked) == 1
    assert tally.fatal == "the endpoint refused the API key"
    assert {j.status for j in judgments} == {JudgmentStatus.SKIPPED}
    assert all("run stopped" in (j.reason or "") for j in judgments)
