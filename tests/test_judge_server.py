"""Judge stage end to end: `review` with the real openai client against the fake server on
127.0.0.1. Every claim is checked against the server's own request log."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cliutil import Result, run, write
from tests.conftest import FIXTURES
from tests.fake_openai import CHAT_PATH, FakeOpenAI, FaultPlan
from tests.fake_replies import form_of

Cap = pytest.CaptureFixture[str]

# Original prose about a weather station; five figures, one of them cited by no paragraph.
CHAPTER = (FIXTURES / "judge" / "weather.qmd").read_text(encoding="utf-8")
FIGURES = 5


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def chapter(folder: Path, text: str = CHAPTER) -> Path:
    return write(folder / "book" / "weather.qmd", text)


def review(capsys: Cap, path: Path, server: FakeOpenAI | None, *extra: str) -> Result:
    endpoint = ("--base-url", server.base_url) if server else ()
    return run(capsys, str(path), "--format", "json", "-o", "-", *endpoint, *extra)


def judgments(result: Result) -> dict[str, dict[str, Any]]:
    figures = result.json()["files"][0]["figures"]
    return {f["id"]: f["judgment"] for f in figures}


def test_every_figure_is_judged_and_a_second_run_makes_no_requests(
    capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI
) -> None:
    path = chapter(tmp_path)
    first = review(capsys, path, server)
    assert first.code == 0, first.err
    found = judgments(first)
    assert {j["status"] for j in found.values()} == {"judged"}
    assert found["fig-rain"]["verdict"] == "explains"
    assert found["fig-wind"]["verdict"] == "mentions_only"
    assert found["fig-mast"]["verdict"] == "no_intro"
    assert found["fig-mast"]["rewrite"].startswith("@fig-mast")  # a checked proposal
    assert server.count() == FIGURES
    usage = first.json()["usage"]
    assert usage["requests"] == FIGURES and usage["prompt_tokens"] > 0
    second = review(capsys, path, server)
    assert {j["status"] for j in judgments(second).values()} == {"cached"}
    assert second.json()["usage"]["cache_hits"] == FIGURES
    assert server.count() == FIGURES  # nothing new was sent


def test_editing_one_introducing_paragraph_makes_exactly_one_request(
    capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI
) -> None:
    path = chapter(tmp_path)
    review(capsys, path, server)
    edited = CHAPTER.replace("Frost dates are in", "The two frost lines of")
    chapter(tmp_path, edited.replace("@fig-frost.", "@fig-frost drift apart."))
    again = judgments(review(capsys, path, server))
    assert server.count() == FIGURES + 1
    assert again["fig-frost"]["status"] == "judged"
    assert {again[f]["status"] for f in again if f != "fig-frost"} == {"cached"}


def test_moving_the_chapter_keeps_its_cache(
    capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI
) -> None:
    review(capsys, chapter(tmp_path), server)
    moved = write(tmp_path / "elsewhere" / "renamed.qmd", CHAPTER)
    assert {j["status"] for j in judgments(review(capsys, moved, server)).values()} == {"cached"}


def test_no_cache_and_refresh(capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI) -> None:
    path = chapter(tmp_path)
    review(capsys, path, server, "--no-cache")
    assert not cache.exists()  # --no-cache neither reads nor writes
    review(capsys, path, server, "--refresh")
    assert server.count() == 2 * FIGURES
    review(capsys, path, server)
    assert server.count() == 2 * FIGURES  # --refresh stored what it asked


LLAMA_CPP_PYTHON = {"json_schema": 500}  # a request-validation error, reported as a 500
LM_STUDIO_LIKE = {"json_schema": 422, "json_object+schema": 400, "json_object": 400}


def forms_sent(fake: FakeOpenAI) -> list[str]:
    return [form_of(r.body) for r in fake.log if r.path == CHAT_PATH]


@pytest.mark.parametrize(
    ("rejects", "settles_on"),
    [
        pytest.param({"json_schema": 400}, "json_object+schema", id="openai-style-400"),
        pytest.param(LLAMA_CPP_PYTHON, "json_object+schema", id="llama-cpp-python-500"),
        pytest.param({"json_schema": 422, "json_object+schema": 422}, "json_object", id="422"),
        pytest.param(LM_STUDIO_LIKE, "none", id="no-response-format"),
    ],
)
def test_a_rejected_form_steps_down_the_ladder_once_per_step_and_every_figure_is_judged(
    capsys: Cap, tmp_path: Path, cache: Path, rejects: dict[str, int], settles_on: str
) -> None:
    with FakeOpenAI(rejects=rejects, latency=0.05) as fake:
        result = review(capsys, chapter(tmp_path), fake)
        assert result.code == 0, result.err
        assert {j["status"] for j in judgments(result).values()} == {"judged"}
        sent = forms_sent(fake)
        # One rejected request per step down, never a retry of a rejected one, even with
        # four workers: until a form is answered, questions go one at a time.
        assert len(sent) == FIGURES + len(rejects)
        assert sent[: len(rejects)] == list(rejects)
        assert set(sent[len(rejects) :]) == {settles_on}
        assert fake.count(status=200) == FIGURES


def test_the_form_that_worked_is_remembered_beside_the_cache(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    path = chapter(tmp_path)
    with FakeOpenAI(rejects=LLAMA_CPP_PYTHON) as fake:
        review(capsys, path, fake, "--refresh")
        review(capsys, path, fake, "--refresh")  # asks every figure again, probes nothing
        assert forms_sent(fake).count("json_schema") == 1
    memory = json.loads((cache / "formats.json").read_text())
    assert list(memory["forms"].values()) == ["json_object+schema"]


@pytest.mark.parametrize(
    "memory",
    [
        "not json",
        '{"version": 1, "forms": {"x": "rm -rf"}}',
        '{"version": 1, "forms": []}',
        '{"version": 99, "forms": {}}',
        "[" * 100_000,
    ],
)
def test_a_broken_or_hostile_memory_file_is_ignored(
    capsys: Cap, tmp_path: Path, cache: Path, memory: str
) -> None:
    write(cache / "formats.json", memory)
    with FakeOpenAI(rejects=LLAMA_CPP_PYTHON) as fake:
        result = review(capsys, chapter(tmp_path), fake)
        assert result.code == 0, result.err
        assert forms_sent(fake)[0] == "json_schema"  # started from the top
    assert json.loads((cache / "formats.json").read_text())["version"] == 1


def test_a_memory_file_that_is_a_fifo_does_not_hang_the_run(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    cache.mkdir()
    os.mkfifo(cache / "formats.json")
    with FakeOpenAI() as fake:
        result = review(capsys, chapter(tmp_path), fake)
    assert result.code == 0, result.err


def test_a_refused_key_stops_the_run_but_writes_the_audit(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    out = tmp_path / "audit.json"
    with FakeOpenAI(faults=FaultPlan.sequence(["auth"] * 20)) as fake:
        result = run(
            capsys,
            str(chapter(tmp_path)),
            "--base-url",
            fake.base_url,
            "-f",
            "json",
            "-o",
            str(out),
        )
        assert fake.count(status=401) <= 4  # the requests already in flight, no more
    assert result.code == 2
    assert "check OPENAI_API_KEY" in result.err and "Traceback" not in result.err
    audit = json.loads(out.read_text())
    statuses = {f["judgment"]["status"] for f in audit["files"][0]["figures"]}
    assert statuses == {"skipped"}
    assert "refused the API key" in audit["llm_error"]


def test_faults_on_a_fifth_of_requests_end_judged_or_failed_and_a_rerun_asks_only_those(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    many = "# Many\n\n" + "".join(
        f"Panel {n} of @fig-p{n} shows the readings of sensor {n} rising.\n\n"
        f'![Sensor {n} readings rising.](p{n}.png){{#fig-p{n} fig-alt="A rising line."}}\n\n'
        for n in range(20)
    )
    path = chapter(tmp_path, many)
    write(
        tmp_path / "book" / "reviewer.toml",
        "[llm]\nconcurrency = 1\nattempts = 1\ntimeout_seconds = 1\n",
    )
    kinds = [
        "500",
        "503",
        "drop",
        "timeout",
        "malformed",
        "html",
        "length",
        "refusal",
        "bad_schema",
        "not_json",
        "context",
    ]
    with FakeOpenAI(faults=FaultPlan.random(0.2, kinds, seed=5, hang=2.0)) as fake:
        first = review(capsys, path, fake)
        faulted = sum(1 for r in fake.log if r.fault)
        sent = fake.count()
    assert first.code in (0, 1) and "Traceback" not in first.err
    # Every request sent is counted, the failed ones and the repairs too.
    assert first.json()["usage"]["requests"] == sent > 20
    found = judgments(first)
    assert faulted >= 4
    assert {j["status"] for j in found.values()} <= {"judged", "failed"}
    failed = [fid for fid, j in found.items() if j["status"] == "failed"]
    assert all(found[f]["reason"] for f in failed)
    assert failed, "with no retries and 20% faults some figure should fail"
    with FakeOpenAI() as clean:
        again = judgments(review(capsys, path, clean))
        asked = [re.search(r'<figure id="([^"]+)"', str(r.body)) for r in clean.log]
    assert sorted(m.group(1) for m in asked if m) == sorted(failed)
    assert {again[f]["status"] for f in failed} == {"judged"}


def test_limits_at_or_below_the_servers_give_no_429(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    many = "# Many\n\n" + "".join(
        f"Reading {n} is in @fig-r{n}.\n\n![Reading {n}.](r{n}.png){{#fig-r{n}}}\n\n"
        for n in range(128)
    )
    path = chapter(tmp_path, many)
    write(
        tmp_path / "book" / "reviewer.toml",
        "[llm]\nrequests_per_minute = 120\ntokens_per_minute = 10000000\n",
    )
    with FakeOpenAI(rpm=120, tpm=10_000_000) as fake:
        result = review(capsys, path, fake, "--no-cache")
        times = [r.time for r in fake.log]
    assert {j["status"] for j in judgments(result).values()} == {"judged"}
    assert fake.count(status=429) == 0 and fake.count() == 128
    # 120 fit the first minute's budget; the last 8 had to wait for it to refill at 2 a second.
    assert max(times) - min(times) >= 3.5


def test_offline_answers_from_the_cache_and_never_connects(
    capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI
) -> None:
    path = chapter(tmp_path)
    review(capsys, path, server)
    edited = CHAPTER.replace("See @fig-wind.", "The wind roses of @fig-wind differ.")
    chapter(tmp_path, edited)
    result = review(capsys, path, server, "--offline")  # the same endpoint, never reached
    found = judgments(result)
    assert found["fig-wind"] == found["fig-wind"] | {"status": "skipped"}
    assert "offline" in found["fig-wind"]["reason"]
    assert found["fig-rain"]["status"] == "cached"
    assert server.count() == FIGURES


def test_dry_run_counts_without_calling(
    capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI
) -> None:
    result = run(capsys, str(chapter(tmp_path)), "--base-url", server.base_url, "--dry-run")
    assert result.code == 0 and server.count() == 0
    assert f"{FIGURES} requests to send" in result.out
    assert "estimated cost: at most $" in result.out


def test_max_cost_skips_the_figures_it_cannot_afford(
    capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI
) -> None:
    write(
        tmp_path / "book" / "reviewer.toml",
        '[llm]\nconcurrency = 1\n\n[prices."gpt-4.1-mini"]\ninput = 10.0\noutput = 10.0\n',
    )
    # One request costs at most about (600 + 1200) tokens * $10 / 1M = $0.018.
    found = judgments(review(capsys, chapter(tmp_path), server, "--max-cost", "0.04"))
    skipped = [j for j in found.values() if j["status"] == "skipped"]
    assert skipped and all("--max-cost" in j["reason"] for j in skipped)
    assert server.count() == FIGURES - len(skipped) >= 1


def test_without_an_endpoint_one_line_says_how_to_enable_it(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    result = run(capsys, str(chapter(tmp_path)), "-o", str(tmp_path / "a.md"))
    assert result.code == 0
    notes = [line for line in result.err.splitlines() if "OPENAI_API_KEY" in line]
    assert len(notes) == 1 and "--base-url" in notes[0]


def test_the_same_question_twice_in_one_run_is_asked_once(
    capsys: Cap, tmp_path: Path, cache: Path, server: FakeOpenAI
) -> None:
    """Books copy chapters (an old and a new edition side by side): identical figures are
    answered from the cache as soon as the first answer is stored, and counted as hits."""
    write(tmp_path / "book" / "reviewer.toml", "[llm]\nconcurrency = 1\n")
    one = chapter(tmp_path)
    two = write(tmp_path / "book" / "copy.qmd", CHAPTER)
    result = run(capsys, str(one), str(two), "--base-url", server.base_url, "-f", "json", "-o", "-")
    usage = result.json()["usage"]
    assert server.count() == usage["requests"] < 2 * FIGURES
    assert usage["cache_hits"] == 2 * FIGURES - usage["requests"]


def test_json_mode_fallback_holds_with_requests_in_flight(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    """Workers that queued behind the first question use the form it learned."""
    with FakeOpenAI(rejects={"json_schema": 400}, latency=0.2) as fake:
        result = review(capsys, chapter(tmp_path), fake)
        assert {j["status"] for j in judgments(result).values()} == {"judged"}
        assert fake.count(status=400) == 1
