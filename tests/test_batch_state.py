"""Batch stage, the run's state: it carries every setting that keys the run, so any command
on a finished run writes the same report; a command line that contradicts it is refused,
naming the setting; a hand-edited or hostile state file is refused with one line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from reviewer.batch.run import _repair
from reviewer.batch.state import FigureState
from reviewer.judge.repair import Repair
from tests.cliutil import one_error_line, run, write
from tests.fake_openai import FakeOpenAI
from tests.test_batch import FIGURES, batch
from tests.test_batch import book as _book
from tests.test_batch import server as _server

Cap = pytest.CaptureFixture[str]
# The batch tests' own fixtures, shared as they are: a copy of the orchard book, the server.
book, server = _book, _server


def finished(capsys: Cap, server: FakeOpenAI, book: Path, *extra: str) -> None:
    assert batch(capsys, server, str(book), "--via", "batch", *extra).code == 0
    server.wait_batches()
    assert batch(capsys, server, "collect", str(book)).code == 0


def report(book: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((book / "_review" / "book.audit.json").read_text())
    return data


def statuses(book: Path) -> list[str]:
    return [f["judgment"]["status"] for a in report(book)["files"] for f in a["figures"]]


def state_file(book: Path) -> Path:
    return book / "_review" / "batch" / "state.json"


def test_a_second_collect_on_a_finished_run_writes_the_same_report(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    finished(capsys, server, book, "--model", "gpt-4o-mini")  # not the default model
    first = report(book)
    assert statuses(book) == ["judged"] * FIGURES
    again = batch(capsys, server, "collect", str(book))
    assert again.code == 0, again.err
    assert report(book)["files"] == first["files"]
    assert batch(capsys, server, "status", str(book)).code == 0


def test_the_state_records_what_keys_the_run(capsys: Cap, book: Path, server: FakeOpenAI) -> None:
    finished(capsys, server, book, "--model", "gpt-4o-mini")
    keys = json.loads(state_file(book).read_text())["keys"]
    assert keys["model"] == "gpt-4o-mini" and keys["base_url"] == server.base_url
    assert {"endpoint", "max_output_tokens", "vision", "prompts"} <= set(keys)


def test_reviewer_toml_changed_after_submit_is_overridden_by_the_run(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    assert batch(capsys, server, str(book), "--via", "batch").code == 0
    write(book / "reviewer.toml", '[llm]\nmodel = "gpt-4o-mini"\nmax_output_tokens = 300\n')
    server.wait_batches()
    assert batch(capsys, server, "collect", str(book)).code == 0
    assert statuses(book) == ["judged"] * FIGURES


def test_a_command_line_that_contradicts_the_run_is_refused_naming_the_setting(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    assert batch(capsys, server, str(book), "--via", "batch").code == 0
    refused = batch(capsys, server, str(book), "--via", "batch", "--model", "gpt-4o-mini")
    assert refused.code == 2
    line = one_error_line(refused.err)
    assert "was submitted with --model gpt-4.1-mini" in line and "asks for gpt-4o-mini" in line
    other = run(capsys, "batch", "collect", str(book), "--base-url", "http://127.0.0.1:9/v1")
    assert other.code == 2 and "--base-url" in one_error_line(other.err)


def test_the_floats_a_run_was_submitted_with_are_followed_in_any_spelling(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    assert batch(capsys, server, str(book), "--via", "batch", "--floats", "figures").code == 0
    assert json.loads(state_file(book).read_text())["keys"]["floats"] == "fig"
    same = batch(capsys, server, str(book), "--via", "batch", "--floats", "fig")
    assert same.code == 0, same.err
    refused = batch(capsys, server, str(book), "--via", "batch", "--floats", "tbl")
    assert refused.code == 2
    line = one_error_line(refused.err)
    assert "was submitted with --floats fig" in line and "asks for tbl" in line


def test_changed_prompts_are_refused(
    capsys: Cap, book: Path, server: FakeOpenAI, tmp_path: Path
) -> None:
    mine = write(tmp_path / "prompts" / "system.md", "You are a strict reviewer.\n")
    write(book / "reviewer.toml", f'[llm]\nprompts = "{mine.parent}"\n')
    assert batch(capsys, server, str(book), "--via", "batch").code == 0
    mine.write_text("You are a lenient reviewer.\n")
    refused = batch(capsys, server, "collect", str(book))
    assert refused.code == 2 and "the prompts changed" in one_error_line(refused.err)


def _edited(state: dict[str, Any], how: str) -> Any:
    part = state["parts"][0]
    figure = next(iter(state["figures"].values()))
    if how == "part-outside":
        part["name"] = "../../../outside.jsonl"
    elif how == "part-absolute":
        part["name"] = "/etc/passwd"
    elif how == "figure-status":
        figure["status"] = "rm -rf"
    elif how == "figure-count":
        figure["attempts"] = "many"
    elif how == "unknown-field":
        state["extra"] = 1
    elif how == "model-type":
        state["keys"]["model"] = ["gpt"]
    elif how == "not-object":
        return [state]
    elif how == "custom-ids":
        part["custom_ids"] = [1, 2]
    return state


@pytest.mark.parametrize(
    "how",
    [
        "part-outside",
        "part-absolute",
        "figure-status",
        "figure-count",
        "unknown-field",
        "model-type",
        "not-object",
        "custom-ids",
    ],
)
def test_a_hand_edited_state_is_refused_with_one_line(
    capsys: Cap, book: Path, server: FakeOpenAI, how: str
) -> None:
    assert batch(capsys, server, str(book), "--via", "batch").code == 0
    path = state_file(book)
    path.write_text(json.dumps(_edited(json.loads(path.read_text()), how)))
    outside = book.parent / "outside.jsonl"
    for command in ("collect", "status", "cancel"):
        result = batch(capsys, server, command, str(book))
        assert result.code == 2, (command, result.err)
        assert "state.json" in one_error_line(result.err)
    assert not outside.exists()


@pytest.mark.parametrize("content", ["[" * 100_000, "not json", "\x00\x01", ""])
def test_a_broken_state_file_is_refused_with_one_line(
    capsys: Cap, book: Path, server: FakeOpenAI, content: str
) -> None:
    write(state_file(book), content)
    result = batch(capsys, server, "collect", str(book))
    assert result.code == 2 and "cannot read the batch run's state" in one_error_line(result.err)


def test_a_state_file_that_is_a_fifo_does_not_hang(
    capsys: Cap, book: Path, server: FakeOpenAI
) -> None:
    state_file(book).parent.mkdir(parents=True)
    os.mkfifo(state_file(book))
    result = batch(capsys, server, "status", str(book))
    assert result.code == 2 and "not a regular file" in one_error_line(result.err)


def test_a_repair_with_more_keys_than_it_needs_is_read_by_name() -> None:
    """state.py checks that a figure's repair has 'bad' and 'problems', not that it has
    nothing else: the next line must still be asked, not crash on the extra key."""
    extra = {"bad": "{}", "problems": "no verdict", "note": "added by hand"}
    figure = FigureState("k" * 64, "ch.qmd", "fig-a", 3, repair=extra)
    assert _repair(figure) == Repair("{}", "no verdict")
    assert _repair(FigureState("k" * 64, "ch.qmd", "fig-a", 3)) is None
