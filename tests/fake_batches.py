"""The fake server's Batch API, run asynchronously by one worker thread.

    POST /v1/batches               {input_file_id, endpoint, completion_window, metadata}
    GET  /v1/batches               ?limit= (20, at most 100)&after=  newest first, like OpenAI
    GET  /v1/batches/{id}
    POST /v1/batches/{id}/cancel

Ids count up from `batch_000001`; a batch's `index` (0, 1, ...) is its creation order, which
`BatchFaults` refers to. A batch lives through these states, each transition `delay` seconds
after the previous one or, out of in_progress, after its last line ran (lines add no delay):

    validating -> in_progress -> finalizing -> completed        the normal way
    validating -> failed                                        bad input file, or fail_batch
    in_progress -> expired                                      BatchFaults.expire_after
    validating | in_progress -> cancelling -> cancelled         POST .../cancel

Validation follows OpenAI (tests/fake_batch_input.py, which also has the output and error
line formats): every non-blank line must parse as a JSON object with a unique non-empty
`custom_id`, `method` "POST", `url` equal to the batch's endpoint and an object `body`; the
file may hold at most `max_requests` lines and `max_bytes` bytes. Each bad line gives one
entry in the batch's `errors`, with its 1-based line number.

A held batch (`hold`) stays in_progress with nothing done until `release()`. The lines run
one at a time through `answer` (the server's chat logic, without its rate limiter or fault
plan), in input order: real OpenAI does not promise any order in its output files, so
readers must match lines by `custom_id`. Successful lines go to the output file, others to
the error file, both with purpose `batch_output` and each written only when it would not be
empty, as OpenAI leaves `output_file_id` null when every request failed. Cancelling keeps
the lines done so far; cancelling a batch past in_progress returns it unchanged."""

from __future__ import annotations

import re
import threading
import time
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from tests.fake_batch_input import (
    EXPIRED,
    LINE_FAULT,
    Body,
    Request,
    check_input,
    error,
    is_metadata,
    jsonl,
    result,
)
from tests.fake_files import FileStore, not_found, page
from tests.fake_http import Incoming
from tests.fake_replies import Reply, error_object, error_reply, json_reply

LineAnswer = Callable[[Body, int], tuple[int, dict[str, Any]]]  # (body, number) -> status, json
LineRule = Callable[[str, Body], bool]  # (custom_id, body) -> fail this line?
BatchRule = Callable[[int], bool]  # creation index -> fail this batch?

CHAT_ENDPOINT = "/v1/chat/completions"
BATCHES_PATH = "/v1/batches"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
STAMPS = ("in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled")
WINDOW = 24 * 3600
_ONE_BATCH = re.compile(r"/v1/batches/([^/]+)(/cancel)?")


@dataclass(frozen=True)
class BatchFaults:
    """Batch failures to play. `fail_lines`: custom_ids, or a rule on (custom_id, body); each
    such line gets a 500 in the error file and the batch still completes. `expire_after`: the
    batch runs only its first N lines, then expires (a batch of N lines or fewer completes).
    `batches`: the creation indices that `fail_lines` and `expire_after` apply to, None for
    every batch. `fail_batch`: creation indices, or a rule on them; such a batch fails
    validation."""

    fail_lines: LineRule | Collection[str] | None = None
    expire_after: int | None = None
    fail_batch: BatchRule | Collection[int] | None = None
    batches: Collection[int] | None = None

    def line_fails(self, index: int, custom_id: str, body: Body) -> bool:
        rule = self.fail_lines
        if rule is None or not self._applies(index):
            return False
        return rule(custom_id, body) if callable(rule) else custom_id in rule

    def lines_before_expiry(self, index: int) -> int | None:
        return self.expire_after if self._applies(index) else None

    def batch_fails(self, index: int) -> bool:
        rule = self.fail_batch
        if rule is None:
            return False
        return rule(index) if callable(rule) else index in rule

    def _applies(self, index: int) -> bool:
        return self.batches is None or index in self.batches


@dataclass
class _Batch:
    id: str
    index: int
    input_file_id: str
    endpoint: str
    metadata: dict[str, str] | None
    held: bool
    due: float | None  # time.monotonic() of the next transition, None while working or done
    created_at: int = field(default_factory=lambda: int(time.time()))
    status: str = "validating"
    model: str | None = None
    requests: list[Request] = field(default_factory=list)
    stop_at: int = 0  # lines to run before the batch is done: all of them, or expire_after
    claimed: int = 0  # lines handed to the worker so far
    output: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    stamps: dict[str, int] = field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None

    def json(self) -> dict[str, Any]:
        counts = {"total": len(self.requests), "completed": len(self.output)}
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "model": self.model,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            **{f"{name}_at": self.stamps.get(name) for name in STAMPS},
            "expires_at": self.created_at + WINDOW,
            "request_counts": counts | {"failed": len(self.failures)},
            "metadata": self.metadata,
        }

    def move(self, status: str, due: float | None = None) -> None:
        self.status, self.due = status, due
        self.stamps[status] = int(time.time())


class BatchRunner:
    """The batches, their worker thread, and the `/v1/batches` routes."""

    def __init__(
        self,
        files: FileStore,
        answer: LineAnswer,
        *,
        delay: float = 0.05,
        hold: bool = False,
        faults: BatchFaults | None = None,
        max_requests: int = 50_000,
        max_bytes: int = 200 * 1024 * 1024,
    ) -> None:
        self.files, self.answer, self.delay, self.hold = files, answer, delay, hold
        self.faults = faults or BatchFaults()
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self._cond = threading.Condition()
        self._batches: list[_Batch] = []
        self._lines_run = 0  # numbers batch_req_ and request ids across all batches
        self._stopping = False
        self._worker = threading.Thread(target=self._work, name="fake-batches", daemon=True)

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._worker.is_alive():
            self._worker.join(1.0)  # a custom answerer may still be busy; it is a daemon

    # -- for the tests -----------------------------------------------------------------------

    def snapshot(self) -> list[dict[str, Any]]:
        """Every batch as the API shows it, plus its creation `index`, oldest first."""
        with self._cond:
            return [b.json() | {"index": b.index} for b in self._batches]

    def release(self) -> None:
        """Let every batch created so far run its lines; later batches are held again."""
        with self._cond:
            for batch in self._batches:
                batch.held = False
                self._settle(batch)
            self._cond.notify_all()

    def wait(self, timeout: float) -> None:
        with self._cond:
            if not self._cond.wait_for(self._all_done, timeout):
                pending = [f"{b.id} {b.status}" for b in self._batches if b.status not in TERMINAL]
                raise TimeoutError(f"batches still running after {timeout} s: {pending}")

    def _all_done(self) -> bool:
        return all(b.status in TERMINAL for b in self._batches)

    # -- HTTP --------------------------------------------------------------------------------

    def route(self, request: Incoming) -> Reply | None:
        """The reply for a Batch API request, None when the path is not one of them."""
        method, path = request.method, request.path
        if path == BATCHES_PATH:
            if method == "POST":
                return self._create(request.body)
            return self._list(request.query) if method == "GET" else None
        found = _ONE_BATCH.fullmatch(path)
        if found is None or method != ("POST" if found.group(2) else "GET"):
            return None
        with self._cond:
            batch = next((b for b in self._batches if b.id == found.group(1)), None)
            if batch is None:
                return not_found(f"No batch found with id '{found.group(1)}'.", "batch_id")
            if found.group(2):
                self._cancel(batch)
            return json_reply(200, batch.json())

    def _create(self, body: Any) -> Reply:
        refused = self._refusal(body)
        if refused is not None:
            return refused
        with self._cond:
            index = len(self._batches)
            batch = _Batch(
                f"batch_{index + 1:06d}", index, body["input_file_id"], body["endpoint"],
                body.get("metadata"), self.hold, time.monotonic() + self.delay,
            )  # fmt: skip
            self._batches.append(batch)
            self._cond.notify_all()
            return json_reply(200, batch.json())

    def _refusal(self, body: Any) -> Reply | None:
        if not isinstance(body, dict):
            return error_reply(400, "We could not parse the JSON body of your request.")
        stored = self.files.get(str(body.get("input_file_id")))
        if stored is None:
            message = f"No such File object: {body.get('input_file_id')}"
            return not_found(message, "input_file_id")
        if stored.purpose != "batch":
            return error_reply(400, "The input file must have purpose 'batch'.", param="file")
        if body.get("endpoint") != CHAT_ENDPOINT:
            message = f"Invalid 'endpoint': the fake server only batches {CHAT_ENDPOINT}."
            return error_reply(400, message, param="endpoint")
        if body.get("completion_window") != "24h":
            message = "Invalid 'completion_window': only '24h' is supported."
            return error_reply(400, message, param="completion_window")
        metadata = body.get("metadata")
        if metadata is not None and not is_metadata(metadata):
            message = "Invalid 'metadata': expected at most 16 string keys with string values."
            return error_reply(400, message, param="metadata")
        return None

    def _list(self, query: dict[str, str]) -> Reply:
        with self._cond:
            newest_first = [b.json() for b in reversed(self._batches)]
        return page(newest_first, query, 20, 100)

    def _cancel(self, batch: _Batch) -> None:
        if batch.status in ("validating", "in_progress"):
            batch.move("cancelling", time.monotonic() + self.delay)
            self._cond.notify_all()

    # -- the worker --------------------------------------------------------------------------

    def _work(self) -> None:
        while (job := self._next_line()) is not None:
            self._run_line(*job)

    def _next_line(self) -> tuple[_Batch, int, int] | None:
        """Make every transition that is due, then claim the next line to run: its batch,
        its position and its number. None once the runner stops."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                for batch in self._batches:
                    if batch.due is not None and batch.due <= now:
                        self._advance(batch, now)
                ready = next((b for b in self._batches if self._runnable(b)), None)
                if ready is not None:
                    ready.claimed += 1
                    self._lines_run += 1
                    return ready, ready.claimed - 1, self._lines_run
                dues = [b.due - now for b in self._batches if b.due is not None]
                self._cond.wait(max(0.0, min(dues)) if dues else None)
            return None

    def _runnable(self, batch: _Batch) -> bool:
        return batch.status == "in_progress" and not batch.held and batch.claimed < batch.stop_at

    def _run_line(self, batch: _Batch, position: int, number: int) -> None:
        custom_id, body = batch.requests[position]
        if self.faults.line_fails(batch.index, custom_id, body):
            status, payload = 500, error_object(LINE_FAULT, "server_error")
        else:
            try:
                status, payload = self.answer(body, number)
            except Exception as err:  # a custom answerer's bug becomes the line's error
                traceback.print_exc()
                status, payload = 500, error_object(f"fake server error: {err!r}", "server_error")
        response = {"status_code": status, "request_id": f"req_fakebatch{number:06d}"}
        line = result(number, custom_id, response | {"body": payload}, None)
        with self._cond:
            if batch.status in ("in_progress", "cancelling"):  # in flight when cancelled: kept
                (batch.output if status == 200 else batch.failures).append(line)
                self._settle(batch)
            self._cond.notify_all()

    def _settle(self, batch: _Batch) -> None:
        """Schedule the end of processing once every line to run has its result."""
        finished = len(batch.output) + len(batch.failures) >= batch.stop_at
        if batch.status == "in_progress" and not batch.held and finished and batch.due is None:
            batch.due = time.monotonic() + self.delay

    def _advance(self, batch: _Batch, now: float) -> None:
        if batch.status == "validating":
            self._validate(batch)
        elif batch.status == "in_progress" and batch.stop_at < len(batch.requests):
            self._expire(batch)
        elif batch.status == "in_progress":
            batch.move("finalizing", now + self.delay)
        else:  # finalizing or cancelling
            self._write_files(batch)
            batch.move("completed" if batch.status == "finalizing" else "cancelled")
        self._cond.notify_all()

    def _validate(self, batch: _Batch) -> None:
        stored = self.files.get(batch.input_file_id)
        data = stored.data if stored is not None else b""
        requests, errors = check_input(data, batch.endpoint, self.max_requests, self.max_bytes)
        if self.faults.batch_fails(batch.index):
            injected = "The batch failed validation: a fault injected by the fake server."
            errors = [error("batch_failed", injected)]
        if errors:
            batch.errors = errors
            batch.move("failed")
            return
        model = requests[0][1].get("model")
        batch.requests, batch.model = requests, model if isinstance(model, str) else None
        expiry = self.faults.lines_before_expiry(batch.index)
        batch.stop_at = len(requests) if expiry is None else min(expiry, len(requests))
        batch.move("in_progress")
        self._settle(batch)

    def _expire(self, batch: _Batch) -> None:
        for custom_id, _body in batch.requests[batch.stop_at :]:
            self._lines_run += 1
            expired = {"code": "batch_expired", "message": EXPIRED}
            batch.failures.append(result(self._lines_run, custom_id, None, expired))
        self._write_files(batch)
        batch.move("expired")

    def _write_files(self, batch: _Batch) -> None:
        if batch.output:
            name = f"{batch.id}_output.jsonl"
            batch.output_file_id = self.files.add(name, "batch_output", jsonl(batch.output)).id
        if batch.failures:
            name = f"{batch.id}_error.jsonl"
            batch.error_file_id = self.files.add(name, "batch_output", jsonl(batch.failures)).id
