"""Judge stage, asking the model: build the messages for one figure, call the chat, validate
the answer, and repair it once.

Structured output (a strict JSON schema) is tried first. A server that rejects it is asked in
JSON mode with the schema in the prompt from then on. An answer that breaks the schema, is cut
off or is refused gets one repair request; a second bad answer fails the figure with the
reason. Transport failures are the retry layer's business, below this one."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from reviewer.judge.chat import (
    Chat,
    ChatCall,
    ChatError,
    ChatReply,
    FatalError,
    SchemaUnsupported,
)
from reviewer.judge.request import JudgeRequest, Prompts
from reviewer.judge.schema import (
    PROPOSAL_NAME,
    PROPOSAL_SCHEMA,
    SCHEMA,
    SCHEMA_NAME,
    Answer,
    InvalidAnswer,
    parse_answer,
    parse_proposal,
)
from reviewer.judge.tokens import count_messages
from reviewer.model import JudgmentStatus

KEY_VERSION = 1


@dataclass(frozen=True)
class Settings:
    model: str
    endpoint: str  # openai | azure | compatible: what the parameters and answers depend on
    max_tokens: int = 1200
    temperature: float = 0.0
    vision: bool = False


@dataclass
class Spent:
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, reply: ChatReply) -> None:
        self.requests += 1
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens


@dataclass(frozen=True)
class Answered:
    answer: Answer
    status: JudgmentStatus
    model: str
    spent: Spent = field(default_factory=Spent)


@dataclass
class _Asked:
    """One question as sent: its messages, and whether they are in JSON mode."""

    json_mode: bool
    messages: list[dict[str, Any]]


class JudgeFailed(Exception):
    def __init__(self, reason: str, spent: Spent) -> None:
        super().__init__(reason)
        self.reason, self.spent = reason, spent


class Judge(Protocol):
    """The boundary the cache wraps: `key` names the question, `answer` asks it."""

    def key(self, request: JudgeRequest) -> str: ...

    def answer(self, request: JudgeRequest) -> Answered: ...

    def estimate(self, request: JudgeRequest) -> int: ...


class LLMJudge:
    def __init__(self, chat: Chat, prompts: Prompts, settings: Settings) -> None:
        self.chat, self.prompts, self.settings = chat, prompts, settings
        self.json_mode = False  # learned: the server rejected json_schema once
        self.keys: dict[JudgeRequest, str] = {}  # the cache and the checks both ask

    def key(self, request: JudgeRequest) -> str:
        if request not in self.keys:
            self.keys[request] = self._key(request)
        return self.keys[request]

    def _key(self, request: JudgeRequest) -> str:
        s = self.settings
        images = [hashlib.sha256(i.data).hexdigest() for i in self._images(request)]
        material = {
            "version": KEY_VERSION,
            "model": s.model,
            "endpoint": s.endpoint,
            "prompts": [self.prompts.system, self.prompts.json_mode, self.prompts.repair],
            "task": self._task(request),
            "schema": _schema(request)[1],
            "params": {"max_tokens": s.max_tokens, "temperature": s.temperature},
            "content": request.content(),
            "images": images,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def estimate(self, request: JudgeRequest) -> int:
        """Prompt tokens, counted offline (images are not counted)."""
        return count_messages([self._system(self.json_mode, request), self._user_text(request)])

    def answer(self, request: JudgeRequest) -> Answered:
        spent = Spent()
        ask = _Asked(self.json_mode, self._messages(request, self.json_mode))
        reply = self._ask(ask, request, spent)
        try:
            answer = read_reply(reply, request)
        except InvalidAnswer as first:
            answer = self._repair(ask, request, reply, str(first), spent)
        status = JudgmentStatus.REPLAYED if reply.replayed else JudgmentStatus.JUDGED
        return Answered(answer, status, self.settings.model, spent)

    def _ask(self, ask: _Asked, request: JudgeRequest, spent: Spent) -> ChatReply:
        try:
            return self._call(ask, request, spent)
        except SchemaUnsupported:
            if ask.json_mode:
                raise JudgeFailed("the server rejects structured output", spent) from None
            # Every later question goes in JSON mode; this one is asked again that way.
            self.json_mode = True
            ask.json_mode, ask.messages = True, self._messages(request, True)
            return self._call(ask, request, spent)

    def first_call(self, request: JudgeRequest) -> ChatCall:
        """The question as first asked, in structured mode: what a batch line carries."""
        return self._chat_call(_Asked(False, self._messages(request, False)), request)

    def repair_call(self, request: JudgeRequest, bad: str, problems: str) -> ChatCall:
        """The repair question after `bad`, an answer that had these problems."""
        first = _Asked(False, self._messages(request, False))
        return self._chat_call(self._repair_ask(first, bad, problems), request)

    def _chat_call(self, ask: _Asked, request: JudgeRequest) -> ChatCall:
        texts = [_text_of(m) for m in ask.messages]
        return ChatCall(
            model=self.settings.model,
            messages=tuple(ask.messages),
            max_tokens=self.settings.max_tokens,
            response_format=self._format(request, ask.json_mode),
            temperature=self.settings.temperature,
            tokens=count_messages(texts) + self.settings.max_tokens,
        )

    def _call(self, ask: _Asked, request: JudgeRequest, spent: Spent) -> ChatReply:
        call = self._chat_call(ask, request)
        try:
            reply = self.chat.complete(call)
        except (FatalError, SchemaUnsupported):
            raise
        except ChatError as err:  # retries are spent, or this request cannot succeed
            raise JudgeFailed(str(err), spent) from None
        spent.add(reply)
        return reply

    def _repair(
        self, ask: _Asked, request: JudgeRequest, bad: ChatReply, problems: str, spent: Spent
    ) -> Answer:
        again = self._repair_ask(ask, bad.content or bad.refusal or "", problems)
        reply = self._ask(again, request, spent)
        try:
            return read_reply(reply, request)
        except InvalidAnswer as second:
            raise JudgeFailed(f"invalid answer twice: {problems}; then: {second}", spent) from None

    def _repair_ask(self, ask: _Asked, bad: str, problems: str) -> _Asked:
        repair = self.prompts.repair.replace("{problems}", problems)
        return _Asked(
            ask.json_mode,
            [
                *ask.messages,
                {"role": "assistant", "content": bad},
                {"role": "user", "content": repair},
            ],
        )

    def _task(self, request: JudgeRequest) -> str:
        return "judge" if request.intro is not None else self.prompts.propose

    def _user_text(self, request: JudgeRequest) -> str:
        if request.intro is not None:
            return request.content()
        return f"{request.content()}\n\n{self.prompts.propose}"

    def _messages(self, request: JudgeRequest, json_mode: bool) -> list[dict[str, Any]]:
        content: Any = self._user_text(request)
        images = self._images(request)
        if images:
            content = [{"type": "text", "text": content}] + [
                {"type": "image_url", "image_url": {"url": _data_url(i.media_type, i.data)}}
                for i in images
            ]
        return [
            {"role": "system", "content": self._system(json_mode, request)},
            {"role": "user", "content": content},
        ]

    def _images(self, request: JudgeRequest) -> tuple[Any, ...]:
        return request.attachable() if self.settings.vision else ()

    def _system(self, json_mode: bool, request: JudgeRequest) -> str:
        if not json_mode:
            return self.prompts.system
        schema = json.dumps(_schema(request)[1], indent=2)
        return self.prompts.system + self.prompts.json_mode.replace("{schema}", schema)

    def _format(self, request: JudgeRequest, json_mode: bool) -> dict[str, Any]:
        if json_mode:
            return {"type": "json_object"}
        name, schema = _schema(request)
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        }


def _schema(request: JudgeRequest) -> tuple[str, dict[str, Any]]:
    """A figure with an introducing paragraph is judged; one without gets a proposal."""
    return (SCHEMA_NAME, SCHEMA) if request.intro is not None else (PROPOSAL_NAME, PROPOSAL_SCHEMA)


def parse_for(request: JudgeRequest, text: str) -> Answer:
    return parse_answer(text) if request.intro is not None else parse_proposal(text)


def read_reply(reply: ChatReply, request: JudgeRequest) -> Answer:
    if reply.content is None:
        refusal = reply.refusal or "no content"
        raise InvalidAnswer(f"the model gave no answer ({refusal})")
    if reply.finish_reason == "length":
        raise InvalidAnswer("the answer was cut off at the output token limit")
    return parse_for(request, reply.content)


def _text_of(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict))


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
