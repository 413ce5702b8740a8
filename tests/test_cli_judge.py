"""The command line around the LLM stage: cache commands, prompt overrides, option conflicts,
and Ctrl-C while requests are in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import diskcache
import pytest

from reviewer.judge.request import PROMPT_FILES, shipped_prompt
from tests.cliutil import one_error_line, run, write
from tests.conftest import FIXTURES, ROOT
from tests.fake_openai import CHAT_PATH, FakeOpenAI

Cap = pytest.CaptureFixture[str]
CHAPTER = (FIXTURES / "judge" / "weather.qmd").read_text(encoding="utf-8")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_stats_and_clear(capsys: Cap, tmp_path: Path, cache: Path) -> None:
    chapter = write(tmp_path / "weather.qmd", CHAPTER)
    with FakeOpenAI() as fake:
        run(capsys, str(chapter), "--base-url", fake.base_url, "-o", "-")
    stats = run(capsys, "cache", "stats")
    assert stats.code == 0
    assert f"cache: {cache}" in stats.out and "answers: 5" in stats.out
    cleared = run(capsys, "cache", "clear")
    assert "removed 5 answers" in cleared.out
    assert "answers: 0" in run(capsys, "cache", "stats").out


def test_prompts_dir_overrides_a_prompt_and_asks_again(
    capsys: Cap, tmp_path: Path, cache: Path
) -> None:
    chapter = write(tmp_path / "weather.qmd", CHAPTER)
    mine = write(tmp_path / "prompts" / "system.md", "You are a strict reviewer of figures.\n")
    with FakeOpenAI() as fake:
        run(capsys, str(chapter), "--base-url", fake.base_url, "-o", "-")
        run(
            capsys,
            str(chapter),
            "--base-url",
            fake.base_url,
            "-o",
            "-",
            "--prompts",
            str(mine.parent),
        )
        assert fake.count() == 10  # a new prompt is a new question: nothing came from the cache
        chats = [r for r in fake.log if r.path == CHAT_PATH]
        systems = {r.body["messages"][0]["content"] for r in chats[5:]}
    assert systems == {"You are a strict reviewer of figures.\n"}


def test_the_installed_package_ships_every_prompt() -> None:
    """The prompts sit at the top of the repository and install as reviewer.prompts (the
    tests import the source tree, so this looks in site-packages itself)."""
    site = Path(sysconfig.get_paths()["purelib"])
    finders = list(site.glob("__editable___reviewer_*_finder.py"))
    for name in PROMPT_FILES:
        mine = (ROOT / "prompts" / name).read_text(encoding="utf-8")
        assert shipped_prompt(name) == mine
        if finders:  # an editable install maps the package onto the top-level folder
            assert f"'reviewer.prompts': '{ROOT / 'prompts'}'" in finders[0].read_text("utf-8")
        else:
            assert (site / "reviewer" / "prompts" / name).read_text(encoding="utf-8") == mine


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--record", "tape", "--replay", "tape"), "--record needs a live endpoint"),
        (("--replay", "no-such-folder"), "no such cassette folder"),
        (("--prompts", "no-such-folder", "--base-url", "http://127.0.0.1:9/v1"), "prompts"),
        (("--dry-run",), "--dry-run needs the LLM stage"),
        (
            ("--max-cost", "1", "--model", "my-llama", "--base-url", "http://127.0.0.1:9/v1"),
            '--max-cost needs a price for my-llama; add [prices."my-llama"]',
        ),
    ],
)
def test_bad_llm_options_exit_2_with_one_line(
    extra: tuple[str, ...],
    message: str,
    capsys: Cap,
    tmp_path: Path,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "tape" / "cassette.json", "{}")
    chapter = write(tmp_path / "weather.qmd", CHAPTER)
    result = run(capsys, str(chapter), "-o", "-", *extra)
    assert result.code == 2
    assert message in one_error_line(result.err)


def test_ctrl_c_while_judging_exits_130_at_once_and_keeps_the_answers(
    tmp_path: Path, cache: Path
) -> None:
    chapter = write(tmp_path / "weather.qmd", CHAPTER)
    write(tmp_path / "reviewer.toml", "[llm]\nconcurrency = 1\n")
    with FakeOpenAI(latency=0.5) as fake:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEWER_CACHE_DIR": str(cache)}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reviewer",
                str(chapter),
                "--base-url",
                fake.base_url,
                "-o",
                str(tmp_path / "audit.md"),
            ],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            # A shell's background job ignores SIGINT, and a child would inherit that.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 30
        while fake.count() < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = process.communicate(timeout=30)
        stopped = time.monotonic() - started
        answered = sum(1 for r in fake.log if r.status == 200)
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert stopped < 5  # it does not wait for the request in flight to time out
    assert not (tmp_path / "audit.md").exists()  # no half-written audit
    # The fake logs an answer once it sends it, so `answered` may count up to two answers the
    # run never kept: one sent to a client already gone, one read as the Ctrl-C came.
    with diskcache.Cache(str(cache)) as store:
        kept = len(store)
    assert answered - 2 <= kept <= answered and kept >= 1
    with FakeOpenAI() as again:
        run_again = subprocess.run(
            [
                sys.executable,
                "-m",
                "reviewer",
                str(chapter),
                "--base-url",
                again.base_url,
                "-o",
                "-",
                "-q",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert run_again.returncode == 0, run_again.stderr
    assert again.count() == 5 - kept  # the rerun asks only what has no kept answer


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject lists the packages by hand (the prompts are mapped in); a package missing
    there is missing from `pip install .` while the tests, run from the source tree, pass."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "reviewer").rglob("__init__.py")
    }
    assert found | {"reviewer.prompts"} == listed
