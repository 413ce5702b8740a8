"""Load and extract stages: an `{{< embed nb.ipynb#fig-x >}}` figure gets its caption and alt
text from the notebook cell it names (the fixture `extract/embed_notebook.qmd` pins the
forms), and a hostile notebook never hangs or breaks the review: it is read only from inside
the project, only when it is a regular file under the cap, and anything that is not a notebook
leaves the figure as it was, with no caption or alt text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import reviewer.files.read
import reviewer.project.load
from reviewer.extract import extract
from reviewer.files.read import MAX_BYTES
from reviewer.model import Figure, Location
from reviewer.parse.notebook import notebook_cell, read_notebook
from reviewer.project.load import load_chapter

from .cliutil import write

CHAPTER = """# Ovens

The oven heats unevenly, as @fig-heat shows.

{{{{< embed {notebook}#fig-heat >}}}}
"""
CELL = {
    "cell_type": "code",
    "metadata": {},
    "source": ["#| label: fig-heat\n", '#| fig-cap: "Oven heat"\n', '#| fig-alt: "A map."\n'],
}


def notebook(*cells: object) -> str:
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def figures(chapter: Path, root: Path | None = None) -> list[Figure]:
    extraction, _ = extract(load_chapter(chapter, root))
    return list(extraction.figures)


def heat(folder: Path, notebook_path: str = "nb.ipynb") -> Figure:
    chapter = write(folder / "ovens.qmd", CHAPTER.format(notebook=notebook_path))
    (found,) = figures(chapter)
    assert found.id == "fig-heat" and found.embedded_from == f"{notebook_path}#fig-heat"
    return found


def test_the_cell_gives_caption_and_alt(tmp_path: Path) -> None:
    write(tmp_path / "nb.ipynb", notebook(CELL))
    found = heat(tmp_path)
    assert found.caption and found.caption.text == "Oven heat"
    assert found.alt and found.alt.text == "A map."
    assert (found.location.line, found.location.end_line) == (5, 5)  # the shortcode's line


def test_a_project_path_starts_at_the_root(tmp_path: Path) -> None:
    write(tmp_path / "data" / "nb.ipynb", notebook(CELL))
    chapter = write(tmp_path / "part" / "ovens.qmd", CHAPTER.format(notebook="/data/nb.ipynb"))
    (found,) = figures(chapter, tmp_path)
    assert found.caption and found.caption.text == "Oven heat"


@pytest.mark.parametrize(
    "text",
    [
        "not json at all",
        "\ufeff\x00 garbage",
        "[" * 100_000 + "]" * 100_000,  # nested past the parser's stack
        '{"cells": [' + "[" * 100_000 + "]" * 100_000 + "]}",
        '{"cells": "a string"}',
        '{"cells": [1, "x", null, {"cell_type": "code", "source": 5, "metadata": []}]}',
        '{"cells": [{"cell_type": "code", "source": ["#| label: fig-heat\\n", 7]}]}',
        '{"cells": [{"cell_type": "code", "id": ["fig-heat"], "source": "x"}]}',
        '{"cells": [], "metadata": {"kernelspec": {"language": "{evil}\\n```"}}}',
        "1" * 5000,  # a number past Python's digit limit
    ],
)
def test_what_is_not_a_notebook_leaves_the_figure_as_it_was(tmp_path: Path, text: str) -> None:
    write(tmp_path / "nb.ipynb", text)
    assert heat(tmp_path).alt is None


@pytest.mark.parametrize("data", [b"\xff\xfe\x00\xd8 not text", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_bytes_that_are_not_text_leave_the_figure_as_it_was(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "nb.ipynb").write_bytes(data)
    found = heat(tmp_path)
    assert found.alt is None


def test_a_notebook_over_the_cap_is_never_read(tmp_path: Path) -> None:
    with (tmp_path / "nb.ipynb").open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    found = heat(tmp_path)
    assert found.caption is None and found.alt is None


def test_a_folder_or_a_missing_notebook_is_no_cell(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").mkdir()
    assert heat(tmp_path).caption is None
    assert heat(tmp_path, "gone.ipynb").caption is None


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = reviewer.files.read.read_capped

    def spy(path: Path, cap: int = MAX_BYTES, what: str = "a chapter") -> bytes:
        read.append(path.name)
        return real(path, cap, what)

    monkeypatch.setattr(reviewer.project.load, "read_capped", spy)
    return read


def test_a_notebook_outside_the_project_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    write(tmp_path / "secret.ipynb", notebook(CELL))
    (project / "nb.ipynb").parent.mkdir(parents=True)
    (project / "nb.ipynb").symlink_to(tmp_path / "secret.ipynb")
    read = _spy(monkeypatch)
    assert heat(project, "../secret.ipynb").caption is None
    assert heat(project).caption is None
    assert "secret.ipynb" not in read and "nb.ipynb" not in read


def test_one_notebook_is_read_once_for_all_its_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = [{**CELL, "source": f"#| label: fig-{n}\n#| fig-cap: Cap {n}\n"} for n in range(5)]
    write(tmp_path / "nb.ipynb", notebook(*cells))
    shortcodes = "\n\n".join(f"{{{{< embed nb.ipynb#fig-{n} >}}}}" for n in range(5))
    chapter = write(tmp_path / "many.qmd", "# Many\n\n" + shortcodes + "\n")
    read = _spy(monkeypatch)
    found = figures(chapter)
    assert [f.caption.text if f.caption else None for f in found] == [f"Cap {n}" for n in range(5)]
    assert read.count("nb.ipynb") == 1


SWALLOW_FIFO = """
import sys
from pathlib import Path
from reviewer.extract import extract
from reviewer.project.load import load_chapter
extraction, _ = extract(load_chapter(Path(sys.argv[1])))
print([f.caption for f in extraction.figures])
"""


def test_a_fifo_notebook_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "nb.ipynb")
    write(tmp_path / "ovens.qmd", CHAPTER.format(notebook="nb.ipynb"))
    done = subprocess.run(
        [sys.executable, "-c", SWALLOW_FIFO, str(tmp_path / "ovens.qmd")],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    assert done.stdout.strip() == "[None]"


def test_metadata_options_join_the_source_options_in_their_style() -> None:
    # `#|key:` with no space, as some editors write it, must still read as one YAML block.
    cell = {
        "cell_type": "code",
        "metadata": {"fig-alt": "Two lines: one rising, one flat.", "fig-cap": "ignored"},
        "source": "#|label: fig-two\n#|fig-cap: From the source\nplot()\n",
    }
    parsed = read_notebook(notebook(cell).encode())
    assert parsed is not None
    block = notebook_cell(parsed, "fig-two", Location("c.qmd", 3, 3))
    assert block is not None and block.info == "{python}"
    assert block.content.startswith("#|fig-alt: 'Two lines: one rising, one flat.'\n#|label:")
    assert "ignored" not in block.content
