"""Report stage: where an audit goes and how it is written.

Audits go to a folder Quarto does not render (its name starts with `_`), in the project folder,
and are written atomically: a crash or Ctrl-C leaves the previous audit, never half of a new one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def default_output(root: Path, chapters: tuple[Path, ...], folder: str, suffix: str) -> Path:
    name = chapters[0].stem if len(chapters) == 1 else (root.resolve().name or "book")
    return root / folder / f"{name}.audit{suffix}"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide the audit from others
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def quarto_renders(folder: str) -> bool:
    """Whether Quarto would render Markdown files kept in this folder into the site or book."""
    return not any(part.startswith(("_", ".")) for part in Path(folder).parts)
