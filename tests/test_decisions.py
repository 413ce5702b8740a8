"""Checks stage: each FIG and REF code decided by what Quarto renders, one small chapter per
decision. A finding a careful author would call wrong is a bug, so the cases where a code must
stay silent are pinned as firmly as those where it must speak.

Quarto's rules used here (quarto.org, Figures and Cross References):
- an image or a plot cell is a figure only with a caption or a `fig-` id; `![](plot.png)` or
  an unlabelled plot without `fig-cap` renders as a plain image, which no FIG code is about;
- a `fig-` id numbers the figure, with or without a caption;
- Quarto warns against `_` in ids (it breaks LaTeX), not against upper case;
- a reference resolves within the document, its includes, and (in a book) the other chapters.
The other places where a code stays silent are pinned in tests/fixtures/extract/*.expected.json
(sub-figures, embeds, format-conditional duplicates) and tests/test_project.py (projects)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewer.extract.checks import narrative
from reviewer.model import Judgment, JudgmentStatus, Verdict
from reviewer.pipeline import judge_requests, review
from reviewer.project.plan import plan
from reviewer.project.settings import CheckSettings

from .cliutil import write


@dataclass(frozen=True)
class Decision:
    name: str
    quarto_renders: str
    chapter: str
    codes: tuple[str, ...]  # the codes the chapter gives, in line order


ALT = 'fig-alt="Two bars, the left twice as tall."'
FIGURE = "![The oven at noon.](oven.png){{#{} " + ALT + "}}"

DECISIONS = (
    Decision(
        "bare image",
        "a plain image: no number, no caption, not a figure",
        "# Oven\n\nThe oven is hot.\n\n![](oven.png)\n",
        (),
    ),
    Decision(
        "bare plot cell",
        "a plot as a plain image: the cell has neither a fig- label nor fig-cap",
        "# Oven\n\nThe oven is hot.\n\n```{python}\nplot()\n```\n",
        (),
    ),
    Decision(
        "bare image with alt text only",
        "a plain image with alt text: fig-alt makes no figure",
        '# Oven\n\nThe oven is hot.\n\n![](oven.png){fig-alt="A hot oven."}\n',
        (),
    ),
    Decision(
        "plot cell with alt text only",
        "a plot as a plain image with alt text: neither a fig- label nor fig-cap",
        '# Oven\n\nThe oven is hot.\n\n```{r}\n#| fig-alt: "A rising line."\nplot()\n```\n',
        (),
    ),
    Decision(
        "id without caption",
        "'Figure 1' with nothing after it: FIG002 (and FIG003 without alt)",
        f"# Oven\n\nAs @fig-oven shows, it is hot.\n\n![](oven.png){{#fig-oven {ALT}}}\n",
        ("FIG002",),
    ),
    Decision(
        "labelled cell without caption",
        "a numbered figure without a caption: FIG002",
        "# Oven\n\nAs @fig-heat shows, it is hot.\n\n```{python}\n#| label: fig-heat\n"
        '#| fig-alt: "A rising line."\nplot()\n```\n',
        ("FIG002",),
    ),
    Decision(
        "caption without id",
        "an unnumbered figure that no text can cite: FIG008 (info) and FIG003",
        "# Oven\n\nThe oven is hot.\n\n![The oven at noon.](oven.png)\n",
        ("FIG003", "FIG008"),
    ),
    Decision(
        "caption, id and alt",
        "a numbered, captioned figure: nothing to say",
        f"# Oven\n\nAs @fig-oven shows, it is hot.\n\n{FIGURE.format('fig-oven')}\n",
        (),
    ),
    Decision(
        "no alt text",
        "an image whose alt text is empty: FIG003",
        "# Oven\n\nAs @fig-oven shows, it is hot.\n\n![The oven at noon.](oven.png){#fig-oven}\n",
        ("FIG003",),
    ),
    Decision(
        "alt repeats caption",
        "a screen reader reads the same sentence twice: FIG004",
        "# Oven\n\nAs @fig-oven shows, it is hot.\n\n"
        '![The oven.](oven.png){#fig-oven fig-alt="The oven."}\n',
        ("FIG004",),
    ),
    Decision(
        "upper case id",
        "a working cross-reference: ids are case-sensitive and render fine",
        f"# Oven\n\nAs @fig-Oven shows, it is hot.\n\n{FIGURE.format('fig-Oven')}\n",
        (),
    ),
    Decision(
        "underscore in id",
        "a reference Quarto's guide warns can break LaTeX: FIG005",
        f"# Oven\n\nAs @fig-oven_hot shows, it is hot.\n\n{FIGURE.format('fig-oven_hot')}\n",
        ("FIG005",),
    ),
    Decision(
        "captioned cell without fig- label",
        "an unnumbered figure whose label cannot be cited: FIG006",
        '# Oven\n\nThe oven is hot.\n\n```{python}\n#| label: heat\n#| fig-cap: "Heat."\n'
        '#| fig-alt: "A rising line."\nplot()\n```\n',
        ("FIG006",),
    ),
    Decision(
        "never referenced",
        "a numbered figure the text never points at: FIG001",
        f"# Oven\n\nThe oven is hot.\n\n{FIGURE.format('fig-oven')}\n",
        ("FIG001",),
    ),
    Decision(
        "duplicate id",
        "two figures, one id: one of them cannot be reached: FIG007",
        f"# Oven\n\nAs @fig-oven shows, it is hot.\n\n![Noon.](a.png){{#fig-oven {ALT}}}\n\n"
        f"![Night.](b.png){{#fig-oven {ALT}}}\n",
        ("FIG007",),
    ),
    Decision(
        "undefined reference",
        "?@fig-oven in the text: REF001",
        "# Oven\n\nAs @fig-oven shows, it is hot.\n",
        ("REF001",),
    ),
    Decision(
        "referenced only from a caption",
        "no paragraph introduces the figure: REF004",
        f"# Oven\n\n![The oven.](a.png){{#fig-oven {ALT}}}\n\n"
        f"![Like @fig-oven, at night.](b.png){{#fig-night {ALT}}}\n\nAs @fig-night shows.\n",
        ("REF004",),
    ),
)


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda d: d.name)
def test_each_code_speaks_only_where_quarto_gives_it_cause(
    decision: Decision, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "oven.qmd", decision.chapter)
    report = review(plan([Path("oven.qmd")]), CheckSettings())
    assert tuple(sorted(f.code for f in report.findings)) == decision.codes, decision.quarto_renders


def test_a_bare_image_gets_no_narrative_finding_whatever_the_judge_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "oven.qmd", DECISIONS[2].chapter)  # an image with fig-alt only
    (audit,) = review(plan([Path("oven.qmd")]), CheckSettings()).files[0].figures
    assert audit.pairing.figure.bare and audit.pairing.intro is not None
    said = Judgment(JudgmentStatus.JUDGED, score=1, verdict=Verdict.MENTIONS_ONLY)
    assert narrative(audit.pairing, said) is None


def test_a_bare_image_is_never_sent_to_the_judge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "oven.qmd", DECISIONS[2].chapter + "\n" + FIGURE.format("fig-oven") + "\n")
    asked = judge_requests(plan([Path("oven.qmd")]))
    assert [r.figure_id for r in asked] == ["fig-oven"]
