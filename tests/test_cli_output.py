"""The command line, driven in-process: where the audit goes (stdout, the default `_review/`
folder next to the chapter or in the project folder, an explicit path) and how it is written
(atomically, replacing an older audit)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import reviewer.files.write

from .cliutil import CLEAN, WARNING_ONLY, one_error_line, run, write

Cap = pytest.CaptureFixture[str]


def test_output_dash_writes_markdown_to_stdout(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "ch.qmd", WARNING_ONLY)
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "ch.qmd", "--output", "-")
    assert result.out.startswith("# Figure audit")
    assert "fig-proof" in result.out
    assert not (tmp_path / "_review").exists()


def test_default_output_is_next_to_the_chapter(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "notes" / "proofing.qmd", WARNING_ONLY)
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "notes/proofing.qmd", "-q")
    audit = tmp_path / "notes" / "_review" / "proofing.audit.md"
    assert result.code == 0
    assert result.out == ""
    assert audit.read_text(encoding="utf-8").startswith("# Figure audit")
    assert os.listdir(audit.parent) == ["proofing.audit.md"]  # no temporary files left


def test_default_output_goes_to_the_project_folder(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "site" / "_quarto.yml", "project:\n  type: website\n")
    write(tmp_path / "site" / "chapters" / "proofing.qmd", WARNING_ONLY)
    monkeypatch.chdir(tmp_path)
    run(capsys, "site/chapters/proofing.qmd", "-q")
    assert (tmp_path / "site" / "_review" / "proofing.audit.md").is_file()
    assert not (tmp_path / "site" / "chapters" / "_review").exists()


def test_json_output_parses(capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write(tmp_path / "proofing.qmd", WARNING_ONLY)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "proofing.qmd", "--format", "json", "-q").code == 0
    audit = json.loads((tmp_path / "_review" / "proofing.audit.json").read_text("utf-8"))
    assert audit["schema_version"] == 1
    assert audit["tool"]["name"]
    (chapter,) = audit["files"]
    assert [f["id"] for f in chapter["figures"]] == ["fig-proof"]
    assert [(f["code"], f["line"]) for f in chapter["findings"]] == [("FIG003", 5)]


def test_existing_audit_is_replaced(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "proofing.qmd", CLEAN)
    stale = write(tmp_path / "_review" / "proofing.audit.md", "stale audit from yesterday\n")
    monkeypatch.chdir(tmp_path)
    run(capsys, "proofing.qmd")
    text = stale.read_text(encoding="utf-8")
    assert "stale audit" not in text
    assert "fig-shelf" in text
    assert sorted(os.listdir(stale.parent)) == ["proofing.audit.md"]


def test_explicit_output_path(capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write(tmp_path / "proofing.qmd", CLEAN)
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "proofing.qmd", "-o", "out/report.md")
    assert (tmp_path / "out" / "report.md").read_text("utf-8").startswith("# Figure audit")
    assert "report.md" in result.err


def test_the_audit_is_readable_by_others_as_the_umask_allows(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The temporary file behind the atomic write is created 0600; the audit must not stay so.
    write(tmp_path / "proofing.qmd", CLEAN)
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        run(capsys, "proofing.qmd", "-o", "report.md")
    finally:
        os.umask(old)
    assert (tmp_path / "report.md").stat().st_mode & 0o777 == 0o644


def test_failed_write_keeps_the_old_audit_and_no_temporary_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    audit = write(tmp_path / "_review" / "a.audit.md", "previous\n")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("reviewer.files.write.os.replace", broken_replace)
    with pytest.raises(OSError):
        reviewer.files.write.write_atomic(audit, "new audit\n")
    assert audit.read_text(encoding="utf-8") == "previous\n"
    assert os.listdir(audit.parent) == ["a.audit.md"]


def test_unwritable_output_exits_2(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "proofing.qmd", CLEAN)
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "proofing.qmd", "-o", "proofing.qmd/audit.md")
    assert result.code == 2
    assert "audit.md" in one_error_line(result.err)
    assert (tmp_path / "proofing.qmd").read_text(encoding="utf-8") == CLEAN
