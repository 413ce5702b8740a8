"""The fake server's Files API: uploads kept in memory, as OpenAI's `/v1/files` serves them.

    POST   /v1/files                 multipart/form-data: `purpose` and `file`
    GET    /v1/files                 ?purpose=&order=asc|desc (desc)&limit= (10000)&after=
    GET    /v1/files/{id}            the file object
    GET    /v1/files/{id}/content    the bytes, application/octet-stream
    DELETE /v1/files/{id}

Ids count up from `file-000001`. Every file reports `status: "processed"` at once. The batch
runner (tests/fake_batches.py) adds its output and error files here with purpose
`batch_output`, so they list and download like uploads. `page` is the cursor pagination that
both APIs share: a list is `{"object": "list", "data", "first_id", "last_id", "has_more"}`,
and the next page starts after the id given as `after`."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.fake_http import Incoming, jsonl_values
from tests.fake_replies import Reply, error_reply, json_reply

PURPOSES = frozenset(
    {
        "assistants", "assistants_output", "batch", "batch_output", "fine-tune",
        "fine-tune-results", "vision", "user_data",
    }
)  # fmt: skip
FILES_PATH = "/v1/files"
_ONE_FILE = re.compile(r"/v1/files/([^/]+)(/content)?")


@dataclass(frozen=True)
class StoredFile:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
            "expires_at": None,
        }


class FileStore:
    """Every file the server holds, in upload order. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}
        self._made = 0

    def add(self, filename: str, purpose: str, data: bytes) -> StoredFile:
        with self._lock:
            self._made += 1
            stored = StoredFile(f"file-{self._made:06d}", filename, purpose, data, int(time.time()))
            self._files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def all(self) -> list[StoredFile]:
        with self._lock:
            return list(self._files.values())

    def lines(self, purpose: str) -> list[Any]:
        """Every JSONL line of every file with `purpose`, in upload order."""
        return [line for f in self.all() if f.purpose == purpose for line in jsonl_values(f.data)]

    # -- HTTP --------------------------------------------------------------------------------

    def route(self, request: Incoming) -> Reply | None:
        """The reply for a Files API request, None when the path is not one of them."""
        method, path = request.method, request.path
        if path == FILES_PATH:
            if method == "POST":
                return self._create(request)
            return self._list(request.query) if method == "GET" else None
        found = _ONE_FILE.fullmatch(path)
        if found is None or (method, bool(found.group(2))) not in _ONE_FILE_METHODS:
            return None
        stored = self.get(found.group(1))
        if stored is None:
            return not_found(f"No such File object: {found.group(1)}", "id")
        if found.group(2):
            return Reply(200, stored.data, {"content-type": "application/octet-stream"})
        return json_reply(200, stored.json()) if method == "GET" else self._delete(stored)

    def _create(self, request: Incoming) -> Reply:
        upload = request.upload
        if upload is None:
            return error_reply(400, "Expected a multipart/form-data body.", param="file")
        purpose = upload.fields.get("purpose")
        if purpose not in PURPOSES:
            allowed = ", ".join(sorted(PURPOSES))
            message = f"Invalid value for 'purpose': {purpose!r}. Expected one of {allowed}."
            return error_reply(400, message, param="purpose")
        if upload.data is None or upload.filename is None:
            return error_reply(400, "Missing required parameter: 'file'.", param="file")
        return json_reply(200, self.add(upload.filename, purpose, upload.data).json())

    def _list(self, query: dict[str, str]) -> Reply:
        if query.get("order", "desc") not in ("asc", "desc"):
            return error_reply(400, "Invalid 'order': expected 'asc' or 'desc'.", param="order")
        files = [f.json() for f in self.all() if f.purpose == query.get("purpose", f.purpose)]
        return page(files if query.get("order") == "asc" else files[::-1], query, 10_000, 10_000)

    def _delete(self, stored: StoredFile) -> Reply:
        with self._lock:
            self._files.pop(stored.id, None)
        return json_reply(200, {"id": stored.id, "object": "file", "deleted": True})


_ONE_FILE_METHODS = {("GET", False), ("DELETE", False), ("GET", True)}


def page(items: Sequence[dict[str, Any]], query: dict[str, str], default: int, most: int) -> Reply:
    """One page of `items` (already in the list's order) after the id `query["after"]`. An
    `after` that names nothing gives an empty last page, so a client's loop still ends."""
    limit_text = query.get("limit", str(default))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= most:
        message = f"Invalid 'limit': expected an integer from 1 to {most}, got {limit_text!r}."
        return error_reply(400, message, param="limit")
    start = 0
    if "after" in query:
        ids = [item["id"] for item in items]
        start = ids.index(query["after"]) + 1 if query["after"] in ids else len(items)
    data = list(items[start : start + int(limit_text)])
    return json_reply(
        200,
        {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": start + len(data) < len(items),
        },
    )


def not_found(message: str, param: str | None = None) -> Reply:
    return error_reply(404, message, param=param)
