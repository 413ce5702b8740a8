"""Helpers for the judge-stage tests: answers in the schema's shape, a scripted Chat that
replays queued replies, and a fake Judge that queues answers (simonw/llm's pattern)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from typing import Any

from reviewer.judge.chat import ChatCall, ChatError, ChatReply
from reviewer.judge.llm import Answered, Check, Spent, parse_for
from reviewer.judge.repair import Repair
from reviewer.judge.request import JudgeRequest
from reviewer.judge.schema import CRITERIA
from reviewer.model import JudgmentStatus


def answer_json(
    verdict: str = "partial", score: int = 3, rewrite: str | None = None, **extra: Any
) -> str:
    data: dict[str, Any] = {
        "criteria": {name: {"met": name == "timely", "evidence": ""} for name in CRITERIA},
        "rationale": f'The paragraph says "see the figure", so {verdict}.',
        "score": score,
        "verdict": verdict,
        "rewrite": rewrite,
    }
    data.update(extra)
    return json.dumps(data)


def reply(content: str | None, **kwargs: Any) -> ChatReply:
    return ChatReply(content=content, prompt_tokens=100, completion_tokens=50, **kwargs)


class ScriptedChat:
    """Answers each call with the next queued reply, or raises the next queued error."""

    def __init__(self, script: Iterable[ChatReply | ChatError]) -> None:
        self.script = deque(script)
        self.calls: list[ChatCall] = []

    def complete(self, call: ChatCall) -> ChatReply:
        self.calls.append(call)
        step = self.script.popleft()
        if isinstance(step, ChatError):
            raise step
        return step


def request(intro: str | None = "As @fig-a shows, loss falls.", **kwargs: Any) -> JudgeRequest:
    base: dict[str, Any] = {
        "figure_id": "fig-a",
        "kind": "image",
        "chapter": "Training",
        "section": "Loss",
        "caption": "Training loss over 10 epochs.",
        "alt": "A falling line.",
        "shows": ("images/loss.png",),
        "intro": intro,
    }
    base.update(kwargs)
    return JudgeRequest(**base)


class QueueJudge:
    """A Judge that answers from a queue, for driving the stage without any HTTP."""

    def __init__(self, answers: Iterable[str]) -> None:
        self.answers = deque(answers)
        self.asked: list[JudgeRequest] = []

    def key(self, req: JudgeRequest) -> str:
        return req.content()

    def estimate(self, req: JudgeRequest) -> int:
        return 1000

    def answer(self, req: JudgeRequest) -> Answered:
        self.asked.append(req)
        spent = Spent(1, 1000, 200)
        answer = parse_for(req, self.answers.popleft())
        return Answered(answer, JudgmentStatus.JUDGED, "m", spent)

    def cached(self, req: JudgeRequest) -> Answered | None:
        return None

    def problems(self, req: JudgeRequest, rewrite: str, check: Check) -> tuple[str, ...]:
        return check()

    def question(self, req: JudgeRequest, repair: Repair | None = None) -> ChatCall:
        raise AssertionError("the stage never words a question itself")

    def keep(self, req: JudgeRequest, answered: Answered) -> None:
        """Nothing to keep it in."""
