"""Judge stage, the chat client: a `Chat` over the real `openai` client. The batch stage's
client (reviewer.batch.client) maps its errors with `mapped_error` from here.

The client is built with `max_retries=0` because tenacity (reviewer.judge.retry) is the only
retry layer. Every `openai` exception is mapped here onto the boundary's own errors, with a
message that says what to do."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import httpx2
import openai

from reviewer.controls import strip_controls
from reviewer.judge.cassette import NotRecorded, RecordingTransport, ReplayTransport
from reviewer.judge.chat import (
    ChatCall,
    ChatError,
    ChatReply,
    FatalError,
    Limits,
    RequestError,
    SchemaUnsupported,
    TransientError,
    Unreachable,
    request_body,
)
from reviewer.judge.redact import header_secrets, redact

T = TypeVar("T")
REPLAY_URL = "http://replay.invalid/v1"  # never resolved: the replay transport answers first
PING_TIMEOUT = 10.0


class OpenAIChat:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        endpoint: str,
        timeout: float = 120.0,
        record: Path | None = None,
        replay: Path | None = None,
    ) -> None:
        transport: httpx2.BaseTransport | None = None
        if replay is not None:
            transport = ReplayTransport(replay)
            base_url = base_url or REPLAY_URL
        elif record is not None:
            transport = RecordingTransport(record)
        http_client = openai.DefaultHttpxClient(transport=transport) if transport else None
        self.replaying = replay is not None
        self.endpoint = endpoint
        self.secrets = [api_key] if api_key else []
        self.client = openai.OpenAI(
            api_key=api_key or "not-needed",  # local servers take any key; none is sent on replay
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
        )

    def complete(self, call: ChatCall) -> ChatReply:
        """One request, as it is: no retry, no rate limit, no negotiation (those wrap it)."""
        try:
            return self._complete(call)
        except ChatError as err:
            err.sent = 1  # it went out, whatever came back
            raise

    def _complete(self, call: ChatCall) -> ChatReply:
        try:
            body = request_body(call, self.endpoint)
            raw = self.client.chat.completions.with_raw_response.create(**body)
            completion = raw.parse()
        except openai.APIError as err:
            raise mapped_error(err, self.secrets) from None
        except ValueError as err:  # a 200 whose JSON body is cut or garbled
            raise TransientError(f"the server's answer is not valid JSON ({err})") from None
        # A proxy's HTML page with status 200 parses to a str, not a completion.
        if not getattr(completion, "choices", None):
            raise TransientError("the server's answer holds no completion")
        choice = completion.choices[0]
        usage = completion.usage
        return ChatReply(
            content=choice.message.content,
            finish_reason=choice.finish_reason,
            refusal=getattr(choice.message, "refusal", None),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            limits=limits_from(raw.headers),
            replayed=self.replaying,
        )

    def ping(self, timeout: float = PING_TIMEOUT) -> None:
        """One cheap request before the first question, so that a server that does not answer
        at all is found in seconds rather than after every figure's retries."""
        try:
            self.client.with_options(timeout=timeout).models.list()
        except openai.APIConnectionError as err:
            raise mapped_error(err, self.secrets) from None
        except openai.APIError:
            return  # any answer, even an error, shows that the server is there

    def models(self) -> list[str]:
        """The ids of the endpoint's model list (for doctor)."""
        try:
            return [m.id for m in self.client.models.list().data]
        except openai.APIError as err:
            raise mapped_error(err, self.secrets) from None

    def batches_offered(self) -> str:
        """Whether the endpoint serves the Batch API: 'yes', or why not (for doctor)."""
        try:
            self.client.batches.list(limit=1)
        except openai.APIError as err:
            return str(mapped_error(err, self.secrets))
        return "yes"


def limits_from(headers: Mapping[str, str]) -> Limits:
    def number(name: str) -> int | None:
        try:
            return int(float(headers.get(name, "")))
        except ValueError:
            return None

    return Limits(
        number("x-ratelimit-limit-requests"),
        number("x-ratelimit-remaining-requests"),
        number("x-ratelimit-limit-tokens"),
        number("x-ratelimit-remaining-tokens"),
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


def mapped_error(err: openai.APIError, secrets: list[str]) -> ChatError:
    mapped = _classified(err)
    message = redact(str(mapped), [*secrets, *_request_secrets(err)])
    return type(mapped)(message, mapped.retry_after)


def _classified(err: openai.APIError) -> ChatError:
    if isinstance(err, openai.APIConnectionError):
        return _connection(err)
    if isinstance(err, openai.APIStatusError):
        return _status(err)
    # A 200 whose body is not the expected JSON: often a proxy hiccup, so worth another try.
    return TransientError(f"the server's answer could not be read ({err.message})")


def _connection(err: openai.APIConnectionError) -> ChatError:
    cause = err.__cause__
    while cause is not None and not isinstance(cause, NotRecorded):
        cause = cause.__cause__
    if isinstance(cause, NotRecorded):
        return RequestError(str(cause))
    if isinstance(err, openai.APITimeoutError):
        return Unreachable("the request timed out")
    return Unreachable(f"could not connect to the endpoint ({err.message})")


# What servers say when they reject a structured-output form: OpenAI's 400, llama-cpp-python's
# 500 ("response_format type must be ..."), LM Studio's 400 ("'response_format.type' must be
# 'json_schema' or 'text'"), vLLM's and llama-server's 400s about the schema or the grammar.
_FORM_REJECTED = re.compile(
    r"response[_ ]format|json[_ ]schema|json[_ ]object|structured[ -]output|grammar"
    r"|\bschema\b|guided[_ ]decoding",
    re.IGNORECASE,
)
# A server error is not retried if it says the request itself is at fault.
_INVALID_REQUEST = re.compile(r"validation error|invalid request|unprocessable", re.IGNORECASE)


def _status(err: openai.APIStatusError) -> ChatError:
    status, code = err.status_code, str(getattr(err, "code", None) or "")
    message = _server_message(err)
    if status in (401, 403):
        return FatalError(
            f"the endpoint refused the API key ({status}: {message}); "
            "check OPENAI_API_KEY, or --base-url for a local server"
        )
    if status == 429 and code == "insufficient_quota":
        return FatalError(f"the account is out of quota ({message}); check its plan and billing")
    if status == 429:
        return TransientError(f"{status}: {message}", _retry_after(err.response.headers))
    # Checked before the 5xx rule: llama-cpp-python answers a rejected form with a 500.
    if status in (400, 415, 422, 500, 501) and _FORM_REJECTED.search(message):
        return SchemaUnsupported(f"{status}: {message}")
    if status >= 500 and not _INVALID_REQUEST.search(message):
        return TransientError(f"{status}: {message}", _retry_after(err.response.headers))
    if status == 404:
        return FatalError(f"404 from the endpoint ({message}); check --model and --base-url")
    if code == "context_length_exceeded":
        return RequestError(
            f"the prompt is too long for the model ({message}); choose a model with a longer "
            "context, or --vision off if images are attached"
        )
    return RequestError(f"the endpoint rejected the request ({status}: {message})")


def _server_message(err: openai.APIStatusError) -> str:
    """The server's own words, on one line, without control characters: they go to audits
    and to the terminal."""
    return strip_controls(" ".join(_raw_message(err).split()))[:300]


def _raw_message(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:2000]
        if isinstance(inner, str):
            return inner[:2000]
        if "detail" in body:  # FastAPI's validation errors: {"detail": [{"loc", "msg"}]}
            return json.dumps(body["detail"], ensure_ascii=False)[:2000]
    return str(err.message)[:2000]


def _request_secrets(err: openai.APIError) -> list[str]:
    """The key as this request sent it: a server may echo it back in its error text."""
    try:
        return header_secrets(err.request.headers)
    except (AttributeError, RuntimeError):
        return []
