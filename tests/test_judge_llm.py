"""Judge stage, asking the model: messages, structured output and its JSON-mode fallback,
validation and the single repair retry, driven through a scripted Chat."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.judge.chat import (
    ChatCall,
    FatalError,
    RequestError,
    SchemaUnsupported,
    request_body,
)
from reviewer.judge.llm import JudgeFailed, JudgeStopped, LLMJudge, Settings
from reviewer.judge.request import load_prompts
from reviewer.judge.schema import SCHEMA
from reviewer.model import JudgmentStatus, Verdict
from tests.judgeutil import ScriptedChat, answer_json, reply, request

SETTINGS = Settings(model="m", endpoint="compatible", max_tokens=500)


def judge(chat: ScriptedChat, settings: Settings = SETTINGS) -> LLMJudge:
    return LLMJudge(chat, load_prompts(), settings)


def test_a_valid_answer_is_used_as_given() -> None:
    chat = ScriptedChat([reply(answer_json("mentions_only", 2))])
    answered = judge(chat).answer(request())
    assert answered.answer.verdict is Verdict.MENTIONS_ONLY and answered.answer.score == 2
    assert answered.status is JudgmentStatus.JUDGED
    assert answered.spent.requests == 1 and answered.spent.prompt_tokens == 100


def test_the_request_puts_instructions_first_and_the_figure_last() -> None:
    chat = ScriptedChat([reply(answer_json())])
    judge(chat).answer(request())
    call = chat.calls[0]
    system, user = call.messages
    assert system["role"] == "system" and "Quarto" in system["content"]
    assert user["content"].startswith("<chapter>Training</chapter>")
    assert (
        "<introducing_paragraph>As @fig-a shows, loss falls.</introducing_paragraph>"
        in (user["content"])
    )
    assert call.temperature == 0.0 and call.max_tokens == 500
    assert call.response_format is not None
    assert call.response_format["type"] == "json_schema"
    assert call.response_format["json_schema"]["strict"] is True
    assert call.tokens > 500  # prompt tokens counted on top of the output budget


def test_a_broken_answer_gets_one_repair_that_names_the_problem() -> None:
    chat = ScriptedChat([reply('{"score": 9}'), reply(answer_json("explains", 5))])
    answered = judge(chat).answer(request())
    assert answered.answer.verdict is Verdict.EXPLAINS
    repair = chat.calls[1].messages
    assert repair[-2] == {"role": "assistant", "content": '{"score": 9}'}
    assert "score must be a whole number from 1 to 5, not 9" in repair[-1]["content"]
    assert answered.spent.requests == 2


@pytest.mark.parametrize(
    ("first", "why"),
    [
        (reply("Sure! The figure is fine."), "not valid JSON"),
        (reply(None, refusal="I can't help with that."), "I can't help with that."),
        (reply(answer_json()[:40], finish_reason="length"), "cut off"),
        (reply(answer_json(score=0)), "score must be"),
        (reply(answer_json(verdict="no_intro")), "verdict must be one of"),
        (reply(answer_json(extra_key=1)), "unknown keys extra_key"),
    ],
)
def test_two_bad_answers_fail_the_figure_with_the_reason(first: object, why: str) -> None:
    chat = ScriptedChat([first, first])  # type: ignore[list-item]
    with pytest.raises(JudgeFailed) as failed:
        judge(chat).answer(request())
    assert why in failed.value.reason and "invalid answer twice" in failed.value.reason
    assert failed.value.spent.requests == 2


def test_a_server_without_json_schema_is_asked_in_json_mode_from_then_on() -> None:
    rejected = SchemaUnsupported("response_format json_schema is not supported")
    chat = ScriptedChat([rejected, reply(answer_json()), reply(answer_json())])
    llm = judge(chat)
    llm.answer(request())
    llm.answer(request(intro="Then @fig-a again."))
    formats = [(c.response_format or {}).get("type") for c in chat.calls]
    assert formats == ["json_schema", "json_object", "json_object"]
    system = chat.calls[1].messages[0]["content"]
    assert json.dumps(SCHEMA, indent=2) in system  # the schema travels in the prompt


def test_request_errors_fail_the_figure_and_fatal_errors_stop_the_run() -> None:
    with pytest.raises(JudgeFailed, match="too long"):
        judge(ScriptedChat([RequestError("the prompt is too long")])).answer(request())
    with pytest.raises(JudgeStopped, match="bad key") as stopped:
        judge(ScriptedChat([FatalError("bad key")])).answer(request())
    assert stopped.value.spent.requests == 0  # a scripted error went nowhere


def test_the_key_covers_what_changes_the_answer_and_nothing_else() -> None:
    base = judge(ScriptedChat([]))
    key = base.key(request())
    assert key == base.key(request())
    assert key != base.key(request(intro="As @fig-a shows, loss rises."))
    assert key != judge(ScriptedChat([]), Settings("other", "compatible", 500)).key(request())
    assert key != judge(ScriptedChat([]), Settings("m", "openai", 500)).key(request())
    assert key != judge(ScriptedChat([]), Settings("m", "compatible", 600)).key(request())


def test_the_key_covers_the_bytes_of_an_attached_image(tmp_path: Path) -> None:
    def key(path: Path) -> str:  # a new run each time: keys are remembered within a run
        seeing = judge(ScriptedChat([]), Settings("m", "compatible", 500, vision=True))
        return seeing.key(request(images=(path,)))

    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG first")
    first = key(image)
    image.write_bytes(b"\x89PNG second")
    second = key(image)
    assert second != first
    moved = tmp_path / "moved.png"
    image.rename(moved)
    assert key(moved) == second  # where the image lies is not part of the question


def test_vision_attaches_the_image_as_a_data_url(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG")
    chat = ScriptedChat([reply(answer_json())])
    judge(chat, Settings("m", "compatible", 500, vision=True)).answer(request(images=(image,)))
    parts = chat.calls[0].messages[1]["content"]
    assert parts[0]["type"] == "text"
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    blind = ScriptedChat([reply(answer_json())])
    judge(blind).answer(request(images=(image,)))
    assert isinstance(blind.calls[0].messages[1]["content"], str)


def test_reasoning_models_are_sent_no_temperature() -> None:
    call = ChatCall("gpt-5-mini", ({"role": "user", "content": "x"},), 10, {"type": "json_object"})
    assert "temperature" not in request_body(call, "openai")
    assert request_body(call, "openai")["max_completion_tokens"] == 10
    assert request_body(replace(call, model="gpt-4.1-mini"), "openai")["temperature"] == 0.0
    assert request_body(call, "compatible")["max_tokens"] == 10
