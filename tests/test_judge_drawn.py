"""Judge stage, what a diagram's request carries: its drawn text in the prompt, its rendered
image when vision is on, both in the cache key, image tokens counted for the rate limiter
and --dry-run, and the figure's own numbers allowed in a rewrite."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.draw.pictures import Pictures
from reviewer.draw.tools import Tools
from reviewer.judge.llm import LLMJudge, Settings
from reviewer.judge.request import MAX_DRAWN_CHARS, load_prompts
from reviewer.judge.rewrite import check_rewrite
from reviewer.model import Drawing
from reviewer.pipeline import judge_requests
from reviewer.project.plan import plan
from tests.cliutil import run, write
from tests.judgeutil import ScriptedChat, request

TIKZ = Drawing("tikz", r"\node {Sensor}; \node {Latch};")
DRAWN = ("Sensor", "Latch")
SETTINGS = Settings(model="m", endpoint="compatible", max_tokens=500)


def _judge(vision: bool = False, pictures: Pictures | None = None) -> LLMJudge:
    return LLMJudge(
        ScriptedChat([]), load_prompts(), replace(SETTINGS, vision=vision), None, pictures
    )


def test_the_drawn_text_is_in_the_figure_with_what_it_is() -> None:
    content = request(kind="div", shows=(), drawing=TIKZ, drawn=DRAWN).content()
    figure = content[content.index("<figure") : content.index("</figure>")]
    assert '<drawn_text from="tikz">Sensor\nLatch</drawn_text>' in figure
    assert "drawn_text" in load_prompts().system  # the prompt says what it is


def test_a_huge_diagram_is_cut_to_a_bound_and_says_so() -> None:
    labels = tuple(f"cell {n}" for n in range(5000))
    drawn = request(drawing=Drawing("tikz", ""), drawn=labels).drawn_text
    assert drawn is not None and len(drawn) <= MAX_DRAWN_CHARS + 40
    assert drawn.endswith("more)") and drawn.startswith("cell 0\ncell 1\n")


def test_a_diagram_without_text_adds_nothing() -> None:
    plain = request(drawing=Drawing("tikz", r"\draw (0,0) -- (1,1);"))
    assert "drawn_text" not in plain.content()


def test_a_changed_label_is_a_new_question() -> None:
    judge = _judge()
    before = request(drawing=TIKZ, drawn=DRAWN)
    after = request(drawing=TIKZ, drawn=("Sensor", "Lock"))
    assert judge.key(before) != judge.key(after)


def _svg_dot(folder: Path, colour: str) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="60">'
        f'<rect width="50" height="30" fill="{colour}"/></svg>'
    )
    path = folder / f"dot-{colour.strip('#')}"
    path.write_text(
        f"#!{sys.executable}\nimport pathlib\npathlib.Path('out.svg').write_text({svg!r})\n"
    )
    path.chmod(0o755)
    return str(path)


def test_a_changed_picture_with_the_same_text_is_a_new_question(tmp_path: Path) -> None:
    dot = Drawing("dot", "digraph { a -> b }")
    asked = request(drawing=dot)
    red = _judge(True, Pictures(Tools(dot=_svg_dot(tmp_path, "#c00"))))
    blue = _judge(True, Pictures(Tools(dot=_svg_dot(tmp_path, "#00c"))))
    assert red.key(asked) != blue.key(asked)
    assert _judge(False).key(asked) == _judge(False).key(asked)


def test_image_tokens_count_for_the_limiter_and_the_estimate(tmp_path: Path) -> None:
    asked = request(drawing=Drawing("dot", "digraph { a -> b }"))
    with_image = _judge(True, Pictures(Tools(dot=_svg_dot(tmp_path, "#c00"))))
    without = _judge(False)
    extra = with_image.estimate(asked) - without.estimate(asked)
    assert extra == 765  # a 1024 x 683 picture: four 512-px tiles and the base, at high detail
    call_with = with_image.chat_call(asked, with_image.forms.form)
    call_without = without.chat_call(asked, without.forms.form)
    assert call_with.tokens - call_without.tokens == 765


def test_a_rewrite_may_use_the_numbers_the_diagram_draws() -> None:
    original = "As @fig-a shows, the post holds the bike."
    rewrite = "As @fig-a shows, the 3 parts of the post hold the bike."
    assert check_rewrite(original, rewrite, figure_id="fig-a") != ()
    assert check_rewrite(original, rewrite, figure_id="fig-a", drawn="3 parts\nLatch") == ()


@pytest.fixture
def svg_chapter(tmp_path: Path) -> Path:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">'
        '<rect width="90" height="40"/></svg>'
    )
    write(tmp_path / "plot.svg", svg)
    return write(
        tmp_path / "ch.qmd",
        "# Plots\n\nAs @fig-plot shows, the bar is short.\n\n"
        '![A bar.](plot.svg){#fig-plot fig-alt="One black bar."}\n',
    )


def test_dry_run_counts_the_image_tokens(
    capsys: pytest.CaptureFixture[str], svg_chapter: Path
) -> None:
    args = [str(svg_chapter), "--dry-run", "--base-url", "http://127.0.0.1:9/v1", "--no-cache"]
    seen = run(capsys, *args, "--vision", "on")
    assert seen.code == 0, seen.err
    assert "; 765 of them for 1 attached image)" in seen.out
    blind = run(capsys, *args, "--vision", "off")
    assert "attached image" not in blind.out


def test_each_book_lends_its_own_preamble(tmp_path: Path) -> None:
    """One run over two books: each TikZ picture is drawn with its own book's preamble."""
    chapters = []
    for name in ("alpha", "beta"):
        config = (
            "project:\n  type: book\nbook:\n  chapters:\n    - ch.qmd\n"
            f"diagram:\n  engine:\n    tikz:\n      header-includes:\n        - '% {name}'\n"
        )
        write(tmp_path / name / "_quarto.yml", config)
        chapters.append(
            write(
                tmp_path / name / "ch.qmd",
                "# Posts\n\nAs @fig-post shows, the latch is on top.\n\n"
                '::: {#fig-post fig-cap="A post."}\n```{.tikz}\n\\node {latch};\n```\n:::\n',
            )
        )
    requests = judge_requests(plan(chapters))
    assert [r.tikz.preamble for r in requests] == [("% alpha",), ("% beta",)]
    assert [r.drawn for r in requests] == [("latch",), ("latch",)]


def test_the_run_says_it_is_drawing_and_counts_the_drawing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    Path(_svg_dot(tools, "#c00")).rename(tools / "dot")
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    chapter = write(
        tmp_path / "ch.qmd",
        "# Routes\n\nAs @fig-routes shows, the van starts at the depot.\n\n"
        '```{dot}\n//| label: fig-routes\n//| fig-cap: "Routes."\ndigraph { depot -> a }\n```\n',
    )
    args = [str(chapter), "--dry-run", "--base-url", "http://127.0.0.1:9/v1", "--no-cache"]
    seen = run(capsys, *args, "--vision", "on")
    assert seen.code == 0, seen.err
    assert "review: drawing 1 diagram for the model" in seen.err
    assert "; 765 of them for 1 attached image)" in seen.out
    assert "drawing" not in run(capsys, *args, "--vision", "on", "--quiet").err
