"""The fake server's request checks and reply bodies: OpenAI-style chat completions and
error objects, the token counts behind `usage` and the rate limits, and what each fault
sends back. Pure functions, no sockets: tests/fake_openai.py puts them on the wire."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reviewer.judge.tokens import count_text
from tests.fake_judge import judgment, message_texts
from tests.fake_limits import REQUESTS, Admission, format_reset, retry_headers

Body = dict[str, Any]
REFUSAL = "I can't help with that."
PROSE = "[fake server] The paragraph mostly explains the figure, though it could say more."
SCHEMA_UNSUPPORTED = "response_format type json_schema is not supported by this server"
CONTEXT_WINDOW = 128_000
NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)
PROXY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
INVALID = "invalid_request_error"


@dataclass(frozen=True)
class Reply:
    status: int | None  # None: close the connection without answering
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


DROP = Reply(None)


class Choice(NamedTuple):
    content: str | None
    refusal: str | None
    finish_reason: str


# -- requests ----------------------------------------------------------------------------------


def request_problem(body: Any) -> tuple[str, str | None] | None:
    """What is wrong with a chat request body, and the parameter at fault; None if nothing."""
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request.", None
    if not isinstance(body.get("model"), str):
        return "you must provide a model parameter", "model"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array", "messages"
    if not all(isinstance(m, dict) for m in messages):
        return "every message must be an object", "messages"
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if value is not None and (type(value) is not int or value < 1):
            return f"Invalid '{key}': expected an integer of at least 1, got {value!r}", key
    return None


def format_type(body: Body) -> str | None:
    response_format = body.get("response_format")
    return response_format.get("type") if isinstance(response_format, dict) else None


def form_of(body: Body) -> str:
    """The structured-output form of a request: json_schema, json_object+schema (the form
    llama-cpp-python and llama-server take), json_object, or none."""
    kind = format_type(body)
    if kind == "json_object" and "schema" in body.get("response_format", {}):
        return "json_object+schema"
    return kind or "none"


def form_rejected(status: int, form: str) -> Reply:
    """A rejection worded as real servers word it: OpenAI's 400, llama-cpp-python's 500 (a
    request-validation error reported as a server fault), FastAPI's 422 detail list."""
    if status == 422:
        detail = [{"loc": ["body", "response_format", "type"], "msg": f"{form} is not allowed"}]
        return json_reply(422, {"detail": detail})
    if status >= 500:
        message = f"1 validation error for Request\nresponse_format.type: got {form}"
        return error_reply(status, message, "internal_server_error")
    return error_reply(status, f"{SCHEMA_UNSUPPORTED} ({form})", param="response_format")


def prompt_tokens(body: Body) -> int:
    """Tokens of every text part of every message; images count nothing."""
    return sum(count_text(t) for m in body["messages"] for t in message_texts(m))


def completion_budget(body: Body) -> int:
    return int(body.get("max_completion_tokens") or body.get("max_tokens") or 0)


# -- answers -----------------------------------------------------------------------------------


def completion(body: Body, index: int, choice: Choice, prompt: int) -> dict[str, Any]:
    """A `chat.completion` object; `prompt` is the request's prompt tokens."""
    spent = count_text(choice.content or choice.refusal or "")
    message = {"role": "assistant", "content": choice.content, "refusal": choice.refusal}
    first = {"index": 0, "message": message, "logprobs": None}
    return {
        "id": f"chatcmpl-fake{index:06d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fp_fake",
        "choices": [first | {"finish_reason": choice.finish_reason}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": spent,
            "total_tokens": prompt + spent,
        },
    }


def answer_choice(content: str, body: Body, fault: str | None) -> Choice:
    """The answer as the model would end it: cut in half for the "length" fault, else cut
    where max_tokens runs out."""
    if fault == "length":
        return Choice(content[: len(content) // 2], None, "length")
    return within_budget(content, completion_budget(body))


def within_budget(content: str, budget: int) -> Choice:
    """The longest prefix that fits `budget` tokens, finish_reason "length" when cut."""
    if not budget or count_text(content) <= budget:
        return Choice(content, None, "stop")
    low, high = 0, len(content)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if count_text(content[:middle]) <= budget else (low, middle - 1)
    return Choice(content[:low], None, "length")


def faulty_choice(fault: str | None, body: Body) -> Choice | None:
    """The model-side faults, which replace the answer; None for any other fault."""
    if fault == "refusal":
        return Choice(None, REFUSAL, "stop")
    if fault == "not_json":
        return Choice(PROSE, None, "stop")
    if fault == "bad_schema":
        broken = judgment(body)
        broken["score"] = 9
        del broken["rationale"]
        return Choice(json.dumps(broken), None, "stop")
    return None


def answered(payload: dict[str, Any], fault: str | None) -> Reply:
    if fault == "malformed":  # cut mid-JSON, as by a proxy that lost the rest
        text = json.dumps(payload).encode()
        return Reply(200, text[: len(text) // 2], {"content-type": "application/json"})
    return json_reply(200, payload)


# -- failures ----------------------------------------------------------------------------------


def json_reply(status: int, payload: object, headers: dict[str, str] | None = None) -> Reply:
    content_type = {"content-type": "application/json"}
    return Reply(status, json.dumps(payload).encode(), content_type | (headers or {}))


def error_reply(
    status: int,
    message: str,
    kind: str = INVALID,
    param: str | None = None,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    return json_reply(status, error_object(message, kind, param, code=code), headers)


def error_object(
    message: str, kind: str = INVALID, param: str | None = None, *, code: str | None = None
) -> dict[str, Any]:
    """The body of an OpenAI error response, also what a batch's error file holds."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def rate_limited(admission: Admission, model: str) -> Reply:
    per = "requests per min (RPM)" if admission.refused_by == REQUESTS else "tokens per min (TPM)"
    kind = admission.refused_by or REQUESTS
    if admission.too_large:  # no retry-after: waiting cannot help
        message = (
            f"Request too large for {per} on {model}: Limit {admission.limit}, "
            f"Requested {admission.requested}. Send fewer tokens."
        )
        return error_reply(429, message, kind, code="rate_limit_exceeded")
    message = (
        f"Rate limit reached for {per} on {model} in organization org-fake: Limit "
        f"{admission.limit}, Used {admission.used}, Requested {admission.requested}. "
        f"Please try again in {format_reset(admission.wait)}."
    )
    retry = retry_headers(admission.wait)
    return error_reply(429, message, kind, code="rate_limit_exceeded", headers=retry)


def failure(fault: str | None, prompt: int) -> Reply | None:
    """The reply for the server-side faults, None for the others."""
    if fault in ("drop", "timeout"):
        return DROP
    if fault == "html":
        return Reply(200, PROXY_PAGE, {"content-type": "text/html; charset=utf-8"})
    if fault == "500":
        message = "The server had an error while processing your request. Sorry about that!"
        return error_reply(500, message, "server_error")
    if fault == "503":
        return error_reply(503, "The server is overloaded or not ready yet.", "server_error")
    return _refusal(fault, prompt)


def _refusal(fault: str | None, prompt: int) -> Reply | None:
    if fault == "auth":
        message = (
            "Incorrect API key provided: te**. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        )
        return error_reply(401, message, code="invalid_api_key")
    if fault == "quota":
        message = "You exceeded your current quota, please check your plan and billing details."
        return error_reply(429, message, "insufficient_quota", code="insufficient_quota")
    if fault == "context":
        message = (
            f"This model's maximum context length is {CONTEXT_WINDOW} tokens. However, your "
            f"messages resulted in {CONTEXT_WINDOW + prompt} tokens. Please reduce the length "
            "of the messages."
        )
        return error_reply(400, message, INVALID, "messages", code="context_length_exceeded")
    return None
