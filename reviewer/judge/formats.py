"""Judge stage, structured-output negotiation: which form of constrained JSON an endpoint
takes, learned from its first answers and remembered on disk beside the answer cache.

Servers differ. OpenAI, vLLM, Ollama and LM Studio take `json_schema`; llama-cpp-python
rejects it (with a 500) and takes its own `json_object` with a `schema` key, as llama.cpp's
`llama-server` does; some take only JSON mode, and a few no `response_format` at all. The
ladder goes down one step each time the server rejects a form, never up. Every form below the
first also carries the schema in the prompt, since a server may accept a key and ignore it.
Until one form has been answered, questions go one at a time, so a run probes once rather
than once per figure in flight."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from reviewer.errors import ReviewerError
from reviewer.files.read import read_capped
from reviewer.files.write import write_atomic
from reviewer.judge.chat import RequestError, SchemaUnsupported

T = TypeVar("T")
MEMORY_FILE = "formats.json"
_MEMORY_VERSION = 1
_MAX_MEMORY_BYTES = 1_000_000  # a hand-edited or hostile file is not read whole


class Form(StrEnum):
    JSON_SCHEMA = "json_schema"  # OpenAI's structured outputs, strict
    OWN_SCHEMA = "json_object+schema"  # llama-cpp-python's and llama-server's own form
    JSON_OBJECT = "json_object"  # JSON mode: valid JSON, shape told in the prompt
    PROMPT = "prompt"  # no response_format at all: the prompt alone asks for the JSON

    @property
    def schema_in_prompt(self) -> bool:
        return self is not Form.JSON_SCHEMA


LADDER = tuple(Form)


def response_format(form: Form, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The `response_format` for a form, or None when the request carries none."""
    if form is Form.JSON_SCHEMA:
        strict = {"name": name, "strict": True, "schema": schema}
        return {"type": "json_schema", "json_schema": strict}
    if form is Form.OWN_SCHEMA:
        return {"type": "json_object", "schema": schema}
    if form is Form.JSON_OBJECT:
        return {"type": "json_object"}
    return None


def memory_key(endpoint_url: str, model: str) -> str:
    return f"{endpoint_url} {model}"


class FormMemory:
    """What each endpoint and model took, in one small JSON file; None keeps it in memory.
    The file is validated when read: anything unexpected in it is ignored, never trusted."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock = threading.Lock()

    def get(self, key: str) -> Form | None:
        value = self._read().get(key)
        return Form(value) if value in set(LADDER) else None

    def put(self, key: str, form: Form) -> None:
        if self.path is None or (self.path.exists() and not self.path.is_file()):
            return  # never write through a FIFO, a device or a folder put in its place
        with self.lock:
            forms = {k: v for k, v in self._read().items() if v in set(LADDER)}
            forms[key] = form.value
            text = json.dumps({"version": _MEMORY_VERSION, "forms": forms}, indent=2) + "\n"
            with contextlib.suppress(OSError):  # only a probe is lost: the next run asks again
                write_atomic(self.path, text)

    def _read(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = json.loads(read_capped(self.path, _MAX_MEMORY_BYTES, "a form memory"))
        except (ReviewerError, ValueError, RecursionError):  # deep nesting overflows json
            return {}
        forms = data.get("forms") if isinstance(data, dict) else None
        if not isinstance(forms, dict) or data.get("version") != _MEMORY_VERSION:
            return {}
        return {k: v for k, v in forms.items() if isinstance(k, str) and isinstance(v, str)}


class Negotiation:
    """The form to ask in, for one endpoint and model, shared by every worker of a run."""

    def __init__(self, memory: FormMemory, key: str) -> None:
        self.memory, self.key = memory, key
        self.remembered = memory.get(key)
        self.form = self.remembered or LADDER[0]
        self.settled = self.remembered is not None
        self.lock = threading.Lock()
        self.probing = threading.Lock()

    def ask(self, send: Callable[[Form], T]) -> T:
        """`send` in the current form; on a rejection, again in the next form down."""
        if not self.settled:
            with self.probing:  # the others wait for the first answer to tell the form
                if not self.settled:
                    return self._send(send)
        return self._send(send)

    def _send(self, send: Callable[[Form], T]) -> T:
        while True:
            form = self.form
            try:
                result = send(form)
            except SchemaUnsupported as err:
                self._rejected(form, err)
                continue
            self._answered(form)
            return result

    def _rejected(self, form: Form, err: SchemaUnsupported) -> None:
        if form is Form.PROMPT:
            # Nothing format-related was sent, so the server objects to something else.
            raise RequestError(f"the endpoint rejected the request ({err})") from None
        with self.lock:
            if self.form is form:
                self.form = LADDER[LADDER.index(form) + 1]

    def _answered(self, form: Form) -> None:
        with self.lock:
            self.settled = True
            if form is self.remembered:
                return
            self.remembered = form
        self.memory.put(self.key, form)
