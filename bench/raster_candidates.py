"""The candidate renderers bench/rasterize.py compares, each adapted to one call signature.

Every wrapper takes the figure's bytes and returns a PNG whose long side is SIDE pixels (or
None when the library refuses it). SVG and PDF map a candidate's name to its distribution, the
module to import and a factory for its Render; libraries are imported only when a render is
asked for, so a candidate that is not installed costs nothing until it is used."""

from __future__ import annotations

import importlib
import io
import shutil
from collections.abc import Callable
from typing import Any

import benchlib  # noqa: F401  (puts the repository root on sys.path)
from PIL import Image

SIDE = 1024
Render = Callable[[bytes], bytes | None]


def _mod(name: str) -> Any:
    return importlib.import_module(name)


def _fonts() -> dict[str, Any]:
    # resvg's default families (Times New Roman, Liberation) are often missing, and then it
    # draws no text: both resvg bindings get the family the reviewer found installed.
    fonts: dict[str, Any] = _mod("reviewer.draw.raster")._fonts()
    return fonts


def _resvg_py(data: bytes) -> bytes | None:
    out: bytes = _mod("resvg_py").svg_to_bytes(
        svg_string=data.decode(), background="white", width=SIDE, height=SIDE, dpi=96, **_fonts()
    )
    return out


def _resvg(data: bytes) -> bytes | None:
    usvg, render = _mod("resvg").usvg, _mod("resvg").render
    options = usvg.Options.default()
    options.load_system_fonts()
    if family := _fonts().get("font_family"):
        options.font_family = family  # the only family it can set: generic ones stay unset
    tree = usvg.Tree.from_str(data.decode(), options)
    width, height = tree.int_size()
    scale = SIDE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return bytes(render(tree, (scale, 0, 0, 0, scale, 0), bg_size=size, bg_color=(255,) * 4))


def _cairosvg(data: bytes) -> bytes | None:
    cairosvg = _mod("cairosvg")
    out: bytes = cairosvg.svg2png(bytestring=data, output_width=SIDE, background_color="white")
    return out


def _vl_convert(data: bytes) -> bytes | None:
    # Only a zoom factor: the bench SVG is declared 1024 px wide, so 1.0 matches the others.
    return bytes(_mod("vl_convert").svg_to_png(data.decode(), scale=1.0))


def _skia(data: bytes) -> bytes | None:
    skia = _mod("skia")
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(data))
    if dom is None:
        return None
    width, height = dom.containerSize().width(), dom.containerSize().height()
    scale = SIDE / max(width, height)
    surface = skia.Surface(max(1, round(width * scale)), max(1, round(height * scale)))
    with surface as canvas:
        canvas.clear(skia.ColorWHITE)
        canvas.scale(scale, scale)
        dom.render(canvas)
    return bytes(surface.makeImageSnapshot().encodeToData())


def _pymupdf(data: bytes, filetype: str) -> bytes | None:
    pymupdf = _mod("pymupdf")
    page = pymupdf.open(stream=data, filetype=filetype)[0]
    scale = SIDE / max(page.rect.width, page.rect.height)
    out: bytes = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False).tobytes("png")
    return out


def _svglib(data: bytes) -> bytes | None:
    drawing = _mod("svglib.svglib").svg2rlg(io.BytesIO(data))
    dpi = 72 * SIDE / max(drawing.width, drawing.height)
    out: bytes = _mod("reportlab.graphics.renderPM").drawToString(drawing, fmt="PNG", dpi=dpi)
    return out


def _pypdfium2(data: bytes) -> bytes | None:
    page = _mod("pypdfium2").PdfDocument(data)[0]
    scale = SIDE / max(page.get_size())
    return _png(page.render(scale=scale, fill_color=(255,) * 4).to_pil())


def _pdf2image(data: bytes) -> bytes | None:
    if shutil.which("pdftoppm") is None:
        raise ImportError("pdf2image needs poppler-utils (pdftoppm)")
    pages = _mod("pdf2image").convert_from_bytes(data, size=SIDE, first_page=1, last_page=1)
    return _png(pages[0])


def _ours(kind: str) -> Render:
    raster = _mod("reviewer.draw.raster")
    render: Render = raster.svg_to_png if kind == "svg" else raster.pdf_to_png
    return render


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# name -> (distribution, module to import, render)
SVG: dict[str, tuple[str, str, Callable[[], Render]]] = {
    "resvg-py": ("resvg-py", "resvg_py", lambda: _resvg_py),
    "resvg": ("resvg", "resvg", lambda: _resvg),
    "cairosvg": ("cairosvg", "cairosvg", lambda: _cairosvg),
    "vl-convert": ("vl-convert-python", "vl_convert", lambda: _vl_convert),
    "skia-python": ("skia-python", "skia", lambda: _skia),
    "pymupdf": ("pymupdf", "pymupdf", lambda: lambda d: _pymupdf(d, "svg")),
    "svglib": ("svglib", "svglib", lambda: _svglib),
    "reviewer": ("reviewer", "reviewer.draw.raster", lambda: _ours("svg")),
}
PDF: dict[str, tuple[str, str, Callable[[], Render]]] = {
    "pypdfium2": ("pypdfium2", "pypdfium2", lambda: _pypdfium2),
    "pymupdf": ("pymupdf", "pymupdf", lambda: lambda d: _pymupdf(d, "pdf")),
    "pdf2image": ("pdf2image", "pdf2image", lambda: _pdf2image),
    "reviewer": ("reviewer", "reviewer.draw.raster", lambda: _ours("pdf")),
}
