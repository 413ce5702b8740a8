"""Batch stage, the JSONL: a line per question, split into files within the API's limits, and
the result lines read back into replies the judge validates as it does live ones."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reviewer.judge.chat import ChatReply

URL = "/v1/chat/completions"
# The Batch API's limits per input file (platform.openai.com/docs/guides/batch).
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class BatchLimits:
    max_requests: int = MAX_REQUESTS
    max_bytes: int = MAX_BYTES


def line(custom_id: str, body: dict[str, Any]) -> bytes:
    record = {"custom_id": custom_id, "method": "POST", "url": URL, "body": body}
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def split(lines: Sequence[bytes], limits: BatchLimits) -> Iterator[list[bytes]]:
    """Consecutive groups of lines, each within both limits: as few files as they allow."""
    group: list[bytes] = []
    size = 0
    for item in lines:
        if group and (len(group) >= limits.max_requests or size + len(item) > limits.max_bytes):
            yield group
            group, size = [], 0
        group.append(item)
        size += len(item)
    if group:
        yield group


@dataclass(frozen=True)
class Result:
    """What came back for one line: a reply to validate, or why there is none."""

    custom_id: str
    reply: ChatReply | None
    error: str | None = None


def results(data: bytes) -> Iterator[Result]:
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            yield _result(record)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line that cannot be read names no figure; its figure is retried


def _result(record: dict[str, Any]) -> Result:
    custom_id = str(record["custom_id"])
    response = record.get("response") or {}
    error = record.get("error")
    status = response.get("status_code")
    if error or status != 200:
        return Result(custom_id, None, _why(error, status, response.get("body")))
    body = response["body"]
    choice = body["choices"][0]
    message = choice["message"]
    usage = body.get("usage") or {}
    reply = ChatReply(
        content=message.get("content"),
        finish_reason=choice.get("finish_reason"),
        refusal=message.get("refusal"),
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
    )
    return Result(custom_id, reply)


def _why(error: Any, status: Any, body: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('code') or 'error'}: {error.get('message') or 'no message'}"
    inner = body.get("error") if isinstance(body, dict) else None
    message = inner.get("message") if isinstance(inner, dict) else None
    return f"status {status}: {message or 'no message'}"
