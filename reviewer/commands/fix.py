"""Command, `review fix PATH`: the judged rewrites the author accepts, as a diff (the default),
walked one by one (--interactive), or written into the chapters (--apply). The judgments are
the ones `review` with the same options would give: from the cache, the cassettes, or asked
now; --offline never asks. Nothing is written without --apply."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import typer

from reviewer.commands import terminal
from reviewer.commands.review import ReviewOptions
from reviewer.errors import ReviewerError
from reviewer.fix.edits import EXPLAINS_ALREADY, Selection, choose
from reviewer.fix.files import Fixes, only, place_all, write_all
from reviewer.fix.interactive import walk
from reviewer.judge.mode import NO_LLM, judge_setup, required
from reviewer.pipeline import review
from reviewer.project.config import load_config
from reviewer.project.plan import plan


@dataclass(frozen=True)
class FixOptions:
    selection: Selection = field(default_factory=Selection)
    interactive: bool = False
    apply: bool = False


def run(paths: Sequence[Path], options: ReviewOptions, fix: FixOptions) -> int:
    config = load_config(paths[0], options.settings, explicit=options.config)
    target = plan(paths, config.float_types)
    with judge_setup(config, options.mode) as judging:
        stage = required(judging, "review fix")
        reading = None if options.quiet else terminal.reading
        progress = None if options.quiet else terminal.Judging()
        judged = review(target, config.checks, stage, reading, progress)
    if judged.llm_error:
        raise ReviewerError(f"the LLM stage stopped: {judged.llm_error}")
    edits, skipped = choose(judged, fix.selection)
    fixes = place_all(edits, skipped, target.root or Path.cwd())
    if fix.interactive:
        fixes = only(fixes, walk(fixes.edits, _ask, _say, _edit_in_editor))
    if fix.apply:
        write_all(fixes, lambda: review(target, config.checks, NO_LLM))
    else:
        sys.stdout.write(fixes.diff())
    if not options.quiet:
        _summary(fixes, fix.apply)
    return 0


def _summary(fixes: Fixes, applied: bool) -> None:
    done = "applied" if applied else "in the diff"
    count = len(fixes.edits)
    files = len(list(fixes.changed()))
    rewrites = f"{count} rewrite{'s' * (count != 1)}"
    typer.echo(f"review fix: {rewrites} {done} ({files} file{'s' * (files != 1)})", err=True)
    fine = [s for s in fixes.skipped if s.reason == EXPLAINS_ALREADY]
    if fine:
        typer.echo(f"  {len(fine)} figure{'s' * (len(fine) != 1)} explained already", err=True)
    for skip in fixes.skipped:
        if skip.reason != EXPLAINS_ALREADY:
            typer.echo(f"  skipped {skip.line_text()}", err=True)


def _ask(prompt: str) -> str | None:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    return line if line else None


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")


def _edit_in_editor(text: str) -> str | None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="review-fix-") as folder:
        path = Path(folder) / "rewrite.md"
        path.write_text(text + "\n", encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except OSError as err:
            reason = err.strerror or err
            raise ReviewerError(f"cannot start the editor {editor!r} ({reason})") from None
        if done.returncode != 0:
            return None
        return path.read_text(encoding="utf-8")
