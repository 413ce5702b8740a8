"""Render stage: each figure card shows its own findings. The fixture `render/hours.qmd` defines
@fig-hours twice, once per output format, with one paragraph introducing both; the figures are
judged by the fake server (the web one `partial`, the print one `mentions_only`), so their
narrative findings sit on the same line with the same figure id."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cliutil import run
from tests.conftest import FIXTURES
from tests.fake_openai import FakeOpenAI

Cap = pytest.CaptureFixture[str]
WEB, PRINT = 9, 13  # the two definitions' lines
CARD = re.compile(r'<article class="card"[^>]*data-line="(\d+)" data-codes="([^"]*)"')


@pytest.fixture
def chapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copy(FIXTURES / "render" / "hours.qmd", tmp_path / "hours.qmd")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "hours.qmd"


def audit(capsys: Cap, fmt: str) -> str:
    with FakeOpenAI() as fake:
        result = run(
            capsys, "hours.qmd", "--base-url", fake.base_url, "-f", fmt, "-o", "-",
            "--fail-on", "score<4",
        )  # fmt: skip
    assert result.code == 1, result.err
    return result.out


def sections(text: str) -> dict[int, str]:
    """Each figure's section of the Markdown audit, by the figure's line."""
    found = (re.match(r"`fig-hours` · image · line (\d+)", part) for part in text.split("\n### "))
    return {int(m.group(1)): m.string for m in found if m}


def md_cards(text: str) -> dict[int, list[str]]:
    """The finding codes listed under each figure's heading, by the figure's line."""
    codes = re.compile(r"^- `([A-Z]{3}\d{3})`", re.M)
    return {line: codes.findall(section) for line, section in sections(text).items()}


def test_markdown_cards_show_only_their_own_findings(chapter: Path, capsys: Cap) -> None:
    text = audit(capsys, "md")
    assert md_cards(text) == {WEB: ["FIG003", "NAR003", "NAR004"], PRINT: ["NAR002", "NAR004"]}
    assert "Other findings" not in text
    web = sections(text)[WEB]
    assert "judged 3/5" in web and "judged 2/5" not in web


def test_html_cards_show_only_their_own_findings(chapter: Path, capsys: Cap) -> None:
    cards = dict(CARD.findall(audit(capsys, "html")))
    assert cards == {str(WEB): "FIG003 NAR003 NAR004", str(PRINT): "NAR002 NAR004"}


def test_figures_judged_alike_get_one_finding_each(chapter: Path, capsys: Cap) -> None:
    text = chapter.read_text(encoding="utf-8")
    same = "Laminated notice beside the entrance."
    web = "Opening hours on the shop website, refreshed every minute."
    chapter.write_text(text.replace(web, same), encoding="utf-8")
    cards = md_cards(audit(capsys, "md"))
    assert cards == {WEB: ["FIG003", "NAR002", "NAR004"], PRINT: ["NAR002", "NAR004"]}
