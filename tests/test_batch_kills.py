"""Batch stage under SIGKILL: `review batch` and `review batch collect` are killed, as real
processes, at random points of every phase (start-up, upload, batch creation, polling,
download, resubmission, report), then run again to the end. Every trial checks that no
figure was sent twice, that one batch was created, and that the report has every figure
judged. The fake server runs in this process, so its log and files outlive each kill."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.cliutil import run
from tests.conftest import FIXTURES, ROOT
from tests.fake_openai import FakeOpenAI

Cap = pytest.CaptureFixture[str]
FIGURES = 9
TRIALS = 36  # half killing submit, half killing collect
SEED = 20261201
API = ("/v1/files", "/v1/batches")


def _api_requests(fake: FakeOpenAI) -> int:
    return sum(1 for r in fake.log if r.path.startswith(API))


def _kill_after(
    argv: list[str], env: dict[str, str], fake: FakeOpenAI, rng: random.Random, calls: int
) -> str:
    """Start `review ARGV` and SIGKILL it: after the k-th of the `calls` API requests it
    makes, or at a random moment of its second of life (start-up, reading the book, writing
    the report). Returns where it died."""
    before = _api_requests(fake)
    when = rng.choice(["request", "request", "moment"])
    k, moment = rng.randint(1, calls), rng.uniform(0.0, 1.2)
    process = subprocess.Popen([sys.executable, "-m", "reviewer", *argv], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < 30:
        made = _api_requests(fake) - before
        if (when == "request" and made >= k) or (
            when == "moment" and time.monotonic() - started >= moment
        ):
            time.sleep(rng.uniform(0.0, 0.03))  # inside the call that follows, or just after
            break
        time.sleep(0.002)
    finished = process.poll() is not None
    if not finished:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return (
        "finished before the kill"
        if finished
        else f"{when} {k if when == 'request' else moment:.2f}"
    )


def _finish(capsys: Cap, fake: FakeOpenAI, book: Path, resubmit: bool) -> None:
    """Run the book to its report, as a user would after the kill: the killed command again
    (submit resumes its run), then collect until the report is out."""
    if resubmit:
        run(capsys, "batch", str(book), "--via", "batch", "--base-url", fake.base_url)
    for _ in range(6):
        fake.wait_batches(timeout=20)
        result = run(capsys, "batch", "collect", str(book), "--base-url", fake.base_url)
        assert result.code == 0 and "Traceback" not in result.err, result.err
        if "book summary written" in result.err:
            return
    raise AssertionError("the report was never written")


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_killed_batch_command_sends_no_figure_twice_and_ends_with_every_figure_judged(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trial: int
) -> None:
    rng = random.Random(SEED + trial)
    cache = tmp_path / "cache"
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(cache))
    book = Path(shutil.copytree(FIXTURES / "judge" / "orchard", tmp_path / "orchard"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEWER_CACHE_DIR": str(cache)}
    env.pop("OPENAI_API_KEY", None)
    with FakeOpenAI(batch_delay=rng.uniform(0.01, 0.2)) as fake:
        if trial % 2:  # kill collect: submit first, and let the batch finish or not
            run(capsys, "batch", str(book), "--via", "batch", "--base-url", fake.base_url)
            argv = ["batch", "collect", str(book), "--base-url", fake.base_url]
        else:
            argv = ["batch", str(book), "--via", "batch", "--base-url", fake.base_url]
        # submit: find, upload, find, create; collect: retrieve, then the output's content
        where = _kill_after(argv, env, fake, rng, calls=3 if trial % 2 else 4)
        _finish(capsys, fake, book, resubmit=trial % 2 == 0)
        sent = Counter(line["custom_id"].split(".")[0] for line in fake.uploaded_lines())
        batches = fake.count_batches()
    assert len(sent) == FIGURES and set(sent.values()) == {1}, (where, sent)
    assert batches == 1, where
    report = json.loads((book / "_review" / "book.audit.json").read_text())
    statuses = Counter(f["judgment"]["status"] for a in report["files"] for f in a["figures"])
    assert statuses == {"judged": FIGURES}, (where, statuses)
