"""The fake Batch API's file formats: what makes a batch input file valid, and the lines of
the output and error files, as OpenAI documents them.

An input line: `{"custom_id": "...", "method": "POST", "url": "/v1/chat/completions",
"body": {...}}`. An output or error line:

    {"id": "batch_req_000001", "custom_id": "...",
     "response": {"status_code": 200, "request_id": "req_fakebatch000001", "body": {...}},
     "error": null}

where `body` is the chat.completion for a 200 and `{"error": {...}}` otherwise; a request
that never ran (the batch expired first) has `"response": null` and `"error": {"code":
"batch_expired", "message": ...}`. A validation error, as listed in the batch's `errors`:
`{"code", "message", "param", "line"}`, `line` 1-based, or null for the whole file."""

from __future__ import annotations

import json
from typing import Any

Body = dict[str, Any]
Request = tuple[str, Body]  # (custom_id, body)
EXPIRED = "This request could not be executed before the completion window expired."
LINE_FAULT = "The server had an error while processing your request. Sorry about that!"


# -- input files -----------------------------------------------------------------------------


def check_input(
    data: bytes, endpoint: str, max_requests: int, max_bytes: int
) -> tuple[list[Request], list[dict[str, Any]]]:
    """The requests of a batch input file as (custom_id, body), and its errors."""
    if len(data) > max_bytes:
        return [], [error("file_too_large", f"The input file exceeds {max_bytes} bytes.")]
    numbered = [
        (number, text)
        for number, text in enumerate(data.decode("utf-8", "replace").splitlines(), 1)
        if text.strip()
    ]
    if not numbered:
        return [], [error("empty_file", "The input file contains no requests.")]
    if len(numbered) > max_requests:
        message = f"The input file holds {len(numbered)} requests, more than {max_requests}."
        return [], [error("too_many_requests", message)]
    requests: list[Request] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, text in numbered:
        item, problem = _request_of(text, endpoint, seen)
        if problem is not None:
            errors.append(error(*problem, line=number))
        elif item is not None:
            seen.add(item["custom_id"])
            requests.append((item["custom_id"], item["body"]))
    return requests, errors


def _request_of(
    text: str, endpoint: str, seen: set[str]
) -> tuple[Body | None, tuple[str, str, str | None] | None]:
    """One input line and what is wrong with it as (code, message, param), if anything."""
    try:
        item = json.loads(text)
    except ValueError:
        return None, ("invalid_json_line", "This line is not parseable as valid JSON.", None)
    if not isinstance(item, dict):
        return None, ("invalid_json_line", "Each line must be a JSON object.", None)
    kinds = {"custom_id": str, "method": str, "url": str, "body": dict}
    for key, kind in kinds.items():
        if not isinstance(item.get(key), kind) or not item[key]:
            missing = f"Missing required parameter: '{key}'."
            return None, ("missing_required_parameter", missing, key)
    if item["custom_id"] in seen:
        message = "The custom_id for this request is a duplicate of another request."
        return None, ("duplicate_custom_id", message, "custom_id")
    if item["method"] != "POST":
        message = "The method provided for this request is not supported. Only POST is supported."
        return None, ("invalid_method", message, "method")
    if item["url"] != endpoint:
        message = "The URL provided for this request does not match the batch endpoint."
        return None, ("invalid_url", message, "url")
    return item, None


def is_metadata(value: Any) -> bool:
    """OpenAI's metadata: at most 16 pairs of strings."""
    return (
        isinstance(value, dict)
        and len(value) <= 16
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


def error(
    code: str, message: str, param: str | None = None, *, line: int | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


# -- output and error files ------------------------------------------------------------------


def result(
    number: int, custom_id: str, response: dict[str, Any] | None, failure: dict[str, str] | None
) -> dict[str, Any]:
    """One line of an output or error file."""
    return {
        "id": f"batch_req_{number:06d}",
        "custom_id": custom_id,
        "response": response,
        "error": failure,
    }


def jsonl(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
