"""Load and parse stages against hostile source trees (issue 13): FIFOs, devices, symlink
loops, huge files, includes that leave the project, folders thousands deep and fenced divs
nested a thousand deep. Each is one error line and exit 2 when it is the chapter named, or a
finding when it is an include or a chapter of a book folder; the rest is still reviewed.

Every special file is made inside tmp_path. Runs that could hang go through a subprocess with
a timeout, so a regression fails the test instead of stopping the suite."""

from __future__ import annotations

import os
import random
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import reviewer.files.read
from reviewer.errors import ReviewerError
from reviewer.files.read import MAX_BYTES, read_capped
from reviewer.parse import divs
from reviewer.parse.document import parse_document
from reviewer.parse.nesting import MAX_DEPTH
from reviewer.project.load import MAX_INCLUDE_DEPTH

from .cliutil import Result, one_error_line, reads, run, write
from .conftest import CORPUS, FIXTURES, ROOT

Cap = pytest.CaptureFixture[str]

HARBOUR = """# Harbour

The tide chart in @fig-tide shows two high waters a day.

![Tide height over one day.](tide.png){#fig-tide fig-alt="A wave-shaped line with two peaks."}
"""

# A chapter whose line 5 is replaced by an include or a deep structure; @fig-gull is on line 7.
GULLS = """# Gulls

Gulls follow the boats, as @fig-gull shows.

{middle}

![Gulls over a trawler.](gull.png){{#fig-gull fig-alt="White birds above a small boat."}}
"""


def review(cwd: Path, *args: str) -> Result:
    """The command line in a subprocess that cannot outlive the test: a hang is a failure."""
    done = subprocess.run(
        [sys.executable, "-m", "reviewer", *args, "--no-llm", "-f", "json", "-o", "-"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def findings(result: Result) -> list[tuple[str, int, str]]:
    return [
        (f["path"], f["line"], f["code"])
        for audit in result.json()["files"]
        for f in audit["findings"]
    ]


def figures(result: Result) -> dict[str, str | None]:
    return {
        fig["id"]: fig["caption"] for audit in result.json()["files"] for fig in audit["figures"]
    }


def message(result: Result, code: str) -> str:
    found = [f for a in result.json()["files"] for f in a["findings"] if f["code"] == code]
    assert len(found) == 1, found
    return str(found[0]["message"])


def refused(result: Result, *says: str) -> str:
    """A run that could not review the chapter named: exit 2, one line, no output."""
    assert result.code == 2, result.err
    line = one_error_line(result.err)
    assert line.startswith("review: error: ")
    for text in says:
        assert text in line
    assert result.out == ""
    return line


def gulls(folder: Path, middle: str) -> Path:
    return write(folder / "gulls.qmd", GULLS.format(middle=middle))


def book(tmp_path: Path) -> Path:
    folder = tmp_path / "book"
    write(folder / "harbour.qmd", HARBOUR)
    return folder


# -- the chapter itself: one line, exit 2 ----------------------------------------------------


def test_fifo_given_directly_exits_2(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.qmd")
    refused(review(tmp_path, "x.qmd"), "x.qmd: not a regular file (a FIFO)")


def test_symlink_loop_given_directly_exits_2(tmp_path: Path) -> None:
    (tmp_path / "loop.qmd").symlink_to("loop.qmd")
    refused(review(tmp_path, "loop.qmd"), "loop.qmd: symlink loop")


def test_link_to_dev_zero_given_directly_exits_2(tmp_path: Path) -> None:
    (tmp_path / "zero.qmd").symlink_to("/dev/zero")
    refused(review(tmp_path, "zero.qmd"), "zero.qmd: not a regular file (a character device)")


def test_chapter_over_the_cap_exits_2(tmp_path: Path) -> None:
    big = tmp_path / "big.qmd"
    with big.open("wb") as handle:  # sparse: no disk is spent on it
        handle.truncate(MAX_BYTES + 1)
    refused(review(tmp_path, "big.qmd"), "big.qmd: larger than 50 MB")


def test_fifo_project_file_exits_2(tmp_path: Path) -> None:
    folder = book(tmp_path)
    os.mkfifo(folder / "_quarto.yml")
    refused(review(tmp_path, "book"), "_quarto.yml: not a regular file (a FIFO)")


# -- chapters found in a book folder: SRC005 for each, the others reviewed --------------------


def test_fifo_loop_and_device_in_a_book_folder_are_src005(tmp_path: Path) -> None:
    folder = book(tmp_path)
    os.mkfifo(folder / "fifo.qmd")
    (folder / "loop.qmd").symlink_to("loop.qmd")
    (folder / "zero.qmd").symlink_to("/dev/zero")
    (folder / "gone.qmd").symlink_to("nowhere.qmd")
    (folder / "folder.qmd").mkdir()
    result = review(tmp_path, "book")
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    assert sorted(findings(result)) == [
        (f"book/{name}.qmd", 1, "SRC005") for name in ("fifo", "folder", "gone", "loop", "zero")
    ]
    assert figures(result) == {"fig-tide": "Tide height over one day."}
    said = {f["path"]: f["message"] for a in result.json()["files"] for f in a["findings"]}
    assert "not a regular file (a FIFO)" in said["book/fifo.qmd"]
    assert "symlink loop" in said["book/loop.qmd"]
    assert "(a character device)" in said["book/zero.qmd"]
    assert "(a folder)" in said["book/folder.qmd"]
    assert "no such file" in said["book/gone.qmd"]


def test_fifo_listed_in_the_project_file_is_src005_not_missing(tmp_path: Path) -> None:
    folder = book(tmp_path)
    write(folder / "_quarto.yml", "book:\n  chapters:\n    - harbour.qmd\n    - fifo.qmd\n")
    os.mkfifo(folder / "fifo.qmd")
    result = review(tmp_path, "book")
    assert findings(result) == [("book/fifo.qmd", 1, "SRC005")]
    assert "not a regular file (a FIFO)" in message(result, "SRC005")
    assert figures(result) == {"fig-tide": "Tide height over one day."}


def test_folder_symlink_loop_is_not_followed(tmp_path: Path) -> None:
    folder = book(tmp_path)
    (folder / "again").symlink_to(".", target_is_directory=True)
    result = review(tmp_path, "book")
    assert result.code == 0, result.err
    assert [a["path"] for a in result.json()["files"]] == ["book/harbour.qmd"]


def test_folder_tree_thousands_deep_is_listed(tmp_path: Path) -> None:
    folder = book(tmp_path)
    levels = [folder]
    try:
        for _ in range(1200):  # past Python's recursion limit, within PATH_MAX
            levels.append(levels[-1] / "d")
            levels[-1].mkdir()  # not mkdir(parents=True): it recurses once per level
        write(levels[-1] / "bottom.qmd", GULLS.format(middle="The gulls rest on the pier."))
        result = review(tmp_path, "book")
    finally:
        _remove_bottom_up(levels)
    assert result.code == 0, result.err
    assert figures(result) == {
        "fig-gull": "Gulls over a trawler.",
        "fig-tide": "Tide height over one day.",
    }


def _remove_bottom_up(levels: list[Path]) -> None:
    """pytest's own clean-up (shutil.rmtree) recurses once per level, and would fail."""
    (levels[-1] / "bottom.qmd").unlink(missing_ok=True)
    for level in reversed(levels[1:]):
        if level.is_dir():
            level.rmdir()


# -- includes: a finding on the include line, the rest reviewed -------------------------------


def _included(tmp_path: Path, target: str) -> Result:
    gulls(tmp_path, f"{{{{< include {target} >}}}}")
    return review(tmp_path, "gulls.qmd")


def _one_include_finding(result: Result, code: str, *says: str) -> None:
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    assert findings(result) == [("gulls.qmd", 5, code)]
    text = message(result, code)
    for part in says:
        assert part in text
    assert figures(result) == {"fig-gull": "Gulls over a trawler."}


def test_include_of_a_fifo_is_src003(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "_fifo.qmd")
    _one_include_finding(_included(tmp_path, "_fifo.qmd"), "SRC003", "(a FIFO)")


def test_include_of_a_symlink_loop_is_src003(tmp_path: Path) -> None:
    (tmp_path / "_loop.qmd").symlink_to("_loop.qmd")
    _one_include_finding(_included(tmp_path, "_loop.qmd"), "SRC003", "symlink loop")


def test_include_of_a_folder_is_src003(tmp_path: Path) -> None:
    (tmp_path / "_parts").mkdir()
    _one_include_finding(_included(tmp_path, "_parts"), "SRC003", "(a folder)")


def test_include_of_dev_zero_is_read_from_the_project(tmp_path: Path) -> None:
    # A `/` path starts at the project folder, as in Quarto: there is no dev/zero there.
    _one_include_finding(_included(tmp_path, "/dev/zero"), "SRC003", "no such file")


def test_include_of_a_link_to_dev_zero_is_outside_the_project(tmp_path: Path) -> None:
    (tmp_path / "_zero.qmd").symlink_to("/dev/zero")
    _one_include_finding(_included(tmp_path, "_zero.qmd"), "SRC006", "/dev/zero")


def test_include_climbing_to_dev_zero_is_outside_the_project(tmp_path: Path) -> None:
    climb = "../" * (len(tmp_path.parts) + 2) + "dev/zero"
    _one_include_finding(_included(tmp_path, climb), "SRC006", "outside the project")


def test_include_over_the_cap_is_src003(tmp_path: Path) -> None:
    with (tmp_path / "_big.qmd").open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    _one_include_finding(_included(tmp_path, "_big.qmd"), "SRC003", "larger than 50 MB")


def test_include_outside_the_project_is_src006_and_never_read(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    write(project / "_quarto.yml", "project:\n  type: book\n")
    write(tmp_path / "secret.qmd", "# Secret\n\n![Hidden.](h.png){#fig-hidden}\n")
    (project / "_link.qmd").symlink_to(tmp_path / "secret.qmd")
    gulls(project, "{{< include ../secret.qmd >}}\n\n{{< include _link.qmd >}}")
    read = reads(monkeypatch)
    monkeypatch.chdir(project)
    result = run(capsys, "gulls.qmd", "--no-llm", "-f", "json", "-o", "-")
    assert result.code == 1
    assert findings(result) == [("gulls.qmd", 5, "SRC006"), ("gulls.qmd", 7, "SRC006")]
    assert read == ["gulls.qmd"]
    assert figures(result) == {"fig-gull": "Gulls over a trawler."}


def test_include_inside_a_project_reached_through_a_symlink_is_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project / "_quarto.yml", "project:\n  type: book\n")
    write(project / "_part.qmd", '![A buoy.](buoy.png){#fig-buoy fig-alt="A red float."}\n')
    gulls(project, "See @fig-buoy.\n\n{{< include /_part.qmd >}}")
    (tmp_path / "via").symlink_to(project, target_is_directory=True)
    result = review(tmp_path, "via/gulls.qmd")
    assert result.code == 0, result.err
    assert findings(result) == []
    assert figures(result) == {"fig-buoy": "A buoy.", "fig-gull": "Gulls over a trawler."}


def test_includes_nested_past_the_limit_are_cut(tmp_path: Path) -> None:
    for n in range(MAX_INCLUDE_DEPTH + 5):
        write(tmp_path / f"_part{n}.qmd", f"Part {n}.\n\n{{{{< include _part{n + 1}.qmd >}}}}\n")
    write(tmp_path / f"_part{MAX_INCLUDE_DEPTH + 5}.qmd", "The last part.\n")
    result = _included(tmp_path, "_part0.qmd")
    assert result.code == 1, result.err
    [(_, line, code)] = findings(result)
    assert (line, code) == (3, "SRC003")
    assert f"more than {MAX_INCLUDE_DEPTH} deep" in message(result, "SRC003")
    assert figures(result) == {"fig-gull": "Gulls over a trawler."}


# -- the reader itself: checked before opening, bounded, no hang on a swap ---------------------


def test_a_device_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "zero.qmd").symlink_to("/dev/zero")

    def never(fd: int, limit: int) -> bytes:
        raise AssertionError("a device was read")

    monkeypatch.setattr(reviewer.files.read, "_read_at_most", never)
    with pytest.raises(ReviewerError, match="a character device"):
        read_capped(tmp_path / "zero.qmd")


def test_the_read_stops_at_the_cap() -> None:
    fd = os.open("/dev/zero", os.O_RDONLY)  # endless: only a bounded read returns
    try:
        assert len(reviewer.files.read._read_at_most(fd, 3 * (1 << 20) + 7)) == 3 * (1 << 20) + 7
    finally:
        os.close(fd)


def test_a_file_that_grew_after_the_check_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "grows.qmd", "x" * 100)
    small = os.stat_result((stat.S_IFREG | 0o644, 0, 0, 1, 0, 0, 5, 0, 0, 0))
    monkeypatch.setattr(os, "stat", lambda _: small)
    monkeypatch.setattr(os, "fstat", lambda _: small)
    with pytest.raises(ReviewerError, match="larger than 10 bytes"):
        read_capped(path, cap=10)


SWAP = """
import os, stat, sys
from pathlib import Path
import reviewer.files.read as load
real = os.stat
def regular(path):  # the FIFO looked like a file when checked: swapped in before the open
    return os.stat_result((stat.S_IFREG | 0o644, *tuple(real(path))[1:]))
load.os.stat = regular
try:
    load.read_capped(Path(sys.argv[1]))
except load.ReviewerError as err:
    print(err)
"""


def test_a_fifo_swapped_in_after_the_check_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "swap.qmd")
    done = subprocess.run(
        [sys.executable, "-c", SWAP, str(tmp_path / "swap.qmd")],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
        cwd=ROOT,
    )
    assert "not a regular file (a FIFO)" in done.stdout


# -- nesting ----------------------------------------------------------------------------------


def _divs(depth: int, inner: str) -> str:
    return "\n".join(["::: {.x}"] * depth + [inner] + [":::"] * depth)


def test_figure_in_100_nested_divs_is_found(tmp_path: Path) -> None:
    deep = '![A gull on a mast.](mast.png){#fig-mast fig-alt="A bird on a pole."}'
    gulls(tmp_path, f"See @fig-mast.\n\n{_divs(100, deep)}")
    result = review(tmp_path, "gulls.qmd")
    assert result.code == 0, result.err
    assert {code for *_, code in findings(result)} <= {"REF002"}  # 100 lines from its mention
    assert figures(result) == {
        "fig-mast": "A gull on a mast.",
        "fig-gull": "Gulls over a trawler.",
    }


def test_figure_div_1000_divs_deep_is_found(tmp_path: Path) -> None:
    div = '::: {#fig-mast fig-alt="A bird on a pole."}\n![](mast.png)\n\nA gull on a mast.\n:::'
    gulls(tmp_path, f"See @fig-mast.\n\n{_divs(1000, div)}")
    result = review(tmp_path, "gulls.qmd")
    assert result.code == 0, result.err
    assert "SRC001" not in {code for *_, code in findings(result)}
    assert figures(result) == {
        "fig-mast": "A gull on a mast.",
        "fig-gull": "Gulls over a trawler.",
    }


def test_5000_unclosed_divs_are_each_reported(tmp_path: Path) -> None:
    gulls(tmp_path, "\n".join(["::: {.x}"] * 5000))
    result = review(tmp_path, "gulls.qmd")
    assert result.code == 1, result.err
    lines = sorted(line for _, line, code in findings(result) if code == "SRC001")
    assert lines == list(range(5, 5005))
    assert figures(result) == {"fig-gull": "Gulls over a trawler."}


@pytest.mark.parametrize(
    "deep",
    [
        ">" * 150 + " The gulls nest here.",
        "".join("  " * n + "- gulls\n" for n in range(150)),
        "> - " * 100 + "gulls",
    ],
    ids=["block-quotes", "lists", "both"],
)
def test_nesting_past_the_limit_is_one_src007(tmp_path: Path, deep: str) -> None:
    gulls(tmp_path, deep)
    result = review(tmp_path, "gulls.qmd")
    assert result.code == 1, result.err
    codes = [code for *_, code in findings(result)]
    assert [c for c in codes if c != "REF002"] == ["SRC007"]  # REF002: the figure is far down
    assert f"more than {MAX_DEPTH} deep" in message(result, "SRC007")
    assert figures(result) == {"fig-gull": "Gulls over a trawler."}


def test_nesting_within_the_limit_keeps_the_stack(capsys: Cap, tmp_path: Path) -> None:
    # In-process, under pytest's own frames: the deepest nesting read must still fit.
    lists = "".join("  " * n + "- gulls\n" for n in range(MAX_DEPTH - 2))
    gulls(tmp_path, lists + "  " * (MAX_DEPTH - 2) + "![A deep gull.](g.png){#fig-deep}")
    result = run(capsys, str(tmp_path / "gulls.qmd"), "--no-llm", "-f", "json", "-o", "-")
    assert "SRC007" not in result.out
    assert "fig-deep" in figures(result)


# -- divs read flat are divs read in their own loop --------------------------------------------

_PIECES = (
    "::: {.a}",
    ":::",
    "::::",
    "::: {#fig-x}",
    "- item",
    "  ::: {.b}",
    "  :::",
    "> quote",
    "> ::: {.c}",
    "> :::",
    "text",
    "",
    "    code",
    "```",
    "1. one",
    "   ::: note",
    "   :::",
    "![cap](x.png){#fig-y}",
    "Term",
    ": definition",
    "  - sub",
    "    :::",
    "[^1]: note",
)


def _both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    nested = parse_document(text, "x.qmd")
    with monkeypatch.context() as patch:
        patch.setattr(divs, "FLAT_FROM", 1)  # every div read flat, from the top level on
        flat = parse_document(text, "x.qmd")
    return nested, flat


def test_flat_divs_parse_as_nested_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(13)
    for _ in range(3000):
        text = "\n".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 25))) + "\n"
        nested, flat = _both_ways(text, monkeypatch)
        assert nested == flat, text


def test_flat_divs_parse_the_chapters_as_nested_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    chapters = {*FIXTURES.rglob("*.qmd"), *(ROOT / "examples").rglob("*.qmd")}
    chapters |= set(CORPUS.rglob("*.qmd")) if CORPUS.is_dir() else set()
    for path in sorted(chapters):
        nested, flat = _both_ways(path.read_text("utf-8", errors="replace"), monkeypatch)
        assert nested == flat, path
