"""Fix stage, asking: the edits walked worst first, as `git add -p` walks hunks. Each shows
its verdict, rationale and a word diff; y takes it, n leaves it, e opens it in $EDITOR (the
edited text must pass the same checks), q stops, ? explains. Input and output are functions,
so the walk runs the same under a terminal and under a test's script."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import replace

from reviewer.fix.edits import Edit

Ask = Callable[[str], str | None]  # the prompt shown; the line typed, None at end of input
Say = Callable[[str], None]
Editor = Callable[[str], str | None]  # the text to edit; the edited text, None if abandoned
HELP = (
    "y - take this rewrite\n"
    "n - leave this paragraph as it is\n"
    "e - edit the rewrite in $EDITOR, then take it\n"
    "q - stop here; nothing after this is taken\n"
    "? - this help"
)


def walk(edits: list[Edit], ask: Ask, say: Say, edit_text: Editor) -> list[Edit]:
    taken: list[Edit] = []
    ordered = sorted(edits, key=lambda e: (e.score if e.score is not None else 0, e.path, e.line))
    for n, edit in enumerate(ordered, start=1):
        say(show(edit, n, len(ordered)))
        decided = _decide(edit, ask, say, edit_text)
        if decided == "quit":
            break
        if isinstance(decided, Edit):
            taken.append(decided)
    return taken


def _decide(edit: Edit, ask: Ask, say: Say, edit_text: Editor) -> Edit | str:
    while True:
        answer = ask("Take this rewrite [y,n,e,q,?]? ")
        key = (answer or "q").strip().lower()[:1]
        if key == "y":
            return edit
        if key == "n":
            return "skip"
        if key == "q":
            return "quit"
        if key == "e":
            edited = _edited(edit, say, edit_text)
            if edited is not None:
                return edited
            continue
        say(HELP)


def _edited(edit: Edit, say: Say, edit_text: Editor) -> Edit | None:
    text = edit_text(edit.new)
    if text is None or not text.strip():
        say("(nothing saved; the rewrite is as it was)")
        return None
    problems = edit.problems(edit.old, text)  # an introduction: an edit of nothing
    if problems:
        say("the edited text was not taken: it " + "; ".join(problems))
        return None
    return replace(edit, new=text.strip())


def show(edit: Edit, n: int, total: int) -> str:
    verdict = edit.verdict.value if edit.verdict else "no verdict"
    score = f", score {edit.score}" if edit.score is not None else ""
    head = f"[{n}/{total}] {edit.name} · {verdict}{score} · {edit.path}:{edit.line}"
    what = f"{{+{edit.new}+}}" if edit.insert else word_diff(edit.old, edit.new)
    return f"{head}\n{edit.rationale or ''}\n\n{what}\n"


def word_diff(before: str, after: str) -> str:
    """`[-removed-]{+added+}`, as `git diff --word-diff=plain` marks words."""
    old, new = re.findall(r"\s+|\S+", before), re.findall(r"\s+|\S+", after)
    out = []
    for tag, a, b, c, d in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append("".join(old[a:b]))
            continue
        if b > a:
            out.append("[-" + "".join(old[a:b]) + "-]")
        if d > c:
            out.append("{+" + "".join(new[c:d]) + "+}")
    return "".join(out)
