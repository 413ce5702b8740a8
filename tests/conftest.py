"""Test configuration: the network is blocked for every test, so a forgotten call to a real
endpoint fails loudly instead of hanging or costing money. Loopback stays open for the fake
servers the tests start themselves."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import NoReturn

import pytest

from reviewer.project.settings import CONFIG_KEYS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
ORACLE = SHARED / "corpus-oracle"

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection


def _host(address: object) -> str | None:
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None  # AF_UNIX paths and the like are local


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = _host(address)
    if host is not None and host not in _LOOPBACK:
        raise RuntimeError(f"tests must not touch the network (tried {address!r})")
    return _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> object:
    if address[0] not in _LOOPBACK:
        raise RuntimeError(f"tests must not touch the network (tried {address!r})")
    return _real_create_connection(address, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network, and none of the developer's own settings or keys leak into a test."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "create_connection", _guarded_create_connection)
    settings = [var for _, _, var in CONFIG_KEYS.values()]
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", *settings):
        monkeypatch.delenv(var, raising=False)


def corpus_required() -> bool:
    """`.ci/run` sets this: there, a missing corpus is a failure, not a skip."""
    return os.environ.get("REVIEWER_REQUIRE_CORPUS") == "1"


def unavailable(message: str) -> NoReturn:
    """Something the test needs is missing: a skip on a user's clone, a failure in CI."""
    if corpus_required():
        pytest.fail(message)
    pytest.skip(message)


def need_corpus() -> None:
    if not (CORPUS.is_dir() and ORACLE.is_dir()):
        unavailable(f"the shared corpus is not at {CORPUS} (it sits beside the project in CI)")
