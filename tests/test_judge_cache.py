"""Judge stage, the answer cache: hits cost nothing, only validated answers are stored, the
key ignores paths, and a process killed while writing leaves a cache that still opens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer.judge.cache import AnswerCache, Cached
from reviewer.judge.llm import Answered, JudgeFailed, Spent
from reviewer.judge.request import JudgeRequest
from reviewer.model import JudgmentStatus
from tests.judgeutil import QueueJudge, answer_json, request


def test_a_second_question_is_answered_from_the_cache(tmp_path: Path) -> None:
    inner = QueueJudge([answer_json("explains", 5)])
    cached = Cached(inner, AnswerCache(tmp_path))
    first = cached.answer(request())
    second = cached.answer(request())
    assert first.status is JudgmentStatus.JUDGED and second.status is JudgmentStatus.CACHED
    assert second.answer == first.answer and second.spent == Spent()
    assert len(inner.asked) == 1


def test_refresh_asks_again_and_stores_the_new_answer(tmp_path: Path) -> None:
    store = AnswerCache(tmp_path)
    Cached(QueueJudge([answer_json("partial", 3)]), store).answer(request())
    Cached(QueueJudge([answer_json("explains", 5)]), store, read=False).answer(request())
    hit = Cached(QueueJudge([]), store).cached(request())
    assert hit is not None and hit.answer.score == 5


class Failing(QueueJudge):
    def answer(self, req: JudgeRequest) -> Answered:
        self.asked.append(req)
        raise JudgeFailed("invalid answer twice", Spent(2, 10, 10))


def test_failures_are_not_cached(tmp_path: Path) -> None:
    store = AnswerCache(tmp_path)
    with pytest.raises(JudgeFailed):
        Cached(Failing([]), store).answer(request())
    assert store.stats().entries == 0


def test_an_entry_from_an_older_schema_is_asked_again(tmp_path: Path) -> None:
    store = AnswerCache(tmp_path)
    inner = QueueJudge([answer_json()])
    store.put(inner.key(request()), {"answer": '{"verdict": "good"}', "model": "m"})
    assert Cached(inner, store).cached(request()) is None


def test_the_key_does_not_depend_on_where_the_images_are(tmp_path: Path) -> None:
    """Paths in the request (images resolved on disk) never reach the key; the bytes do."""
    one = request(images=(tmp_path / "a" / "x.png",))
    two = request(images=(tmp_path / "b" / "x.png",))
    assert QueueJudge([]).key(one) == QueueJudge([]).key(two)


def test_stats_and_clear(tmp_path: Path) -> None:
    store = AnswerCache(tmp_path)
    Cached(QueueJudge([answer_json(), answer_json()]), store).answer(request())
    Cached(QueueJudge([answer_json()]), store).answer(request(intro="Another @fig-a."))
    assert store.stats().entries == 2 and store.stats().size_bytes > 0
    assert store.clear() == 2 and store.stats().entries == 0


_WRITER = """
import sys
from reviewer.judge.cache import AnswerCache
store = AnswerCache(__import__("pathlib").Path(sys.argv[1]))
n = 0
while True:
    store.put(f"key-{n}", {"answer": "x" * 5000, "model": "m"})
    n += 1
    if n == 50:
        print("writing", flush=True)
"""


def test_a_cache_killed_mid_write_still_opens_with_whole_entries(tmp_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    time.sleep(0.2)  # let it write more, then kill it in the middle of whatever it is doing
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    store = AnswerCache(tmp_path)
    entries = store.stats().entries
    assert entries >= 50
    for n in range(entries):
        assert store.get(f"key-{n}") == {"answer": "x" * 5000, "model": "m"}
