"""Gate stage: `<!-- review: ignore CODE -->` suppressions in the source, and `--fail-on` with a
severity, a score threshold or both. The baseline has its own file, test_baseline.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewer.errors import ReviewerError
from reviewer.gate.suppress import gate
from reviewer.model import (
    Extraction,
    Figure,
    FigureKind,
    Finding,
    FindingStatus,
    Location,
    Severity,
    Suppression,
)
from reviewer.project.selection import RuleSet
from reviewer.project.settings import FailOn

from .cliutil import run, write
from .conftest import ROOT

Cap = pytest.CaptureFixture[str]

# Two figures without alt text (FIG003 on lines 5 and 9), the first one suppressed.
SUPPRESSED_FIGURE = """# Ovens

The deck oven holds six loaves, as @fig-deck shows; @fig-rack shows the rack oven.

<!-- review: ignore FIG003 -->
![A deck oven with two decks.](deck.png){#fig-deck}

The rack oven takes a whole trolley.

![A rack oven.](rack.png){#fig-rack}
"""


def _statuses(capsys: Cap, chapter: str) -> list[tuple[str, int, str]]:
    result = run(capsys, chapter, "-f", "json", "-o", "-", "--fail-on", "never")
    findings = result.json()["files"][0]["findings"]
    return [(f["code"], f["line"], f["status"]) for f in findings]


def test_a_comment_suppresses_its_code_on_the_next_figure(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "ovens.qmd", SUPPRESSED_FIGURE)
    assert _statuses(capsys, "ovens.qmd") == [
        ("FIG003", 6, "suppressed"),
        ("FIG003", 10, "active"),
    ]
    concise = run(capsys, "ovens.qmd", "-f", "concise", "--fail-on", "warning")
    assert concise.findings() == [("ovens.qmd", 10, "FIG003")]
    assert concise.code == 1
    assert "1 suppressed in the source" in concise.err


def test_a_comment_for_another_code_suppresses_nothing(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "ovens.qmd", SUPPRESSED_FIGURE.replace("ignore FIG003", "ignore FIG004"))
    assert _statuses(capsys, "ovens.qmd") == [
        ("FIG003", 6, "active"),
        ("FIG003", 10, "active"),
        ("SRC010", 5, "active"),  # and the comment itself is reported as unused
    ]


def test_a_bare_ignore_covers_every_code_and_only_the_next_block(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    chapter = """# Flour

<!-- review: ignore -->
See @fig-sacks and @fig-missing.

See @fig-missing again.

![Sacks of flour.](sacks.png){#fig-sacks}
"""
    write(tmp_path / "flour.qmd", chapter)
    assert _statuses(capsys, "flour.qmd") == [
        ("REF001", 4, "suppressed"),
        ("REF001", 6, "active"),
        ("FIG003", 8, "active"),
    ]


def test_a_comment_separated_from_its_figure_by_a_paragraph_does_not_apply(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    moved = SUPPRESSED_FIGURE.replace(
        "<!-- review: ignore FIG003 -->\n", "<!-- review: ignore FIG003 -->\n\nA word.\n\n"
    )
    write(tmp_path / "ovens.qmd", moved)
    assert [(c, s) for c, _, s in _statuses(capsys, "ovens.qmd")] == [
        ("FIG003", "active"),
        ("FIG003", "active"),
        ("SRC010", "active"),
    ]


def test_a_comment_inside_a_figure_div_and_on_a_code_cell(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    chapter = """# Proving

@fig-basket and @fig-temps show the proving stage.

<!-- review: ignore FIG003 -->
::: {#fig-basket}
![](basket.png)

A cane basket.
:::

<!-- review:ignore fig003 -->
```{python}
#| label: fig-temps
#| fig-cap: "Proving temperatures"
print(1)
```
"""
    write(tmp_path / "proving.qmd", chapter)
    assert [(c, s) for c, _, s in _statuses(capsys, "proving.qmd")] == [
        ("FIG003", "suppressed"),
        ("FIG003", "suppressed"),
    ]


def test_a_comment_above_a_figure_covers_its_findings_on_the_intro_paragraph() -> None:
    figure_at, elsewhere = Location("ch.qmd", 10, 10), Location("ch.qmd", 20, 20)
    rule = Suppression(frozenset({"NAR002"}), figure_at)  # the comment stands on line 9
    intro_a, intro_b = Location("ch.qmd", 3, 4), Location("ch.qmd", 5, 5)
    narrative = Finding("NAR002", Severity.WARNING, "only mentions", intro_a, "fig-a")
    other = Finding("NAR002", Severity.WARNING, "only mentions", intro_b, "fig-b")
    figures = [
        Figure("fig-a", FigureKind.IMAGE, figure_at),
        Figure("fig-b", FigureKind.IMAGE, elsewhere),
    ]
    chapter = Extraction("ch.qmd", None, tuple(figures), (), (), suppressions=(rule,))
    marked = gate([narrative, other], chapter, RuleSet(), judged=True)
    assert [f.status for f in marked] == [FindingStatus.SUPPRESSED, FindingStatus.ACTIVE]


# -- --fail-on ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "severity", "below"),
    [
        ("error", Severity.ERROR, None),
        ("warning", Severity.WARNING, None),
        ("never", None, None),
        ("score<3", None, 3),
        ("Score < 5", None, 5),
        ("warning,score<2", Severity.WARNING, 2),
    ],
)
def test_fail_on_reads(text: str, severity: Severity | None, below: int | None) -> None:
    assert FailOn.parse(text) == FailOn(severity, below)


@pytest.mark.parametrize("text", ["sometimes", "score<1", "score<6", "score>3", "never,error", ""])
def test_fail_on_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="score<N"):
        FailOn.parse(text)


def test_a_bad_fail_on_is_one_error_line(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "ovens.qmd", SUPPRESSED_FIGURE)
    result = run(capsys, "ovens.qmd", "-o", "-", "--fail-on", "score<9")
    assert result.code == 2
    assert "option --fail-on must be error, warning, info, never, score<N" in result.err


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example chapter, judged offline from its cassettes (scores 1 to 5)."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _judged(capsys: Cap, *extra: str) -> tuple[int, list[dict[str, object]], list[int]]:
    result = run(
        capsys,
        "examples/chapter.qmd",
        "--replay",
        str(ROOT / "cassettes" / "examples"),
        "-f",
        "json",
        "-o",
        "-",
        *extra,
    )
    audit = result.json()["files"][0]
    floats = audit["figures"] + audit["tables"] + audit["listings"]
    scores = [f["judgment"]["score"] for f in floats]
    return result.code, audit["findings"], scores


def test_fail_on_score_reports_each_weak_figure_and_exits_1(example: Path, capsys: Cap) -> None:
    code, findings, scores = _judged(capsys, "--fail-on", "score<3")
    weak = [f for f in findings if f["code"] == "NAR004"]
    assert len(weak) == sum(1 for s in scores if s is not None and s < 3) > 0
    assert all("below the --fail-on threshold score<3" in str(f["message"]) for f in weak)
    assert code == 1


def test_fail_on_score_passes_when_no_figure_is_below(example: Path, capsys: Cap) -> None:
    code, findings, scores = _judged(capsys, "--fail-on", "score<2")
    lowest = min(s for s in scores if s is not None)
    assert [f["code"] for f in findings].count("NAR004") == scores.count(1)
    assert code == (1 if lowest < 2 else 0)
    code, findings, _ = _judged(capsys, "--fail-on", "never")
    assert "NAR004" not in [f["code"] for f in findings]
    assert code == 0


def test_score_and_severity_together(example: Path, capsys: Cap) -> None:
    # The example's worst finding is a warning, so `error` alone passes and the score fails.
    assert _judged(capsys, "--fail-on", "error")[0] == 0
    assert _judged(capsys, "--fail-on", "error,score<3")[0] == 1


def test_config_errors_are_reviewer_errors() -> None:
    from reviewer.project.config import load_config

    with pytest.raises(ReviewerError, match="REVIEWER_FAIL_ON must be"):
        load_config(ROOT, environ={"REVIEWER_FAIL_ON": "score<0"})
