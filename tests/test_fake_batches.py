"""Tests for the fake server's Files and Batch APIs (tests/fake_files.py, tests/fake_batches.py),
driven by the real `openai` client over loopback, the way a batch-submitting reviewer would."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Final

import openai
import pytest
from openai.types import Batch
from openai.types.chat import ChatCompletion

from reviewer.judge.schema import SCHEMA, SCHEMA_NAME, parse_answer

from .conftest import ROOT
from .fake_openai import BatchFaults, FakeOpenAI

ENDPOINT: Final = "/v1/chat/completions"
TERMINAL = {"completed", "failed", "expired", "cancelled"}
PROMPT = """<chapter>Weather</chapter>
<figure id="fig-{n}" kind="image">
<caption>Monthly rainfall at station {n} in 2021</caption>
<alt>Bar chart of rainfall per month, highest in November</alt>
</figure>
<introducing_paragraph>Rainfall at station {n} peaks in November, as the tall bar on the right
of @fig-{n} shows.</introducing_paragraph>
"""
JSON_SCHEMA = {
    "type": "json_schema",
    "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
}


def chat_body(n: int) -> dict[str, Any]:
    """A batch line's body, as the chat request for figure n would be."""
    return {
        "model": "fake-model",
        "messages": [
            {"role": "system", "content": "You judge figures. Answer in JSON."},
            {"role": "user", "content": [{"type": "text", "text": PROMPT.format(n=n)}]},
        ],
        "response_format": JSON_SCHEMA,
        "max_completion_tokens": 800,
    }


def request_line(n: int, **changes: Any) -> dict[str, Any]:
    line = {"custom_id": f"fig-{n}", "method": "POST", "url": ENDPOINT, "body": chat_body(n)}
    return line | changes


def jsonl(lines: list[Any]) -> bytes:
    return "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines).encode()


def client_of(server: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0, timeout=5.0)


def submit(client: openai.OpenAI, lines: list[Any], part: str = "1") -> Batch:
    uploaded = client.files.create(file=(f"part-{part}.jsonl", jsonl(lines)), purpose="batch")
    return client.batches.create(
        input_file_id=uploaded.id,
        endpoint=ENDPOINT,
        completion_window="24h",
        metadata={"reviewer_run": "r1", "part": part},
    )


def finish(client: openai.OpenAI, batch_id: str, seen: list[str] | None = None) -> Batch:
    """Poll until the batch ends, noting each status seen."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        batch = client.batches.retrieve(batch_id)
        if seen is not None and (not seen or seen[-1] != batch.status):
            seen.append(batch.status)
        if batch.status in TERMINAL:
            return batch
        time.sleep(0.01)
    raise AssertionError(f"{batch_id} did not finish")


def read_jsonl(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def by_id(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Output lines keyed by custom_id: OpenAI promises no order."""
    return {line["custom_id"]: line for line in lines}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(batch_delay=0.02) as fake:
        yield fake


# -- the happy path --------------------------------------------------------------------------


def test_upload_batch_poll_and_download_answers() -> None:
    lines = [request_line(n) for n in range(3)]
    with FakeOpenAI() as server:  # the default delay, 0.05 s per transition
        client = client_of(server)
        batch = submit(client, lines)
        assert (batch.status, batch.metadata) == ("validating", {"reviewer_run": "r1", "part": "1"})
        seen: list[str] = []
        done = finish(client, batch.id, seen)
        output = by_id(read_jsonl(client, done.output_file_id))
    order = ["validating", "in_progress", "finalizing", "completed"]
    assert seen == [s for s in order if s in seen] and seen[-1] == "completed"
    assert done.request_counts is not None
    assert (done.request_counts.total, done.request_counts.completed) == (3, 3)
    assert (done.request_counts.failed, done.error_file_id, done.errors) == (0, None, None)
    assert None not in (done.in_progress_at, done.finalizing_at, done.completed_at)
    assert done.expires_at == done.created_at + 24 * 3600 and done.model == "fake-model"
    assert set(output) == {"fig-0", "fig-1", "fig-2"}
    for line in output.values():
        assert re.fullmatch(r"batch_req_\d{6}", line["id"]) and line["error"] is None
        assert line["response"]["status_code"] == 200
        completion = ChatCompletion.model_validate(line["response"]["body"])
        answer = parse_answer(completion.choices[0].message.content or "")
        assert answer.rationale.startswith("[fake server]")


def test_files_are_listed_retrieved_and_downloaded(server: FakeOpenAI) -> None:
    client = client_of(server)
    data = jsonl([request_line(0)])
    uploaded = client.files.create(file=("part-1.jsonl", data), purpose="batch")
    assert re.fullmatch(r"file-\d{6}", uploaded.id)
    assert (uploaded.bytes, uploaded.filename, uploaded.status) == (
        len(data),
        "part-1.jsonl",
        "processed",
    )
    assert client.files.retrieve(uploaded.id) == uploaded
    content = client.files.content(uploaded.id)
    assert (content.content, content.text) == (data, data.decode())
    batch = submit(client, [request_line(1)], part="2")
    output_id = finish(client, batch.id).output_file_id
    assert output_id is not None
    assert client.files.retrieve(output_id).purpose == "batch_output"
    batch_files = [f.id for f in client.files.list(purpose="batch")]
    assert batch_files == [batch.input_file_id, uploaded.id]  # newest first
    assert {f.id for f in client.files.list()} == {*batch_files, output_id}


def test_unknown_ids_are_404(server: FakeOpenAI) -> None:
    client = client_of(server)
    calls: list[Callable[[], object]] = [
        lambda: client.files.retrieve("file-999999"),
        lambda: client.files.content("file-999999"),
        lambda: client.batches.retrieve("batch_999999"),
        lambda: client.batches.cancel("batch_999999"),
        lambda: client.batches.create(
            input_file_id="file-999999", endpoint=ENDPOINT, completion_window="24h"
        ),
    ]
    for call in calls:
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.type == "invalid_request_error"
    assert server.count("/v1/batches", 404) == 1 and server.count_batches() == 0


def test_bad_batch_requests_are_400(server: FakeOpenAI) -> None:
    client = client_of(server)
    other = client.files.create(file=("notes.jsonl", b"{}\n"), purpose="user_data")
    good = client.files.create(file=("part-1.jsonl", jsonl([request_line(0)])), purpose="batch")
    attempts: list[tuple[str, Any, Any]] = [
        (other.id, ENDPOINT, "24h"),
        (good.id, "/v1/embeddings", "24h"),
        (good.id, ENDPOINT, "48h"),
    ]
    for file_id, endpoint, window in attempts:
        with pytest.raises(openai.BadRequestError):
            client.batches.create(
                input_file_id=file_id, endpoint=endpoint, completion_window=window
            )
    assert server.count_batches() == 0


# -- validation ------------------------------------------------------------------------------


def test_invalid_lines_fail_the_batch_with_one_error_each(server: FakeOpenAI) -> None:
    lines = [
        request_line(0),
        "{not json",
        request_line(1, custom_id="fig-0"),
        request_line(2, method="GET"),
        request_line(3, url="/v1/completions"),
        {"custom_id": "fig-4", "method": "POST", "url": ENDPOINT},
    ]
    client = client_of(server)
    failed = finish(client, submit(client, lines).id)
    assert failed.status == "failed" and failed.failed_at is not None
    assert failed.errors is not None and failed.errors.object == "list"
    found = [(e.code, e.line, e.param) for e in failed.errors.data or []]
    assert found == [
        ("invalid_json_line", 2, None),
        ("duplicate_custom_id", 3, "custom_id"),
        ("invalid_method", 4, "method"),
        ("invalid_url", 5, "url"),
        ("missing_required_parameter", 6, "body"),
    ]
    assert (failed.output_file_id, failed.error_file_id, failed.in_progress_at) == (None,) * 3


def test_files_over_the_limits_fail_validation() -> None:
    lines = [request_line(n) for n in range(3)]
    with FakeOpenAI(batch_delay=0.01, batch_max_requests=2) as server:
        client = client_of(server)
        too_many = finish(client, submit(client, lines).id)
        fits = finish(client, submit(client, lines[:2]).id)
    with FakeOpenAI(batch_delay=0.01, batch_max_bytes=len(jsonl(lines)) - 1) as server:
        client = client_of(server)
        too_big = finish(client, submit(client, lines).id)
    assert (too_many.status, fits.status, too_big.status) == ("failed", "completed", "failed")
    for failed, code in ((too_many, "too_many_requests"), (too_big, "file_too_large")):
        assert failed.errors is not None and failed.errors.data is not None
        assert [(e.code, e.line) for e in failed.errors.data] == [(code, None)]


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fail_lines", [{"fig-1"}, lambda custom_id, body: "station 1 " in json.dumps(body)]
)
def test_failed_lines_go_to_the_error_file(fail_lines: Any) -> None:
    lines = [request_line(n) for n in range(3)] + [request_line(3, body={"model": "m"})]
    with FakeOpenAI(batch_delay=0.01, batch_faults=BatchFaults(fail_lines=fail_lines)) as server:
        client = client_of(server)
        done = finish(client, submit(client, lines).id)
        output, errors = (
            read_jsonl(client, done.output_file_id),
            read_jsonl(client, done.error_file_id),
        )
    assert done.status == "completed" and done.request_counts is not None
    assert (done.request_counts.completed, done.request_counts.failed) == (2, 2)
    assert set(by_id(output)) == {"fig-0", "fig-2"}
    failures = by_id(errors)
    assert (
        failures["fig-1"]["response"]["status_code"] == 500 and failures["fig-1"]["error"] is None
    )
    assert failures["fig-1"]["response"]["body"]["error"]["type"] == "server_error"
    assert failures["fig-3"]["response"]["status_code"] == 400  # no messages: the chat checks


def test_an_expired_batch_keeps_its_done_lines_and_the_resubmission_completes() -> None:
    faults = BatchFaults(expire_after=2, batches={0})
    lines = [request_line(n) for n in range(5)]
    with FakeOpenAI(batch_delay=0.01, batch_faults=faults) as server:
        client = client_of(server)
        expired = finish(client, submit(client, lines).id)
        output, errors = (
            read_jsonl(client, expired.output_file_id),
            read_jsonl(client, expired.error_file_id),
        )
        missing = [line["custom_id"] for line in errors]
        rest = [line for line in lines if line["custom_id"] in missing]
        again = finish(client, submit(client, rest, part="1-retry").id)
        answered = [*output, *read_jsonl(client, again.output_file_id)]
        sent = server.uploaded_lines()
    assert (expired.status, again.status) == ("expired", "completed")
    assert expired.expired_at is not None and expired.request_counts is not None
    assert (expired.request_counts.completed, expired.request_counts.failed) == (2, 3)
    assert [line["custom_id"] for line in output] == ["fig-0", "fig-1"]  # the first two lines
    assert missing == ["fig-2", "fig-3", "fig-4"]
    for line in errors:
        assert line["response"] is None
        assert line["error"] == {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        }
    assert sorted(line["custom_id"] for line in answered) == [f"fig-{n}" for n in range(5)]
    # The log proves the resubmission sent only the lines that expired.
    assert [line["custom_id"] for line in sent] == [*(f"fig-{n}" for n in range(5)), *missing]


@pytest.mark.parametrize("fail_batch", [{0}, lambda index: index == 0])
def test_fail_batch_fails_validation_of_that_batch_only(fail_batch: Any) -> None:
    faults = BatchFaults(fail_batch=fail_batch)
    with FakeOpenAI(batch_delay=0.01, batch_faults=faults) as server:
        client = client_of(server)
        failed = finish(client, submit(client, [request_line(0)]).id)
        retried = finish(client, submit(client, [request_line(0)], part="2").id)
    assert (failed.status, retried.status) == ("failed", "completed")
    assert failed.errors is not None and failed.errors.data is not None
    assert [e.code for e in failed.errors.data] == ["batch_failed"]
    assert (failed.output_file_id, failed.error_file_id) == (None, None)
    assert [b["index"] for b in server.batches] == [0, 1]


# -- cancel, hold, list ----------------------------------------------------------------------


def test_cancel_keeps_the_lines_done_so_far() -> None:
    reached, go = threading.Event(), threading.Event()
    calls: list[int] = []

    def answerer(body: dict[str, Any]) -> str:
        calls.append(1)
        if len(calls) == 2:  # hold the second line in flight while the test cancels
            reached.set()
            go.wait(5)
        return json.dumps({"verdict": "explains"})

    with FakeOpenAI(batch_delay=0.01, answerer=answerer) as server:
        client = client_of(server)
        batch = submit(client, [request_line(n) for n in range(5)])
        assert reached.wait(5)
        assert client.batches.cancel(batch.id).status == "cancelling"
        go.set()
        cancelled = finish(client, batch.id)
        output = read_jsonl(client, cancelled.output_file_id)
        assert client.batches.cancel(batch.id) == cancelled  # a finished batch stays as it is
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert cancelled.cancelling_at is not None and cancelled.error_file_id is None
    assert [line["custom_id"] for line in output] == ["fig-0", "fig-1"] and len(calls) == 2


def test_held_batches_wait_for_release() -> None:
    with FakeOpenAI(batch_delay=0.01, batch_hold=True) as server:
        client = client_of(server)
        first = [submit(client, [request_line(n)], part=str(n)).id for n in range(2)]
        while server.count_batches("in_progress") < 2:
            time.sleep(0.01)
        with pytest.raises(TimeoutError, match="in_progress"):
            server.wait_batches(timeout=0.1)
        assert all(b["request_counts"]["completed"] == 0 for b in server.batches)
        server.release_batches()
        server.wait_batches()
        later = submit(client, [request_line(2)], part="2").id  # held again
        while client.batches.retrieve(later).status != "in_progress":
            time.sleep(0.01)
        server.release_batches()
        server.wait_batches()
        statuses = [client.batches.retrieve(i).status for i in [*first, later]]
    assert statuses == ["completed"] * 3


def test_cancelling_a_held_batch_leaves_no_output() -> None:
    with FakeOpenAI(batch_delay=0.01, batch_hold=True) as server:
        client = client_of(server)
        batch = submit(client, [request_line(0)])
        cancelling = client.batches.cancel(batch.id)
        server.wait_batches()
        cancelled = client.batches.retrieve(batch.id)
    assert (cancelling.status, cancelled.status) == ("cancelling", "cancelled")
    assert (cancelled.output_file_id, cancelled.error_file_id) == (None, None)


def test_batches_list_pages_through_every_batch() -> None:
    with FakeOpenAI(batch_delay=0.01, batch_hold=True) as server:
        client = client_of(server)
        uploaded = client.files.create(
            file=("part-1.jsonl", jsonl([request_line(0)])), purpose="batch"
        )
        made = [
            client.batches.create(
                input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h"
            ).id
            for _ in range(105)
        ]
        first = client.batches.list(limit=100)
        listed = [b.id for b in client.batches.list(limit=100)]
    assert len(first.data) == 100 and first.has_more and first.has_next_page()
    assert listed == made[::-1]  # newest first, every batch once
    assert made[0] == "batch_000001" and server.count("/v1/batches") == 105 + 3


# -- the log ---------------------------------------------------------------------------------


def test_the_log_holds_every_uploaded_line(server: FakeOpenAI) -> None:
    client = client_of(server)
    parts = [[request_line(0), request_line(1)], [request_line(2)]]
    for number, lines in enumerate(parts, 1):
        finish(client, submit(client, lines, part=str(number)).id)
    uploads = [r for r in server.log if (r.method, r.path) == ("POST", "/v1/files")]
    assert [r.body for r in uploads] == [
        {"filename": f"part-{n}.jsonl", "purpose": "batch", "lines": lines}
        for n, lines in enumerate(parts, 1)
    ]
    assert server.uploaded_lines() == [*parts[0], *parts[1]]
    assert server.count("/v1/files", 200) == 2 and server.count_batches("completed") == 2
    assert len(server.uploaded_lines("batch_output")) == 3  # the answers, one per line
    assert server.count() == 0  # no chat request went over HTTP


def test_runs_standalone_with_a_batch_delay() -> None:
    command = [sys.executable, "-m", "tests.fake_openai", "--port", "0", "--quiet"]
    command += ["--batch-delay", "0.01"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().decode().strip()
        client = openai.OpenAI(api_key="test", base_url=base_url, max_retries=0, timeout=5.0)
        assert finish(client, submit(client, [request_line(0)]).id).status == "completed"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(5) == 0
