"""Judge stage, asking the model: build the messages for one figure, call the chat, validate
the answer, and repair it once.

Structured output (a strict JSON schema) is tried first; reviewer.judge.formats steps down to
the forms a server does take, and remembers the one that worked. An answer that breaks the
schema, is cut off or is refused gets one repair request; a second bad answer fails the figure
with the reason. Transport failures are the retry layer's business, below this one."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reviewer.draw.pictures import Image, Pictures
from reviewer.judge.chat import (
    Chat,
    ChatCall,
    ChatError,
    ChatReply,
    FatalError,
    RequestError,
    SchemaUnsupported,
)
from reviewer.judge.formats import Form, FormMemory, Negotiation, response_format
from reviewer.judge.repair import InvalidTwice, Repair, next_repair
from reviewer.judge.request import JudgeRequest, Prompts
from reviewer.judge.schema import (
    PROPOSAL_NAME,
    PROPOSAL_SCHEMA,
    SCHEMA,
    SCHEMA_NAME,
    Answer,
    InvalidAnswer,
    bounded,
    parse_answer,
    parse_proposal,
)
from reviewer.judge.tokens import count_messages
from reviewer.model import JudgmentStatus

KEY_VERSION = 1
Tail = tuple[Mapping[str, Any], ...]  # messages after the question: a repair's exchange
Check = Callable[[], tuple[str, ...]]  # the rewrite checks, run on demand


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
        self.requests += reply.sent
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens


@dataclass(frozen=True)
class Answered:
    answer: Answer
    status: JudgmentStatus
    model: str
    spent: Spent = field(default_factory=Spent)


class JudgeFailed(Exception):
    def __init__(self, reason: str, spent: Spent) -> None:
        super().__init__(reason)
        self.reason, self.spent = reason, spent


class JudgeStopped(Exception):
    """An error that every later call would meet too (authentication, quota, a dead
    endpoint): the run stops. `spent` is what this question cost before it."""

    def __init__(self, reason: str, spent: Spent) -> None:
        super().__init__(reason)
        self.reason, self.spent = reason, spent


class Judge(Protocol):
    """The boundary the cache wraps, and all a run knows of the stack beneath: `key` names the
    question, `answer` asks it, `cached` gives the stored answer without asking (None when
    there is none, or no cache), `problems` runs the rewrite checks (remembered where the
    stack can), `question` is the call a batch line carries and `keep` stores an answer that
    came back another way (the batch path's)."""

    def key(self, request: JudgeRequest) -> str: ...

    def answer(self, request: JudgeRequest) -> Answered: ...

    def estimate(self, request: JudgeRequest) -> int: ...

    def cached(self, request: JudgeRequest) -> Answered | None: ...

    def problems(self, request: JudgeRequest, rewrite: str, check: Check) -> tuple[str, ...]: ...

    def question(self, request: JudgeRequest, repair: Repair | None = None) -> ChatCall: ...

    def keep(self, request: JudgeRequest, answered: Answered) -> None: ...


class LLMJudge:
    def __init__(
        self,
        chat: Chat,
        prompts: Prompts,
        settings: Settings,
        forms: Negotiation | None = None,
        pictures: Pictures | None = None,
    ) -> None:
        self.chat, self.prompts, self.settings = chat, prompts, settings
        self.forms = forms or Negotiation(FormMemory(None), settings.model)
        self.pictures = pictures or Pictures()
        self.keys: dict[JudgeRequest, str] = {}  # the cache and the checks both ask

    def key(self, request: JudgeRequest) -> str:
        if request not in self.keys:
            self.keys[request] = self._key(request)
        return self.keys[request]

    def _key(self, request: JudgeRequest) -> str:
        # The form is not in the key: it changes how the question is put, not the question.
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
        """Prompt tokens, counted offline, attached images included."""
        system = self._system(self.forms.form, request)
        images = sum(image.tokens for image in self._images(request))
        return count_messages([system, self._user_text(request)]) + images

    def answer(self, request: JudgeRequest) -> Answered:
        spent, repair = Spent(), None
        while True:
            reply = self._ask(request, self._repair_tail(repair), spent)
            try:
                answer = read_reply(reply, request)
                break
            except InvalidAnswer as err:
                try:
                    repair = next_repair(repair, reply.content or reply.refusal or "", str(err))
                except InvalidTwice as twice:
                    raise JudgeFailed(str(twice), spent) from None
        status = JudgmentStatus.REPLAYED if reply.replayed else JudgmentStatus.JUDGED
        return Answered(answer, status, self.settings.model, spent)

    def cached(self, request: JudgeRequest) -> Answered | None:
        return None  # no cache down here: Cached wraps this judge when there is one

    def problems(self, request: JudgeRequest, rewrite: str, check: Check) -> tuple[str, ...]:
        return check()

    def keep(self, request: JudgeRequest, answered: Answered) -> None:
        """Nothing to keep an answer in without a cache."""

    def _ask(self, request: JudgeRequest, tail: Tail, spent: Spent) -> ChatReply:
        try:
            return self.forms.ask(
                lambda form: self._call(self.chat_call(request, form, tail), spent)
            )
        except RequestError as err:  # rejected even with no response_format at all
            raise JudgeFailed(str(err), spent) from None

    def question(self, request: JudgeRequest, repair: Repair | None = None) -> ChatCall:
        """The question in structured mode, or its repair: what a batch line carries."""
        return self.chat_call(request, Form.JSON_SCHEMA, self._repair_tail(repair))

    def chat_call(self, request: JudgeRequest, form: Form, tail: Tail = ()) -> ChatCall:
        messages = [*self._messages(request, form), *tail]
        texts = [_text_of(m) for m in messages]
        name, schema = _schema(request)
        if form is Form.OWN_SCHEMA:
            schema = bounded(schema)
        return ChatCall(
            model=self.settings.model,
            messages=tuple(messages),
            max_tokens=self.settings.max_tokens,
            response_format=response_format(form, name, schema),
            temperature=self.settings.temperature,
            tokens=count_messages(texts)
            + sum(image.tokens for image in self._images(request))
            + self.settings.max_tokens,
        )

    def _call(self, call: ChatCall, spent: Spent) -> ChatReply:
        try:
            reply = self.chat.complete(call)
        except SchemaUnsupported as err:  # the negotiation asks again in another form
            spent.requests += err.sent
            raise
        except FatalError as err:
            spent.requests += err.sent
            raise JudgeStopped(str(err), spent) from None
        except ChatError as err:  # retries are spent, or this request cannot succeed
            spent.requests += err.sent
            raise JudgeFailed(str(err), spent) from None
        spent.add(reply)
        return reply

    def _repair_tail(self, repair: Repair | None) -> Tail:
        if repair is None:
            return ()
        asked = self.prompts.repair.replace("{problems}", repair.problems)
        return (
            {"role": "assistant", "content": repair.bad},
            {"role": "user", "content": asked},
        )

    def _task(self, request: JudgeRequest) -> str:
        return "judge" if request.intro is not None else self.prompts.propose

    def _user_text(self, request: JudgeRequest) -> str:
        if request.intro is not None:
            return request.content()
        return f"{request.content()}\n\n{self.prompts.propose}"

    def _messages(self, request: JudgeRequest, form: Form) -> list[dict[str, Any]]:
        content: Any = self._user_text(request)
        images = self._images(request)
        if images:
            content = [{"type": "text", "text": content}] + [
                {"type": "image_url", "image_url": {"url": _data_url(i.media_type, i.data)}}
                for i in images
            ]
        return [
            {"role": "system", "content": self._system(form, request)},
            {"role": "user", "content": content},
        ]

    def _images(self, request: JudgeRequest) -> tuple[Image, ...]:
        if not self.settings.vision:
            return ()
        return self.pictures.of(*request.drawn_from).images

    def _system(self, form: Form, request: JudgeRequest) -> str:
        if not form.schema_in_prompt:
            return self.prompts.system
        schema = json.dumps(_schema(request)[1], indent=2)
        return self.prompts.system + self.prompts.json_mode.replace("{schema}", schema)


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


def _text_of(message: Mapping[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict))


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
