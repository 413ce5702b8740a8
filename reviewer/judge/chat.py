"""Judge stage, the LLM boundary: one chat call in, one reply out.

`Chat.complete` is the only thing the rate limiter, the retry layer and the cassettes wrap;
`reviewer.judge.openai_chat` implements it with the real `openai` client. The errors say which
failures are worth retrying, which end the whole run, and which end one figure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

_REASONING = re.compile(r"^(o\d|gpt-5)")


@dataclass(frozen=True)
class ChatCall:
    model: str
    messages: tuple[Mapping[str, Any], ...]
    max_tokens: int
    response_format: Mapping[str, Any] | None  # None: the prompt alone asks for JSON
    temperature: float = 0.0
    tokens: int = 0  # what the rate limiter charges: prompt tokens plus max_tokens


def request_body(call: ChatCall, endpoint: str) -> dict[str, Any]:
    """The chat-completions body for a call, as sent live and as written in a batch line."""
    # OpenAI's and Azure's APIs want max_completion_tokens; many compatible servers know
    # only max_tokens.
    budget = "max_tokens" if endpoint == "compatible" else "max_completion_tokens"
    body: dict[str, Any] = {
        "model": call.model,
        "messages": list(call.messages),
        "temperature": call.temperature,
        budget: call.max_tokens,
    }
    if call.response_format is not None:
        body["response_format"] = dict(call.response_format)
    if _REASONING.match(call.model):
        del body["temperature"]  # OpenAI's reasoning models accept only the default
    return body


@dataclass(frozen=True)
class Limits:
    """What the server said about its rate limits (`x-ratelimit-*`); None where it was silent."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None


@dataclass(frozen=True)
class ChatReply:
    content: str | None
    finish_reason: str | None = "stop"
    refusal: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    limits: Limits = field(default_factory=Limits)
    replayed: bool = False
    sent: int = 1  # requests sent to get this reply, retries included


class Chat(Protocol):
    def complete(self, call: ChatCall) -> ChatReply: ...


class ChatError(Exception):
    """A call that produced no usable reply. `retry_after` is the server's advice, in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.sent = 0  # requests that went out before it was raised, retries included


class TransientError(ChatError):
    """Connection, timeout, 429 rate limit, 5xx: worth trying again after a wait."""


class Unreachable(TransientError):
    """No answer at all: the connection failed or the request timed out."""


class FatalError(ChatError):
    """Authentication, quota, unknown model: every later call would fail the same way."""


class RequestError(ChatError):
    """This request cannot succeed as it is (bad request, prompt too long, not recorded)."""


class SchemaUnsupported(RequestError):
    """The server rejects the request's structured-output form; a simpler form may work."""
