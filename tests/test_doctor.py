"""`review doctor`: one probe of an endpoint, one line per check, on the fake server (the real
one is in tests/test_real_server.py). What it learns is what a run then uses."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from reviewer.draw.tools import Tools
from reviewer.judge.doctor import renderers
from tests.cliutil import run
from tests.fake_openai import CHAT_PATH, FakeOpenAI
from tests.fake_replies import form_of

Cap = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def checks(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.splitlines())


def test_doctor_walks_the_ladder_and_remembers_the_form(capsys: Cap, tmp_path: Path) -> None:
    with FakeOpenAI(rejects={"json_schema": 500, "json_object+schema": 400}) as fake:
        result = run(capsys, "doctor", "--base-url", fake.base_url)
        forms = [form_of(r.body) for r in fake.log if r.path == CHAT_PATH]
    assert result.code == 0, result.out + result.err
    said = checks(result.out)
    assert said["models"].startswith("2 listed: gpt-4.1-mini, gpt-4o-mini")
    assert said["structured output"].count("rejected") == 2
    assert said["structured output"].endswith("runs will use json_object")
    assert said["batch API"].startswith("offered")
    assert forms[:3] == ["json_schema", "json_object+schema", "json_object"]
    memory = json.loads((tmp_path / "cache" / "formats.json").read_text())
    assert list(memory["forms"].values()) == ["json_object"]


def test_doctor_on_an_endpoint_that_does_not_answer_exits_2(capsys: Cap) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run(capsys, "doctor", "--base-url", f"http://127.0.0.1:{port}/v1")
    assert result.code == 2
    assert checks(result.out)["models"].startswith("no answer")


def test_doctor_without_an_endpoint_says_how_to_give_one(capsys: Cap) -> None:
    result = run(capsys, "doctor")
    assert result.code == 2 and "set OPENAI_API_KEY, or give --base-url" in result.err


def test_doctor_says_which_diagrams_can_be_drawn() -> None:
    none = renderers(Tools())
    assert none.said == (
        "none installed; no Graphviz dot, Mermaid mmdc, TeX: those diagrams go as their drawn text"
    )
    some = renderers(Tools(dot="/usr/bin/dot", tex=(("lualatex", "/usr/bin/lualatex"),)))
    assert some.said == (
        "drawn by Graphviz dot, TeX lualatex; "
        "no Mermaid mmdc: those diagrams go as their drawn text"
    )
