"""Report stage: where an audit goes and how it is written.

Audits go to a folder Quarto does not render (its name starts with `_`), in the project folder,
and are written atomically: a crash or Ctrl-C leaves the previous audit, never half of a new one.

Only regular files are replaced that way. A character device or a FIFO (`-o /dev/stdout`, a
terminal, `mkfifo`) is written straight through, because renaming a file over it would destroy
it (as root, `-o /dev/null` once replaced /dev/null for the whole machine). A symlink keeps
pointing where it did: its target is replaced and the link stays. Anything else (a folder, a
block device, a socket, a symlink loop) is refused with an `OSError` whose reason says why, which
the callers turn into one line and exit code 2.

A FIFO no process reads is waited for `FIFO_WAIT_S` seconds, then refused: opening it blocking
would hang the run forever, and a short wait covers a reader started just after the review."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from pathlib import Path

from reviewer.files.read import file_kind

FIFO_WAIT_S = 2.0
# Non-blocking so that opening a FIFO nobody reads fails (ENXIO) instead of hanging; appending
# so that `-o /dev/stdout >> log` adds to the log, as a shell redirection would.
_STREAM_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_NOCTTY
_MAX_LINKS = 40  # the kernel's own limit on symlinks followed in one path


def default_output(root: Path, chapters: tuple[Path, ...], folder: str, suffix: str) -> Path:
    name = chapters[0].stem if len(chapters) == 1 else (root.resolve().name or "book")
    return root / folder / f"{name}.audit{suffix}"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path`: atomically for a regular file (or a symlink to one), straight
    through for a character device or a FIFO. Raises `OSError` for anything else."""
    target, through_proc = _follow(path)
    info = _stat(target)
    if through_proc or (info is not None and _streams(info.st_mode)):
        # Open `path` itself: /dev/stdout's chain ends in a /proc magic link that only the
        # kernel can follow (its readlink text, such as `pipe:[123]`, names no file).
        _write_through(path, text)
    elif info is not None and not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, f"it is {_kind(info.st_mode)}, not a file", str(path))
    else:
        _make_folder(target, via_link=target != path)
        _replace(target, text, info)


def _follow(path: Path) -> tuple[Path, bool]:
    """Where a chain of symlinks ends, and whether it runs through /proc (a process's open
    files: `/dev/stdout` redirected to a log must be appended to, not renamed over)."""
    current, through_proc = path, False
    for _ in range(_MAX_LINKS):
        try:
            link = os.readlink(current)
        except OSError:  # not a symlink (EINVAL), or nothing there yet: the chain ends here
            return current, through_proc
        through_proc = through_proc or _in_proc(current)
        # Joined, never normalised: the kernel reads `..` after the folder as it reached it.
        current = Path(os.path.join(os.path.dirname(current), link))
    raise OSError(errno.ELOOP, "a symlink loop (or a chain of over 40 links)", str(path))


def _in_proc(path: Path) -> bool:
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    return folder == "/proc" or folder.startswith("/proc/")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet; _make_folder says why
        return None


def _streams(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _kind(mode: int) -> str:
    kind = file_kind(mode)
    return f"{kind} (an audit would overwrite the disk)" if stat.S_ISBLK(mode) else kind


def _make_folder(target: Path, via_link: bool) -> None:
    folder = target.parent
    if via_link:
        # A dangling symlink names where the user wants the audit; inventing folders along a
        # link's path would scatter them wherever a stale link happens to point.
        if not folder.is_dir():
            reason = f"the symlink points to {target}, whose folder does not exist"
            raise OSError(errno.ENOENT, reason, str(target))
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        above = next(p for p in (folder, *folder.parents) if p.exists())
        raise OSError(errno.ENOTDIR, f"{above} is a file, not a folder", str(target)) from None


def _replace(target: Path, text: str, old: os.stat_result | None) -> None:
    """Write a temporary file beside `target`, then rename it over: all or nothing."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        _keep_access(tmp, old)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _keep_access(tmp: str, old: os.stat_result | None) -> None:
    """mkstemp's 0600 would hide the audit from others: give a new file 0666 less the umask,
    and a replaced one its old mode and, where allowed (root), its old owner."""
    if old is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode) & 0o777)  # no setuid or sticky bit on an audit
    mine = os.stat(tmp)
    if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
        with contextlib.suppress(OSError):  # only root may give a file away; others keep theirs
            os.chown(tmp, old.st_uid, old.st_gid)


def _write_through(path: Path, text: str) -> None:
    """Write to what is already there (a device, a FIFO, an open file under /proc)."""
    with os.fdopen(_open_stream(path), "w", encoding="utf-8", newline="\n") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if stat.S_ISBLK(mode):  # the path changed under us since it was looked at
            raise OSError(errno.EINVAL, f"it is {_kind(mode)}, not a file", str(path))
        handle.write(text)


def _open_stream(path: Path) -> int:
    """Open for writing without hanging on a FIFO nobody reads: retry for FIFO_WAIT_S
    seconds, then refuse. Blocking is restored once open, so writes wait for the reader."""
    deadline = time.monotonic() + FIFO_WAIT_S
    while True:
        try:
            fd = os.open(path, _STREAM_FLAGS)
            break
        except OSError as err:
            if err.errno != errno.ENXIO or not _is_fifo(path):
                raise
            if time.monotonic() >= deadline:
                reason = f"no process is reading the FIFO (waited {FIFO_WAIT_S:g} s)"
                raise OSError(errno.ENXIO, f"{reason}; start the reader first", str(path)) from None
        time.sleep(0.05)
    os.set_blocking(fd, True)
    return fd


def _is_fifo(path: Path) -> bool:
    info = _stat(path)
    return info is not None and stat.S_ISFIFO(info.st_mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def quarto_renders(folder: str) -> bool:
    """Whether Quarto would render Markdown files kept in this folder into the site or book."""
    return not any(part.startswith(("_", ".")) for part in Path(folder).parts)
