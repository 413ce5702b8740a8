"""Judge stage, endpoint health: a dead, stuck or throttling endpoint ends the run quickly
with exit 2 and a reason; waits are told on the progress line; server error texts lose any
echo of the key. The servers here are real HTTP servers on 127.0.0.1, scripted per test."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from reviewer.judge.schema import InvalidAnswer, parse_answer
from tests.cliutil import Result, run, write
from tests.conftest import FIXTURES
from tests.fake_http import Loopback
from tests.fake_judge import default_answer

Cap = pytest.CaptureFixture[str]
CHAPTER = (FIXTURES / "judge" / "weather.qmd").read_text(encoding="utf-8")
KEY = "sk-test-0123456789abcdef"
Reply = tuple[int, dict[str, str], dict[str, Any]]


class Scripted(Loopback):
    """Answers GET /v1/models with a list, and each chat POST with the next scripted reply;
    past the script, with a judgment."""

    def __init__(self, script: list[Reply]) -> None:
        self.script = list(script)
        self.chats = 0
        self.lock = threading.Lock()
        super().__init__(self._handler())

    def next(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            self.chats += 1
            if self.script:
                return self.script.pop(0)
        return 200, {}, _completion(default_answer(body))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._send(200, {}, {"object": "list", "data": [{"id": "m", "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                self._send(*scripted.next(body))

            def _send(self, status: int, headers: dict[str, str], payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _completion(content: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {
        "id": "c", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }  # fmt: skip


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def review(capsys: Cap, folder: Path, base_url: str, settings: str = "") -> Result:
    path = write(folder / "book" / "weather.qmd", CHAPTER)
    write(folder / "book" / "reviewer.toml", settings)
    return run(capsys, str(path), "--base-url", base_url, "-f", "json", "-o", "-")


def statuses(result: Result) -> set[str]:
    return {f["judgment"]["status"] for f in result.json()["files"][0]["figures"]}


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections and reads requests, and never answers one."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_server_that_never_answers_ends_the_run_within_a_minute_with_exit_2(
    capsys: Cap, tmp_path: Path, silent: str
) -> None:
    started = time.monotonic()
    result = review(capsys, tmp_path, silent)  # the default 120 s timeout
    assert time.monotonic() - started < 60
    assert result.code == 2
    assert statuses(result) == {"skipped"}
    assert "does not answer" in result.err and "Traceback" not in result.err
    assert result.err.strip().splitlines()[-1].startswith("review: error: the LLM stage stopped")


def test_a_server_that_lists_models_but_never_answers_a_chat_is_given_up_on(
    capsys: Cap, tmp_path: Path
) -> None:
    hang: Reply = (200, {}, {})
    with Scripted([]) as server:

        def held(body: dict[str, Any]) -> Reply:
            with server.lock:
                server.chats += 1
            time.sleep(3)  # past the client's 1 s timeout
            return hang

        server.next = held  # type: ignore[method-assign]
        settings = "[llm]\ntimeout_seconds = 1\nattempts = 5\nconcurrency = 2\n"
        result = review(capsys, tmp_path, server.base_url, settings)
        assert server.chats <= 6  # five in a row, and one more already in flight
    assert result.json()["usage"]["requests"] == server.chats  # none answered, all counted
    assert result.code == 2
    assert "stopped answering: 5 attempts in a row got no answer" in result.err
    assert statuses(result) == {"skipped"}


def test_a_run_whose_every_figure_failed_exits_2_with_the_reason(
    capsys: Cap, tmp_path: Path
) -> None:
    bad: Reply = (200, {}, _completion('{"score": 9}'))
    with Scripted([bad] * 40) as server:
        result = review(capsys, tmp_path, server.base_url, "[llm]\nconcurrency = 1\n")
    assert result.code == 2
    assert statuses(result) == {"failed"}
    assert "every figure asked failed (5)" in result.err
    assert "invalid answer twice" in result.err


def test_a_long_retry_after_stops_the_run_naming_the_wait(capsys: Cap, tmp_path: Path) -> None:
    throttled: Reply = (429, {"retry-after": "3600"}, {"error": {"message": "slow down"}})
    with Scripted([throttled] * 10) as server:
        started = time.monotonic()
        result = review(capsys, tmp_path, server.base_url, "[llm]\nconcurrency = 1\n")
        assert time.monotonic() - started < 30
    assert result.code == 2
    assert "asks to wait 3600 s before the next request (Retry-After)" in result.err


def test_a_short_retry_after_is_waited_out_and_said_on_the_progress_line(
    capsys: Cap, tmp_path: Path
) -> None:
    throttled: Reply = (429, {"retry-after": "2"}, {"error": {"message": "slow down"}})
    with Scripted([throttled]) as server:
        result = review(capsys, tmp_path, server.base_url, "[llm]\nconcurrency = 1\n")
    assert result.code == 0, result.err
    assert statuses(result) == {"judged"}
    assert "rate-limited" in result.err and "resuming in" in result.err


def test_the_key_is_redacted_from_server_error_texts(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    echo = f"Bad request from Authorization: Bearer {KEY} (api_key={KEY})"
    rejected: Reply = (400, {}, {"error": {"message": echo}})
    cassettes = tmp_path / "recorded"
    with Scripted([rejected] * 40) as server:
        result = review(capsys, tmp_path, server.base_url, "[llm]\nconcurrency = 1\n")
        path = tmp_path / "book" / "weather.qmd"
        args = ["--base-url", server.base_url, "--record", str(cassettes), "--no-cache"]
        recorded = run(capsys, str(path), *args, "-f", "json", "-o", "-")
    assert "[redacted]" in result.out
    written = [result.out, result.err, recorded.out, recorded.err]
    written += [p.read_text() for p in cassettes.glob("*.json")]
    assert len(written) > 4
    assert not [text for text in written if KEY in text or KEY[3:] in text]


@pytest.mark.parametrize(
    ("score", "verdict"),
    [(1, "explains"), (3, "explains"), (5, "contradicts"), (5, "mentions_only"), (1, "partial")],
)
def test_a_score_that_contradicts_the_verdict_is_invalid(score: int, verdict: str) -> None:
    criteria = {n: {"met": True, "evidence": ""} for n in ("shows", "takeaway")}
    criteria |= {n: {"met": True, "evidence": ""} for n in ("where_to_look", "consistent")}
    criteria["timely"] = {"met": True, "evidence": ""}
    answer = {"criteria": criteria, "rationale": "r", "score": score, "verdict": verdict}
    with pytest.raises(InvalidAnswer, match=f"score {score} contradicts the verdict {verdict}"):
        parse_answer(json.dumps({**answer, "rewrite": None}))
