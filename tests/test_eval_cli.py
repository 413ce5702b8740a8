"""`review eval`: the gold set replayed offline from `cassettes/eval`, a slice of it, the
comparison of two results, perturbations judged by the fake server, and the errors. The metric
arithmetic itself is checked by hand in test_eval_metrics.py; here the result's numbers are
checked against the per-pair answers it lists."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reviewer.evaluate.gold import read_gold
from tests.fake_openai import FakeOpenAI

from .cliutil import one_error_line, run, write
from .conftest import CORPUS, FIXTURES, ROOT, SHARED, need_corpus, unavailable

Cap = pytest.CaptureFixture[str]
GOLD = SHARED / "gold" / "dev.jsonl"
CASSETTES = ROOT / "cassettes" / "eval"


def need_gold() -> None:
    if not GOLD.is_file():
        unavailable(f"the gold set is not at {GOLD} (it sits beside the project in CI)")


def _replay(capsys: Cap, gold: Path, out: Path) -> tuple[str, dict[str, Any]]:
    result = run(capsys, "eval", str(gold), "--replay", str(CASSETTES), "-o", str(out), "-q")
    assert result.code == 0, result.err
    return result.out, json.loads(out.read_text(encoding="utf-8"))


def test_the_dev_set_replays_offline_and_prints_the_report(tmp_path: Path, capsys: Cap) -> None:
    need_gold()
    report, result = _replay(capsys, GOLD, tmp_path / "dev.json")
    assert report.startswith("# Judge evaluation")
    assert "| All pairs | 60 | 60 | 0 |" in report
    assert (tmp_path / "dev.md").read_text(encoding="utf-8") == report
    assert result["run"]["judge"].endswith(f"replayed from {CASSETTES}")
    rows = result["pairs"]
    assert len(rows) == 60 and all(r["verdict"] for r in rows)
    _check_against_rows(result["groups"]["all"], rows)
    high = [r for r in rows if r["confidence"] == "high"]
    _check_against_rows(result["groups"]["high_confidence"], high)


def _check_against_rows(metrics: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """The result's confusion matrix, accuracy, kappa and MAE, recounted from its pairs."""
    pairs = Counter((r["gold_verdict"], r["verdict"]) for r in rows)
    for gold, row in metrics["confusion"].items():
        assert row == {said: pairs[(gold, said)] for said in row}
    n = len(rows)
    correct = sum(r["gold_verdict"] == r["verdict"] for r in rows)
    assert metrics["accuracy"] == pytest.approx(correct / n)
    gold_counts = Counter(r["gold_verdict"] for r in rows)
    said_counts = Counter(r["verdict"] for r in rows)
    p_e = sum(gold_counts[v] * said_counts[v] for v in gold_counts) / n**2
    assert metrics["kappa"] == pytest.approx((correct / n - p_e) / (1 - p_e))
    mae = sum(abs(r["gold_score"] - r["score"]) for r in rows) / n
    assert metrics["score_mae"] == pytest.approx(mae)


def test_a_slice_of_the_dev_set_replays_the_same_answers(tmp_path: Path, capsys: Cap) -> None:
    need_gold()
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    head = write(tmp_path / "slice.jsonl", "\n".join(lines[:5] + lines[-3:]) + "\n")
    _, whole = _replay(capsys, GOLD, tmp_path / "dev.json")
    _, part = _replay(capsys, head, tmp_path / "slice.json")
    answers = {r["id"]: (r["verdict"], r["score"]) for r in whole["pairs"]}
    assert len(part["pairs"]) == 8
    assert all(answers[r["id"]] == (r["verdict"], r["score"]) for r in part["pairs"])


def test_the_cassettes_hold_none_of_the_gold_text() -> None:
    need_gold()
    stored = " ".join(p.read_text(encoding="utf-8") for p in CASSETTES.glob("*.json"))
    for pair in read_gold(GOLD):
        assert pair.intro not in stored
        assert pair.caption not in stored


def test_compare_shows_two_results_side_by_side(tmp_path: Path, capsys: Cap) -> None:
    need_gold()
    _replay(capsys, GOLD, tmp_path / "a.json")
    b = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    b["run"]["model"] = "other-model"
    b["groups"]["all"]["accuracy"] = 0.5
    write(tmp_path / "b.json", json.dumps(b))
    result = run(capsys, "eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert result.code == 0
    assert "# Judge evaluation: A and B compared" in result.out
    assert "- B: other-model" in result.out
    assert "| accuracy | 0.400 | 0.500 | +0.100 |" in result.out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["eval"], "give a gold file"),
        (["eval", "missing.jsonl", "--replay", "x"], "missing.jsonl: no such file"),
        (["eval", "bad.jsonl", "--replay", "x"], "bad.jsonl:1"),
        (["eval", "good.jsonl"], "review eval needs the LLM stage"),
        (["eval", "--compare", "bad.jsonl", "good.jsonl"], "not a result written by"),
    ],
)
def test_errors_are_one_line(
    argv: list[str], says: str, tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bad.jsonl", "{not json\n")
    (tmp_path / "good.jsonl").write_text((FIXTURES / "eval" / "gold.jsonl").read_text())
    result = run(capsys, *argv)
    assert result.code == 2
    assert says in one_error_line(result.err)


def test_perturbations_are_judged_and_ranked(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    chapter = FIXTURES / "eval" / "chapter.qmd"
    with FakeOpenAI() as fake:
        argv = ["eval", "--perturb", str(chapter), "--base-url", fake.base_url, "--no-cache"]
        out = tmp_path / "p.json"
        first = run(capsys, *argv, "-o", str(out), "--pairs", str(tmp_path / "a.jsonl"), "-q")
        again = run(capsys, *argv, "-o", str(out), "--pairs", str(tmp_path / "b.jsonl"), "-q")
        asked = fake.count()
    assert first.code == again.code == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    pairs = read_gold(tmp_path / "a.jsonl")
    result = json.loads(out.read_text(encoding="utf-8"))
    figures = result["perturb"]["figures"]
    assert asked == 2 * (figures + len(pairs))  # each original and each variant, twice
    rankings = result["rankings"]
    assert sum(r["pairs"] for r in rankings.values()) == len(pairs)
    for r in rankings.values():
        assert r["original_above"] + r["ties"] + r["original_below"] == r["judged"]
    assert "| mentions |" in first.out and "| contradicts |" in first.out


def test_r4ds_perturbations_from_the_command_line(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_corpus()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with FakeOpenAI() as fake:
        argv = ["eval", "--perturb", str(CORPUS / "r4ds"), "--base-url", fake.base_url]
        result = run(capsys, *argv, "--no-cache", "-o", str(tmp_path / "r.json"), "-q",
                     "--pairs", str(tmp_path / "r4ds.jsonl"))  # fmt: skip
    assert result.code == 0
    pairs = read_gold(tmp_path / "r4ds.jsonl")
    kinds = Counter(p.id.rsplit("~", 1)[1] for p in pairs)
    assert kinds["mentions"] > 0 and kinds["contradicts"] > 0
    assert all(f"@{p.figure_id}" in p.intro for p in pairs)
