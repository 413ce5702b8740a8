"""Shared helpers for the command-line tests: run `reviewer.cli.main.main` in-process and small
chapters written for them (original prose about a bakery)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import reviewer.files.read
import reviewer.project.load
from reviewer.cli.main import main

# Findings each chapter gives, by severity: these drive the --fail-on tests.
CLEAN = """# Shelves

The morning shelf is full, as @fig-shelf shows.

![A full shelf.](shelf.png){#fig-shelf fig-alt="Rows of loaves on wooden boards."}
"""

WARNING_ONLY = """# Proofing

The dough doubles in an hour, as @fig-proof shows.

![Dough before and after proofing.](proof.png){#fig-proof}
"""  # FIG003 (warning) at line 5

ERROR = """# Crumbs

See @fig-missing for the crumb.
"""  # REF001 (error) at line 3

INFO_ONLY = """# Crusts

The crust darkens in the last minutes.

![A dark crust.](crust.png){fig-alt="A loaf with a near-black top."}
"""  # FIG008 (info) at line 5


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def findings(self) -> list[tuple[str, int, str]]:
        """(path, line, CODE) for each line of concise output (`path:line: CODE message`)."""
        found = []
        for line in self.out.splitlines():
            where, _, rest = line.partition(": ")
            path, _, number = where.rpartition(":")
            found.append((Path(path).as_posix(), int(number), rest.split()[0]))
        return found


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return Result(code, out, err)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def one_error_line(err: str) -> str:
    """stderr of a run that could not do its job: exactly one line, no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the review reads from now on, in order, as the list fills."""
    read: list[str] = []
    real = reviewer.files.read.read_text

    def spy(path: Path) -> str:
        read.append(path.name)
        return real(path)

    monkeypatch.setattr(reviewer.project.load, "read_text", spy)
    return read
