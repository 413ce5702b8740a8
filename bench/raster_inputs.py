"""The inputs bench/rasterize.py renders, built here rather than shipped as files.

A plot-like chart and a 20,000-mark scatter, each as SVG and PDF, time the candidates; a PDF
with a huge media box and the hostile SVGs (an <image> naming a local PNG, an external entity,
billion laughs, width="1e8", 300 translucent layers) show what each does with input that must
not reach outside itself or run away. write_assets puts the files those SVGs point at (a
magenta PNG, a secret text) in the work directory, so a leak shows in the picture."""

from __future__ import annotations

from pathlib import Path

import benchlib  # noqa: F401  (puts the repository root on sys.path)
from PIL import Image

from tests.pdfs import make_pdf

SECRET = "W" * 40  # wide text: drawn, it changes the picture
MAGENTA = (255, 0, 255)


def write_assets(work: Path) -> None:
    """The local files the hostile SVGs name: drawn, they show in the picture."""
    Image.new("RGB", (50, 50), MAGENTA).save(work / "magenta.png")
    (work / "secret.txt").write_text(SECRET, encoding="utf-8")


def chart_svg() -> bytes:
    """A plot-like figure: axes, 300 marks, a polyline, 20 labels, declared 1024 x 640."""
    marks = "".join(
        f'<circle cx="{60 + i * 3}" cy="{100 + (i * 37) % 480}" r="4" fill="#1f77b4"/>'
        for i in range(300)
    )
    line = " ".join(f"{60 + i * 30},{560 - (i * i) % 400}" for i in range(31))
    labels = "".join(
        f'<text x="{60 + i * 47}" y="600" font-size="14" font-family="sans-serif">{i}</text>'
        for i in range(20)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="640">'
        '<path d="M60 20V580H1000" stroke="black" fill="none"/>'
        f'{marks}<polyline points="{line}" stroke="#d62728" fill="none" stroke-width="2"/>'
        f'{labels}<text x="400" y="40" font-size="24">Growth by year</text></svg>'
    ).encode()


def scatter_svg() -> bytes:
    """A dense scatter plot as matplotlib writes one: 20,000 translucent marks, 1.3 MB."""
    marks = "".join(
        f'<circle cx="{60 + (i * 7) % 900}" cy="{100 + (i * 37) % 480}" r="3" fill="#1f77b4" '
        'fill-opacity="0.5"/>'
        for i in range(20_000)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="640">'
        f'{marks}<text x="400" y="40" font-size="24" font-family="sans-serif">Scatter</text></svg>'
    ).encode()


def chart_pdf() -> bytes:
    bars = b"".join(
        b"0.1 0.4 0.8 rg %d 100 30 %d re f " % (80 + i * 45, 50 + i * 37) for i in range(10)
    )
    text = b"BT /F1 28 Tf 72 700 Td (Growth by year) Tj ET BT /F1 12 Tf 72 80 Td (2014 2024) Tj ET"
    return make_pdf(b"0 0 0 RG 70 600 m 70 90 l 560 90 l S " + bars + b"0 g " + text)


def scatter_pdf() -> bytes:
    marks = b"".join(
        b"%d %d 4 4 re f " % (60 + (i * 7) % 480, 100 + (i * 37) % 600) for i in range(20_000)
    )
    return make_pdf(b"0.1 0.4 0.8 rg " + marks)


def chart_pdf_giant() -> bytes:
    return make_pdf(b"0 0 1 rg 0 0 5000000 5000000 re f", box="0 0 10000000 10000000")


def hostile(work: Path) -> dict[str, bytes]:
    """The SVGs that must not reach outside themselves, keyed by check."""
    png, secret = work / "magenta.png", work / "secret.txt"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">{}</svg>'
    image = '<image href="{}" x="{}" width="100" height="100"/>'
    hrefs = (png, png.name, png.as_uri())  # absolute, relative to the cwd, file: URL
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    found = {
        "external": svg.format("".join(image.format(h, n * 100) for n, h in enumerate(hrefs))),
        "xxe": f'<!DOCTYPE svg [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        + svg.format('<text x="5" y="50" font-size="12">A&x;B</text>'),
        "xxe-clean": svg.format('<text x="5" y="50" font-size="12">AB</text>'),
        "laughs": f'<!DOCTYPE svg [<!ENTITY l0 "ha">{laughs}]>' + svg.format("<text>&l9;</text>"),
        "huge": '<svg xmlns="http://www.w3.org/2000/svg" width="100000000" height="50000000" '
        'viewBox="0 0 200 100"><rect width="100" height="100" fill="red"/></svg>',
        "text": svg.format('<text x="5" y="60" font-size="40" font-family="sans-serif">L</text>'),
        # Each translucent group is composited through a canvas-sized layer: CPU, not memory.
        "layers": svg.format('<g opacity="0.99"><rect width="300" height="100"/></g>' * 300),
    }
    return {k: v.encode() for k, v in found.items()}
