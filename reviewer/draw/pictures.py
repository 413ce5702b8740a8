"""Draw stage, what a figure is sent as: the images a vision model is given for it.

An image file in a format models take is sent as it is, or downscaled when it is larger than
the bound; an SVG or PDF file is rasterized; a diagram written as code is rendered by its own
tool where one is installed, and kept in a cache, as TeX takes seconds per picture. A figure
that cannot be drawn is judged from its text, and the reason is kept for the run's summary."""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import diskcache

from reviewer.draw.raster import MAX_SIDE, bounded, image_size, image_tokens, pdf_to_png, svg_to_png
from reviewer.draw.tools import Rendered, Tools
from reviewer.model import Drawing
from reviewer.project.diagrams import NO_SETUP, TikzSetup
from reviewer.project.images import read_image

ATTACHABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_VECTOR = {"image/svg+xml": svg_to_png, "application/pdf": pdf_to_png}


@dataclass(frozen=True)
class Image:
    media_type: str
    data: bytes

    @property
    def tokens(self) -> int:
        """What the model is billed for it, counted as OpenAI counts a high-detail image."""
        size = image_size(self.data)
        return image_tokens(*size) if size else image_tokens(MAX_SIDE, MAX_SIDE)


@dataclass(frozen=True)
class Attached:
    images: tuple[Image, ...]
    not_drawn: str | None = None  # why a diagram goes as its text alone


class Pictures:
    """The images of each figure, worked out once per run: the key, the estimate and the
    message all ask for them."""

    def __init__(self, tools: Tools | None = None, cache: Path | None = None) -> None:
        self.tools = tools or Tools()
        self._cache = cache
        self._known: dict[Hashable, Attached] = {}
        self._lock = threading.Lock()
        self.not_drawn: Counter[str] = Counter()  # reason -> diagrams, for the summary

    def of(
        self, paths: tuple[Path, ...], drawing: Drawing | None, tikz: TikzSetup = NO_SETUP
    ) -> Attached:
        key = (tuple((path, _stamp(path)) for path in paths), drawing, tikz)
        with self._lock:
            known = self._known.get(key)
        if known is not None:
            return known
        attached = self._attach(paths, drawing, tikz)
        with self._lock:
            if key not in self._known and attached.not_drawn:
                self.not_drawn[attached.not_drawn] += 1
            self._known[key] = attached
        return attached

    def _attach(
        self, paths: tuple[Path, ...], drawing: Drawing | None, tikz: TikzSetup
    ) -> Attached:
        images = tuple(image for path in paths if (image := file_image(path)) is not None)
        if drawing is None or images:
            return Attached(images)
        rendered = self._render(drawing, tikz)
        if rendered.png is None:
            return Attached((), rendered.reason)
        return Attached((Image("image/png", bounded(rendered.png)),))

    def _render(self, drawing: Drawing, tikz: TikzSetup) -> Rendered:
        identity = self.tools.identity(drawing.language, tikz) + "\0" + drawing.source
        key = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()
        stored = self._stored(key)
        if stored is not None:
            return Rendered(stored)
        rendered = self.tools.render(drawing.language, drawing.source, tikz)
        if rendered.png is not None and self._cache is not None:
            with diskcache.Cache(str(self._cache)) as cache:
                cache.set(key, rendered.png)  # failures are not kept: a fixed TeX tries again
        return rendered

    def _stored(self, key: str) -> bytes | None:
        if self._cache is None or not self._cache.is_dir():
            return None
        with diskcache.Cache(str(self._cache)) as cache:
            value = cache.get(key)
        return value if isinstance(value, bytes) else None


def file_image(path: Path) -> Image | None:
    """A figure's image file as a model takes it, or None when it cannot be sent."""
    media = mimetypes.guess_type(path.name)[0]
    if media not in ATTACHABLE and media not in _VECTOR:
        return None
    data = read_image(path)
    if data is None:
        return None
    if media in _VECTOR:
        png = _VECTOR[media](data)
        return Image("image/png", png) if png else None
    sent = bounded(data)
    return Image(media if sent is data else "image/png", sent)


def _stamp(path: Path) -> tuple[int, int] | None:
    """A file's size and change time: an image edited during a run is read again."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns
