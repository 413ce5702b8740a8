"""Load stage, local images: only regular files inside the project are read, up to a cap.
An image outside it (by `../` or by a symlink) is SRC008, is never attached to a request and
never embedded in the HTML audit; a FIFO or an oversized file in its place is skipped."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cliutil import Result, run, write
from tests.conftest import ROOT
from tests.fake_openai import CHAT_PATH, FakeOpenAI

Cap = pytest.CaptureFixture[str]
# A real 1x1 PNG; its base64 must not show up anywhere it should not.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)
MARKER = b"\x00outside-the-project\x00"  # appended, so its bytes are unique to this file
CHAPTER = """---
title: Images
---

As @fig-one shows, the one image inside the project is a single grey dot.

![A dot inside the project.]({src}){{#fig-one fig-alt="A grey dot."}}
"""


def project(tmp_path: Path, src: str) -> Path:
    book = tmp_path / "book"
    write(book / "_quarto.yml", "project:\n  type: book\nbook:\n  chapters:\n    - ch.qmd\n")
    return write(book / "ch.qmd", CHAPTER.format(src=src))


def review(capsys: Cap, path: Path, *extra: str) -> Result:
    return run(capsys, str(path), "--no-llm", "-f", "concise", "-o", "-", *extra)


@pytest.fixture
def outside_png(tmp_path: Path) -> Path:
    path = tmp_path / "secret.png"
    path.write_bytes(PNG + MARKER)
    return path


def test_an_image_outside_the_project_is_reported_and_never_read(
    capsys: Cap, tmp_path: Path, outside_png: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapter = project(tmp_path, "../secret.png")
    said = review(capsys, chapter).out
    assert "SRC008 [warning] image ../secret.png is outside the project" in said
    page = tmp_path / "audit.html"
    run(capsys, str(chapter), "--no-llm", "-f", "html", "-o", str(page))
    html = page.read_text()
    assert "Outside the project, not shown" in html
    assert base64.b64encode(PNG + MARKER).decode() not in html and 'secret.png"' not in html
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    write(tmp_path / "book" / "reviewer.toml", '[llm]\nvision = "on"\n')
    with FakeOpenAI() as fake:
        run(capsys, str(chapter), "--base-url", fake.base_url, "-f", "json", "-o", "-")
        bodies = [str(r.body) for r in fake.log if r.path == CHAT_PATH]
    assert bodies and not any("image_url" in body for body in bodies)


def test_a_symlink_inside_the_project_to_a_file_outside_is_outside(
    capsys: Cap, tmp_path: Path, outside_png: Path
) -> None:
    chapter = project(tmp_path, "images/dot.png")
    (chapter.parent / "images").mkdir()
    os.symlink(outside_png, chapter.parent / "images" / "dot.png")
    said = review(capsys, chapter).out
    assert "SRC008 [warning] image images/dot.png is outside the project" in said


def test_an_image_inside_the_project_is_attached_and_embedded(
    capsys: Cap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapter = project(tmp_path, "/images/dot.png")  # project-relative, as Quarto reads it
    write(chapter.parent / "images" / "dot.png", "").write_bytes(PNG)
    assert "SRC008" not in review(capsys, chapter).out
    page = tmp_path / "audit.html"
    run(capsys, str(chapter), "--no-llm", "-f", "html", "-o", str(page))
    assert base64.b64encode(PNG).decode() in page.read_text()
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    write(tmp_path / "book" / "reviewer.toml", '[llm]\nvision = "on"\n')
    with FakeOpenAI() as fake:
        run(capsys, str(chapter), "--base-url", fake.base_url, "-f", "json", "-o", "-")
        bodies = [str(r.body) for r in fake.log if r.path == CHAT_PATH]
    assert any("image_url" in body for body in bodies)


@pytest.mark.parametrize("kind", ["fifo", "oversized", "loop"])
def test_an_image_that_is_not_a_small_regular_file_is_skipped_without_hanging(
    tmp_path: Path, kind: str
) -> None:
    chapter = project(tmp_path, "dot.png")
    image = chapter.parent / "dot.png"
    if kind == "fifo":
        os.mkfifo(image)
    elif kind == "loop":
        os.symlink(image, image)
    else:
        with image.open("wb") as handle:
            handle.truncate(30 * 1024 * 1024)  # sparse: over the 20 MB cap, costs no disk
    page = tmp_path / "audit.html"
    done = subprocess.run(
        [sys.executable, "-m", "reviewer", str(chapter), "--no-llm", "-f", "html", "-o", str(page)],
        cwd=ROOT, capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert page.stat().st_size < 1024 * 1024  # nothing of it was embedded
