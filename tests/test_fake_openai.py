"""Tests for the fake OpenAI server (tests/fake_openai.py), driven by the real `openai` client
over loopback, so the fake stays something the reviewer's own client code can trust."""

from __future__ import annotations

import functools
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from reviewer.judge.schema import SCHEMA, SCHEMA_NAME, parse_answer, parse_proposal
from reviewer.judge.tokens import count_text
from reviewer.model import Verdict

from .conftest import ROOT
from .fake_faults import FAULT_KINDS, FaultPlan
from .fake_judge import judgment
from .fake_limits import RateLimiter, format_reset
from .fake_openai import FakeOpenAI

PARAGRAPH = (
    "Rainfall at the station peaks in November, as the tall bar on the right of @fig-rain "
    "shows [@smith2020]."
)
PROMPT = f"""<chapter>Weather</chapter>
<section>Rain</section>
<figure id="fig-rain" kind="image">
<caption>Monthly rainfall at the bakery station in 2021</caption>
<alt>Bar chart of rainfall per month, highest in November</alt>
<shows>images/rain.png</shows>
</figure>
<previous_paragraph>The bakery keeps a small weather station on its roof.</previous_paragraph>
<introducing_paragraph>{PARAGRAPH}</introducing_paragraph>
<later_mentions><mention>Dry months follow @fig-rain.</mention></later_mentions>
"""
JSON_SCHEMA = {
    "type": "json_schema",
    "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
}


def messages(prompt: str = PROMPT) -> list[Any]:  # the client wants its TypedDicts
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    return [
        {"role": "system", "content": "You judge figures. Answer in JSON."},
        {"role": "user", "content": [{"type": "text", "text": prompt}, image]},
    ]


@functools.cache  # building a client takes tens of milliseconds
def client(server: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0, timeout=5.0)


def ask(server: FakeOpenAI, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {"model": "fake-model", "messages": messages()} | overrides
    return client(server).chat.completions.create(**arguments)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


# -- answers ---------------------------------------------------------------------------------


def test_structured_answer_parses_and_validates(server: FakeOpenAI) -> None:
    completion = ask(server, response_format=JSON_SCHEMA, max_completion_tokens=800)
    choice = completion.choices[0]
    assert (choice.finish_reason, choice.message.refusal) == ("stop", None)
    assert completion.object == "chat.completion" and completion.model == "fake-model"
    answer = parse_answer(choice.message.content)
    assert (answer.verdict, answer.score) == (Verdict.PARTIAL, 3)  # 3 of 8 figure words
    assert answer.rationale.startswith("[fake server] ")
    assert answer.rewrite is not None and answer.rewrite.startswith(PARAGRAPH + " The figure")
    added = answer.rewrite.removeprefix(PARAGRAPH)
    assert not re.search(r"\d", added), "the added sentence must not bring numbers"


def test_usage_counts_text_parts_only(server: FakeOpenAI) -> None:
    prompt_tokens = count_text("You judge figures. Answer in JSON.") + count_text(PROMPT)
    completion = ask(server)
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens == prompt_tokens  # the image part counts nothing
    assert usage.completion_tokens == count_text(completion.choices[0].message.content)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_string_content_and_json_object_mode(server: FakeOpenAI) -> None:
    plain = [{"role": "user", "content": PROMPT}]
    completion = ask(server, messages=plain, response_format={"type": "json_object"})
    assert parse_answer(completion.choices[0].message.content).verdict is Verdict.PARTIAL


def test_custom_answerer_replaces_content() -> None:
    with FakeOpenAI(answerer=lambda body: f"{len(body['messages'])} messages") as server:
        assert ask(server).choices[0].message.content == "2 messages"


def test_max_tokens_cuts_the_answer_with_finish_reason_length(server: FakeOpenAI) -> None:
    choice = ask(server, max_tokens=10).choices[0]
    assert choice.finish_reason == "length"
    assert 0 < count_text(choice.message.content) <= 10


@pytest.mark.parametrize(
    ("paragraph", "verdict", "score"),
    [
        ("Monthly rainfall per month at the bakery station: the chart shows it.", "explains", 5),
        (PARAGRAPH, "partial", 3),
        ("See @fig-rain for details.", "mentions_only", 2),
    ],
)
def test_verdict_follows_word_overlap(paragraph: str, verdict: str, score: int) -> None:
    prompt = PROMPT.replace(PARAGRAPH, paragraph)
    answer = judgment({"messages": messages(prompt)})
    assert (answer["verdict"], answer["score"]) == (verdict, score)
    assert (answer["rewrite"] is None) == (verdict == "explains")
    for criterion in answer["criteria"].values():
        assert len(criterion["evidence"]) <= 80 and criterion["evidence"] in paragraph
    assert parse_answer(json.dumps(answer)).verdict == verdict


def test_a_figure_without_a_paragraph_gets_a_proposed_introduction() -> None:
    prompt = PROMPT.replace(f"<introducing_paragraph>{PARAGRAPH}</introducing_paragraph>", "")
    answer = parse_proposal(json.dumps(judgment({"messages": messages(prompt)})))
    assert answer.rationale.startswith("[fake server]")
    assert answer.rewrite is not None and answer.rewrite.startswith("@fig-")


def test_a_request_without_any_figure_answers_mentions_only() -> None:
    answer = judgment({"messages": [{"role": "user", "content": "Hello"}]})
    assert (answer["verdict"], answer["rewrite"]) == ("mentions_only", None)
    assert parse_answer(json.dumps(answer)).rationale.startswith("[fake server]")


# -- errors ----------------------------------------------------------------------------------


def raw_post(server: FakeOpenAI, path: str, body: bytes, headers: dict[str, str]) -> Any:
    port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_missing_api_key_is_401(server: FakeOpenAI) -> None:
    body = json.dumps({"model": "m", "messages": messages()}).encode()
    status, payload = raw_post(server, "/v1/chat/completions", body, {})
    assert (status, payload["error"]["code"]) == (401, "invalid_api_key")
    no_key = {"Authorization": openai.Omit()}
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(server, extra_headers=no_key)
    assert caught.value.code == "invalid_api_key"
    assert server.count(status=401) == 2


def test_unknown_path_is_404_and_bad_body_400(server: FakeOpenAI) -> None:
    assert [m.id for m in client(server).models.list()] == ["gpt-4.1-mini", "gpt-4o-mini"]
    with pytest.raises(openai.NotFoundError) as caught:
        client(server).models.retrieve("gpt-4.1-mini")
    assert caught.value.body == {
        "message": "Invalid URL (GET /v1/models/gpt-4.1-mini)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    auth = {"Authorization": "Bearer test"}
    status, payload = raw_post(server, "/v1/chat/completions", b"{not json", auth)
    assert (status, payload["error"]["type"]) == (400, "invalid_request_error")


def test_rejected_json_schema_is_bad_request_but_json_object_works() -> None:
    with FakeOpenAI(reject_json_schema=True) as server:
        with pytest.raises(openai.BadRequestError) as caught:
            ask(server, response_format=JSON_SCHEMA)
        assert caught.value.param == "response_format"
        assert "json_schema is not supported" in caught.value.message
        completion = ask(server, response_format={"type": "json_object"})
        assert parse_answer(completion.choices[0].message.content)
        assert [r.status for r in server.log] == [400, 200]


# -- rate limits -----------------------------------------------------------------------------


def test_rpm_limit_gives_429_with_retry_after_and_ratelimit_headers() -> None:
    with FakeOpenAI(rpm=2, tpm=100_000) as server:
        for remaining in ("1", "0"):
            raw = client(server).chat.completions.with_raw_response.create(
                model="m", messages=messages()
            )
            assert raw.headers["x-ratelimit-remaining-requests"] == remaining
        with pytest.raises(openai.RateLimitError) as caught:
            ask(server)
    headers = caught.value.response.headers
    assert caught.value.body["type"] == "requests"  # type: ignore[index]
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.message.endswith(caught.value.body["message"])  # type: ignore[index]
    assert "Rate limit reached for requests" in caught.value.message
    # One request refills in 60 / 2 seconds, less the little time the test took so far.
    retry_ms = int(headers["retry-after-ms"])
    assert 25_000 < retry_ms <= 30_000
    assert int(headers["retry-after"]) == -(-retry_ms // 1000)  # whole seconds, rounded up
    assert headers["x-ratelimit-limit-requests"] == "2"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert re.fullmatch(r"\d+(\.\d+)?s", headers["x-ratelimit-reset-requests"])
    assert headers["x-ratelimit-limit-tokens"] == "100000"
    assert [r.status for r in server.log] == [200, 200, 429]


def test_tpm_limit_counts_max_tokens_and_refused_requests_cost_nothing() -> None:
    cost = count_text("You judge figures. Answer in JSON.") + count_text(PROMPT) + 1000
    with FakeOpenAI(tpm=cost + 500) as server:
        ask(server, max_completion_tokens=1000)
        with pytest.raises(openai.RateLimitError) as caught:
            ask(server, max_completion_tokens=1000)
        assert caught.value.body["type"] == "tokens"  # type: ignore[index]
        assert int(caught.value.response.headers["x-ratelimit-remaining-tokens"]) >= 500
        ask(server, max_tokens=300)  # still fits: the refused request took nothing
        with pytest.raises(openai.RateLimitError) as too_large:
            ask(server, max_tokens=cost + 1000)
        assert "retry-after" not in too_large.value.response.headers  # waiting cannot help


def test_ratelimit_headers_can_be_left_out() -> None:
    with FakeOpenAI(rpm=10, send_ratelimit_headers=False) as server:
        raw = client(server).chat.completions.with_raw_response.create(
            model="m", messages=messages()
        )
    assert not [name for name in raw.headers if name.startswith("x-ratelimit")]


def test_concurrent_requests_respect_the_limit() -> None:
    statuses: list[int] = []
    with FakeOpenAI(rpm=5, latency=0.05) as server:
        client(server)  # once, before the threads race to build it
        threads = [threading.Thread(target=lambda: _status_of(server, statuses)) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [200] * 5 + [429] * 5
    assert server.count(status=200) == 5 and server.count(status=429) == 5


def _status_of(server: FakeOpenAI, statuses: list[int]) -> None:
    try:
        ask(server)
        statuses.append(200)
    except openai.APIStatusError as err:
        statuses.append(err.status_code)


def test_buckets_refill_continuously() -> None:
    now = [0.0]
    limiter = RateLimiter(rpm=60, tpm=600, clock=lambda: now[0])
    assert limiter.admit(600).admitted
    refused = limiter.admit(10)
    assert (refused.refused_by, refused.wait) == ("tokens", 1.0)  # 10 tokens refill in 1 s
    now[0] = 1.0
    assert limiter.admit(10).admitted
    assert limiter.headers()["x-ratelimit-reset-tokens"] == "1m0s"  # empty again


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.12, "120ms"), (1, "1s"), (1.5, "1.5s"), (360, "6m0s"), (179.56, "2m59.56s")],
)
def test_reset_durations_are_written_like_openai(seconds: float, text: str) -> None:
    assert format_reset(seconds) == text


# -- faults ----------------------------------------------------------------------------------


def _content(completion: Any) -> Any:
    return completion.choices[0].message.content


# What the client sees for each fault kind: an exception type, or a check on the completion.
CLIENT_SIDE: dict[str, Any] = {
    "500": openai.InternalServerError,
    "503": openai.InternalServerError,
    "drop": openai.APIConnectionError,
    "timeout": openai.APITimeoutError,
    "malformed": json.JSONDecodeError,  # the client does not wrap it in an openai error
    "html": lambda c: isinstance(c, str) and c.startswith("<html>"),
    "length": lambda c: c.choices[0].finish_reason == "length" and _content(c).startswith("{"),
    "refusal": lambda c: _content(c) is None and c.choices[0].message.refusal,
    "bad_schema": lambda c: json.loads(_content(c))["score"] == 9,
    "not_json": lambda c: not _content(c).lstrip().startswith("{"),
    "auth": openai.AuthenticationError,
    "quota": openai.RateLimitError,
    "context": openai.BadRequestError,
}


def test_every_fault_kind_has_a_client_side_check() -> None:
    assert set(CLIENT_SIDE) == set(FAULT_KINDS)


@pytest.mark.parametrize("kind", list(FAULT_KINDS))
def test_fault_is_observable_from_the_client(kind: str) -> None:
    expected = CLIENT_SIDE[kind]
    with FakeOpenAI(faults=FaultPlan.sequence([kind], hang=2.0)) as server:
        if isinstance(expected, type):
            with pytest.raises(expected):
                ask(server, timeout=0.5)
        else:
            assert expected(ask(server, timeout=0.5))
        assert ask(server).choices[0].finish_reason == "stop"  # the next request is healthy
    assert [r.fault for r in server.log] == [kind, None]
    assert (server.log[0].status is None) == (kind in ("drop", "timeout"))


def test_fault_error_bodies_name_the_cause() -> None:
    plan = FaultPlan.sequence(["quota", "context", "503"])
    with FakeOpenAI(faults=plan) as server:
        errors = []
        for _ in range(3):
            with pytest.raises(openai.APIStatusError) as caught:
                ask(server)
            errors.append(caught.value)
    assert (errors[0].type, errors[0].code) == ("insufficient_quota", "insufficient_quota")
    assert errors[1].code == "context_length_exceeded"
    assert (errors[2].status_code, errors[2].type) == (503, "server_error")
    assert [(r.status, r.fault) for r in server.log] == [
        (429, "quota"),
        (400, "context"),
        (503, "503"),
    ]


def test_fault_plans_pick_deterministically() -> None:
    body: dict[str, Any] = {"messages": []}
    every = FaultPlan.every(3, ["500", "drop"])
    picked = [every.pick(i, body) for i in range(9)]
    assert picked == [None, None, "500", None, None, "drop", None, None, "500"]
    picks = [FaultPlan.random(0.5, ["500", "503"], seed=7) for _ in range(2)]
    runs = [[plan.pick(i, body) for i in range(50)] for plan in picks]
    assert runs[0] == runs[1] and 10 < sum(k is not None for k in runs[0]) < 40
    sequence = FaultPlan.sequence([None, "503"])
    assert [sequence.pick(i, body) for i in range(4)] == [None, "503", None, None]
    with pytest.raises(ValueError, match="fault kinds"):
        FaultPlan.sequence(["boom"])


def test_when_faults_matching_requests_a_limited_number_of_times() -> None:
    plan = FaultPlan.when(lambda body: body.get("model") == "big", "context", times=2)
    combined = FaultPlan.first(plan, FaultPlan.sequence([None, None, None, "500"]))
    models = ["small", "big", "big", "big", "big"]
    picks = [combined.pick(i, {"model": m}) for i, m in enumerate(models)]
    assert picks == [None, "context", "context", "500", None]


def test_429s_do_not_use_up_planned_faults() -> None:
    with FakeOpenAI(rpm=1, faults=FaultPlan.sequence([None, "500"])) as server:
        ask(server)
        with pytest.raises(openai.RateLimitError):
            ask(server)
    assert [(r.status, r.fault) for r in server.log] == [(200, None), (429, None)]


# -- lifecycle -------------------------------------------------------------------------------


def test_stop_is_prompt_while_handlers_sleep() -> None:
    errors: list[BaseException] = []
    server = FakeOpenAI(latency=30, faults=FaultPlan.sequence(["timeout"], hang=30)).start()
    threads = [threading.Thread(target=_collect, args=(server, errors)) for _ in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while server.count() < 1 and time.monotonic() < deadline:
        time.sleep(0.01)  # the timeout fault is logged when its hang starts
    time.sleep(0.1)  # and the other request is sleeping its latency
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    for thread in threads:
        thread.join(5)
    assert len(errors) == 2 and all(isinstance(e, openai.APIConnectionError) for e in errors)


def _collect(server: FakeOpenAI, errors: list[BaseException]) -> None:
    try:
        ask(server, timeout=20)
    except openai.APIError as err:
        errors.append(err)


def test_log_records_requests_in_order(server: FakeOpenAI) -> None:
    ask(server, temperature=0)
    entry = server.log[0]
    assert (entry.method, entry.path, entry.status, entry.fault) == (
        "POST",
        "/v1/chat/completions",
        200,
        None,
    )
    assert entry.body["temperature"] == 0 and entry.headers["authorization"] == "Bearer test"
    assert server.count() == 1 and server.count("/v1/models") == 0


def test_runs_standalone_until_terminated() -> None:
    command = [sys.executable, "-m", "tests.fake_openai", "--port", "0", "--rpm", "600"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().decode().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", base_url)
        reply = openai.OpenAI(api_key="test", base_url=base_url, max_retries=0).with_raw_response
        raw = reply.chat.completions.create(model="m", messages=messages())
        assert raw.headers["x-ratelimit-limit-requests"] == "600"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(5) == 0
