"""Draw stage: SVG and PDF figures rasterized to PNG bytes on white, long side at most
MAX_SIDE; raster figures shrunk to that bound; and what OpenAI bills for an image.

Libraries chosen by bench/rasterize.py (median ms, 1024-px plot / 20k-mark scatter): SVG
resvg-py 71/599 (cairosvg 0.9x/3.0x, needs libcairo; resvg 0.3x but panics and drops generic
font families; vl-convert aborts on width=1e8; skia draws no text); PDF pypdfium2 18/43
(pymupdf 0.7x but AGPL, 122 MB; pdf2image 3.5x, needs poppler). Both: permissive wheels.

Every input is untrusted: an SVG reaches resvg only as svg_safety.py parsed, checked and
re-serialized it. image_size lives in bitmaps.py, below svg_safety.py, which bounds the rasters
an SVG embeds with it; it is still imported from here."""

from __future__ import annotations

import io
import math
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from functools import cache
from typing import Any
from xml.etree import ElementTree as ET

import pypdfium2 as pdfium
import resvg_py
from PIL import Image

from reviewer.draw.bitmaps import ATTACHABLE_FORMATS, image_size
from reviewer.draw.svg_safety import SVG_NS, checked_svg, serialized

__all__ = [
    "ATTACHABLE_FORMATS",
    "MAX_SIDE",
    "MIN_VECTOR_SIDE",
    "SVG_NS",
    "bounded",
    "image_size",
    "image_tokens",
    "pdf_to_png",
    "svg_to_png",
]

MAX_SIDE = 1024  # the long side of any image we send, in pixels

# Vector art at its nominal size (often 300-400 px) is too small for a model to read labels.
MIN_VECTOR_SIDE = 800

_CSS_PX = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54,
           "mm": 96 / 25.4, "em": 16.0, "ex": 8.0}  # fmt: skip
_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z]*)\s*")
_FAMILY_OPTIONS = ("font_family", "serif_family", "sans_serif_family")
_FONT_CANDIDATES = ("DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica")
_FONT_PROBE = f'<svg xmlns="{SVG_NS}" width="32" height="32"><text y="28">H</text></svg>'

_STACK_BYTES = 256 << 20
# PDFium keeps global state and is not thread-safe; pypdfium2 leaves locking to its callers.
_PDFIUM = threading.Lock()


def svg_to_png(data: bytes, max_side: int = MAX_SIDE) -> bytes | None:
    """`data` rendered on white, long side between min(max_side, 800) and max_side; None when
    it is not an SVG we can render safely."""
    root = checked_svg(data)
    if root is None:
        return None
    text, side = serialized(root), _vector_side(_declared_long_side(root), max_side)
    return _deep_stack().submit(_resvg, text, side).result()


def _resvg(text: str, side: int) -> bytes | None:
    # Fitting into a side x side box keeps the aspect ratio and sizes the canvas before resvg
    # allocates it, so a declared width of 1e8 costs no more than any other figure.
    try:
        return resvg_py.svg_to_bytes(
            svg_string=text,
            background="white",
            width=side,
            height=side,
            dpi=96.0,  # resvg-py's default of 0 makes every pt, mm or in length invalid
            **_fonts(),
        )
    except ValueError:
        return None
    except BaseException as exc:  # pyo3 raises a Rust panic as PanicException(BaseException)
        if type(exc).__name__ == "PanicException":
            return None
        raise


@cache
def _deep_stack() -> ThreadPoolExecutor:
    """A worker thread with a 256 MiB stack, reserved not used: resvg recurses per group, <use>
    and embedded SVG, and a 300-deep one overflowed the main thread's 8 MiB (a segfault, beyond
    any except); given room, resvg stops at its own 1024-level node limit instead."""
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewer-resvg")
    previous = threading.stack_size(_STACK_BYTES)
    try:
        worker.submit(int).result()  # the thread starts now, while the size is set
    finally:
        threading.stack_size(previous)
    return worker


def pdf_to_png(data: bytes, max_side: int = MAX_SIDE) -> bytes | None:
    """The first page of the PDF `data` on white, sized like svg_to_png; None when it cannot
    be opened without a password or has no page."""
    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except (pdfium.PdfiumError, ValueError):
            return None
        try:
            return _first_page(pdf, max_side)
        except (pdfium.PdfiumError, ValueError, OSError):
            return None
        finally:
            pdf.close()


def bounded(data: bytes, max_side: int = MAX_SIDE) -> bytes:
    """`data` itself when its long side is within max_side or it cannot be read; else a PNG
    shrunk to max_side with the aspect ratio kept."""
    size = image_size(data)
    if size is None or max(size) <= max_side:
        return data
    try:
        with Image.open(io.BytesIO(data), formats=ATTACHABLE_FORMATS) as image:
            image.draft(None, (max_side, max_side))  # JPEG decodes straight at 1/2, 1/4, 1/8
            alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            flat = image.convert("RGBA" if alpha else "RGB")
        flat.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return _png(flat)
    except Exception:  # Pillow raises many types on damaged files; the caller keeps the original
        return data


def image_tokens(width: int, height: int) -> int:
    """Input tokens OpenAI bills for a width x height image at detail "high" (gpt-4o family).

    The vision guide ("Calculating costs", platform.openai.com/docs/guides/vision): fit in
    2048 x 2048, scale so the shortest side is 768, count 512-px tiles, 170 tokens each plus
    85; its examples are 1024x1024 -> 765 and 2048x4096 -> 1105. Both scalings only shrink
    (its own example says "scale the image down"; a 500x500 image costs 255 on OpenAI's
    forum), and sides are truncated to whole pixels after each, as the billing does."""
    if width <= 0 or height <= 0:
        raise ValueError(f"an image has positive sides, not {width}x{height}")
    w, h = width, height
    for limit in (2048, 768):
        side = max(w, h) if limit == 2048 else min(w, h)
        factor = min(Fraction(1), Fraction(limit, side))
        w, h = math.floor(w * factor), math.floor(h * factor)
    return 85 + 170 * -(-w // 512) * -(-h // 512)


def _vector_side(long_side: float | None, max_side: int) -> int:
    if long_side is None or not math.isfinite(long_side):
        return max_side
    return max(min(max_side, MIN_VECTOR_SIDE), min(max_side, round(long_side)))


def _declared_long_side(root: ET.Element) -> float | None:
    """The SVG's intrinsic long side in CSS px, as resvg sizes it: a missing width or height
    follows the viewBox's aspect ratio; None for percentages or no size at all."""
    width, height = _length(root.get("width")), _length(root.get("height"))
    try:
        box = [float(n) for n in re.split(r"[\s,]+", root.get("viewBox", "").strip()) if n]
    except ValueError:
        box = []
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        scale = width / box[2] if width else height / box[3] if height else 1.0
        width, height = width or box[2] * scale, height or box[3] * scale
    return max((s for s in (width, height) if s), default=None)


def _length(value: str | None) -> float | None:
    match = _LENGTH.fullmatch(value or "")
    if match is None or match[2] not in _CSS_PX:
        return None
    pixels = float(match[1]) * _CSS_PX[match[2]]
    return pixels if math.isfinite(pixels) and pixels > 0 else None


@cache
def _fonts() -> dict[str, Any]:
    """resvg-py falls back to Liberation fonts that many machines lack, and then draws no text
    at all; the first installed family of a few common ones becomes every generic family."""
    for family in _FONT_CANDIDATES:
        families: dict[str, Any] = dict.fromkeys(_FAMILY_OPTIONS, family)
        try:
            png = resvg_py.svg_to_bytes(svg_string=_FONT_PROBE, background="white", **families)
        except ValueError:
            continue
        with Image.open(io.BytesIO(png)) as image:
            darkest = image.convert("L").getextrema()[0]
        if isinstance(darkest, int) and darkest < 128:
            return families
    return {}


def _first_page(pdf: pdfium.PdfDocument, max_side: int) -> bytes | None:
    if len(pdf) < 1:
        return None
    page = pdf[0]
    try:
        long_pt = max(page.get_size())
        if not math.isfinite(long_pt) or long_pt <= 0:
            return None
        side = _vector_side(long_pt * _CSS_PX["pt"], max_side)
        # pypdfium2 rounds the bitmap's sides up; a hair under keeps the long side at `side`.
        scale = side / long_pt * (1 - 1e-9)
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), may_draw_forms=False)
        return _png(bitmap.to_pil())
    finally:
        page.close()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
