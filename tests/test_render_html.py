"""The HTML audit in a real browser: the example chapter's audit, judged offline from its
cassettes, opened in headless Chromium. Every figure has its card, the rewrite shows as a
diff, the filters work by clicking, the keyboard moves between figures, every image has alt
text and loaded, and nothing is fetched from the network. A screenshot is kept."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli.main import main
from reviewer.render.html_card import diff
from tests.browser import Browser, need_chromium

from .conftest import FIXTURES, ROOT

SCREENSHOT = "example-audit.png"


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The example chapter's HTML audit, and its JSON audit to check it against."""
    work = tmp_path_factory.mktemp("html")
    shutil.copytree(ROOT / "examples", work / "examples")
    chapter = work / "examples" / "chapter.qmd"
    replay = str(ROOT / "cassettes" / "examples")
    page = work / "chapter.audit.html"
    data = work / "chapter.audit.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        for fmt, out in (("html", page), ("json", data)):
            argv = [str(chapter), "--replay", replay, "-f", fmt, "-o", str(out), "-q"]
            assert main([*argv, "--fail-on", "never"]) == 0
    return page, json.loads(data.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(audit: tuple[Path, dict[str, Any]]) -> Iterator[Browser]:
    with Browser.start(need_chromium()) as browser:
        browser.open(audit[0])
        yield browser


CARDS = 22  # the example's 20 figures, its table and its listing


def _figures(data: dict[str, Any]) -> list[dict[str, Any]]:
    files = data["files"]
    assert isinstance(files, list)
    return [f for file in files for key in ("figures", "tables", "listings") for f in file[key]]


def test_every_figure_has_a_card(page: Browser, audit: tuple[Path, dict[str, Any]]) -> None:
    ids = [(f["id"], str(f["line"])) for f in _figures(audit[1])]
    cards = page.evaluate(
        "Array.from(document.querySelectorAll('article.card'))"
        ".map(c => [c.dataset.figure, c.dataset.line])"
    )
    assert sorted(map(tuple, cards)) == sorted(ids)
    assert len(cards) == CARDS
    anchors = page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(anchors) == len(set(anchors))  # fig-dashboard is defined twice, once per format
    headings = page.evaluate(
        "Array.from(document.querySelectorAll('article.card')).map(c => "
        "c.querySelector('h2') && c.querySelector('h2').textContent)"
    )
    assert all(h and h.startswith(("@fig-", "@tbl-", "@lst-")) for h in headings)
    assert page.evaluate("document.querySelectorAll('h1').length") == 1


def test_a_diagram_card_lists_the_text_it_draws(
    page: Browser, audit: tuple[Path, dict[str, Any]]
) -> None:
    drawn = {f["id"]: f["shows"]["drawn_text"] for f in _figures(audit[1]) if "alt" in f}
    assert drawn["fig-dock-schema"] == ["sensor", "controller", "latch"]
    for figure in ("fig-dock-schema", "fig-rebalance", "fig-trip-flow"):
        shown = page.evaluate(
            f'Array.from(document.querySelectorAll(\'article.card[data-figure="{figure}"] '
            "ul.drawn li')).map(li => li.textContent)"
        )
        assert shown == drawn[figure], figure


def test_worst_figures_come_first(page: Browser) -> None:
    scores = page.evaluate(
        "Array.from(document.querySelectorAll('article.card .badge')).map(b => b.textContent)"
    )
    numbers = [int(m.group(1)) for s in scores if (m := re.search(r"(\d)/5", s))]
    assert numbers == sorted(numbers)
    assert len(numbers) == CARDS


def test_the_rewrite_is_shown_as_a_diff(page: Browser, audit: tuple[Path, dict[str, Any]]) -> None:
    rewritten = [f for f in _figures(audit[1]) if f["judgment"]["rewrite"] and f["intro"]]
    assert rewritten
    for figure in rewritten:
        card = f"article[data-figure='{figure['id']}'][data-line='{figure['line']}']"
        diff = f"document.querySelector(\"{card}\").querySelector('.diff')"
        assert page.evaluate(f"{diff} !== null"), figure["id"]
        added = page.evaluate(f"Array.from({diff}.querySelectorAll('ins')).map(e => e.textContent)")
        assert added, figure["id"]
        assert all(text.strip() in figure["judgment"]["rewrite"] for text in added)
        # The diff reads as the rewrite once the deletions are left out.
        shown = page.evaluate(
            f"(() => {{ const d = {diff}.cloneNode(true); "
            "d.querySelectorAll('del').forEach(e => e.remove()); return d.textContent; })()"
        )
        assert shown == figure["judgment"]["rewrite"]
    marks = page.evaluate("document.querySelectorAll('blockquote mark.ref').length")
    assert marks >= len([f for f in _figures(audit[1]) if f["intro"]])


def _visible(page: Browser) -> list[str]:
    shown: list[str] = page.evaluate(
        "Array.from(document.querySelectorAll('article.card')).filter(c => !c.hidden "
        "&& c.getBoundingClientRect().height > 0).map(c => c.dataset.verdict)"
    )
    return shown


def test_filters_work_by_clicking(page: Browser) -> None:
    everything = _visible(page)
    assert len(everything) == CARDS
    page.click("input[name=verdict][value=mentions_only]")
    after = _visible(page)
    assert "mentions_only" not in after
    assert len(after) == CARDS - everything.count("mentions_only")
    assert page.evaluate("document.getElementById('shown').textContent") == (
        f"{len(after)} of {CARDS} figures shown"
    )
    page.click("input[name=code][value=none]")  # hide the figures with no finding
    codes = page.evaluate(
        "Array.from(document.querySelectorAll('article.card')).filter(c => !c.hidden)"
        ".map(c => c.dataset.codes)"
    )
    assert codes
    assert all(codes)
    page.click("#reset")
    assert len(_visible(page)) == CARDS


def test_the_keyboard_moves_between_figures(
    page: Browser, audit: tuple[Path, dict[str, Any]]
) -> None:
    page.open(audit[0])  # a fresh page: focus starts at the top
    page.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.press("Enter")
    page.wait_for("document.activeElement.id === 'figures'")
    first, second = page.evaluate(
        "Array.from(document.querySelectorAll('article.card')).slice(0, 2).map(c => c.id)"
    )
    page.press("j")
    assert page.evaluate("document.activeElement.id") == first
    page.press("j")
    assert page.evaluate("document.activeElement.id") == second
    page.press("k")
    assert page.evaluate("document.activeElement.id") == first
    page.press("Tab")  # on to the next control: a card's criteria, which open from the keyboard
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.press("Enter")
    assert page.evaluate("document.activeElement.parentElement.open") is True


def test_every_image_has_alt_text_and_loaded(page: Browser) -> None:
    images = page.evaluate(
        "(async () => { const all = Array.from(document.images); "
        "for (const img of all) { img.loading = 'eager'; await img.decode().catch(() => {}); } "
        "return all.map(i => [i.getAttribute('alt'), i.complete, i.naturalWidth]); })()"
    )
    assert len(images) >= 10
    for alt, complete, width in images:
        assert alt and alt.strip()
        assert complete and width > 0


def test_nothing_is_fetched_from_the_network(page: Browser) -> None:
    assert all(url.startswith(("file:", "data:")) for url in page.requests())
    assert page.errors() == []


def test_a_screenshot_is_taken(page: Browser, tmp_path: Path) -> None:
    shot = tmp_path / SCREENSHOT
    page.click("#reset")
    page.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_a_book_gets_an_index_and_a_page_per_chapter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "judge" / "orchard", tmp_path / "orchard")
    monkeypatch.chdir(tmp_path)
    assert main(["orchard", "--no-llm", "-f", "html", "-q", "--fail-on", "never"]) == 0
    written = sorted(p.name for p in (tmp_path / "orchard" / "_review").iterdir())
    pages = ["orchard.audit.index.html", "orchard.audit.blossom.html", "orchard.audit.harvest.html"]
    assert written == sorted([*pages, "orchard.audit.html"])
    index = (tmp_path / "orchard" / "_review" / "orchard.audit.html").read_text(encoding="utf-8")
    assert re.findall(r'href="([^"#]+)"', index) == pages  # in reading order
    with Browser.start(need_chromium()) as browser:
        browser.open(tmp_path / "orchard" / "_review" / "orchard.audit.html")
        browser.click("a[href='orchard.audit.harvest.html']")
        browser.wait_for("location.href.endsWith('orchard.audit.harvest.html')")
        browser.wait_for("document.readyState === 'complete'")
        assert browser.evaluate("document.querySelectorAll('article.card').length") > 0


@pytest.mark.parametrize(
    ("before", "after", "shown"),
    [
        (
            "One two three four.",
            "One 2 three 4.",
            "One <del>two</del><ins>2</ins> three <del>four.</del><ins>4.</ins>",
        ),
        (
            "See @fig-a links it.",
            "See @fig-a shows a map.",
            "See @fig-a <del>links it.</del><ins>shows a map.</ins>",
        ),
        ("A b.", "A b. More.", "A b.<ins> More.</ins>"),
        (
            "Use <b> & co.",
            "Use <i> & co.",
            "Use <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins> &amp; co.",
        ),
    ],
)
def test_the_diff_marks_words_and_merges_changes_a_blank_separates(
    before: str, after: str, shown: str
) -> None:
    assert diff(before, after) == shown
