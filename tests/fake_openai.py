"""A fake OpenAI-compatible chat completions server for the tests and benchmarks.

A real HTTP/1.1 server on loopback (ThreadingHTTPServer in a background thread), so the real
`openai` client talks to it over sockets exactly as it would to a remote endpoint. It
answers `POST /v1/chat/completions` with a deterministic judgment (tests/fake_judge.py) and
can play the endpoint's failures: OpenAI-style rate limits (tests/fake_limits.py), injected
faults (tests/fake_faults.py), servers that reject `json_schema` response formats, latency.
It also serves the Files API (tests/fake_files.py) and the Batch API (tests/fake_batches.py),
whose batches run asynchronously through the same answerer, with their own faults.

    with FakeOpenAI(rpm=60, faults=FaultPlan.sequence(["503"])) as server:
        client = openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0)

Standalone, for recording cassettes and benchmarks (serves until Ctrl-C or SIGTERM):

    python -m tests.fake_openai --port 8765 --rpm 600 --tpm 200000 --latency 0.2

Order of checks for a chat request: API key (401), path (404), body (400), json_schema
support (400), rate limits (429, consumes nothing), then the request is admitted: it is
numbered for the fault plan, consumes budget, waits `latency` and gets its answer or its
fault. Files and batches requests need the API key only: no limits, faults or latency."""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reviewer.judge.tokens import count_text
from tests.fake_batches import BatchFaults, BatchRunner
from tests.fake_faults import FAULT_KINDS, FaultPlan
from tests.fake_files import FileStore
from tests.fake_http import Incoming, Server, shut
from tests.fake_judge import default_answer
from tests.fake_limits import RateLimiter
from tests.fake_replies import (
    DROP,
    NO_KEY,
    Body,
    Reply,
    answer_choice,
    answered,
    completion,
    completion_budget,
    error_reply,
    failure,
    faulty_choice,
    form_of,
    form_rejected,
    json_reply,
    prompt_tokens,
    rate_limited,
    request_problem,
)

__all__ = [
    "FAULT_KINDS", "BatchFaults", "FakeOpenAI", "FaultPlan", "LoggedRequest", "Reply", "main",
]  # fmt: skip

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
Answerer = Callable[[Body], str]


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it. `time` is time.monotonic() at arrival; `status` is
    None when the connection was closed without a response (drop, timeout, shutdown)."""

    time: float
    method: str
    path: str
    # The parsed JSON, None if the body was empty or not JSON. A multipart file upload shows
    # as {"filename", "purpose", "lines": [each JSONL line parsed, or its text if it is not JSON]}.
    body: Any
    status: int | None
    fault: str | None
    headers: dict[str, str] = field(default_factory=dict)  # lowercased names


@dataclass(frozen=True)
class _Outcome:
    reply: Reply
    fault: str | None = None
    delay: float = 0.0
    limits: dict[str, str] | None = None  # the limiter's state when the request was admitted


class FakeOpenAI:
    """The server. Use as a context manager, or call start() and stop().

    Batches: each status transition waits `batch_delay` seconds; with `batch_hold` they stay
    in_progress until release_batches(); `batch_faults` plays expiry and failures; a batch
    input file may hold `batch_max_requests` lines and `batch_max_bytes` bytes."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        rpm: int | None = None,
        tpm: int | None = None,
        faults: FaultPlan | None = None,
        reject_json_schema: bool = False,
        rejects: Mapping[str, int] | None = None,
        answerer: Answerer | None = None,
        models: tuple[str, ...] = ("gpt-4.1-mini", "gpt-4o-mini"),
        send_ratelimit_headers: bool = True,
        batch_delay: float = 0.05,
        batch_hold: bool = False,
        batch_faults: BatchFaults | None = None,
        batch_max_requests: int = 50_000,
        batch_max_bytes: int = 200 * 1024 * 1024,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        self.latency = latency
        self.faults = faults
        # Structured-output forms the server turns down, with the status it answers:
        # {"json_schema": 500} is llama-cpp-python, {"json_object": 400} LM Studio.
        self.rejects = dict(rejects or {})
        if reject_json_schema:
            self.rejects.setdefault("json_schema", 400)
        self.answerer = answerer
        self.models = models
        self.send_ratelimit_headers = send_ratelimit_headers
        self.verbose = verbose
        self.limiter = RateLimiter(rpm, tpm)
        self.log: list[LoggedRequest] = []
        self.files = FileStore()
        self._batches = BatchRunner(
            self.files, self._batch_answer, delay=batch_delay, hold=batch_hold,
            faults=batch_faults, max_requests=batch_max_requests, max_bytes=batch_max_bytes,
        )  # fmt: skip
        self._address = (host, port)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._served = 0  # every request, for x-request-id
        self._admitted = 0  # admitted chat requests: the fault plan's index
        self._open: dict[socket.socket, threading.Thread] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake server is not running: start() it first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeOpenAI:
        if self._server is not None or self._stopping.is_set():
            raise RuntimeError("a FakeOpenAI starts once")
        self._server = Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        self._batches.start()
        count_text("")  # load the tokenizer now, not inside the first timed request
        return self

    def stop(self) -> None:
        """Shut down at once: sleeping handlers wake up and drop their connections, idle
        keep-alive connections are closed."""
        if self._server is None or self._thread is None:
            return
        self._stopping.set()
        self._batches.stop()
        self._server.shutdown()
        threads = self._disconnect_all()
        self._server.server_close()
        self._thread.join()
        deadline = time.monotonic() + 1.0
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, path: str = CHAT_PATH, status: int | None = None) -> int:
        """Requests logged for `path`, only those answered with `status` if given."""
        with self._lock:
            return sum(
                1 for r in self.log if r.path == path and (status is None or r.status == status)
            )

    # -- batches -----------------------------------------------------------------------------

    @property
    def batches(self) -> list[dict[str, Any]]:
        """Every batch as GET /v1/batches/{id} shows it now, plus its creation `index`,
        oldest first. A copy: it does not change as the batches run."""
        return self._batches.snapshot()

    def count_batches(self, status: str | None = None) -> int:
        return sum(1 for b in self.batches if status is None or b["status"] == status)

    def uploaded_lines(self, purpose: str = "batch") -> list[Any]:
        """Every line of every uploaded file with `purpose`, in upload order, parsed (a line
        that is not JSON stays text). Deleting a file takes its lines out."""
        return self.files.lines(purpose)

    def release_batches(self) -> None:
        """With batch_hold: let the batches created so far run; later ones are held again."""
        self._batches.release()

    def wait_batches(self, timeout: float = 5.0) -> None:
        """Block until every batch is completed, failed, expired or cancelled; TimeoutError
        after `timeout` seconds, naming the batches still running."""
        self._batches.wait(timeout)

    # -- called from the handler threads -----------------------------------------------------

    def handle(self, request: Incoming) -> Reply:
        try:
            outcome = self._decide(request)
        except Exception as err:  # a bug here or in a custom answerer: tell the client
            traceback.print_exc()
            outcome = _Outcome(error_reply(500, f"fake server error: {err!r}", "server_error"))
        if outcome.fault == "timeout":
            self._record(request, None, outcome.fault)
            self._pause(outcome.delay)
            return DROP
        reply = outcome.reply if self._pause(outcome.delay) else DROP
        self._record(request, reply.status, outcome.fault)
        return reply if reply.status is None else self._with_headers(reply, outcome.limits)

    def connected(self, conn: socket.socket) -> bool:
        with self._lock:
            if self._stopping.is_set():
                return False
            self._open[conn] = threading.current_thread()
            return True

    def disconnected(self, conn: socket.socket) -> None:
        with self._lock:
            self._open.pop(conn, None)

    # -- deciding the answer -----------------------------------------------------------------

    def _decide(self, request: Incoming) -> _Outcome:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _Outcome(error_reply(401, NO_KEY, code="invalid_api_key"))
        api = self.files.route(request) or self._batches.route(request)
        if api is not None:
            return _Outcome(api)
        if (request.method, request.path) == ("GET", MODELS_PATH):
            listed = [{"id": name, "object": "model", "owned_by": "fake"} for name in self.models]
            return _Outcome(json_reply(200, {"object": "list", "data": listed}))
        if (request.method, request.path) != ("POST", CHAT_PATH):
            return _Outcome(error_reply(404, f"Invalid URL ({request.method} {request.path})"))
        refused = self._refusal(request.body)
        return _Outcome(refused) if refused is not None else self._admit(request.body)

    def _refusal(self, body: Any) -> Reply | None:
        """The 400 for a chat request body the endpoint does not accept, None if it does."""
        problem = request_problem(body)
        if problem is not None:
            return error_reply(400, problem[0], param=problem[1])
        status = self.rejects.get(form_of(body))
        return None if status is None else form_rejected(status, form_of(body))

    def _admit(self, body: Body) -> _Outcome:
        prompt = prompt_tokens(body)
        admission = self.limiter.admit(prompt + completion_budget(body))
        if not admission.admitted:
            refused = rate_limited(admission, str(body["model"]))
            return _Outcome(refused, limits=admission.headers)
        with self._lock:  # numbering and picking together, so plans see requests in order
            index = self._admitted
            self._admitted += 1
            fault = self.faults.pick(index, body) if self.faults else None
        hang = self.faults.hang if self.faults else 0.0
        delay = hang if fault == "timeout" else self.latency
        return _Outcome(self._respond(body, index, prompt, fault), fault, delay, admission.headers)

    def _respond(self, body: Body, index: int, prompt: int, fault: str | None) -> Reply:
        failed = failure(fault, prompt)
        if failed is not None:
            return failed
        choice = faulty_choice(fault, body)
        if choice is None:
            content = self.answerer(body) if self.answerer else default_answer(body)
            choice = answer_choice(content, body, fault)
        return answered(completion(body, index, choice, prompt), fault)

    def _batch_answer(self, body: Body, number: int) -> tuple[int, dict[str, Any]]:
        """A batch line through the chat logic above: the same checks and answerer, but no
        rate limiter, fault plan or latency, which belong to HTTP requests."""
        reply = self._refusal(body) or self._respond(body, number, prompt_tokens(body), None)
        payload: dict[str, Any] = json.loads(reply.body)
        if reply.status == 200:  # not to be confused with the answers to HTTP requests
            payload["id"] = f"chatcmpl-fakebatch{number:06d}"
        return reply.status or 500, payload

    # -- bookkeeping -------------------------------------------------------------------------

    def _pause(self, seconds: float) -> bool:
        """Sleep, unless the server stops meanwhile: False then."""
        return seconds <= 0 or not self._stopping.wait(seconds)

    def _with_headers(self, reply: Reply, limits: dict[str, str] | None) -> Reply:
        with self._lock:
            self._served += 1
            headers = {"x-request-id": f"req_fake{self._served:06d}"}
        if self.send_ratelimit_headers:
            headers |= self.limiter.headers() if limits is None else limits
        return Reply(reply.status, reply.body, headers | reply.headers)

    def _record(self, request: Incoming, status: int | None, fault: str | None) -> None:
        entry = LoggedRequest(
            request.arrived, request.method, request.path, request.body, status, fault,
            request.headers,
        )  # fmt: skip
        with self._lock:
            self.log.append(entry)
        if self.verbose:
            shown = "dropped" if status is None else status
            print(f"{request.method} {request.path} -> {shown} fault={fault}", file=sys.stderr)

    def _disconnect_all(self) -> list[threading.Thread]:
        with self._lock:
            open_now = dict(self._open)
        for conn in open_now:
            shut(conn)
        return list(open_now.values())


# -- standalone ------------------------------------------------------------------------------


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_openai", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--rpm", type=int, default=None, help="requests per minute")
    parser.add_argument("--tpm", type=int, default=None, help="tokens per minute")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    parser.add_argument("--reject-json-schema", action="store_true")
    parser.add_argument("--no-ratelimit-headers", action="store_true")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of faulted requests")
    parser.add_argument("--fault-kinds", default="500,503", help="comma-separated, see FAULT_KINDS")
    parser.add_argument("--seed", type=int, default=0, help="for --fault-rate")
    parser.add_argument(
        "--batch-delay", type=float, default=1.0, help="seconds per batch status change"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    kinds = args.fault_kinds.split(",")
    faults = FaultPlan.random(args.fault_rate, kinds, args.seed) if args.fault_rate else None
    server = FakeOpenAI(
        latency=args.latency, rpm=args.rpm, tpm=args.tpm, faults=faults,
        reject_json_schema=args.reject_json_schema,
        send_ratelimit_headers=not args.no_ratelimit_headers, batch_delay=args.batch_delay,
        host=args.host, port=args.port, verbose=not args.quiet,
    )  # fmt: skip
    # Scripts stop it with SIGTERM; background jobs of a shell even ignore SIGINT.
    signal.signal(signal.SIGTERM, _interrupt)
    with server:
        print(server.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
