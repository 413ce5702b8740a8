"""Batch stage, the client: the OpenAI Files and Batch APIs through the `openai` package, with
the chat client's error mapping and tenacity's retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import openai

from reviewer.batch.api import BatchInfo
from reviewer.errors import ReviewerError
from reviewer.judge.chat import ChatError
from reviewer.judge.openai_chat import mapped_error
from reviewer.judge.retry import RetryPolicy
from reviewer.project.config import Config

T = TypeVar("T")


class OpenAIBatches:
    """The Files and Batch APIs, for the batch stage. Every call is retried by tenacity on
    transient failures, like the chat calls; any other failure ends the command with a
    message (the run's state is saved before each call, so running it again resumes)."""

    def __init__(
        self, *, api_key: str | None, base_url: str | None, timeout: float, attempts: int
    ) -> None:
        self.client = openai.OpenAI(
            api_key=api_key or "not-needed", base_url=base_url, max_retries=0, timeout=timeout
        )
        self.secrets = [api_key] if api_key else []
        self.policy = RetryPolicy(attempts)

    @classmethod
    def of(cls, config: Config) -> OpenAIBatches:
        """The client for the configured endpoint, with the key read into the configuration."""
        return cls(
            api_key=config.api_key,
            base_url=config.base_url,
            timeout=config.timeout,
            attempts=config.attempts,
        )

    def find_file(self, name: str) -> str | None:
        files = self._call(lambda: list(self.client.files.list(purpose="batch")))
        return next((f.id for f in files if f.filename == name), None)

    def upload(self, name: str, data: bytes) -> str:
        return self._call(lambda: self.client.files.create(file=(name, data), purpose="batch").id)

    def find_batch(self, file_id: str) -> BatchInfo | None:
        batches = self._call(lambda: list(self.client.batches.list(limit=100)))
        return next((_info(b) for b in batches if b.input_file_id == file_id), None)

    def create(self, file_id: str, metadata: dict[str, str]) -> BatchInfo:
        return self._call(
            lambda: _info(
                self.client.batches.create(
                    input_file_id=file_id,
                    endpoint="/v1/chat/completions",
                    completion_window="24h",
                    metadata=metadata,
                )
            )
        )

    def retrieve(self, batch_id: str) -> BatchInfo:
        return self._call(lambda: _info(self.client.batches.retrieve(batch_id)))

    def cancel(self, batch_id: str) -> BatchInfo:
        return self._call(lambda: _info(self.client.batches.cancel(batch_id)))

    def content(self, file_id: str) -> bytes:
        return self._call(lambda: self.client.files.content(file_id).content)

    def _call(self, action: Callable[[], T]) -> T:
        def attempt() -> T:
            try:
                result: T = action()
                return result
            except openai.APIError as err:
                raise mapped_error(err, self.secrets) from None

        try:
            return self.policy.run(attempt)
        except ChatError as err:
            raise ReviewerError(f"the Batch API failed: {err}") from None


def _info(batch: Any) -> BatchInfo:
    counts = batch.request_counts
    errors = getattr(batch.errors, "data", None) or []
    return BatchInfo(
        id=batch.id,
        status=batch.status,
        input_file_id=batch.input_file_id,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        total=counts.total if counts else 0,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        errors=tuple(str(e.message) for e in errors),
    )
