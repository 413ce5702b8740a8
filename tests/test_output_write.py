"""Where `-o` may point (issue 13): a character device or a FIFO is written straight through and
stays what it was; a symlink keeps pointing where it did while its target is replaced; a folder,
a block device, a socket, a symlink loop or an unwritable place is one error line and exit 2.
Every special file here is made inside tmp_path: the tests run as root, so pointing one at the
real /dev/null or /dev/stdout could break the machine they run on."""

from __future__ import annotations

import errno
import os
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import reviewer.files.write

from .cliutil import Result, one_error_line, run
from .conftest import ROOT

Cap = pytest.CaptureFixture[str]
CHAPTER = str(ROOT / "examples" / "chapter.qmd")


def review_to(capsys: Cap, output: Path) -> Result:
    return run(capsys, CHAPTER, "--no-llm", "-o", str(output))


@pytest.fixture
def expected(capsys: Cap, tmp_path: Path) -> str:
    """The audit as a plain run writes it to a regular file."""
    plain = tmp_path / "plain" / "audit.md"
    assert review_to(capsys, plain).code == 0
    return plain.read_text(encoding="utf-8")


def refused(result: Result, *words: str) -> str:
    assert result.code == 2
    line = one_error_line(result.err)
    assert line.startswith("review: error: ")
    assert "cannot write the audit" in line
    for word in words:
        assert word in line, line
    return line


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


class Reader(threading.Thread):
    """Reads a FIFO to its end, as `cat fifo` would; `delay` starts it late."""

    def __init__(self, fifo: Path, delay: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.fifo, self.delay, self.data = fifo, delay, b""

    def run(self) -> None:
        time.sleep(self.delay)
        with open(self.fifo, "rb") as handle:
            self.data = handle.read()


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    yield path
    # A failed test may leave a writer blocked on the FIFO; opening it for reading frees it.
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
        handle.read()


def read_through(capsys: Cap, fifo: Path, output: Path, delay: float = 0.0) -> tuple[Result, str]:
    reader = Reader(fifo, delay)
    reader.start()
    result = review_to(capsys, output)
    reader.join(timeout=10)
    assert not reader.is_alive()
    return result, reader.data.decode("utf-8")


# Character devices and FIFOs: written straight through, never replaced


def test_a_character_device_stays_a_character_device(capsys: Cap, tmp_path: Path) -> None:
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("mknod needs CAP_MKNOD")
    result = review_to(capsys, null)
    assert result.code == 0, result.err
    info = os.lstat(null)
    assert stat.S_ISCHR(info.st_mode)
    assert info.st_rdev == os.makedev(1, 3)
    assert leftovers(tmp_path) == []


def test_a_fifo_reader_gets_the_whole_audit(capsys: Cap, expected: str, fifo: Path) -> None:
    result, received = read_through(capsys, fifo, fifo)
    assert result.code == 0, result.err
    assert received == expected
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert leftovers(fifo.parent) == []


def test_a_reader_started_just_after_the_review_is_waited_for(
    capsys: Cap, expected: str, fifo: Path
) -> None:
    result, received = read_through(capsys, fifo, fifo, delay=0.3)
    assert result.code == 0, result.err
    assert received == expected


def test_a_fifo_nobody_reads_is_refused_promptly(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, fifo: Path
) -> None:
    monkeypatch.setattr(reviewer.files.write, "FIFO_WAIT_S", 0.2)
    started = time.monotonic()
    result = review_to(capsys, fifo)
    assert time.monotonic() - started < 5
    refused(result, str(fifo), "no process is reading the FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_the_default_wait_for_a_reader_is_bounded(fifo: Path) -> None:
    started = time.monotonic()
    with pytest.raises(OSError) as caught:
        reviewer.files.write.write_atomic(fifo, "audit\n")
    assert caught.value.errno == errno.ENXIO
    assert time.monotonic() - started < reviewer.files.write.FIFO_WAIT_S + 3


def test_a_symlink_to_a_fifo_works_like_dev_stdout_on_a_pipe(
    capsys: Cap, expected: str, fifo: Path
) -> None:
    link = fifo.parent / "stdout"
    link.symlink_to(fifo)
    result, received = read_through(capsys, fifo, link)
    assert result.code == 0, result.err
    assert received == expected
    assert link.is_symlink()
    assert os.readlink(link) == str(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_open_file_under_proc_is_appended_to_not_renamed_over(
    capsys: Cap, expected: str, tmp_path: Path
) -> None:
    # `review -o /dev/stdout >> log`: /dev/stdout leads to /proc/self/fd/1. Here the test's
    # own descriptor on a log in tmp_path stands in for the shell's.
    log = tmp_path / "log.txt"
    log.write_text("earlier line\n", encoding="utf-8")
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        proc = Path(f"/proc/self/fd/{fd}")
        if not proc.is_symlink():
            pytest.skip("no /proc/self/fd here")
        link = tmp_path / "stdout"
        link.symlink_to(proc)
        inode = os.stat(log).st_ino
        result = review_to(capsys, link)
    finally:
        os.close(fd)
    assert result.code == 0, result.err
    assert os.stat(log).st_ino == inode
    assert log.read_text(encoding="utf-8") == "earlier line\n" + expected


# Symlinks: the target is replaced, the link stays


def test_a_symlink_keeps_pointing_at_the_replaced_file(
    capsys: Cap, expected: str, tmp_path: Path
) -> None:
    target = tmp_path / "real" / "audit.md"
    target.parent.mkdir()
    target.write_text("previous\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "audit.md"
    link.symlink_to(target)
    result = review_to(capsys, link)
    assert result.code == 0, result.err
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == expected
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == leftovers(target.parent) == []


def test_a_relative_symlink_is_followed_from_its_own_folder(
    capsys: Cap, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "links").mkdir()
    (tmp_path / "real").mkdir()
    link = tmp_path / "links" / "audit.md"
    link.symlink_to(Path("..") / "real" / "audit.md")
    result = review_to(capsys, link)
    assert result.code == 0, result.err
    assert link.is_symlink()
    assert (tmp_path / "real" / "audit.md").read_text(encoding="utf-8") == expected


def test_a_dangling_symlink_creates_its_target(capsys: Cap, expected: str, tmp_path: Path) -> None:
    link = tmp_path / "audit.md"
    link.symlink_to(tmp_path / "new.md")
    result = review_to(capsys, link)
    assert result.code == 0, result.err
    assert link.is_symlink()
    assert (tmp_path / "new.md").read_text(encoding="utf-8") == expected


def test_a_dangling_symlink_into_a_missing_folder_is_refused(capsys: Cap, tmp_path: Path) -> None:
    link = tmp_path / "audit.md"
    link.symlink_to(tmp_path / "gone" / "new.md")
    refused(review_to(capsys, link), str(link), "whose folder does not exist")
    assert link.is_symlink()
    assert not (tmp_path / "gone").exists()


def test_a_symlink_loop_is_refused(capsys: Cap, tmp_path: Path) -> None:
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.symlink_to(second)
    second.symlink_to(first)
    refused(review_to(capsys, first), str(first), "symlink loop")
    assert first.is_symlink() and second.is_symlink()


# What cannot take an audit: one line, exit 2, nothing changed


def test_a_folder_is_refused(capsys: Cap, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    (folder / "keep").mkdir(parents=True)
    refused(review_to(capsys, folder), str(folder), "a folder")
    assert os.listdir(folder) == ["keep"]


def test_a_block_device_is_refused(capsys: Cap, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    try:
        # Major 240 is kept for local use, so no driver answers even if this went wrong.
        os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(240, 0))
    except PermissionError:
        pytest.skip("mknod needs CAP_MKNOD")
    refused(review_to(capsys, disk), "block device")
    assert stat.S_ISBLK(os.lstat(disk).st_mode)


def test_a_socket_is_refused(capsys: Cap) -> None:
    folder = Path(tempfile.mkdtemp())  # short: a socket path may not exceed 108 bytes
    path = folder / "sock"
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(path))
            refused(review_to(capsys, path), "a socket")
            assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()


def test_a_path_under_a_regular_file_is_refused(capsys: Cap, tmp_path: Path) -> None:
    # Root writes anywhere, so a parent that is a file stands in for a read-only folder.
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me\n", encoding="utf-8")
    for output in (blocker / "audit.md", blocker / "deeper" / "audit.md"):
        refused(review_to(capsys, output), str(output), f"{blocker} is a file, not a folder")
    assert blocker.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS, errno.ENOSPC])
def test_an_os_error_while_writing_is_one_line_and_keeps_the_old_audit(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, code: int
) -> None:
    audit = tmp_path / "audit.md"
    audit.write_text("previous\n", encoding="utf-8")

    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    refused(review_to(capsys, audit), str(audit), os.strerror(code))
    assert audit.read_text(encoding="utf-8") == "previous\n"
    assert leftovers(tmp_path) == []


def test_a_folder_that_refuses_temporary_files_is_one_line(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_room(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", no_room)
    refused(review_to(capsys, tmp_path / "audit.md"), "Permission denied")


# Regular files: atomic as before


class _HalfWriter:
    """A file handle whose write stores half the text, then is interrupted (Ctrl-C)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, text: str) -> int:
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        raise KeyboardInterrupt

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def test_ctrl_c_mid_write_keeps_the_previous_audit(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.md"
    audit.write_text("previous\n", encoding="utf-8")
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _HalfWriter(real_fdopen(*a, **k)))
    result = review_to(capsys, audit)
    assert result.code == 130
    assert audit.read_text(encoding="utf-8") == "previous\n"
    assert leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_mode(capsys: Cap, expected: str, tmp_path: Path) -> None:
    audit = tmp_path / "audit.md"
    audit.write_text("previous\n", encoding="utf-8")
    audit.chmod(0o600)
    assert review_to(capsys, audit).code == 0
    assert audit.read_text(encoding="utf-8") == expected
    assert stat.S_IMODE(audit.stat().st_mode) == 0o600
    assert not audit.is_symlink()


def test_other_writers_get_the_same_rules(tmp_path: Path) -> None:
    # baseline, eval, cassettes and batch call write_atomic directly and map OSError themselves.
    target = tmp_path / "state.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    reviewer.files.write.write_atomic(link, "{}\n")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "{}\n"
    with pytest.raises(OSError) as caught:
        reviewer.files.write.write_atomic(tmp_path, "{}\n")
    assert caught.value.strerror == "it is a folder, not a file"
