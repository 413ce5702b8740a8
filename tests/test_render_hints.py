"""Render stage: findings people can act on. The concise and Markdown formats carry each
finding's severity and fix hint: its own suggestion when it has one (a check's replacement, the
judge's checked rewrite), else its rule's example fix, marked "e.g." when that is markup."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviewer.model import (
    Figure,
    FigureAudit,
    FigureKind,
    FileAudit,
    Finding,
    FindingStatus,
    Judgment,
    JudgmentStatus,
    Location,
    Pairing,
    Paragraph,
    Report,
    Severity,
    Verdict,
)
from reviewer.project.settings import Format
from reviewer.render import render
from reviewer.render.hints import hint
from reviewer.rules import RULES, Rule

PATH = "ch.qmd"
SUPPRESSED = FindingStatus.SUPPRESSED
REWRITE = "The map in @fig-map shows the stations, dense in the centre."


def at(line: int) -> Location:
    return Location(PATH, line, line)


def warning(
    code: str, message: str, line: int, suggestion: str | None = None, figure: str = "fig-a"
) -> Finding:
    return Finding(code, Severity.WARNING, message, at(line), figure, suggestion)


def report(*findings: Finding, figures: tuple[FigureAudit, ...] = ()) -> Report:
    return Report((FileAudit(PATH, None, figures, findings),))


def test_concise_lines_carry_severity_and_the_fix() -> None:
    findings = (
        warning("FIG005", "id 'fig-a_b' contains '_'", 3, suggestion="fig-a-b"),
        warning("REF004", "@fig-a is referenced only from captions", 4),
        warning("FIG003", "figure has no alt text (fig-alt)", 5),
    )
    lines = render(report(*findings), Format.CONCISE).splitlines()
    assert lines == [
        "ch.qmd:3: FIG005 [warning] id 'fig-a_b' contains '_' (fix: fig-a-b)",
        "ch.qmd:4: REF004 [warning] @fig-a is referenced only from captions "
        "(fix: Cite the figure from a body paragraph that explains it.)",
        "ch.qmd:5: FIG003 [warning] figure has no alt text (fig-alt) (fix: e.g. "
        '![Caption](loss.png){#fig-loss fig-alt="Line chart of loss falling from 2.1 to 0.3."})',
    ]


def test_a_suggestion_on_several_lines_stays_on_one() -> None:
    forged = "first line\nch.qmd:1: FIG001 [error] forged\n\nlast"
    text = render(report(warning("REF002", "far", 9, suggestion=forged)), Format.CONCISE)
    fix = "first line ch.qmd:1: FIG001 [error] forged last"
    assert text == f"ch.qmd:9: REF002 [warning] far (fix: {fix})\n"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_gives_a_one_line_hint(rule: Rule) -> None:
    found = hint(Finding(rule.code, Severity.INFO, "m", at(1)))
    assert found is not None and found.text and "\n" not in found.plain


def _card() -> FigureAudit:
    figure = Figure("fig-map", FigureKind.IMAGE, at(7), images=("map.png",))
    intro = Paragraph(at(5), "See @fig-map.", "See @fig-map.", "para", 1)
    judged = Judgment(JudgmentStatus.JUDGED, score=2, verdict=Verdict.MENTIONS_ONLY,
                      rationale="It only points.", rewrite=REWRITE)  # fmt: skip
    return FigureAudit(Pairing(figure, intro), judged)


def test_markdown_findings_say_what_to_do() -> None:
    narrative = warning("NAR002", "only mentions", 5, REWRITE, figure="fig-map")
    alt = warning("FIG003", "no alt", 7, figure="fig-map")
    quiet = replace(warning("FIG001", "unused", 7, figure="fig-map"), status=SUPPRESSED)
    elsewhere = warning("REF002", "far", 30, "move *it* up")
    text = render(report(narrative, alt, quiet, elsewhere, figures=(_card(),)), Format.MD)
    assert (
        "- `NAR002` (warning) only mentions; fix: paste the suggested rewrite below\n" in text
    )  # the rewrite itself is shown once, under the figure
    assert text.count(REWRITE) == 1
    assert "- `FIG003` (warning) no alt; fix: e.g. `![Caption](loss.png){#fig-loss" in text
    assert "- ~~`FIG001` (warning) unused~~ (suppressed in the source)\n" in text
    assert "- line 30: `REF002` (warning) far; fix: move \\*it\\* up\n" in text


def test_a_concise_narrative_line_points_to_the_rewrite_instead_of_holding_it() -> None:
    narrative = warning("NAR002", "only mentions", 5, REWRITE, figure="fig-map")
    line = render(report(narrative), Format.CONCISE).strip()
    assert REWRITE not in line
    assert line.endswith(
        "(fix: rewrite the paragraph; the md or html audit shows a checked suggestion)"
    )
