"""Reading files safely, for every stage that reads one: only regular files, and at most a
cap of them. A FIFO would block the review forever, a device such as /dev/zero never ends and
a symlink loop never resolves; each is refused with one line saying what it is."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from reviewer.errors import ReviewerError

MAX_BYTES = 50 * 1024 * 1024  # far above any real chapter; guards against reading a disk image
# Non-blocking, so that a FIFO swapped in between the stat and the open cannot hang the read.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def display_path(path: Path) -> str:
    """How a path appears in reports: relative to the working directory when that is shorter."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if len(rel) <= len(str(path)) else str(path)


def real_path(path: Path) -> Path:
    """`path` with its symlinks resolved. Unlike Path.resolve() on Python 3.11, never raises on
    a symlink loop: the loop is reported when the file is read."""
    return Path(os.path.realpath(path))


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, once its symlinks are resolved, lies in the folder `root`."""
    return real_path(path).is_relative_to(real_path(root))


def read_capped(path: Path, cap: int = MAX_BYTES, what: str = "a chapter") -> bytes:
    """The bytes of a regular file of at most `cap` bytes, or a ReviewerError saying why not.
    The file is checked before it is opened and again once open, and never read past `cap`."""
    name = display_path(path)
    try:
        _check(name, os.stat(path), cap, what)
        fd = os.open(path, _READ_FLAGS)
    except OSError as err:
        raise ReviewerError(f"{name}: {_os_reason(err)}") from None
    try:
        _check(name, os.fstat(fd), cap, what)
        data = _read_at_most(fd, cap + 1)
    except OSError as err:
        raise ReviewerError(f"{name}: {_os_reason(err)}") from None
    finally:
        os.close(fd)
    if len(data) > cap:  # it grew after the stat
        raise ReviewerError(f"{name}: larger than {_size(cap)}; is this {what}?")
    return data


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for messages: "a FIFO", "a folder" ..."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a plain file")


def _check(name: str, status: os.stat_result, cap: int, what: str) -> None:
    mode = status.st_mode
    if not stat.S_ISREG(mode):
        kind = file_kind(mode)
        fix = "give a .qmd file or a book folder" if stat.S_ISDIR(mode) else "give a .qmd file"
        raise ReviewerError(f"{name}: not a regular file ({kind}); {fix}")
    if status.st_size > cap:
        raise ReviewerError(f"{name}: larger than {_size(cap)}; is this {what}?")


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _os_reason(err: OSError) -> str:
    if err.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links); fix or remove the link"
    if isinstance(err, FileNotFoundError | NotADirectoryError):
        return "no such file; check the path"
    if isinstance(err, PermissionError):
        return "permission denied; make the file readable"
    if err.errno == errno.EAGAIN:  # a FIFO or device swapped in after the check
        return "not a regular file; give a .qmd file"
    return f"cannot read it ({err.strerror or err}); check the file"


def _size(cap: int) -> str:
    return f"{cap >> 20} MB" if cap >= 1 << 20 else f"{cap} bytes"


def read_text(path: Path) -> str:
    """A chapter's text, or a ReviewerError that says what is wrong and how to fix it."""
    name = display_path(path)
    data = read_capped(path)
    if b"\x00" in data:
        raise ReviewerError(f"{name}: binary file, not a Quarto chapter; give a .qmd file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ReviewerError(
            f"{name}:{line}: not UTF-8 (byte 0x{data[err.start]:02x}); re-save the file as UTF-8"
        ) from None
    return text
