"""Fix stage, the chapters: the edits chosen, grouped by file and placed in each file as it
is now; written atomically, then read again to prove each changed figure is introduced by
its new paragraph, and put back as they were if not."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.files.write import write_atomic
from reviewer.fix.edits import Edit, Skip, text_hash
from reviewer.fix.patch import Placed, Source, applied, diff, place, read_source, without_overlaps
from reviewer.model import Paragraph, Report


@dataclass
class Fixes:
    """What can be applied, file by file, and what cannot, with the reasons."""

    sources: dict[str, Source] = field(default_factory=dict)
    placed: dict[str, list[Placed]] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)

    @property
    def edits(self) -> list[Edit]:
        return [p.edit for file in self.placed.values() for p in file]

    def diff(self) -> str:
        return "".join(diff(self.sources[path], found) for path, found in self.changed())

    def changed(self) -> Iterable[tuple[str, list[Placed]]]:
        return ((path, found) for path, found in sorted(self.placed.items()) if found)


def place_all(edits: list[Edit], skipped: list[Skip], root: Path) -> Fixes:
    sources: dict[str, Source] = {}
    for edit in edits:
        if edit.path not in sources:
            sources[edit.path] = _source(edit.path, root)
    return _placed(Fixes(sources, {}, list(skipped)), edits)


def only(fixes: Fixes, accepted: list[Edit]) -> Fixes:
    """The same fixes, with only the accepted edits (as the author may have changed them)."""
    return _placed(Fixes(fixes.sources, {}, list(fixes.skipped)), accepted)


def _placed(fixes: Fixes, edits: list[Edit]) -> Fixes:
    """Each edit placed in its file as it is now, or skipped with the reason; in line order,
    an edit overlapping one already placed is left out."""
    for edit in edits:
        found = place(edit, fixes.sources[edit.path])
        if isinstance(found, Skip):
            fixes.skipped.append(found)
        else:
            fixes.placed.setdefault(edit.path, []).append(found)
    for path, candidates in fixes.placed.items():
        fixes.placed[path], overlapping = without_overlaps(candidates)
        fixes.skipped += overlapping
    return fixes


def _source(path: str, root: Path) -> Source:
    file = Path(path)
    try:
        shown = Path(os.path.relpath(file.resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive: the path as the report shows it
        shown = file.as_posix()
    return read_source(file, shown)


def write_all(fixes: Fixes, reread: Callable[[], Report]) -> None:
    """Write every changed chapter, read them all again, and check each edit took: the figure's
    introducing paragraph is now the new text. If one did not, every chapter is put back."""
    written: list[Source] = []
    try:
        for path, found in fixes.changed():
            source = fixes.sources[path]
            _write(source.path, applied(source, found))
            written.append(source)
        problems = _not_taken(fixes.edits, reread())
    except BaseException:
        _restore(written)
        raise
    if problems:
        _restore(written)
        raise ReviewerError(f"nothing was changed: {'; '.join(problems)}")


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as err:
        raise ReviewerError(f"{path}: cannot write it ({err.strerror or err})") from None


def _restore(written: list[Source]) -> None:
    for source in written:
        write_atomic(source.path, source.text)


def _not_taken(edits: list[Edit], report: Report) -> list[str]:
    intros: dict[str | None, Paragraph | None] = {}
    for audit in (a for file in report.files for a in file.figures):
        intros.setdefault(audit.pairing.figure.id, audit.pairing.intro)
    problems = []
    for edit in edits:
        intro = intros.get(edit.figure)
        if intro is None or text_hash(intro.source) != text_hash(edit.new):
            problems.append(f"{edit.name} would not be introduced by the new paragraph")
    return problems
