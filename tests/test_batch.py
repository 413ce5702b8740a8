"""Batch stage end to end: `review batch` against the fake server's Files and Batch APIs,
with the real openai client. Kills are simulated by an exception raised right after a real
API call returns, before the run could record it, which is where a SIGKILL would hurt."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewer.batch.client import OpenAIBatches
from reviewer.judge.cache import AnswerCache
from tests.cliutil import Result, run, write
from tests.conftest import FIXTURES, ROOT
from tests.fake_openai import BatchFaults, FakeOpenAI

Cap = pytest.CaptureFixture[str]
FIGURES = 9


class Killed(BaseException):
    """Stands for SIGKILL: nothing after the call runs, no handler sees it."""


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    return Path(shutil.copytree(FIXTURES / "judge" / "orchard", tmp_path / "orchard"))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(batch_delay=0.01) as fake:
        yield fake


def batch(capsys: Cap, server: FakeOpenAI, *argv: str) -> Result:
    result = run(capsys, "batch", *argv, "--base-url", server.base_url)
    assert "Traceback" not in result.err
    return result


def submit(capsys: Cap, server: FakeOpenAI, book: Path, *extra: str) -> Result:
    return batch(capsys, server, str(book), "--via", "batch", *extra)


def collect(capsys: Cap, server: FakeOpenAI, book: Path) -> Result:
    server.wait_batches()
    return batch(capsys, server, "collect", str(book))


def audit(book: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((book / "_review" / "book.audit.json").read_text("utf-8"))
    return found


def statuses(book: Path) -> Counter[str]:
    return Counter(f["judgment"]["status"] for a in audit(book)["files"] for f in a["figures"])


def figures_sent(server: FakeOpenAI) -> Counter[str]:
    """How many times each question (custom_id before its attempt number) was uploaded."""
    return Counter(line["custom_id"].split(".")[0] for line in server.uploaded_lines())


def test_a_book_is_submitted_collected_and_reported(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    submitted = submit(capsys, server, book)
    assert submitted.code == 0, submitted.err
    assert "9 figures to judge" in submitted.err and "in 1 batch submitted" in submitted.err
    assert server.count_batches() == 1 and server.count() == 0  # nothing went through chat
    collected = collect(capsys, server, book)
    assert collected.code == 0 and "book summary written" in collected.err
    assert statuses(book) == {"judged": FIGURES}
    usage = audit(book)["usage"]
    assert usage["requests"] == FIGURES and usage["cost_usd"] > 0
    summary = (book / "_review" / "book.summary.md").read_text(encoding="utf-8")
    assert "[Blossom](blossom.audit.md)" in summary and "## Worst figures first" in summary
    for chapter in ("index", "blossom", "harvest"):
        assert (book / "_review" / f"{chapter}.audit.md").is_file()
    assert set(figures_sent(server).values()) == {1}


def test_the_limits_split_the_book_into_as_few_batches_as_they_allow(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    write(book / "reviewer.toml", "[batch]\nmax_requests = 4\n")
    submit(capsys, server, book)
    assert server.count_batches() == 3  # 9 lines, at most 4 a file
    collect(capsys, server, book)
    assert statuses(book) == {"judged": FIGURES}


def test_running_a_command_twice_changes_nothing(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    submit(capsys, server, book)
    submit(capsys, server, book)  # the run in progress is resumed, not started again
    assert server.count_batches() == 1
    collect(capsys, server, book)
    collect(capsys, server, book)
    assert statuses(book) == {"judged": FIGURES}
    again = submit(capsys, server, book)  # a new run, which the cache answers entirely
    assert "0 requests in 0 batches" in again.err and "book summary written" in again.err
    assert server.count_batches() == 1 and set(figures_sent(server).values()) == {1}
    assert statuses(book) == {"cached": FIGURES}


@pytest.mark.parametrize("step", ["upload", "create", "content"])
def test_a_run_killed_at_any_step_loses_nothing_and_sends_nothing_twice(
    step: str, capsys: Cap, book: Path, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = getattr(OpenAIBatches, step)

    def then_killed(self: OpenAIBatches, *args: Any) -> Any:
        real(self, *args)
        monkeypatch.setattr(OpenAIBatches, step, real)  # the next process runs normally
        raise Killed

    monkeypatch.setattr(OpenAIBatches, step, then_killed)
    with pytest.raises(Killed):
        submit(capsys, server, book)
        collect(capsys, server, book)
    submit(capsys, server, book)
    collect(capsys, server, book)
    assert statuses(book) == {"judged": FIGURES}
    assert server.count_batches() == 1
    assert len(server.uploaded_lines()) == FIGURES and set(figures_sent(server).values()) == {1}


def test_an_expired_batch_keeps_its_partial_output_and_sends_the_rest_again(
    capsys: Cap, book: Path
) -> None:
    faults = BatchFaults(expire_after=4, batches={0})
    with FakeOpenAI(batch_delay=0.01, batch_faults=faults) as fake:
        submit(capsys, fake, book)
        first = collect(capsys, fake, book)
        assert "5 requests sent again" in first.err
        collect(capsys, fake, book)
        assert [b["status"] for b in fake.batches] == ["expired", "completed"]
        resent = figures_sent(fake)
    assert statuses(book) == {"judged": FIGURES}
    assert sorted(resent.values()) == [1] * 4 + [2] * 5  # only the expired lines twice


def test_failed_lines_are_retried_then_given_up_with_the_reason(capsys: Cap, book: Path) -> None:
    write(book / "reviewer.toml", "[llm]\nattempts = 2\n")

    def about_bees(custom_id: str, body: dict[str, Any]) -> bool:
        return '<figure id="fig-bees"' in str(body["messages"][1]["content"])

    faults = BatchFaults(fail_lines=about_bees)
    with FakeOpenAI(batch_delay=0.01, batch_faults=faults) as fake:
        submit(capsys, fake, book)
        collect(capsys, fake, book)
        collect(capsys, fake, book)
    found = {f["id"]: f["judgment"] for a in audit(book)["files"] for f in a["figures"]}
    assert found["fig-bees"]["status"] == "failed"
    assert found["fig-bees"]["reason"].startswith("gave up after 2 attempts: status 500")
    assert statuses(book) == {"judged": FIGURES - 1, "failed": 1}


def test_a_failed_batch_is_sent_again(capsys: Cap, book: Path) -> None:
    with FakeOpenAI(batch_delay=0.01, batch_faults=BatchFaults(fail_batch={0})) as fake:
        submit(capsys, fake, book)
        assert "9 requests sent again" in collect(capsys, fake, book).err
        collect(capsys, fake, book)
        assert [b["status"] for b in fake.batches] == ["failed", "completed"]
    assert statuses(book) == {"judged": FIGURES}


def test_status_and_cancel(capsys: Cap, book: Path) -> None:
    with FakeOpenAI(batch_delay=0.01, batch_hold=True) as fake:
        submit(capsys, fake, book)
        shown = batch(capsys, fake, "status", str(book))
        assert "0 answered, 0 failed, 9 waiting, of 9" in shown.out
        assert "in_progress" in shown.out or "validating" in shown.out
        cancelled = batch(capsys, fake, "cancel", str(book))
        assert "cancel asked for 1 batches" in cancelled.out
        fake.release_batches()
        result = collect(capsys, fake, book)
        assert result.code == 0
    assert statuses(book) == {"failed": FIGURES}
    reasons = {f["judgment"]["reason"] for a in audit(book)["files"] for f in a["figures"]}
    assert all("cancelled" in reason for reason in reasons)


def test_after_a_batch_run_reviewing_a_chapter_asks_nothing(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    submit(capsys, server, book)
    collect(capsys, server, book)
    result = run(
        capsys, str(book / "blossom.qmd"), "--base-url", server.base_url, "-f", "json", "-o", "-"
    )
    figures = result.json()["files"][0]["figures"]
    assert {f["judgment"]["status"] for f in figures} == {"cached"}
    assert server.count() == 0


def test_dry_run_and_max_cost_cover_the_whole_book_at_batch_prices(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    dry = submit(capsys, server, book, "--dry-run")
    assert "9 requests to send" in dry.out and "batch prices, half the list price" in dry.out
    refused = submit(capsys, server, book, "--max-cost", "0.001")
    assert refused.code == 2 and "nothing was sent" in refused.err
    assert server.count_batches() == 0 and server.uploaded_lines() == []


def test_wait_polls_until_the_report_is_out(capsys: Cap, book: Path, server: FakeOpenAI) -> None:
    write(book / "reviewer.toml", "[batch]\npoll_seconds = 0.05\n")
    result = submit(capsys, server, book, "--wait")
    assert result.code == 0 and "book summary written" in result.err
    assert statuses(book) == {"judged": FIGURES}


def test_via_live_writes_the_same_report(capsys: Cap, book: Path, server: FakeOpenAI) -> None:
    result = batch(capsys, server, str(book), "--via", "live", "-q")
    assert result.code == 0 and "book summary written" in result.err
    assert server.count() == FIGURES and server.count_batches() == 0
    assert statuses(book) == {"judged": FIGURES}
    assert "[Harvest](harvest.audit.md)" in (book / "_review" / "book.summary.md").read_text()


def test_via_live_killed_halfway_asks_only_for_what_is_missing(
    capsys: Cap, book: Path, tmp_path: Path
) -> None:
    write(book / "reviewer.toml", "[llm]\nconcurrency = 1\n")
    cache = tmp_path / "cache"
    with FakeOpenAI(latency=0.2) as fake:
        argv = ["batch", str(book), "--via", "live", "--base-url", fake.base_url, "-q"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEWER_CACHE_DIR": str(cache)}
        process = subprocess.Popen([sys.executable, "-m", "reviewer", *argv], env=env)
        deadline = time.monotonic() + 60
        while fake.count(status=200) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = time.monotonic()
        store = AnswerCache(cache)
        kept = store.stats().entries
        store.close()
        assert 0 < kept < FIGURES  # killed halfway: some answers kept, some not
        result = run(capsys, *argv)
        assert result.code == 0, result.err
        # Requests that arrive after the kill are the second run's (the log times arrivals).
        asked = [r for r in fake.log if r.time > killed and r.path.endswith("/completions")]
        assert len(asked) == FIGURES - kept  # only the missing figures
    assert statuses(book) == {"cached": kept, "judged": FIGURES - kept}
