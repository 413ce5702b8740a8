"""The headless-Chromium helper, on a tiny page: real clicks and key presses reach the page, an
inline image loads, screenshots are PNGs, and nothing but the file itself is fetched."""

from __future__ import annotations

import base64
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import Browser, chromium_path, need_chromium


def _png(width: int, height: int) -> bytes:
    """A small opaque PNG, so the page's image has something real to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xd0\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>helper test</title>
<style>
  body { font: 16px sans-serif; }
  #panel { width: 300px; height: 120px; background: #ddd; }
  #panel.open { background: #4a4; }
  #spacer { height: 1500px; }
</style></head>
<body>
  <div id="panel">panel</div>
  <img id="pic" alt="a square" src="data:image/png;base64,{png}">
  <div id="spacer"></div>
  <button id="toggle" type="button">Toggle</button>
  <p id="keys"></p>
  <script>
    window.keys = [];
    document.getElementById("toggle").addEventListener("click", () => {
      document.getElementById("panel").classList.toggle("open");
    });
    document.addEventListener("keydown", (event) => {
      window.keys.push(event.key + "/" + event.code + "/" + event.keyCode);
      document.getElementById("keys").textContent = window.keys.join(" ");
    });
  </script>
</body></html>
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser.start(need_chromium()) as page:
        yield page


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Browser:
    html = tmp_path / "page.html"
    png = base64.b64encode(_png(40, 30)).decode()
    html.write_text(PAGE.replace("{png}", png), encoding="utf-8")
    browser.open(html)
    return browser


def _panel_open(page: Browser) -> bool:
    return bool(page.evaluate("document.getElementById('panel').classList.contains('open')"))


def test_a_click_on_the_button_toggles_the_panel(page: Browser) -> None:
    assert not _panel_open(page)
    page.click("#toggle")  # below the fold: the helper scrolls it into view first
    assert _panel_open(page)
    page.click("#toggle")
    assert not _panel_open(page)


def test_key_presses_reach_the_page(page: Browser) -> None:
    page.press("j")
    page.press("k")
    page.press(" ")
    assert page.evaluate("window.keys") == ["j/KeyJ/74", "k/KeyK/75", " /Space/32"]


def test_tab_focuses_the_button_and_enter_presses_it(page: Browser) -> None:
    page.press("Tab")
    assert page.evaluate("document.activeElement.id") == "toggle"
    page.press("Enter")
    assert _panel_open(page)
    assert page.evaluate("window.keys") == ["Tab/Tab/9", "Enter/Enter/13"]


def test_the_inline_image_loads(page: Browser) -> None:
    pic = "document.getElementById('pic')"
    assert page.evaluate(f"{pic}.complete && {pic}.naturalWidth > 0")
    assert page.evaluate(f"[{pic}.naturalWidth, {pic}.naturalHeight]") == [40, 30]


def test_screenshots_are_pngs(page: Browser, tmp_path: Path) -> None:
    full, view = tmp_path / "full.png", tmp_path / "view.png"
    page.screenshot(full)
    page.screenshot(view, full_page=False)
    for shot in (full, view):
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 1024
    # IHDR's height: the full page is taller than the 900-pixel window.
    assert struct.unpack(">I", full.read_bytes()[20:24])[0] > 1500
    assert struct.unpack(">I", view.read_bytes()[20:24])[0] <= 900


def test_only_the_file_and_inline_data_are_fetched(page: Browser) -> None:
    urls = page.requests()
    assert urls, "the page's own load should have been seen"
    assert urls[0].startswith("file:") and urls[0].endswith("/page.html")
    assert all(url.startswith(("file:", "data:")) for url in urls), urls
    assert page.errors() == []


def test_evaluate_reports_what_the_page_threw(page: Browser) -> None:
    assert page.evaluate("1 + 1") == 2
    assert page.evaluate("Promise.resolve('later')") == "later"
    with pytest.raises(AssertionError, match="no such thing"):
        page.evaluate("(() => { throw new Error('no such thing'); })()")


def test_clicking_nothing_fails(page: Browser) -> None:
    with pytest.raises(AssertionError, match="no element matches"):
        page.click("#missing")


def test_a_missing_chromium_skips_or_fails_where_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert chromium_path() is None
    monkeypatch.delenv("REVIEWER_REQUIRE_CORPUS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        need_chromium()
    monkeypatch.setenv("REVIEWER_REQUIRE_CORPUS", "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        need_chromium()
