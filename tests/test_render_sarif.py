"""SARIF 2.1.0 and GitHub annotations, the formats CI reads. The SARIF log validates against
the published schema (shipped in tests/data, so no network), its rules are the registry's, and
its fingerprints survive moving a figure. The annotations escape what GitHub requires."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reviewer.rules import RULES

from .cliutil import run, write
from .conftest import ROOT

Cap = pytest.CaptureFixture[str]
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


def _validate(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "examples" / "chapter.qmd"


def _sarif(capsys: Cap, *argv: str) -> dict[str, Any]:
    result = run(capsys, "-f", "sarif", "-o", "-", "--fail-on", "never", *argv)
    assert result.code in (0, 1), result.err
    log: dict[str, Any] = json.loads(result.out)
    return log


def test_the_judged_example_validates_against_the_schema(example: Path, capsys: Cap) -> None:
    replay = str(ROOT / "cassettes" / "examples")
    log = _sarif(capsys, "examples/chapter.qmd", "--replay", replay, "--fail-on", "score<3")
    _validate(log)
    run_ = log["runs"][0]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == [r.code for r in RULES]
    results = run_["results"]
    codes = {r["ruleId"] for r in results}
    assert {"FIG001", "FIG003", "NAR002", "NAR004"} <= codes  # findings and weak judgments
    for result in results:
        rule = run_["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        where = result["locations"][0]["physicalLocation"]
        assert where["artifactLocation"]["uri"] in ("examples/chapter.qmd", "examples/_sidebar.qmd")
        assert where["region"]["startLine"] >= 1
    weak = [r for r in results if r["ruleId"] == "NAR004"]
    assert all(r["properties"]["score"] < 3 for r in weak)


def test_an_invalid_log_is_caught_by_the_schema() -> None:
    # The validation is real: a wrong level fails it.
    log = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x"}},
                "results": [{"ruleId": "FIG001", "level": "fatal", "message": {"text": "m"}}],
            }
        ],
    }
    with pytest.raises(AssertionError, match="fatal"):
        _validate(log)


def _fingerprints(log: dict[str, Any]) -> dict[str, str]:
    return {
        next(iter(r["partialFingerprints"].values())): r["ruleId"]
        for r in log["runs"][0]["results"]
    }


def test_fingerprints_survive_moving_a_figure(example: Path, capsys: Cap) -> None:
    before = _sarif(capsys, "examples/chapter.qmd", "--no-llm")
    text = example.read_text(encoding="utf-8")
    figure = "```{r fig-monthly"
    example.write_text(text.replace(figure, "\n" * 10 + figure), encoding="utf-8")
    after = _sarif(capsys, "examples/chapter.qmd", "--no-llm")
    lines = [
        [
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in log["runs"][0]["results"]
        ]
        for log in (before, after)
    ]
    assert lines[0] != lines[1]  # the figure did move
    assert _fingerprints(before) == _fingerprints(after)
    assert len(_fingerprints(before)) == len(before["runs"][0]["results"])  # all distinct


def test_suppressed_and_baselined_results_are_marked(
    example: Path, tmp_path: Path, capsys: Cap
) -> None:
    text = example.read_text(encoding="utf-8")
    figure = "![The first bike design"
    example.write_text(text.replace(figure, "<!-- review: ignore FIG001 -->\n" + figure))
    baseline = tmp_path / "base.json"
    assert (
        run(
            capsys, "baseline", "write", "examples/chapter.qmd", "--no-llm", "-o", str(baseline)
        ).code
        == 0
    )
    log = _sarif(capsys, "examples/chapter.qmd", "--no-llm", "--baseline", str(baseline))
    _validate(log)
    by_rule = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert by_rule["FIG001"]["suppressions"] == [
        {"kind": "inSource", "justification": "<!-- review: ignore --> in the source"}
    ]
    assert by_rule["FIG003"]["baselineState"] == "unchanged"


# -- GitHub annotations ------------------------------------------------------------------------


def test_github_annotations(tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "book, vol 1" / "crumbs.qmd",
        "# Crumbs\n\nSee @fig-missing.\n\n![A 100% rye crumb.](c.png){#fig-crumb}\n\n"
        '![A loaf](l.png){#fig-Loaf_1 fig-alt="A loaf"}\n',
    )
    result = run(capsys, "book, vol 1/crumbs.qmd", "-f", "github")
    assert result.code == 1  # REF001 is an error
    assert result.out.splitlines() == [
        "::error file=book%2C vol 1/crumbs.qmd,line=3,endLine=3,title=REF001 undefined-reference"
        "::@fig-missing refers to a figure that is not defined in what was reviewed",
        "::warning file=book%2C vol 1/crumbs.qmd,line=5,endLine=5,title=FIG001 never-referenced"
        "::@fig-crumb is never referenced",
        "::warning file=book%2C vol 1/crumbs.qmd,line=5,endLine=5,title=FIG003 missing-alt"
        "::figure has no alt text (fig-alt)",
        "::warning file=book%2C vol 1/crumbs.qmd,line=7,endLine=7,title=FIG005 id-style"
        "::id 'fig-Loaf_1' contains '_', which can break LaTeX output; use '-'"
        "%0ASuggestion: fig-Loaf-1",
        "::warning file=book%2C vol 1/crumbs.qmd,line=7,endLine=7,title=FIG001 never-referenced"
        "::@fig-Loaf_1 is never referenced",
        "::warning file=book%2C vol 1/crumbs.qmd,line=7,endLine=7,title=FIG004 alt-equals-caption"
        "::alt text repeats the caption; describe what the image shows",
    ]
