"""Extract, pair and checks stages against hand-written fixture chapters, one concern each.
Each `tests/fixtures/extract/NAME.qmd` has a `NAME.expected.json` derived by hand from Quarto's
semantics (format: tests/fixtures/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.extract import extract
from reviewer.model import Pairing, Report
from reviewer.pipeline import review
from reviewer.project.load import load_chapter
from reviewer.project.plan import plan
from reviewer.project.settings import CheckSettings

from .conftest import FIXTURES

EXTRACT = FIXTURES / "extract"
CASES = sorted(p.stem for p in EXTRACT.glob("*.qmd"))
PINNED = [
    name
    for name in CASES
    if json.loads((EXTRACT / f"{name}.expected.json").read_text(encoding="utf-8")).get("findings")
    is not None
]


def run(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Report, dict[str, Any]]:
    monkeypatch.chdir(EXTRACT)
    report = review(plan([Path(f"{name}.qmd")]), CheckSettings())
    expected = json.loads((EXTRACT / f"{name}.expected.json").read_text(encoding="utf-8"))
    return report, expected


def _path(entry: dict[str, Any], name: str) -> str:
    return entry.get("path") or f"{name}.qmd"


def _mention(entry: Any, name: str) -> tuple[str, int]:
    if isinstance(entry, int):
        return f"{name}.qmd", entry
    return entry["path"], entry["line"]


def _actual_figure(p: Pairing) -> dict[str, Any]:
    f = p.figure
    intro = None
    if p.intro is not None:
        loc = p.intro.location
        intro = {"path": loc.path, "line": loc.line, "end_line": loc.end_line, "text": p.intro.text}
    return {
        "id": f.id,
        "kind": f.kind.value,
        "path": f.location.path,
        "line": f.location.line,
        "end_line": f.location.end_line,
        "caption": f.caption.text if f.caption else None,
        "alt": f.alt.text if f.alt else None,
        "parent": f.parent,
        "when_format": f.when_format,
        "intro": intro,
        "mentions": [(m.location.path, m.location.line) for m in p.mentions],
    }


def _expected_figure(e: dict[str, Any], name: str) -> dict[str, Any]:
    intro = e["intro"]
    if intro is not None:
        intro = {
            "path": _path(intro, name),
            "line": intro["line"],
            "end_line": intro["end_line"],
            "text": intro["text"],
        }
    return {
        "id": e["id"],
        "kind": e["kind"],
        "path": _path(e, name),
        "line": e["line"],
        "end_line": e["end_line"],
        "caption": e["caption"],
        "alt": e["alt"],
        "parent": e["parent"],
        "when_format": e["when_format"],
        "intro": intro,
        "mentions": [_mention(m, name) for m in e["mentions"]],
    }


@pytest.mark.parametrize("name", CASES)
def test_figures_and_pairing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    report, expected = run(name, monkeypatch)
    actual = [_actual_figure(item.pairing) for item in report.files[0].figures]
    wanted = [_expected_figure(e, name) for e in expected["figures"]]
    assert actual == wanted


@pytest.mark.parametrize("name", CASES)
def test_prose_references(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXTRACT)
    extraction, _ = extract(load_chapter(Path(f"{name}.qmd")))
    expected = json.loads((EXTRACT / f"{name}.expected.json").read_text(encoding="utf-8"))
    actual = sorted(
        (r.location.path, r.location.line, r.target)
        for r in extraction.references
        if r.paragraph.prose
    )
    wanted = sorted((_path(e, name), e["line"], e["target"]) for e in expected["references"])
    assert actual == wanted


@pytest.mark.parametrize("name", PINNED)
def test_findings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    report, expected = run(name, monkeypatch)
    actual = sorted(f"{f.code}@{f.location.line}" for f in report.findings)
    assert actual == sorted(expected["findings"])
