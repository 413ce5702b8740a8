"""Judge stage, assembly: from the configuration and the command line to the judge stack
`Cached(LLMJudge(Retried(RateLimited(OpenAIChat))))`, or to the reason there is none.

A cache hit costs no rate budget, and every retry passes the limiter again. The repair and
JSON-mode fallback sit in LLMJudge, above the retries, because they are new questions rather
than the same request sent again."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from reviewer.draw.pictures import Pictures
from reviewer.draw.tools import Tools
from reviewer.errors import ReviewerError
from reviewer.files.write import write_atomic
from reviewer.judge.cache import AnswerCache, Cached, default_cache_dir
from reviewer.judge.chat import Chat, ChatCall, ChatReply, FatalError, RequestError, Unreachable
from reviewer.judge.formats import MEMORY_FILE, FormMemory, Negotiation, memory_key
from reviewer.judge.health import Breaker, Waits
from reviewer.judge.limits import RateLimited, RateLimiter
from reviewer.judge.llm import Judge, LLMJudge, Settings
from reviewer.judge.mode import Mode
from reviewer.judge.request import load_prompts
from reviewer.judge.retry import Retried
from reviewer.judge.stage import Budget, Stage
from reviewer.project.config import Config
from reviewer.project.prices import price_for

if TYPE_CHECKING:
    from reviewer.judge.openai_chat import OpenAIChat

CASSETTE_META = "cassette.json"
DRAWINGS = "drawings"  # rendered diagrams, beside the answers: TeX takes seconds a picture
_VISION_MODELS = re.compile(r"gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|^o[134]|vision|llava|-vl\b")


def build_stage(config: Config, mode: Mode) -> Stage:
    if mode.record and (mode.replay or mode.offline):
        raise ReviewerError(
            "--record needs a live endpoint; it cannot go with --replay or --offline"
        )
    endpoint = _endpoint(config, mode)
    settings = Settings(
        model=config.model,
        endpoint=endpoint,
        max_tokens=config.max_output_tokens,
        vision=_vision(config),
    )
    waits = Waits()
    chat = _chat(config, mode, endpoint, waits)
    prompts = load_prompts(_path(config.prompts))
    own_cache = not mode.no_cache and not mode.replay
    # A cassette must replay on any machine, and the renderers installed differ between them:
    # recorded and replayed runs send diagrams as their drawn text.
    tools = Tools() if mode.replay or mode.record else Tools.found()
    pictures = Pictures(tools, cache_location(config) / DRAWINGS if own_cache else None)
    judge: Judge = LLMJudge(chat, prompts, settings, _forms(config, mode), pictures)
    cache = None
    # Cassettes are their own record: replaying or recording bypasses the cache's answers.
    if own_cache:
        cache = AnswerCache(cache_location(config))
        judge = Cached(judge, cache, read=not (mode.refresh or mode.record))
    price = price_for(config.model, config.prices)
    if config.max_cost is not None and price is None and not mode.replay:
        raise ReviewerError(
            f'--max-cost needs a price for {config.model}; add [prices."{config.model}"] '
            "with input and output USD per million tokens to reviewer.toml"
        )
    budget = Budget(
        max_tokens=config.max_output_tokens,
        # Replayed exchanges cost nothing; recorded usage is still counted.
        price=None if mode.replay else price,
        max_cost=config.max_cost,
        concurrency=config.concurrency,
        cache_only=mode.offline and not mode.replay,
        waits=waits,
    )
    describe = _describe(config, mode, endpoint)
    shown = pictures if settings.vision else None
    return Stage(judge, budget, settings, describe, prompts, cache, shown)


def probe(config: Config, max_tokens: int, timeout: float) -> tuple[OpenAIChat, LLMJudge]:
    """The bare client, with no retry, limiter or cache, and a judge that only words the
    questions: what `review doctor` probes an endpoint with, so what it prints is what the
    server said."""
    from reviewer.judge.openai_chat import OpenAIChat

    endpoint = endpoint_kind(config)
    chat = OpenAIChat(
        api_key=config.api_key,
        base_url=config.base_url,
        endpoint=endpoint,
        timeout=min(config.timeout, timeout),
    )
    settings = Settings(model=config.model, endpoint=endpoint, max_tokens=max_tokens)
    return chat, LLMJudge(chat, load_prompts(), settings)


def cache_location(config: Config) -> Path:
    return Path(config.cache_dir).expanduser() if config.cache_dir else default_cache_dir()


def _forms(config: Config, mode: Mode) -> Negotiation:
    """What the endpoint took last time, kept beside the cache. Cassettes hold their own
    negotiation, so recording and replaying always start from the top of the ladder."""
    own = mode.no_cache or mode.replay or mode.record
    memory = FormMemory(None if own else cache_location(config) / MEMORY_FILE)
    return Negotiation(memory, memory_key(config.endpoint_url, config.model))


def _chat(config: Config, mode: Mode, endpoint: str, waits: Waits) -> Chat:
    if mode.offline and not mode.replay:
        return _NoNetwork()
    if mode.record:
        _write_meta(mode.record, endpoint, config)
    where = config.endpoint_url

    def connect() -> Chat:
        from reviewer.judge.openai_chat import OpenAIChat  # openai loads when a model is asked

        live = OpenAIChat(
            api_key=config.api_key,
            base_url=config.base_url,
            endpoint=endpoint,
            timeout=config.timeout,
            record=mode.record,
            replay=mode.replay,
        )
        if not (mode.record or mode.replay):
            try:
                live.ping()
            except Unreachable as err:
                raise FatalError(
                    f"the endpoint {where} does not answer ({err}); check that the server "
                    "is running, and --base-url"
                ) from None
        limited = RateLimited(live, RateLimiter(config.rpm, config.tpm, waits=waits))
        return Breaker(limited, f"the endpoint {where}")

    return Retried(_Lazy(connect), attempts=config.attempts, waits=waits)


class _Lazy:
    """A Chat built on its first call: a rerun the cache answers never loads the client."""

    def __init__(self, connect: Callable[[], Chat]) -> None:
        self.connect = connect
        self.chat: Chat | None = None
        self.failed: FatalError | None = None  # told once, then to every later caller
        self.lock = threading.Lock()

    def complete(self, call: ChatCall) -> ChatReply:
        with self.lock:
            if self.failed is not None:
                raise FatalError(str(self.failed))
            if self.chat is None:
                try:
                    self.chat = self.connect()
                except FatalError as err:
                    self.failed = err
                    raise
        return self.chat.complete(call)


class _NoNetwork:
    def complete(self, call: ChatCall) -> ChatReply:
        raise RequestError("offline: no cached answer for this figure")


def _endpoint(config: Config, mode: Mode) -> str:
    if config.endpoint == "auto" and mode.replay is not None:
        recorded = _read_meta(mode.replay).get("endpoint")
        if isinstance(recorded, str):
            return recorded
    return endpoint_kind(config)


def endpoint_kind(config: Config) -> str:
    """openai, azure or compatible: what the request parameters depend on."""
    if config.endpoint != "auto":
        return config.endpoint
    host = urlparse(config.endpoint_url).hostname or ""
    if host == "api.openai.com":
        return "openai"
    return "azure" if host.endswith(".azure.com") else "compatible"


def _vision(config: Config) -> bool:
    if config.vision != "auto":
        return config.vision == "on"
    return bool(_VISION_MODELS.search(config.model.lower()))


def _write_meta(directory: Path, endpoint: str, config: Config) -> None:
    host = urlparse(config.endpoint_url).hostname
    meta = {"endpoint": endpoint, "model": config.model, "host": host}
    write_atomic(directory / CASSETTE_META, json.dumps(meta, indent=2) + "\n")


def _read_meta(directory: Path) -> dict[str, object]:
    if not directory.is_dir():
        raise ReviewerError(f"{directory}: no such cassette folder (--replay)")
    try:
        data = json.loads((directory / CASSETTE_META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def _describe(config: Config, mode: Mode, endpoint: str) -> str:
    if mode.replay:
        return f"{config.model}, replayed from {mode.replay}"
    if mode.offline:
        return f"{config.model}, offline: cached answers only"
    where = config.endpoint_url
    return f"{config.model} at {where} ({endpoint})"
