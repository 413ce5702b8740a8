"""Judge stage, `review doctor`: probe an endpoint once, before a long run, and say what works
there: its model list, the structured-output form it takes, images, the rate-limit headers it
sends and the Batch API.

Each probe is one small request sent as it is, with no retry, so that what is printed is what
the server said. The form found is remembered beside the cache, as a run would learn it."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from reviewer.draw.tools import Tools
from reviewer.judge.chat import (
    ChatCall,
    ChatError,
    ChatReply,
    Limits,
    SchemaUnsupported,
    Unreachable,
)
from reviewer.judge.formats import LADDER, MEMORY_FILE, Form, FormMemory, memory_key
from reviewer.judge.llm import LLMJudge
from reviewer.judge.openai_chat import OpenAIChat
from reviewer.judge.request import JudgeRequest
from reviewer.project.config import Config

PROBE_TOKENS = 16  # enough to be answered, too few to cost anything
PROBE_TIMEOUT = 60.0  # a local server may load its model on the first question
SAMPLE = JudgeRequest(
    figure_id="fig-probe",
    kind="image",
    chapter="Probe",
    section=None,
    caption="A probe of the endpoint.",
    alt="A single grey pixel.",
    shows=(),
    intro="As @fig-probe shows, this is a probe.",
)
# A 1x1 grey PNG: the smallest image every vision model accepts.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    said: str

    def line(self) -> str:
        return f"{self.name}: {self.said}"


def doctor(config: Config) -> list[Check]:
    """Probe the configured endpoint; the form it takes is remembered beside the cache."""
    from reviewer.judge.build import cache_location, probe

    chat, asker = probe(config, PROBE_TOKENS, PROBE_TIMEOUT)
    return diagnose(config, chat, asker, FormMemory(cache_location(config) / MEMORY_FILE))


def diagnose(config: Config, chat: OpenAIChat, asker: LLMJudge, memory: FormMemory) -> list[Check]:
    """Every probe, in order; later probes are skipped once the endpoint does not answer."""
    listed = _models(chat, config.model)
    if not listed.ok:
        return [listed]
    form, structured, reply = _structured(chat, asker)
    checks = [listed, structured]
    if form is not None:
        memory.put(memory_key(config.endpoint_url, config.model), form)
        checks.append(_images(chat, config.model))
    checks += [_limits(reply.limits if reply else Limits(), config), _batches(chat)]
    return [*checks, renderers(Tools.found())]


def renderers(tools: Tools) -> Check:
    """Which diagrams can go to the model as images on this machine, and which as text."""
    tex: dict[str, str | None] = {f"TeX {name}": path for name, path in tools.tex}
    found = {"Graphviz dot": tools.dot, "Mermaid mmdc": tools.mmdc, **(tex or {"TeX": None})}
    here = [name for name, path in found.items() if path]
    missing = [name for name, path in found.items() if not path]
    said = f"drawn by {', '.join(here)}" if here else "none installed"
    if missing:
        said += f"; no {', '.join(missing)}: those diagrams go as their drawn text"
    return Check("diagram renderers", True, said)


def _models(chat: OpenAIChat, model: str) -> Check:
    try:
        names = chat.models()
    except Unreachable as err:
        return Check("models", False, f"no answer ({err})")
    except ChatError as err:  # it answered, so the chat probes can still tell more
        return Check("models", True, f"no list ({err})")
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    found = "listed" if model in names else "not listed (some servers serve any name)"
    return Check("models", True, f"{len(names)} listed: {shown or 'none'}; {model} is {found}")


def _structured(chat: OpenAIChat, asker: LLMJudge) -> tuple[Form | None, Check, ChatReply | None]:
    tried: list[str] = []
    for form in LADDER:
        try:
            reply = chat.complete(asker.chat_call(SAMPLE, form))
        except SchemaUnsupported as err:
            tried.append(f"{form.value} rejected ({err})")
            continue
        except ChatError as err:
            tried.append(f"{form.value} failed ({err})")
            break
        said = "; ".join([*tried, f"{form.value} accepted: runs will use {form.value}"])
        return form, Check("structured output", True, said), reply
    return None, Check("structured output", False, "; ".join(tried)), None


def _images(chat: OpenAIChat, model: str) -> Check:
    url = f"data:image/png;base64,{base64.b64encode(PIXEL).decode('ascii')}"
    content = [
        {"type": "text", "text": "Name the colour of this pixel in one word."},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    call = ChatCall(model, ({"role": "user", "content": content},), PROBE_TOKENS, None)
    try:
        chat.complete(call)
    except ChatError as err:
        # Reviews still run: figures are described in text, and --vision off says so.
        return Check("images", True, f"not taken ({err}); use --vision off")
    return Check("images", True, "taken (a PNG was accepted; whether the model sees it is its own)")


def _limits(limits: Limits, config: Config) -> Check:
    if limits.limit_requests is None and limits.limit_tokens is None:
        return Check(
            "rate limits",
            True,
            f"no x-ratelimit-* headers; runs keep reviewer.toml's {config.rpm:,} requests and "
            f"{config.tpm:,} tokens a minute",
        )
    told = [
        f"{limit:,} {what} a minute ({left if left is not None else '?'} left)"
        for limit, left, what in (
            (limits.limit_requests, limits.remaining_requests, "requests"),
            (limits.limit_tokens, limits.remaining_tokens, "tokens"),
        )
        if limit is not None
    ]
    return Check("rate limits", True, "x-ratelimit-* headers say " + ", ".join(told))


def _batches(chat: OpenAIChat) -> Check:
    said = chat.batches_offered()
    if said == "yes":
        return Check("batch API", True, "offered: `review batch` can run here")
    return Check("batch API", True, f"not offered ({said}); use `review` instead")
