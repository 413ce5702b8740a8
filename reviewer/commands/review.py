"""Command, `review PATH`: one review run from its options to its exit code. Reads the
settings and the baseline, opens the judge setup, runs the pipeline, writes the audit where
it belongs and says what the gate decided: 0 nothing counts, 1 something does."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reviewer.commands import terminal
from reviewer.errors import ReviewerError
from reviewer.files.write import default_output, write_atomic
from reviewer.gate import baseline
from reviewer.gate.fail_on import failing
from reviewer.judge.mode import Mode, Unjudged, judge_setup, required
from reviewer.model import Report
from reviewer.pipeline import dry_run, review
from reviewer.project.config import Config, load_config
from reviewer.project.plan import Plan, plan
from reviewer.project.prices import PRICES_DATE
from reviewer.project.settings import Format
from reviewer.render import audit_files, render

if TYPE_CHECKING:  # the judge stack loads only when a run judges (judge_setup)
    from reviewer.judge.stage import Stage


@dataclass(frozen=True, kw_only=True)
class ReviewOptions:
    """A review as the command line asks for it. `settings` override reviewer.toml's."""

    settings: Mapping[str, object] = field(default_factory=dict)
    config: Path | None = None
    mode: Mode = field(default_factory=Mode)
    output: str | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None  # record the findings there instead of an audit
    dry_run: bool = False
    statistics: bool = False
    quiet: bool = False


def run(paths: Sequence[Path], options: ReviewOptions) -> int:
    config = load_config(paths[0], options.settings, explicit=options.config)
    # Read first: a bad baseline should cost no LLM call.
    known = baseline.load(options.baseline) if options.baseline else None
    target = plan(paths, config.float_types)
    with judge_setup(config, options.mode) as judging:
        if options.dry_run:
            return _dry_run(target, required(judging, "--dry-run"), config, options.quiet)
        report = _review(target, config, judging, known, options.quiet)
        _tell_drawings(judging, options.quiet)
    if options.write_baseline is not None:
        return _write_baseline(report, options.write_baseline, options.quiet)
    _tell(report, target, config, options, Path(paths[0]).parent)
    if report.llm_error:
        raise ReviewerError(f"the LLM stage stopped: {report.llm_error}")
    return 1 if failing(report, config.gate) else 0


def _review(
    target: Plan,
    config: Config,
    judging: Stage | Unjudged,
    known: baseline.Baseline | None,
    quiet: bool,
) -> Report:
    reading = None if quiet else terminal.reading
    progress = None if quiet else terminal.Judging()
    drawing = None if quiet else terminal.drawing
    return review(target, config.checks, judging, reading, progress, known, drawing)


def _dry_run(target: Plan, stage: Stage, config: Config, quiet: bool) -> int:
    estimate = dry_run(
        target, stage, None if quiet else terminal.reading, None if quiet else terminal.drawing
    )
    typer.echo(terminal.dry_run(estimate, config.model, PRICES_DATE), nl=False)
    _tell_drawings(stage, quiet)
    return 0


def _tell_drawings(judging: Stage | Unjudged, quiet: bool) -> None:
    """Diagrams that went as their text because they could not be drawn, and why."""
    pictures = None if isinstance(judging, Unjudged) else judging.pictures
    if pictures is not None and not quiet:
        for line in terminal.not_drawn(pictures.not_drawn):
            typer.echo(line, err=True)


def _tell(report: Report, target: Plan, config: Config, options: ReviewOptions, here: Path) -> None:
    """The audit, where it goes; the counts of --statistics; the summary on stderr."""
    chosen = Format(config.format)
    root = target.root or here
    destination = _destination(options.output, chosen, root, target.chapters, config.output_dir)
    if destination is not None or not options.statistics:  # the counts take stdout's place
        _emit(report, chosen, destination, root)
    if options.statistics:
        typer.echo(terminal.statistics(report), nl=False)
    if not options.quiet:
        for line in terminal.summary(report, destination, config.output_dir):
            typer.echo(line, err=True)


def _write_baseline(report: Report, path: Path, quiet: bool) -> int:
    try:
        count = baseline.write(report, path)
    except OSError as err:
        raise ReviewerError(f"{path}: cannot write the baseline ({err.strerror or err})") from None
    if not quiet:
        typer.echo(f"review: baseline of {count} findings written to {path}", err=True)
    return 0


def _emit(report: Report, fmt: Format, destination: Path | None, root: Path) -> None:
    if destination is None:
        sys.stdout.write(render(report, fmt))
        return
    path = destination  # the file being written, named if writing it fails
    try:
        for path, text in audit_files(report, fmt, destination, root):
            write_atomic(path, text)
    except OSError as err:  # a folder, a FIFO nobody reads, a full disk: one line, exit 2
        reason = err.strerror or str(err)
        raise ReviewerError(
            f"{path}: cannot write the audit ({reason}); choose another place with --output"
        ) from None


def _destination(
    output: str | None, fmt: Format, root: Path, chapters: tuple[Path, ...], folder: str
) -> Path | None:
    if output == "-" or (output is None and fmt.terminal):
        return None
    if output is not None:
        return Path(output)
    return default_output(root, chapters, folder, fmt.suffix)
