"""Judge stage, rewrite checks: the mechanical checks an LLM-suggested rewrite of a figure's
introducing paragraph must pass before it is shown as a suggestion.

A rewrite that fails is shown with its problems, never as a suggestion; nothing is ever written
into the chapter. The model's answer is untrusted, so the inline parser reads both the paragraph
and the rewrite, and the rewrite can neither lose, hide nor invent a reference, citation, note,
formula, code span or link, nor bring in raw HTML or TeX, a shortcode, attributes or an entity;
`rewrite_scan` reads them, `rewrite_text` checks the rewrite's lines and characters and
`rewrite_numbers` its numbers."""

from __future__ import annotations

from collections import Counter

from reviewer.judge.rewrite_numbers import number_problems
from reviewer.judge.rewrite_scan import (
    BREAK,
    CITATION,
    ENTITY,
    ESCAPE,
    FOOTNOTE,
    LINK,
    REFERENCE,
    STRIKE,
    Item,
    Scan,
    classify,
    number_text,
    scan_text,
)
from reviewer.judge.rewrite_text import (
    character_problems,
    length_problems,
    structure_problems,
)
from reviewer.parse.inline import fold

# Citing a source once or twice is the writer's choice, so these compare as sets; formulas,
# code, notes, images and raw markup compare as multisets.
_SET_KINDS = frozenset({REFERENCE, CITATION, FOOTNOTE, LINK, ENTITY, ESCAPE, BREAK, STRIKE})
# Dropping one of these changes nothing a reader relies on; adding one can hide or fake text.
_ADD_ONLY = frozenset({ENTITY, ESCAPE, BREAK, STRIKE})

# After these a key goes on (`@fig-x.y`), so a missing space turns a reference into another.
_KEY_BREAKERS = frozenset(".:?/#$%&+<>~")


def check_rewrite(
    original: str,
    rewrite: str,
    *,
    figure_id: str | None,
    caption: str | None = None,
    alt: str | None = None,
    drawn: str | None = None,
) -> tuple[str, ...]:
    """Problems with a rewrite of `original` (the paragraph's Markdown source); empty when it is
    safe to suggest. `figure_id` is the float the paragraph introduces, None if unlabeled;
    `drawn` is the text it shows: a diagram's labels, a table's cells or a listing's code."""
    if not rewrite.strip():
        return ("is empty",)
    characters = character_problems(original, rewrite)
    if fold(rewrite) == fold(original) and not characters:
        return ("is identical to the paragraph",)
    before, after = scan_text(original), scan_text(rewrite)
    target = classify(figure_id.lstrip("#@")) if figure_id else None
    return (
        *length_problems(original, rewrite),
        *structure_problems(original, rewrite),
        *characters,
        *(issue.shown for issue in _unmatched(after.issues, before.issues)),
        *_kept(before.items, after.items, target),
        *_forms(before, after),
        *_numbers(before, after, {"caption": caption, "alt text": alt, "figure's content": drawn}),
    )


def _unmatched(first: list[Item], second: list[Item]) -> list[Item]:
    """Items of `first` that `second` lacks, in `first`'s order."""
    left = Counter(second)
    seen: set[Item] = set()
    out: list[Item] = []
    for item in first:
        if item.kind in _SET_KINDS:
            if item not in seen and not left[item]:
                out.append(item)
            seen.add(item)
        elif left[item]:
            left[item] -= 1
        else:
            out.append(item)
    return out


def _kept(before: list[Item], after: list[Item], target: Item | None) -> list[str]:
    added = _unmatched(after, before)
    dropped = [item for item in _unmatched(before, after) if item.kind not in _ADD_ONLY]
    keys = [item for item in before if item.kind in (REFERENCE, CITATION)]
    breaks = _breaks(added, keys + ([target] if target else []))
    broken = {old for old, _ in breaks}
    problems = [f"breaks {old.noun}: written {new.shown}" for old, new in breaks]
    if target and target not in {*before, *after, *broken}:
        problems.append(f"does not reference {target.shown}")
    problems += [f"drops {item.noun}" for item in dropped if item not in broken]
    # The figure's own reference is the one a rewrite may add: it is what introduces it.
    exempt = {new for _, new in breaks} | ({target} if target else set())
    problems += [
        f"adds {item.noun}, which the paragraph does not have"
        for item in added
        if item not in exempt
    ]
    return problems


def _breaks(added: list[Item], keys: list[Item]) -> list[tuple[Item, Item]]:
    """Pairs (kept key, what the rewrite wrote) where punctuation ran into a key: `@fig-x.y`."""
    pairs: list[tuple[Item, Item]] = []
    for new in added:
        if new.kind not in (REFERENCE, CITATION):
            continue
        old = next((k for k in keys if _runs_on(k.key, new.key)), None)
        if old is not None:
            pairs.append((old, new))
    return pairs


def _runs_on(key: str, written: str) -> bool:
    rest = written.removeprefix(key)
    return rest != written and rest[:1] in _KEY_BREAKERS


def _forms(before: Scan, after: Scan) -> list[str]:
    """What a kept key may not lose: its suppressed author (`[-@key]`) and its locator; a
    key the rewrite drops is reported as dropped, not here."""
    kept = set(after.items)
    problems = [
        f"drops the suppress-author minus of {item.shown}"
        for item in dict.fromkeys(before.suppressed)
        if item in kept and item not in after.suppressed
    ]
    located = {(item, compared) for item, compared, _ in after.locators}
    problems += [
        f"drops the locator {shown} of {item.shown}"
        for item, compared, shown in before.locators
        if item in kept and (item, compared) not in located
    ]
    return problems


def _numbers(before: Scan, after: Scan, figure: dict[str, str | None]) -> list[str]:
    # A number in the paragraph's own math or code is stated there, so prose may repeat it;
    # one inside a key, id or URL is a name, so it may not. The figure's own texts (caption,
    # alt text, a diagram's labels, a table's cells) state numbers a reader can check.
    sources = [before] + [scan_text(text) for text in figure.values() if text]
    known = [number_text(scan) for scan in sources] + [" ".join(scan.formulas) for scan in sources]
    named = [name for name, text in figure.items() if text]
    where = " or ".join(", ".join(["the paragraph", *named]).rsplit(", ", 1))
    return number_problems(known, number_text(after), where)
