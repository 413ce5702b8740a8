"""Renderers against golden files: one shared report (the example chapter, plus a synthetic
report that carries LLM judgments) rendered in every format. After an intended change to a
renderer, rewrite the goldens with
`REVIEWER_UPDATE_GOLDEN=1 python -m pytest tests/test_render_golden.py`
and read the diff before committing it."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.model import (
    Criterion,
    FindingStatus,
    FloatType,
    Judgment,
    JudgmentStatus,
    Report,
    Usage,
    Verdict,
)
from reviewer.pipeline import review
from reviewer.project.plan import plan
from reviewer.project.settings import CheckSettings, Format
from reviewer.render import render

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


def _example_report(monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(ROOT)
    return review(plan([Path("examples/chapter.qmd")]), CheckSettings())


def _judged(report: Report) -> Report:
    """The example report with judgments of every kind, as the LLM stage will fill them in."""
    audit = report.files[0]
    judgments = [
        Judgment(
            JudgmentStatus.JUDGED,
            score=5,
            verdict=Verdict.EXPLAINS,
            model="test-model",
            rationale="'two thirds of the stations sit inside the old town' names what "
            "the map shows.",
            criteria=(
                Criterion("shows", True, "two thirds of the stations sit inside the old town"),
                Criterion("where_to_look", True, "Compare the dense cluster at the centre"),
                Criterion("consistent", False, ""),
            ),
            requests=1,
            prompt_tokens=700,
            completion_tokens=150,
        ),
        Judgment(
            JudgmentStatus.CACHED,
            score=2,
            verdict=Verdict.MENTIONS_ONLY,
            model="test-model",
            rationale="'The static copy in @fig-live-map links to it' says nothing about the map.",
            rewrite="The operator also publishes a live map. The static copy in @fig-live-map "
            "shows stations with free bikes in green and full ones in red.",
        ),
        Judgment(
            JudgmentStatus.JUDGED,
            score=1,
            verdict=Verdict.NO_INTRO,
            model="test-model",
            rationale="The reader meets the trial bike with no word about it.",
            rejected_rewrite="@fig-trial-bike shows the 3 bikes of the trial summer.",
            rewrite_problems=("adds the number 3, which is not in the caption or alt text",),
        ),
        Judgment(JudgmentStatus.FAILED, reason="invalid JSON twice"),
    ]
    figures = tuple(
        replace(item, judgment=judgments[n]) if n < len(judgments) else item
        for n, item in enumerate(audit.figures)
    )
    table, listing = (
        next(i for i in audit.figures if i.pairing.figure.float_type is kind)
        for kind in (FloatType.TABLE, FloatType.LISTING)
    )
    statuses = [FindingStatus.SUPPRESSED, FindingStatus.BASELINED]
    findings = tuple(
        replace(f, status=statuses[n]) if n < len(statuses) else f
        for n, f in enumerate(audit.findings)
    )
    floats = (
        replace(table, judgment=_TABLE_JUDGMENT),
        replace(listing, judgment=_LISTING_JUDGMENT),
    )
    files = (replace(audit, figures=figures[:4] + floats, findings=findings),)
    usage = Usage(
        requests=3, cache_hits=1, prompt_tokens=1200, completion_tokens=300, cost_usd=0.0042
    )
    return Report(files, usage, llm_note="judged by test-model", baseline="review-baseline.json")


_TABLE_JUDGMENT = Judgment(
    JudgmentStatus.JUDGED,
    score=4,
    verdict=Verdict.EXPLAINS,
    model="test-model",
    rationale="'1,240 trips a day in July, the peak, against 610 in January' points at the "
    "rows that matter and matches the table.",
    criteria=(
        Criterion("shows", True, "@tbl-seasons gives the daily averages"),
        Criterion("where_to_look", True, "1,240 trips a day in July, the peak"),
    ),
)
_LISTING_JUDGMENT = Judgment(
    JudgmentStatus.JUDGED,
    score=2,
    verdict=Verdict.MENTIONS_ONLY,
    model="test-model",
    rationale="'The vans follow one rule' names no part of the code.",
    rewrite="The vans follow one rule, in @lst-rebalance: each move takes bikes from the "
    "station whose docks are fullest to the one whose docks are emptiest.",
)


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("REVIEWER_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing; run with REVIEWER_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", list(Format))
def test_example_chapter(fmt: Format, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(f"example{fmt.suffix}", render(_example_report(monkeypatch), fmt))


@pytest.mark.parametrize("fmt", list(Format))
def test_judged_report(fmt: Format, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(f"judged{fmt.suffix}", render(_judged(_example_report(monkeypatch)), fmt))


def test_json_follows_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    audit = json.loads(render(_judged(_example_report(monkeypatch)), Format.JSON))
    assert audit["schema_version"] == 1
    assert set(audit["tool"]) == {"name", "version"}
    assert set(audit["usage"]) >= {
        "requests",
        "cache_hits",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
    }
    figure_keys = {
        "id",
        "kind",
        "line",
        "end_line",
        "caption",
        "alt",
        "parent",
        "intro",
        "mentions",
        "judgment",
    }
    judgment_keys = {
        "status",
        "reason",
        "score",
        "verdict",
        "rationale",
        "rewrite",
        "rewrite_problems",
        "model",
    }
    for file in audit["files"]:
        assert {"path", "figures", "findings"} <= set(file)
        for figure in file["figures"]:
            assert figure_keys <= set(figure)
            assert figure["kind"] in {"image", "div", "code-cell", "diagram"}
            assert figure["intro"] is None or {"path", "line", "end_line", "text"} <= set(
                figure["intro"]
            )
            assert all(set(m) == {"path", "line"} for m in figure["mentions"])
            assert judgment_keys <= set(figure["judgment"])
        assert file["tables"] and file["listings"], "the example has a table and a listing"
        for table in file["tables"] + file["listings"]:
            assert figure_keys - {"alt"} <= set(table)
            assert table["kind"] in {"pipe-table", "div", "code-cell", "code-block", "image"}
            assert table["id"].startswith(("tbl-", "lst-"))
            assert judgment_keys <= set(table["judgment"])
        for finding in file["findings"]:
            assert set(finding) >= {
                "code",
                "severity",
                "message",
                "path",
                "line",
                "figure",
                "suggestion",
            }
            assert finding["severity"] in {"error", "warning", "info"}
