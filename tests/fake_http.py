"""The fake OpenAI server's wire: a ThreadingHTTPServer whose handler reads each request,
hands it to the fake as an `Incoming` and writes the `Reply` back.

Kept apart from tests/fake_openai.py, which decides the answers, so that module stays about
OpenAI's behaviour. Bodies arrive with a content-length (the openai client never sends them
chunked); `multipart/form-data` bodies, which `client.files.create` sends, are split into their
form fields and their one file here."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

from tests.fake_replies import Reply


@dataclass(frozen=True)
class Upload:
    """A multipart/form-data body: its text fields and its file, if any."""

    fields: dict[str, str]
    filename: str | None = None
    data: bytes | None = None

    def summary(self) -> dict[str, Any]:
        """What the request log shows instead of the raw bytes."""
        lines = jsonl_values(self.data) if self.data is not None else []
        return {"filename": self.filename, "purpose": self.fields.get("purpose"), "lines": lines}


@dataclass(frozen=True)
class Incoming:
    method: str
    path: str
    headers: dict[str, str]  # lowercased names
    body: Any  # the parsed JSON, an Upload's summary, or None
    arrived: float
    query: dict[str, str] = field(default_factory=dict)
    upload: Upload | None = None


class Host(Protocol):
    """What the handler needs from the fake behind it."""

    def handle(self, request: Incoming) -> Reply: ...

    def connected(self, conn: socket.socket) -> bool: ...

    def disconnected(self, conn: socket.socket) -> None: ...


def jsonl_values(data: bytes) -> list[Any]:
    """Each non-blank line parsed as JSON; a line that does not parse is kept as its text, so
    a log of a broken upload still shows what was sent."""
    values: list[Any] = []
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            try:
                values.append(json.loads(line))
            except ValueError:
                values.append(line)
    return values


def parse_multipart(raw: bytes, content_type: str) -> Upload | None:
    """The form in a multipart/form-data body, None for any other content type. Each part is
    `--boundary CRLF headers CRLF CRLF content CRLF`; the last boundary ends in `--`."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/form-data") or boundary is None:
        return None
    fields: dict[str, str] = {}
    filename: str | None = None
    data: bytes | None = None
    for part in raw.split(b"--" + boundary.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        disposition = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', disposition)
        file = re.search(r'\bfilename="([^"]*)"', disposition)
        if file is not None:
            filename, data = file.group(1), content
        elif name is not None:
            fields[name.group(1)] = content.decode("utf-8", "replace")
    return Upload(fields, filename, data)


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in a custom answerer never blocks interpreter exit

    def __init__(self, address: tuple[str, int], fake: Host) -> None:
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
    server: Server

    def setup(self) -> None:
        super().setup()
        if not self.server.fake.connected(self.connection):
            shut(self.connection)

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
        reply = self.server.fake.handle(self._incoming())
        if reply.status is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _incoming(self) -> Incoming:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        url = urlsplit(self.path)
        upload = parse_multipart(raw, headers.get("content-type", ""))
        body = upload.summary() if upload is not None else _parsed(raw)
        query = dict(parse_qsl(url.query))
        return Incoming(self.command, url.path, headers, body, time.monotonic(), query, upload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # FakeOpenAI._record reports requests when verbose


class Loopback:
    """A small real HTTP server on 127.0.0.1, serving from a thread while it is used as a
    context manager. The scripted servers and the counting proxy of the tests are these."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def shut(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        conn.shutdown(socket.SHUT_RDWR)


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None
