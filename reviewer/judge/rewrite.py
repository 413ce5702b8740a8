"""Judge stage, rewrite checks: the mechanical checks an LLM-suggested rewrite of a figure's
introducing paragraph must pass before it is shown as a suggestion.

A rewrite that fails is shown with its problems, never as a suggestion; nothing is ever written
into the chapter. The model's answer is untrusted, so the inline parser reads both the paragraph
and the rewrite, and the rewrite can neither lose, hide nor invent a reference, citation, note,
formula, code span or link, nor bring in raw HTML or TeX, a shortcode, attributes or an entity;
`rewrite_text` checks its lines, its characters and its numbers."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from markdown_it.token import Token

from reviewer.judge.rewrite_text import (
    character_problems,
    length_problems,
    number_problems,
    structure_problems,
)
from reviewer.parse.attrs import parse_attrs
from reviewer.parse.inline import fold
from reviewer.parse.inline_rules import inline_parser

# Quarto's cross-reference prefixes: a key starting with one (lower case or capitalised) is a
# cross-reference, any other key a bibliography citation.
CROSSREF_PREFIXES = frozenset(
    {"fig", "tbl", "lst", "eq", "sec", "thm", "lem", "cor", "prp", "cnj", "def"}
    | {"exm", "exr", "sol", "rem", "alg", "tip", "nte", "wrn", "imp", "cau"}
)

REFERENCE, CITATION, FOOTNOTE, NOTE = "reference", "citation", "footnote marker", "inline note"
MATH, DISPLAY_MATH, CODE = "inline math", "display math", "inline code"
LINK, IMAGE = "link", "image"
HTML, TEX, SHORTCODE, ATTRS = "raw HTML", "raw TeX", "shortcode", "attributes"
ENTITY, ESCAPE, BREAK, STRIKE = "HTML entity", "escape", "line break", "strikethrough"
ISSUE = "issue"  # a delimiter the parser could not pair: `key` and `shown` are the message
# Citing a source once or twice is the writer's choice, so these compare as sets; formulas,
# code, notes, images and raw markup compare as multisets.
_SET_KINDS = frozenset({REFERENCE, CITATION, FOOTNOTE, LINK, ENTITY, ESCAPE, BREAK, STRIKE})
# Dropping one of these changes nothing a reader relies on; adding one can hide or fake text.
_ADD_ONLY = frozenset({ENTITY, ESCAPE, BREAK, STRIKE})
_ARTICLES = {NOTE: "an", BREAK: "a"}

# After these a key goes on (`@fig-x.y`), so a missing space turns a reference into another.
_KEY_BREAKERS = frozenset(".:?/#$%&+<>~")
# A bare domain is a link to a reader. Runs are bounded or possessive, so that a long run of
# letters and points is read in linear time.
_URL = re.compile(
    r"(?:\b[A-Za-z][A-Za-z0-9+.-]{0,31}://|\bwww\.|\bdoi:)\S+"
    r"|(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)+"
    r"|\b(?:[A-Za-z0-9-]{1,63}\.){1,8}[a-z]{2,24}\b(?:/[^\s()<>]*[^\s()<>.,;:!?])?"
)
# `[text][label]` and `[label]` are links wherever the chapter defines the label.
_REF_LINK = re.compile(r"\[[^\[\]]*\](?: ?\[[^\[\]]*\])?")
_STRAYS = (
    (re.compile(r"\$"), "has an unmatched $"),
    (re.compile("`+"), "has an unmatched backtick"),
    # What the parser left as text, pandoc may still read as HTML.
    (re.compile(r"<[A-Za-z!?/]"), "has a < that may start raw HTML"),
)
_SHORTCODE = re.compile(r"\{\{[<%](?:.{0,1000}?[>%]\}\}|\S*)", re.S)
_ATTRS_AT = re.compile(r"(?<=[\]`)])\{|\{(?=\s*[#.])")
_TEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")
_BRACKET = re.compile(r"[\[\]]")
_LOCATOR_IN = re.compile(r",\s*([^;\]]+)")  # `[@key, p. 33]`
_LOCATOR_AFTER = re.compile(r" ?\[([^\]\[@;]+)\]")  # `@key [p. 33]`
# Markup that prints nothing between its neighbours, so `1**0**0` reads as the 100 it shows.
_ZERO_WIDTH = frozenset(
    {"em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close", "html_inline"}
    | {"span_open", "span_close", "link_open", "link_close", "script_close"}
)


@dataclass(frozen=True)
class _Item:
    """Something the rewrite must keep: `kind` and `key` compare, messages quote `shown`."""

    kind: str
    key: str
    shown: str = field(compare=False)

    @property
    def noun(self) -> str:
        return " ".join(
            part for part in (_ARTICLES.get(self.kind, "the"), self.kind, self.shown) if part
        )


@dataclass
class _Scan:
    """What the inline parser finds in one text, in source order."""

    items: list[_Item] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    formulas: list[str] = field(default_factory=list)  # math and code contents
    issues: list[_Item] = field(default_factory=list)
    suppressed: list[_Item] = field(default_factory=list)  # written `-@key`: no author shown
    locators: list[tuple[_Item, str, str]] = field(default_factory=list)  # (key, compared, shown)
    links: int = 0  # how many links the walk is inside


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
    characters = character_problems(original, rewrite)
    if fold(rewrite) == fold(original) and not characters:
        return ("is identical to the paragraph",)
    before, after = _scan(original), _scan(rewrite)
    target = _classify(figure_id.lstrip("#@")) if figure_id else None
    return (
        *length_problems(original, rewrite),
        *structure_problems(original, rewrite),
        *characters,
        *(issue.shown for issue in _unmatched(after.issues, before.issues)),
        *_kept(before.items, after.items, target),
        *_forms(before, after),
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
    # The parser keeps neither of these, so they are read from the source.
    scan.items += [
        _Item(SHORTCODE, fold(m.group()), m.group()) for m in _SHORTCODE.finditer(source)
    ]
    for match in _ATTRS_AT.finditer(source):
        parsed = parse_attrs(source, match.start())
        if parsed is not None:
            written = source[match.start() : parsed[1]]
            scan.items.append(_Item(ATTRS, fold(written), written))
    return scan


def _walk(tokens: list[Token], scan: _Scan) -> None:
    """One scope (the paragraph, an inline note, an image description): brackets pair in it."""
    brackets: list[list[str]] = []  # per unclosed `[`, the citations written inside it
    for i, token in enumerate(tokens):
        if token.type == "text":
            _text(token.content, brackets, scan)
        elif token.type == "cite":
            around = tokens[i - 1] if i else None, tokens[i + 1] if i + 1 < len(tokens) else None
            before, after = (t.content if t and t.type == "text" else "" for t in around)
            _cite(token, (before, after), brackets, scan)
        else:
            _other(token, scan)
    for cites in brackets:
        _issue(scan, f"leaves the citation [{cites[0]} unclosed" if cites else "has an unmatched [")


def _text(text: str, brackets: list[list[str]], scan: _Scan) -> None:
    # Delimiters left in the text are ones the parser could not pair.
    scan.prose.append(text)
    scan.items += [_Item(LINK, url, url) for url in _URL.findall(text)]
    scan.items += [_Item(LINK, fold(ref), ref) for ref in _REF_LINK.findall(text)]
    for pattern, message in _STRAYS:
        scan.issues += [_Item(ISSUE, message, message)] * len(pattern.findall(text))
    for bracket in _BRACKET.findall(text):
        if bracket == "[":
            brackets.append([])
        elif brackets:
            brackets.pop()
        else:
            _issue(scan, "has an unmatched ]")


def _issue(scan: _Scan, message: str) -> None:
    scan.issues.append(_Item(ISSUE, message, message))


def _cite(token: Token, around: tuple[str, str], brackets: list[list[str]], scan: _Scan) -> None:
    key, written = token.meta["key"], token.meta["written"]
    before, after = around
    scan.prose.append(" ")
    if key.lower() in CROSSREF_PREFIXES and after.startswith("-"):
        _issue(scan, f"has a reference with no label: {written}-")
        return
    item = _classify(key)
    suppressed = before.endswith("-") and not before[-2:-1].isalnum()
    if brackets:
        brackets[-1].append(written)
    if item.kind == CITATION:
        shown = ("-" if suppressed else "") + written
        item = _Item(CITATION, key, f"[{shown}]" if brackets else shown)
    scan.items.append(item)
    if suppressed:
        scan.suppressed.append(item)
    if scan.links:
        _issue(scan, f"has {item.noun} inside a link")
    locator = (_LOCATOR_IN if brackets else _LOCATOR_AFTER).match(after)
    if locator and locator.group(1).strip():
        shown = locator.group(1).strip()
        scan.locators.append((item, re.sub(r"[\s.]+", "", shown), shown))


def _other(token: Token, scan: _Scan) -> None:
    kind = token.type
    scan.prose.append(_printed(token))
    if kind in ("math_inline", "math_inline_double", "code_inline"):
        scan.formulas.append(token.content)
        scan.items.append(_formula(token))
    elif kind == "footnote_ref" and "note" in token.meta:
        scan.items.append(_Item(NOTE, "", "^[...]"))
        _walk(token.meta["note"], scan)
    elif kind == "footnote_ref":
        label = str(token.meta.get("label", ""))
        scan.items.append(_Item(FOOTNOTE, label, f"[^{label}]"))
    elif kind in ("link_open", "link_close"):
        scan.links += 1 if kind == "link_open" else -1
        href = str(token.attrGet("href") or "")
        scan.items += [_Item(LINK, href, href)] if kind == "link_open" else []
    elif kind == "image":
        src = str(token.attrGet("src") or "")
        scan.items.append(_Item(IMAGE, src, f"![{token.content}]({src})"))
        _walk(token.children or [], scan)
    else:
        scan.items += _markup(token)


def _printed(token: Token) -> str:
    """What the token adds to the plain text the numbers are read from."""
    if token.type == "text_special":
        return token.content  # an escaped `\$` or an entity's character is text
    if token.type == "script_open":
        return "^" if token.tag == "sup" else "_"  # as `rewrite_text` reads `10²` and `H₂O`
    return "" if token.type in _ZERO_WIDTH else " "


def _markup(token: Token) -> list[_Item]:
    """Raw HTML and TeX, entities, escapes and hard breaks: only the paragraph's own may stay."""
    kind, content = token.type, token.content
    if kind == "html_inline":
        return [_Item(HTML, fold(content), content)]
    if kind == "raw_tex" or (kind == "text_special" and token.markup == "\\\\"):
        return [_Item(TEX, fold(token.markup or content), token.markup or content)]
    if kind == "text_special":
        return [_Item(ENTITY if token.info == "entity" else ESCAPE, token.markup, token.markup)]
    if kind == "s_open":
        return [_Item(STRIKE, "", "~~...~~")]  # struck-out text reads as withdrawn
    return [_Item(BREAK, "", "")] if kind == "hardbreak" else []


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


def _forms(before: _Scan, after: _Scan) -> list[str]:
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


def _numbers(before: _Scan, after: _Scan, caption: str | None, alt: str | None) -> list[str]:
    # A number in the paragraph's own math or code is stated there, so prose may repeat it;
    # one inside a key, id or URL is a name, so it may not.
    sources = [before] + [_scan(text) for text in (caption, alt) if text]
    known = [_prose(scan) for scan in sources] + [" ".join(scan.formulas) for scan in sources]
    named = [name for name, text in (("caption", caption), ("alt text", alt)) if text]
    where = " or ".join(", ".join(["the paragraph", *named]).rsplit(", ", 1))
    return number_problems(known, _prose(after), where)


def _prose(scan: _Scan) -> str:
    return _URL.sub(" ", "".join(scan.prose))
