"""Judge stage, rewrite checks: the mechanical checks an LLM-suggested rewrite of a figure's
introducing paragraph must pass before it is shown as a suggestion.

A rewrite that fails is shown with its problems, never as a suggestion; nothing is ever written
into the chapter. The inline parser reads both the paragraph and the rewrite, so the rewrite can
neither lose nor invent a reference, citation, note, formula, code span or link; numbers are
compared on the plain text, so it cannot invent a figure either."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from markdown_it.token import Token

from reviewer.parse.inline import fold
from reviewer.parse.inline_rules import inline_parser

MAX_GROWTH = 2.5
GROWTH_ALLOWANCE = 200  # characters, so that a short paragraph can gain a sentence or two
MIN_SHRINK = 0.3  # below this the rewrite has deleted the paragraph rather than edited it

# Quarto's cross-reference prefixes: a key starting with one (lower case or capitalised) is a
# cross-reference, any other key a bibliography citation.
CROSSREF_PREFIXES = frozenset(
    {"fig", "tbl", "lst", "eq", "sec", "thm", "lem", "cor", "prp", "cnj", "def"}
    | {"exm", "exr", "sol", "rem", "alg", "tip", "nte", "wrn", "imp", "cau"}
)

REFERENCE, CITATION, FOOTNOTE, NOTE = "reference", "citation", "footnote marker", "inline note"
MATH, DISPLAY_MATH, CODE = "inline math", "display math", "inline code"
LINK, IMAGE = "link", "image"
ISSUE = "issue"  # a delimiter the parser could not pair: `key` and `shown` are the message
# Citing a source once or twice is the writer's choice, so these compare as sets; formulas,
# code, notes and images compare as multisets.
_SET_KINDS = frozenset({REFERENCE, CITATION, FOOTNOTE, LINK})

# After these a key goes on (`@fig-x.y`), so a missing space turns a reference into another.
_KEY_BREAKERS = frozenset(".:?/#$%&+<>~")
_URL = re.compile(
    r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|\bdoi:)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
# Not after a word character or a point: `x2`, `v1.2` and `H2O` are names, not quantities.
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?%?")
_TEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")
_BRACKET = re.compile(r"[\[\]]")
_LINE_RULES = (
    (re.compile(r"\n[ \t]*\n"), "has a blank line, so it is more than one paragraph"),
    (re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)", re.M), "has a heading line"),
    (re.compile(r"\n {0,3}(?:=+|-+)[ \t]*(?:\n|$)"), "has a line that turns it into a heading"),
    (re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.M), "has a code fence"),
    (re.compile(r"^ {0,3}:{3,}", re.M), "has a div fence"),
    (re.compile(r"^(?:[-+*]|\d+[.)]|#[.)]|\(\d+\))(?:[ \t]|$)"), "starts with a list marker"),
    (re.compile(r"^>"), "starts with a block quote marker"),
)


@dataclass(frozen=True)
class _Item:
    """Something the rewrite must keep: `kind` and `key` compare, messages quote `shown`."""

    kind: str
    key: str
    shown: str = field(compare=False)

    @property
    def noun(self) -> str:
        return f"{'an' if self.kind == NOTE else 'the'} {self.kind} {self.shown}"


@dataclass
class _Scan:
    """What the inline parser finds in one text, in source order."""

    items: list[_Item] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    formulas: list[str] = field(default_factory=list)  # math and code contents
    issues: list[_Item] = field(default_factory=list)


def check_rewrite(
    original: str,
    rewrite: str,
    *,
    figure_id: str | None,
    caption: str | None = None,
    alt: str | None = None,
) -> tuple[str, ...]:
    """Problems with a rewrite of `original` (the paragraph's Markdown source); empty when it is
    safe to suggest. `figure_id` is the figure the paragraph introduces, None if unlabeled."""
    if not rewrite.strip():
        return ("is empty",)
    if fold(rewrite) == fold(original):
        return ("is identical to the paragraph",)
    before, after = _scan(original), _scan(rewrite)
    target = _classify(figure_id.lstrip("#@")) if figure_id else None
    return (
        *_length(original, rewrite),
        *_structure(original, rewrite),
        *(issue.shown for issue in _unmatched(after.issues, before.issues)),
        *_kept(before.items, after.items, target),
        *_numbers(before, after, caption, alt),
    )


def _classify(key: str) -> _Item:
    prefix, dash, label = key.partition("-")
    if dash and label and prefix.lower() in CROSSREF_PREFIXES and prefix[1:].islower():
        key = f"{prefix.lower()}-{label}"  # Quarto reads `@Fig-x` as `@fig-x`, capitalised
        return _Item(REFERENCE, key, "@" + key)
    return _Item(CITATION, key, "@" + key)


# -- reading -------------------------------------------------------------------------------------


def _scan(source: str) -> _Scan:
    md = inline_parser()
    tokens: list[Token] = []
    # `parseInline` would run the core chain, whose text_join hides escaped `\$` among the text.
    md.inline.parse(source, md, {}, tokens)
    scan = _Scan()
    _walk(tokens, scan)
    return scan


def _walk(tokens: list[Token], scan: _Scan) -> None:
    """One scope (the paragraph, an inline note, an image description): brackets pair in it."""
    brackets: list[list[str]] = []  # per unclosed `[`, the citations written inside it
    for i, token in enumerate(tokens):
        if token.type == "text":
            _text(token.content, brackets, scan)
        elif token.type == "cite":
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            after = following.content if following and following.type == "text" else ""
            _cite(token, after, brackets, scan)
        else:
            _other(token, scan)
    for cites in brackets:
        _issue(scan, f"leaves the citation [{cites[0]} unclosed" if cites else "has an unmatched [")


def _text(text: str, brackets: list[list[str]], scan: _Scan) -> None:
    # Delimiters left in the text are ones the parser could not pair.
    scan.prose.append(text)
    scan.items += [_Item(LINK, url, url) for url in _URL.findall(text)]
    for _ in range(text.count("$")):
        _issue(scan, "has an unmatched $")
    for _ in re.findall("`+", text):
        _issue(scan, "has an unmatched backtick")
    for bracket in _BRACKET.findall(text):
        if bracket == "[":
            brackets.append([])
        elif brackets:
            brackets.pop()
        else:
            _issue(scan, "has an unmatched ]")


def _issue(scan: _Scan, message: str) -> None:
    scan.issues.append(_Item(ISSUE, message, message))


def _cite(token: Token, after: str, brackets: list[list[str]], scan: _Scan) -> None:
    key, written = token.meta["key"], token.meta["written"]
    scan.prose.append(" ")
    if key.lower() in CROSSREF_PREFIXES and after.startswith("-"):
        _issue(scan, f"has a reference with no label: {written}-")
        return
    item = _classify(key)
    if brackets:
        brackets[-1].append(written)
    if item.kind == CITATION:
        item = _Item(CITATION, key, f"[{written}]" if brackets else written)
    scan.items.append(item)


def _other(token: Token, scan: _Scan) -> None:
    kind = token.type
    scan.prose.append(token.content if kind == "text_special" else " ")  # an escaped `\$` is text
    if kind in ("math_inline", "math_inline_double", "code_inline"):
        scan.formulas.append(token.content)
        scan.items.append(_formula(token))
    elif kind == "footnote_ref" and "note" in token.meta:
        scan.items.append(_Item(NOTE, "", "^[...]"))
        _walk(token.meta["note"], scan)
    elif kind == "footnote_ref":
        label = str(token.meta.get("label", ""))
        scan.items.append(_Item(FOOTNOTE, label, f"[^{label}]"))
    elif kind == "link_open":
        href = str(token.attrGet("href") or "")
        scan.items.append(_Item(LINK, href, href))
    elif kind == "image":
        src = str(token.attrGet("src") or "")
        scan.items.append(_Item(IMAGE, src, f"![{token.content}]({src})"))
        _walk(token.children or [], scan)


def _formula(token: Token) -> _Item:
    content = token.content
    if token.type == "code_inline":
        fence, pad = ("``", " ") if "`" in content else ("`", "")
        return _Item(CODE, content, f"{fence}{pad}{content}{pad}{fence}")
    if token.type == "math_inline_double":
        return _Item(DISPLAY_MATH, _tex_key(content), f"$${content}$$")
    return _Item(MATH, _tex_key(content), f"${content}$")


def _tex_key(tex: str) -> str:
    """TeX as tokens, so that spacing does not count but `\\alpha b` stays apart from `\\alphab`."""
    return " ".join(_TEX_TOKEN.findall(tex))


# -- checks --------------------------------------------------------------------------------------


def _length(original: str, rewrite: str) -> list[str]:
    before, after = len(fold(original)), len(fold(rewrite))
    most = math.floor(MAX_GROWTH * before + GROWTH_ALLOWANCE)
    least = math.ceil(MIN_SHRINK * before)
    if after > most:
        times, limit = f"{after / max(before, 1):.1f}", f"at most {most}"
    elif after < least:
        times, limit = f"under {MIN_SHRINK}", f"at least {least}"
    else:
        return []
    return [f"is {times} times as long as the paragraph ({after} characters, {limit})"]


def _structure(original: str, rewrite: str) -> list[str]:
    # Only lines the paragraph did not have count: its own odd line start is not the rewrite's.
    before, after = original.strip(), rewrite.strip()
    return [
        message
        for pattern, message in _LINE_RULES
        if len(pattern.findall(after)) > len(pattern.findall(before))
    ]


def _unmatched(first: list[_Item], second: list[_Item]) -> list[_Item]:
    """Items of `first` that `second` lacks, in `first`'s order."""
    left = Counter(second)
    seen: set[_Item] = set()
    out: list[_Item] = []
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


def _kept(before: list[_Item], after: list[_Item], target: _Item | None) -> list[str]:
    dropped, added = _unmatched(before, after), _unmatched(after, before)
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


def _breaks(added: list[_Item], keys: list[_Item]) -> list[tuple[_Item, _Item]]:
    """Pairs (kept key, what the rewrite wrote) where punctuation ran into a key: `@fig-x.y`."""
    pairs: list[tuple[_Item, _Item]] = []
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


def _numbers(before: _Scan, after: _Scan, caption: str | None, alt: str | None) -> list[str]:
    # A number in the paragraph's own math or code is stated there, so prose may repeat it;
    # one inside a key, id or URL is a name, so it may not.
    sources = [before] + [_scan(text) for text in (caption, alt) if text]
    known = {value for scan in sources for _, value in _found(_prose(scan))}
    known |= {value for scan in sources for _, value in _found(" ".join(scan.formulas))}
    named = [name for name, text in (("caption", caption), ("alt text", alt)) if text]
    where = " or ".join(", ".join(["the paragraph", *named]).rsplit(", ", 1))
    problems: list[str] = []
    for written, value in _found(_prose(after)):
        if value not in known:
            known.add(value)  # report each number once
            problems.append(f"adds the number {written}, which is not in {where}")
    return problems


def _prose(scan: _Scan) -> str:
    return _URL.sub(" ", "".join(scan.prose))


def _found(text: str) -> list[tuple[str, Decimal]]:
    """Numbers as written and as values: `1,000` is `1000`, `95%` is `95`, `0.30` is `0.3`."""
    return [
        (match.group(0), Decimal(match.group(1).replace(",", "") + (match.group(2) or "")))
        for match in _NUMBER.finditer(text)
    ]
