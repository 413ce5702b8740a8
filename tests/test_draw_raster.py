"""reviewer.draw.raster: SVG and PDF figures become bounded PNGs on white, hostile SVGs reach
nothing outside themselves, raster figures are shrunk only when too large, and image token
counts match OpenAI's worked examples. Every input is written here; nothing leaves tmp_path."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from reviewer.draw.raster import (
    MAX_SIDE,
    bounded,
    image_size,
    image_tokens,
    pdf_to_png,
    svg_to_png,
)
from tests.pdfs import make_pdf

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
MAGENTA = (255, 0, 255)
QUICK = 5.0  # seconds; generous, the test machines are shared


def svg(body: str, width: str = "400", height: str = "300", head: str = "") -> bytes:
    return f'{head}{SVG_OPEN} width="{width}" height="{height}">{body}</svg>'.encode()


def picture(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def colours(png: bytes) -> set[tuple[int, int, int]]:
    image = picture(png)
    found = image.getcolors(image.width * image.height) or []
    return {(c[0], c[1], c[2]) for _, c in found if isinstance(c, tuple)}


def dark_pixels(png: bytes) -> int:
    return sum(picture(png).convert("L").histogram()[:128])


def raster(fmt: str, size: tuple[int, int], colour: tuple[int, int, int] = (0, 128, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


PAGE = b"0 0 0 rg 72 600 300 80 re f BT /F1 36 Tf 72 500 Td (Rainfall by month) Tj ET"


def test_an_svg_with_text_renders_on_white_within_the_bounds() -> None:
    png = svg_to_png(svg('<text x="20" y="150" font-size="48" font-family="sans-serif">Oven'
                         " temperature</text>"))  # fmt: skip
    assert png is not None
    image = picture(png)
    assert max(image.size) <= MAX_SIDE
    assert image.size == (800, 600)  # 400 x 300 scaled up to the 800-px floor
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((799, 599)) == (255, 255, 255)
    assert dark_pixels(png) > 500  # the text was drawn, not dropped for want of a font


def test_a_transparent_svg_is_painted_on_white_not_black() -> None:
    png = svg_to_png(svg('<circle cx="200" cy="150" r="20" fill="black"/>'))
    assert png is not None
    rgba = Image.open(io.BytesIO(png)).convert("RGBA")
    assert rgba.getpixel((5, 5)) == (255, 255, 255, 255)


def test_a_tiny_svg_is_scaled_up_and_a_large_one_down() -> None:
    tiny = svg_to_png(svg('<rect width="30" height="20" fill="blue"/>', "30", "20"))
    assert tiny is not None and picture(tiny).width == 800
    assert abs(picture(tiny).height - 533.3) < 1
    small_cap = svg_to_png(svg('<rect width="30" height="20"/>', "30", "20"), max_side=500)
    assert small_cap is not None and picture(small_cap).width == 500
    large = svg_to_png(svg('<rect width="3000" height="1500"/>', "3000", "1500"))
    assert large is not None and picture(large).size == (1024, 512)
    between = svg_to_png(svg("<rect width='900' height='450'/>", "900", "450"))
    assert between is not None and picture(between).size == (900, 450)


def test_sizes_come_from_units_or_the_viewbox() -> None:
    inches = svg_to_png(svg("<rect width='10' height='10'/>", "10in", "5in"))  # 960 x 480 px
    assert inches is not None and picture(inches).size == (960, 480)
    points = svg_to_png(svg("<rect width='10' height='10'/>", "460.8pt", "345.6pt"))  # matplotlib
    assert points is not None and picture(points).width == 800  # 614 x 461 px scaled up
    assert abs(picture(points).height - 600) <= 1
    millimetres = svg_to_png(svg("<rect width='10' height='10'/>", "297mm", "210mm"))  # Inkscape
    assert millimetres is not None and picture(millimetres).width == 1024
    boxed = f'{SVG_OPEN} viewBox="0 0 2000 500"><rect width="2000" height="500"/></svg>'
    png = svg_to_png(boxed.encode())
    assert png is not None and picture(png).size == (1024, 256)


def test_a_huge_declared_size_returns_quickly_and_bounded() -> None:
    body = '<rect width="100" height="100" fill="red"/>'
    start = time.monotonic()
    png = svg_to_png(
        svg(body, "100000000", "50000000").replace(b">", b' viewBox="0 0 200 100">', 1)
    )
    assert time.monotonic() - start < QUICK
    assert png is not None and picture(png).size == (1024, 512)
    assert (255, 0, 0) in colours(png)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01garbage",
        b"not xml at all",
        b"\xff\xfe<\x00s\x00",
        b"<html><body/></html>",
        b'<svg width="10" height="10"/>',  # no SVG namespace
        svg("", "0", "0"),
        svg("<rect/>", "10", "0"),
        svg("<rect", "10", "10")[:-6],
    ],
)
def test_what_is_not_a_renderable_svg_gives_none(data: bytes) -> None:
    assert svg_to_png(data) is None


@pytest.mark.parametrize("form", ["absolute", "xlink", "relative", "file-url", "feImage"])
def test_an_external_image_is_never_read(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "leak.png"
    target.write_bytes(raster("PNG", (40, 40), MAGENTA))
    monkeypatch.chdir(tmp_path)
    element = {
        "absolute": f'<image href="{target}" width="400" height="300"/>',
        "xlink": f'<image xlink:href="{target}" width="400" height="300"/>',
        "relative": '<image href="leak.png" width="400" height="300"/>',
        "file-url": f'<image href="{target.as_uri()}" width="400" height="300"/>',
        "feImage": f'<filter id="f"><feImage href="{target}"/></filter>'
        '<rect width="400" height="300" filter="url(#f)"/>',
    }[form]
    png = svg_to_png(svg(f'<rect width="50" height="50" fill="blue"/>{element}'))
    assert png is not None  # the rest of the figure is still drawn
    assert MAGENTA not in colours(png)
    assert (0, 0, 255) in colours(png)


def test_a_use_of_another_file_and_external_css_draw_nothing_from_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.svg"
    other.write_bytes(svg('<rect id="x" width="400" height="300" fill="#ff00ff"/>'))
    css = tmp_path / "style.css"
    css.write_text("rect { fill: #ff00ff; }", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    head = f'<?xml-stylesheet href="{css.as_uri()}" type="text/css"?>'
    body = (
        f'<style>@import url("{css}"); @import url("style.css");</style>'
        f'<use href="{other}#x"/><use xlink:href="other.svg#x"/>'
        '<rect width="100" height="100" fill="blue"/>'
    )
    png = svg_to_png(svg(body, head=head))
    assert png is not None
    assert MAGENTA not in colours(png)


def test_a_nested_svg_in_a_data_url_cannot_reach_a_file(tmp_path: Path) -> None:
    target = tmp_path / "leak.png"
    target.write_bytes(raster("PNG", (40, 40), MAGENTA))
    inner = svg(f'<image href="{target}" width="400" height="300"/>')
    href = "data:image/svg+xml;base64," + base64.b64encode(inner).decode()
    png = svg_to_png(svg(f'<image href="{href}" width="400" height="300"/>'))
    assert png is None or MAGENTA not in colours(png)


def palette_png(side: int) -> bytes:
    """A green square of `side` pixels: a few KB of PNG however large it decodes."""
    image = Image.new("P", (side, side), 0)
    image.putpalette([0, 128, 0])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_an_embedded_raster_is_kept_but_a_decompression_bomb_is_dropped() -> None:
    image = '<image href="data:image/png;base64,{}" width="400" height="300"/>'
    kept = svg_to_png(svg(image.format(base64.b64encode(palette_png(1000)).decode())))
    assert kept is not None and (0, 128, 0) in colours(kept)
    # 2 KB of PNG that resvg would decode into 67 MB of pixels: over the limit, not drawn.
    bomb = base64.b64encode(palette_png(4100)).decode()
    dropped = svg_to_png(svg('<rect width="9" height="9"/>' + image.format(bomb)))
    assert dropped is not None and (0, 128, 0) not in colours(dropped)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_image_naming_an_endless_device_returns_quickly() -> None:
    start = time.monotonic()
    png = svg_to_png(svg('<image href="/dev/zero" width="400" height="300"/><rect width="9"'
                         ' height="9"/>'))  # fmt: skip
    assert time.monotonic() - start < QUICK
    assert png is not None


def test_an_external_entity_never_shows_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("W" * 30, encoding="utf-8")
    text = '<text x="10" y="150" font-size="24">A{}B</text>'
    hostile = svg(
        text.format("&x;"), head=f'<!DOCTYPE svg [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
    )
    clean = svg_to_png(svg(text.format("")))
    assert clean is not None and dark_pixels(clean) > 0
    out = svg_to_png(hostile)
    assert out is None or out == clean


def test_a_parameter_entity_reaching_outside_is_refused(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY inner "WWWWWWWWWWWWWWWWWWWW">', encoding="utf-8")
    head = f'<!DOCTYPE svg [<!ENTITY % ext SYSTEM "{dtd.as_uri()}"> %ext;]>'
    clean = svg_to_png(svg('<text x="10" y="150">AB</text>'))
    out = svg_to_png(svg('<text x="10" y="150">A&inner;B</text>', head=head))
    assert out is None or out == clean


def test_billion_laughs_returns_quickly() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    head = f'<!DOCTYPE svg [<!ENTITY l0 "ha">{entities}]>'
    start = time.monotonic()
    out = svg_to_png(svg('<text x="10" y="150">&l9;</text>', head=head))
    assert time.monotonic() - start < QUICK
    assert out is None or max(picture(out).size) <= MAX_SIDE


def test_flat_internal_entities_and_a_standard_doctype_still_render() -> None:
    # Illustrator names its namespaces with entities; matplotlib writes the SVG 1.1 DOCTYPE.
    head = (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!ENTITY blue "#0000ff">]>'
    )
    png = svg_to_png(svg('<rect width="400" height="300" fill="&blue;"/>', head=head))
    assert png is not None and (0, 0, 255) in colours(png)


def test_deep_nesting_is_refused_quickly() -> None:
    body = '<g opacity="0.99">' * 500 + '<rect width="400" height="300"/>' + "</g>" * 500
    start = time.monotonic()
    assert svg_to_png(svg(body)) is None
    assert time.monotonic() - start < QUICK


CRASHERS = """
import base64
from reviewer.draw.raster import svg_to_png
svg = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">{}</svg>'
chain = '<rect id="a0" width="9" height="9"/>' + ''.join(
    f'<g id="a{i}"><use href="#a{i - 1}"/></g>' for i in range(1, 300))
deep = svg.format('<g>' * 1022 + '<rect width="9" height="9"/>' + '</g>' * 1022)
inner = base64.b64encode(deep.encode()).decode()
nested = '<g>' * 60 + f'<image href="data:image/svg+xml;base64,{inner}" width="9" height="9"/>'
for body in (f'<defs>{chain}</defs><use href="#a299"/>', nested + '</g>' * 60):
    svg_to_png(svg.format(body).encode())
print("survived")
"""


def test_deep_references_do_not_crash_the_process() -> None:
    # On the main thread's stack these segfaulted resvg: a 300-long <use> chain, and an
    # embedded SVG nested 1022 deep. A child process, so that a regression fails one test.
    done = subprocess.run(
        [sys.executable, "-c", CRASHERS], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "survived"


def test_a_malformed_viewbox_or_size_is_not_an_error() -> None:
    for attrs in ('viewBox="0 0 a b"', 'viewBox="0 0 1e999 1e999"', 'width="1e999" height="5"'):
        out = svg_to_png(f'{SVG_OPEN} {attrs}><rect width="9" height="9"/></svg>'.encode())
        assert out is None or max(picture(out).size) <= MAX_SIDE


def test_the_first_page_of_a_pdf_renders_on_white() -> None:
    png = pdf_to_png(make_pdf(PAGE))
    assert png is not None
    image = picture(png)
    assert image.size == (792, 1024)  # a US Letter page, long side at the bound
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert dark_pixels(png) > 1000


def test_a_small_pdf_is_scaled_up_and_a_giant_mediabox_stays_bounded() -> None:
    small = pdf_to_png(make_pdf(PAGE, box="0 0 200 100"))
    assert small is not None and picture(small).size == (800, 400)
    start = time.monotonic()
    giant = pdf_to_png(make_pdf(b"0 0 1 rg 0 0 5000000 5000000 re f", box="0 0 10000000 5000000"))
    assert time.monotonic() - start < QUICK
    assert giant is not None and picture(giant).size == (1024, 512)
    assert (0, 0, 255) in colours(giant)


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.4\ngarbage", b"\x00" * 64, make_pdf(PAGE, encrypt=True), make_pdf(PAGE)[:200]],
)
def test_an_unreadable_or_encrypted_pdf_gives_none(data: bytes) -> None:
    assert pdf_to_png(data) is None


def test_bounded_keeps_a_small_image_as_the_same_object() -> None:
    small = raster("PNG", (800, 600))
    assert bounded(small) is small
    at_bound = raster("JPEG", (1024, 300))
    assert bounded(at_bound) is at_bound
    garbage = b"\x89PNG not really"
    assert bounded(garbage) is garbage


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_bounded_shrinks_a_large_image_to_a_png_keeping_its_aspect(fmt: str) -> None:
    out = bounded(raster(fmt, (3000, 1000)))
    image = Image.open(io.BytesIO(out))
    assert image.format == "PNG"
    assert image.width == 1024
    assert abs(image.width / image.height - 3) < 0.02
    tall = Image.open(io.BytesIO(bounded(raster(fmt, (500, 2000)), max_side=400)))
    assert tall.size == (100, 400)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_image_size_reads_every_attachable_format(fmt: str) -> None:
    assert image_size(raster(fmt, (321, 123))) == (321, 123)


def test_image_size_is_none_for_what_is_not_attachable() -> None:
    assert image_size(b"") is None
    assert image_size(b"garbage") is None
    assert image_size(raster("BMP", (10, 10))) is None
    assert image_size(svg("<rect/>")) is None


@pytest.mark.parametrize(
    ("width", "height", "tokens"),
    [
        (1024, 1024, 765),  # OpenAI's example: scaled down to 768 x 768, 4 tiles
        (2048, 4096, 1105),  # OpenAI's example: 1024 x 2048, then 768 x 1536, 6 tiles
        (4096, 8192, 1105),  # the same shape, twice as large
        (256, 256, 255),  # one tile; small images are not scaled up
        (500, 500, 255),  # OpenAI forum examples: 500x500 -> 255, 513x500 -> 425
        (513, 500, 425),
        (1024, 300, 425),
    ],
)
def test_image_tokens_match_openais_worked_examples(width: int, height: int, tokens: int) -> None:
    assert image_tokens(width, height) == tokens


def test_image_tokens_refuses_an_empty_image() -> None:
    with pytest.raises(ValueError):
        image_tokens(0, 100)
