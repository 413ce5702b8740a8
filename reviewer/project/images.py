"""Load stage, local images: where a figure's image file is, as Quarto finds it, and whether
the reviewer may read it. Only regular files inside the project (the folder of `_quarto.yml`,
or the chapter's folder without one) are read, and only up to a size cap, so a `../` path or a
symlink cannot make the judge send, or the HTML audit embed, a file from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.files.read import is_inside, read_capped

MAX_IMAGE_BYTES = 20 * 1024 * 1024
_REMOTE = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, data:, file: ...


def image_path(src: str, chapter: str, root: Path | None) -> Path | None:
    """The file an image source names, or None when it is remote, not a local path, or
    project-relative (`/images/x.png`) with no project to start from. Quarto reads those
    from the project root, anything else beside the chapter."""
    bare = src.split("#")[0].split("?")[0]
    if not bare or _REMOTE.match(bare):
        return None
    if bare.startswith("/"):
        return root / bare.lstrip("/") if root is not None else None
    return Path(chapter).parent / bare


def readable_image(src: str, chapter: str, root: Path | None) -> Path | None:
    """The image's file when the reviewer may read it: local and inside the project."""
    path = image_path(src, chapter, root)
    return path if path is not None and _in_project(path, chapter, root) else None


def outside(src: str, chapter: str, root: Path | None) -> bool:
    """A local image file that exists outside the project: reported, never read. (A missing
    one is not: where it would be is no risk, and Quarto reports it.)"""
    path = image_path(src, chapter, root)
    return path is not None and path.exists() and not _in_project(path, chapter, root)


def _in_project(path: Path, chapter: str, root: Path | None) -> bool:
    return is_inside(path, root or Path(chapter).parent)


def read_image(path: Path, cap: int = MAX_IMAGE_BYTES) -> bytes | None:
    """The image's bytes, or None when it is not a regular file or is over `cap`."""
    try:
        return read_capped(path, cap, "an image")
    except ReviewerError:
        return None
