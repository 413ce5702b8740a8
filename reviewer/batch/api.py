"""Batch stage, the API boundary: upload a JSONL file, create, find, poll and cancel batches,
download their results. `reviewer.batch.client.OpenAIBatches` implements it with the real
client; everything else in the batch stage talks to this protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

TERMINAL = frozenset({"completed", "expired", "failed", "cancelled"})


@dataclass(frozen=True)
class BatchInfo:
    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: tuple[str, ...] = field(default=())

    @property
    def done(self) -> bool:
        return self.status in TERMINAL


class BatchAPI(Protocol):
    def find_file(self, name: str) -> str | None:
        """The id of an uploaded batch input file with this name, if one exists."""
        ...

    def upload(self, name: str, data: bytes) -> str: ...

    def find_batch(self, file_id: str) -> BatchInfo | None:
        """The batch already created for this input file, if any."""
        ...

    def create(self, file_id: str, metadata: dict[str, str]) -> BatchInfo: ...

    def retrieve(self, batch_id: str) -> BatchInfo: ...

    def cancel(self, batch_id: str) -> BatchInfo: ...

    def content(self, file_id: str) -> bytes: ...
