"""Judge stage end to end on a real OpenAI-compatible server: llama-cpp-python's, which
rejects `json_schema` with a 500 and takes its own `json_object` with a schema. `review` runs
through the real `openai` client; a counting proxy logs what was really sent.

Mandatory in CI (`.ci/run` installs the server and the model); elsewhere it skips, saying
what to install. The model is tiny (135M parameters): what is checked is the path, not the
quality of its judgments. Its speed is in `bench/real_server.py`, not here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cliutil import Result, run, write
from tests.conftest import FIXTURES, unavailable
from tests.local_server import MODEL_ALIAS, CountingProxy, llama_server, missing

Cap = pytest.CaptureFixture[str]
CHAPTER = (FIXTURES / "judge" / "bakery.qmd").read_text(encoding="utf-8")
FIGURES = 3
VERDICTS = {"explains", "partial", "mentions_only", "contradicts", "no_intro"}
# Short answers keep a CPU run to seconds a figure; the schema bounds every string anyway.
SETTINGS = "[llm]\nconcurrency = 2\nmax_output_tokens = 700\ntimeout_seconds = 300\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    why = missing()
    if why:
        unavailable(why)
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with llama_server(log) as base_url:
        yield base_url


def review(capsys: Cap, path: Path, proxy: CountingProxy) -> Result:
    return run(
        capsys, str(path), "--base-url", proxy.base_url, "--model", MODEL_ALIAS,
        "--format", "json", "-o", "-", "--fail-on", "never",
    )  # fmt: skip


def figures(result: Result) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = result.json()["files"][0]["figures"]
    return found


def test_review_judges_every_figure_on_a_real_server_and_a_rerun_sends_nothing(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    path = write(tmp_path / "book" / "bakery.qmd", CHAPTER)
    write(tmp_path / "book" / "reviewer.toml", SETTINGS)
    with CountingProxy(server) as proxy:
        first = review(capsys, path, proxy)
        assert first.code == 0, first.err
        judged = figures(first)
        assert len(judged) == FIGURES
        for figure in judged:
            judgment = figure["judgment"]
            assert judgment["status"] == "judged", (figure["id"], judgment)
            assert judgment["score"] in range(1, 6) and judgment["verdict"] in VERDICTS
        chats = proxy.chats()
        # json_schema is rejected once (a 500 that is never retried), then the server's form.
        assert [c.status for c in chats].count(500) == 1
        assert chats[0].form == "json_schema" and {c.form for c in chats[1:]} == {
            "json_object+schema"
        }
        assert len(chats) <= 3 * FIGURES
        sent = len(proxy.log)
        second = review(capsys, path, proxy)
        assert {f["judgment"]["status"] for f in figures(second)} == {"cached"}
        assert len(proxy.log) == sent  # not even the liveness probe
    memory = json.loads((tmp_path / "cache" / "formats.json").read_text())
    assert list(memory["forms"].values()) == ["json_object+schema"]


def test_doctor_reports_what_the_real_server_takes(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    with CountingProxy(server) as proxy:
        result = run(capsys, "doctor", "--base-url", proxy.base_url, "--model", MODEL_ALIAS)
        assert len(proxy.chats()) <= 4
    assert result.code == 0, result.out + result.err
    lines = dict(line.split(": ", 1) for line in result.out.splitlines())
    assert MODEL_ALIAS in lines["models"]
    assert lines["structured output"].startswith("json_schema rejected (500:")
    assert "runs will use json_object+schema" in lines["structured output"]
    assert lines["images"].startswith("not taken (500:")  # a text-only model
    assert lines["rate limits"].startswith("no x-ratelimit-* headers")
    assert lines["batch API"].startswith("not offered")
