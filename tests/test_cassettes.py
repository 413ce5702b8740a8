"""Judge stage, cassettes: HTTP exchanges recorded below the real openai client replay with no
network, match on the request body, and never hold a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cliutil import Result, run, write
from tests.conftest import FIXTURES, ROOT
from tests.fake_openai import FakeOpenAI, FaultPlan

Cap = pytest.CaptureFixture[str]
CHAPTER = (FIXTURES / "judge" / "weather.qmd").read_text(encoding="utf-8")
SECRET = "sk-test-0123456789-do-not-leak"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))


def statuses(result: Result) -> dict[str, str]:
    figures = result.json()["files"][0]["figures"]
    return {f["id"]: f["judgment"]["status"] for f in figures}


def record(capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    chapter = write(tmp_path / "weather.qmd", CHAPTER)
    tape = tmp_path / "tape"
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with FakeOpenAI() as fake:
        recorded = run(
            capsys,
            str(chapter),
            "--base-url",
            fake.base_url,
            "--record",
            str(tape),
            "-f",
            "json",
            "-o",
            "-",
        )
    monkeypatch.delenv("OPENAI_API_KEY")
    assert set(statuses(recorded).values()) == {"judged"}
    return chapter, tape


def test_a_recorded_review_replays_with_the_server_gone(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapter, tape = record(capsys, tmp_path, monkeypatch)
    replayed = run(capsys, str(chapter), "--replay", str(tape), "-f", "json", "-o", "-")
    assert replayed.code == 0, replayed.err
    assert set(statuses(replayed).values()) == {"replayed"}
    assert replayed.json()["usage"]["cost_usd"] == 0.0


def test_cassettes_are_readable_and_hold_no_secret(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tape = record(capsys, tmp_path, monkeypatch)
    files = sorted(tape.glob("*.json"))
    assert len(files) == 6  # five exchanges and the cassette's description
    for path in files:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
        assert SECRET not in text and "Bearer" not in text
        assert "authorization" not in text.lower()


def test_a_changed_paragraph_has_no_recording_and_fails_with_the_reason(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapter, tape = record(capsys, tmp_path, monkeypatch)
    write(chapter, CHAPTER.replace("See @fig-wind.", "The roses of @fig-wind differ."))
    result = run(capsys, str(chapter), "--replay", str(tape), "-f", "json", "-o", "-")
    found = result.json()["files"][0]["figures"]
    wind = next(f["judgment"] for f in found if f["id"] == "fig-wind")
    assert wind["status"] == "failed" and "--record" in wind["reason"]
    assert statuses(result)["fig-rain"] == "replayed"


def test_a_recorded_fault_replays_as_the_same_fault(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapter = write(tmp_path / "weather.qmd", CHAPTER)
    write(tmp_path / "reviewer.toml", "[llm]\nattempts = 1\n")
    tape = tmp_path / "tape"
    plan = FaultPlan.when(lambda body: "fig-wind" in json.dumps(body), "503", times=5)
    with FakeOpenAI(faults=plan) as fake:
        run(capsys, str(chapter), "--base-url", fake.base_url, "--record", str(tape), "-o", "-")
    result = run(capsys, str(chapter), "--replay", str(tape), "-f", "json", "-o", "-")
    assert statuses(result)["fig-wind"] == "failed"
    assert statuses(result)["fig-rain"] == "replayed"


def test_the_example_cassettes_replay_every_figure(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's offline run. If this fails after a prompt or schema change, record the
    cassettes again: python -m tests.record_cassettes"""
    monkeypatch.chdir(ROOT)
    result = run(
        capsys,
        "examples/chapter.qmd",
        "--replay",
        "cassettes/examples",
        "--format",
        "json",
        "--output",
        "-",
    )
    assert result.code in (0, 1), result.err
    assert set(statuses(result).values()) == {"replayed"}
