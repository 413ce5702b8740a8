"""A fake OpenAI-compatible chat completions server for the tests and benchmarks.

A real HTTP/1.1 server on loopback (ThreadingHTTPServer in a background thread), so the real
`openai` client talks to it over sockets exactly as it would to a remote endpoint. It
answers `POST /v1/chat/completions` with a deterministic judgment (tests/fake_judge.py) and
can play the endpoint's failures: OpenAI-style rate limits (tests/fake_limits.py), injected
faults (tests/fake_faults.py), servers that reject `json_schema` response formats, latency.

    with FakeOpenAI(rpm=60, faults=FaultPlan.sequence(["503"])) as server:
        client = openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0)

Standalone, for recording cassettes and benchmarks (serves until Ctrl-C or SIGTERM):

    python -m tests.fake_openai --port 8765 --rpm 600 --tpm 200000 --latency 0.2

Order of checks for a request: API key (401), path (404), body (400), json_schema support
(400), rate limits (429, consumes nothing), then the request is admitted: it is numbered for
the fault plan, consumes budget, waits `latency` and gets its answer or its fault."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from reviewer.judge.tokens import count_text
from tests.fake_faults import FAULT_KINDS, FaultPlan
from tests.fake_judge import default_answer
from tests.fake_limits import RateLimiter
from tests.fake_replies import (
    DROP,
    NO_KEY,
    SCHEMA_UNSUPPORTED,
    Body,
    Reply,
    answer_choice,
    answered,
    completion,
    completion_budget,
    error_reply,
    failure,
    faulty_choice,
    format_type,
    prompt_tokens,
    rate_limited,
    request_problem,
)

__all__ = ["FAULT_KINDS", "FakeOpenAI", "FaultPlan", "LoggedRequest", "Reply", "main"]

CHAT_PATH = "/v1/chat/completions"
Answerer = Callable[[Body], str]


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it. `time` is time.monotonic() at arrival; `status` is
    None when the connection was closed without a response (drop, timeout, shutdown)."""

    time: float
    method: str
    path: str
    body: Any  # the parsed JSON, None if the body was empty or not JSON
    status: int | None
    fault: str | None
    headers: dict[str, str] = field(default_factory=dict)  # lowercased names


@dataclass(frozen=True)
class _Incoming:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    arrived: float


@dataclass(frozen=True)
class _Outcome:
    reply: Reply
    fault: str | None = None
    delay: float = 0.0
    limits: dict[str, str] | None = None  # the limiter's state when the request was admitted


class FakeOpenAI:
    """The server. Use as a context manager, or call start() and stop()."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        rpm: int | None = None,
        tpm: int | None = None,
        faults: FaultPlan | None = None,
        reject_json_schema: bool = False,
        answerer: Answerer | None = None,
        send_ratelimit_headers: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        self.latency = latency
        self.faults = faults
        self.reject_json_schema = reject_json_schema
        self.answerer = answerer
        self.send_ratelimit_headers = send_ratelimit_headers
        self.verbose = verbose
        self.limiter = RateLimiter(rpm, tpm)
        self.log: list[LoggedRequest] = []
        self._address = (host, port)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._served = 0  # every request, for x-request-id
        self._admitted = 0  # admitted chat requests: the fault plan's index
        self._open: dict[socket.socket, threading.Thread] = {}
        self._server: _Server | None = None
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
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        count_text("")  # load the tokenizer now, not inside the first timed request
        return self

    def stop(self) -> None:
        """Shut down at once: sleeping handlers wake up and drop their connections, idle
        keep-alive connections are closed."""
        if self._server is None or self._thread is None:
            return
        self._stopping.set()
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

    # -- called from the handler threads -----------------------------------------------------

    def handle(self, request: _Incoming) -> Reply:
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

    def _decide(self, request: _Incoming) -> _Outcome:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _Outcome(error_reply(401, NO_KEY, code="invalid_api_key"))
        if (request.method, request.path) != ("POST", CHAT_PATH):
            return _Outcome(error_reply(404, f"Invalid URL ({request.method} {request.path})"))
        problem = request_problem(request.body)
        if problem is not None:
            return _Outcome(error_reply(400, problem[0], param=problem[1]))
        body: Body = request.body
        if self.reject_json_schema and format_type(body) == "json_schema":
            return _Outcome(error_reply(400, SCHEMA_UNSUPPORTED, param="response_format"))
        return self._admit(body)

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

    def _record(self, request: _Incoming, status: int | None, fault: str | None) -> None:
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
            _shut(conn)
        return list(open_now.values())


# -- the HTTP side ---------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in a custom answerer never blocks interpreter exit

    def __init__(self, address: tuple[str, int], fake: FakeOpenAI) -> None:
        super().__init__(address, _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out and hang up are part of the tests, not errors.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API: the client pools connections
    # Headers and body leave in one write, without Nagle: otherwise every answer on a reused
    # connection waits out the client's delayed ACK (about 40 ms).
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        if not self.server.fake.connected(self.connection):
            _shut(self.connection)

    def finish(self) -> None:
        self.server.fake.disconnected(self.connection)
        super().finish()

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        path = urlsplit(self.path).path
        reply = self.server.fake.handle(
            _Incoming(self.command, path, headers, _parsed(raw), time.monotonic())
        )
        if reply.status is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # FakeOpenAI._record reports requests when verbose


def _shut(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        conn.shutdown(socket.SHUT_RDWR)


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


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
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    kinds = args.fault_kinds.split(",")
    faults = FaultPlan.random(args.fault_rate, kinds, args.seed) if args.fault_rate else None
    server = FakeOpenAI(
        latency=args.latency, rpm=args.rpm, tpm=args.tpm, faults=faults,
        reject_json_schema=args.reject_json_schema,
        send_ratelimit_headers=not args.no_ratelimit_headers,
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
