"""Judge stage, HTTP cassettes: record and replay the exchanges below the real `openai` client.

Each exchange is one readable JSON file named after a hash of the request (method, path and
body), so replay matches on the body and ignores headers, times and retries. Secret headers are
never written: requests keep only an allow-list, responses only their content type and the
rate-limit headers, and an error's text loses any echo of the key. Attached images are stored
as a digest, not as megabytes of base64."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx2

from reviewer.files.write import write_atomic
from reviewer.judge.redact import header_secrets, redact

_REQUEST_HEADERS = ("content-type", "accept")
_RESPONSE_HEADERS = re.compile(r"^(content-type|retry-after(-ms)?|x-ratelimit-[a-z-]+)$")
_DATA_URL = re.compile(r"data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)")


class NotRecorded(httpx2.TransportError):
    """Replay found no exchange for this request."""


def exchange_key(method: str, path: str, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False)
    except (ValueError, UnicodeDecodeError):
        canonical = body.decode("utf-8", "replace")
    digest = hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()
    return digest[:24]


def _key(request: httpx2.Request) -> str:
    return exchange_key(request.method, request.url.path, request.content)


class RecordingTransport(httpx2.BaseTransport):
    def __init__(self, directory: Path, inner: httpx2.BaseTransport | None = None) -> None:
        self.directory = directory
        self.inner = inner or httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        response = self.inner.handle_request(request)
        try:
            body = response.read()
        finally:
            response.close()
        if response.status_code >= 400:  # error texts may echo the key back
            secrets = header_secrets(request.headers)
            body = redact(body.decode("utf-8", "replace"), secrets).encode()
        exchange = {
            "request": _request_record(request),
            "response": {
                "status": response.status_code,
                "headers": _kept(response.headers, _RESPONSE_HEADERS),
                "body": _body(body),
            },
        }
        path = self.directory / f"{_key(request)}.json"
        write_atomic(path, json.dumps(exchange, indent=2, ensure_ascii=False) + "\n")
        return _response(exchange["response"], request)

    def close(self) -> None:
        self.inner.close()


class ReplayTransport(httpx2.BaseTransport):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        path = self.directory / f"{_key(request)}.json"
        try:
            exchange = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotRecorded(
                f"no recorded exchange for this request in {self.directory} "
                "(the prompt or the chapter changed since recording; record again with --record)"
            ) from None
        except (OSError, ValueError) as err:
            raise NotRecorded(f"{path}: unreadable cassette ({err})") from None
        return _response(exchange["response"], request)


def _request_record(request: httpx2.Request) -> dict[str, Any]:
    allowed = {k: v for k, v in request.headers.items() if k.lower() in _REQUEST_HEADERS}
    return {
        "method": request.method,
        "path": request.url.path,
        "headers": allowed,
        "body": _body(request.content, digest_images=True),
    }


def _kept(headers: httpx2.Headers, pattern: re.Pattern[str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if pattern.match(k.lower())}


def _body(raw: bytes, digest_images: bool = False) -> Any:
    text = raw.decode("utf-8", "replace")
    if digest_images:
        text = _DATA_URL.sub(
            lambda m: f"data:{m[1]};sha256,{hashlib.sha256(m[2].encode()).hexdigest()}", text
        )
    try:
        return json.loads(text)
    except ValueError:
        return text  # kept as text: a malformed body is part of what was recorded


def _response(record: dict[str, Any], request: httpx2.Request) -> httpx2.Response:
    body = record["body"]
    content = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return httpx2.Response(
        record["status"], headers=record["headers"], content=content.encode(), request=request
    )
