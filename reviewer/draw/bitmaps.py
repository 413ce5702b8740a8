"""Draw stage, raster images as they come: the formats a vision model takes, and an image's size
read from its header. Below both raster.py, which bounds such images, and svg_safety.py, which
bounds the ones an SVG embeds."""

from __future__ import annotations

import io

from PIL import Image

ATTACHABLE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP, from its header; None when unknown,
    including images over Pillow's decompression-bomb limit (about 179 megapixels)."""
    try:
        with Image.open(io.BytesIO(data), formats=ATTACHABLE_FORMATS) as image:
            width, height = image.size
    except Exception:  # Pillow raises many types on damaged files; any means "unknown"
        return None
    return (width, height) if width > 0 and height > 0 else None
