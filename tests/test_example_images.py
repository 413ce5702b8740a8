"""The example chapter's pictures: `examples/draw_images.py` draws them, and the committed PNGs
are exactly what it draws, so drawings and files cannot drift apart. Each is a real picture
(320x200, not a 1x1 placeholder) and small enough to embed in an audit."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
IMAGES = EXAMPLES / "images"


def test_the_script_reproduces_the_committed_images(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(EXAMPLES / "draw_images.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    drawn = {p.name: p.read_bytes() for p in tmp_path.glob("*.png")}
    committed = {p.name: p.read_bytes() for p in IMAGES.glob("*.png")}
    assert sorted(drawn) == sorted(committed)
    for name, data in drawn.items():
        # zlib's output is stable for one zlib; another build (zlib-ng) may pack differently.
        why = f"run python examples/draw_images.py (zlib {zlib.ZLIB_RUNTIME_VERSION})"
        assert data == committed[name], f"{name} differs from what the script draws: {why}"


def test_every_image_the_chapter_shows_is_a_small_real_picture() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in EXAMPLES.glob("*.qmd"))
    shown = set(re.findall(r"\]\(images/([\w-]+\.png)\)", text))
    assert shown == {p.name for p in IMAGES.glob("*.png")}
    for name in shown:
        data = (IMAGES / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
        assert struct.unpack(">II", data[16:24]) == (320, 200), name
        assert len(data) < 20_000, name
