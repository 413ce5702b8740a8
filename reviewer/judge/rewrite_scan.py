"""Judge stage, rewrite checks, reading: what the inline parser finds in a paragraph, in its
rewrite, and in the figure's caption and alt text.

Each reference, citation, note, formula, code span, link and piece of raw markup is an `Item`
the rewrite must keep; each delimiter the parser could not pair is an issue; the text around
them is the prose the numbers are read from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

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
_ARTICLES = {NOTE: "an", BREAK: "a"}

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
class Item:
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
class Scan:
    """What the inline parser finds in one text, in source order."""

    items: list[Item] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    formulas: list[str] = field(default_factory=list)  # math and code contents
    issues: list[Item] = field(default_factory=list)
    suppressed: list[Item] = field(default_factory=list)  # written `-@key`: no author shown
    locators: list[tuple[Item, str, str]] = field(default_factory=list)  # (key, compared, shown)
    links: int = 0  # how many links the walk is inside


def classify(key: str) -> Item:
    """What `@key` is: a cross-reference or a bibliography citation."""
    prefix, dash, label = key.partition("-")
    if dash and label and prefix.lower() in CROSSREF_PREFIXES and prefix[1:].islower():
        key = f"{prefix.lower()}-{label}"  # Quarto reads `@Fig-x` as `@fig-x`, capitalised
        return Item(REFERENCE, key, "@" + key)
    return Item(CITATION, key, "@" + key)


def scan_text(source: str) -> Scan:
    """What the inline parser finds in `source`, Markdown of one paragraph at most."""
    md = inline_parser()
    tokens: list[Token] = []
    # `parseInline` would run the core chain, whose text_join hides escaped `\$` among the text.
    md.inline.parse(source, md, {}, tokens)
    scan = Scan()
    _walk(tokens, scan)
    # The parser keeps neither of these, so they are read from the source.
    scan.items += [Item(SHORTCODE, fold(m.group()), m.group()) for m in _SHORTCODE.finditer(source)]
    for match in _ATTRS_AT.finditer(source):
        parsed = parse_attrs(source, match.start())
        if parsed is not None:
            written = source[match.start() : parsed[1]]
            scan.items.append(Item(ATTRS, fold(written), written))
    return scan


def _walk(tokens: list[Token], scan: Scan) -> None:
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


def _text(text: str, brackets: list[list[str]], scan: Scan) -> None:
    # Delimiters left in the text are ones the parser could not pair.
    scan.prose.append(text)
    scan.items += [Item(LINK, url, url) for url in _URL.findall(text)]
    scan.items += [Item(LINK, fold(ref), ref) for ref in _REF_LINK.findall(text)]
    for pattern, message in _STRAYS:
        scan.issues += [Item(ISSUE, message, message)] * len(pattern.findall(text))
    for bracket in _BRACKET.findall(text):
        if bracket == "[":
            brackets.append([])
        elif brackets:
            brackets.pop()
        else:
            _issue(scan, "has an unmatched ]")


def _issue(scan: Scan, message: str) -> None:
    scan.issues.append(Item(ISSUE, message, message))


def _cite(token: Token, around: tuple[str, str], brackets: list[list[str]], scan: Scan) -> None:
    key, written = token.meta["key"], token.meta["written"]
    before, after = around
    scan.prose.append(" ")
    if key.lower() in CROSSREF_PREFIXES and after.startswith("-"):
        _issue(scan, f"has a reference with no label: {written}-")
        return
    item = classify(key)
    suppressed = before.endswith("-") and not before[-2:-1].isalnum()
    if brackets:
        brackets[-1].append(written)
    if item.kind == CITATION:
        shown = ("-" if suppressed else "") + written
        item = Item(CITATION, key, f"[{shown}]" if brackets else shown)
    scan.items.append(item)
    if suppressed:
        scan.suppressed.append(item)
    if scan.links:
        _issue(scan, f"has {item.noun} inside a link")
    locator = (_LOCATOR_IN if brackets else _LOCATOR_AFTER).match(after)
    if locator and locator.group(1).strip():
        shown = locator.group(1).strip()
        scan.locators.append((item, re.sub(r"[\s.]+", "", shown), shown))


def _other(token: Token, scan: Scan) -> None:
    kind = token.type
    scan.prose.append(_printed(token))
    if kind in ("math_inline", "math_inline_double", "code_inline"):
        scan.formulas.append(token.content)
        scan.items.append(_formula(token))
    elif kind == "footnote_ref" and "note" in token.meta:
        scan.items.append(Item(NOTE, "", "^[...]"))
        _walk(token.meta["note"], scan)
    elif kind == "footnote_ref":
        label = str(token.meta.get("label", ""))
        scan.items.append(Item(FOOTNOTE, label, f"[^{label}]"))
    elif kind in ("link_open", "link_close"):
        scan.links += 1 if kind == "link_open" else -1
        href = str(token.attrGet("href") or "")
        scan.items += [Item(LINK, href, href)] if kind == "link_open" else []
    elif kind == "image":
        src = str(token.attrGet("src") or "")
        scan.items.append(Item(IMAGE, src, f"![{token.content}]({src})"))
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


def _markup(token: Token) -> list[Item]:
    """Raw HTML and TeX, entities, escapes and hard breaks: only the paragraph's own may stay."""
    kind, content = token.type, token.content
    if kind == "html_inline":
        return [Item(HTML, fold(content), content)]
    if kind == "raw_tex" or (kind == "text_special" and token.markup == "\\\\"):
        return [Item(TEX, fold(token.markup or content), token.markup or content)]
    if kind == "text_special":
        return [Item(ENTITY if token.info == "entity" else ESCAPE, token.markup, token.markup)]
    if kind == "s_open":
        return [Item(STRIKE, "", "~~...~~")]  # struck-out text reads as withdrawn
    return [Item(BREAK, "", "")] if kind == "hardbreak" else []


def _formula(token: Token) -> Item:
    content = token.content
    if token.type == "code_inline":
        fence, pad = ("``", " ") if "`" in content else ("`", "")
        return Item(CODE, content, f"{fence}{pad}{content}{pad}{fence}")
    if token.type == "math_inline_double":
        return Item(DISPLAY_MATH, _tex_key(content), f"$${content}$$")
    return Item(MATH, _tex_key(content), f"${content}$")


def _tex_key(tex: str) -> str:
    """TeX as tokens, so that spacing does not count but `\\alpha b` stays apart from `\\alphab`."""
    return " ".join(_TEX_TOKEN.findall(tex))


def number_text(scan: Scan) -> str:
    """The prose the numbers are read from; a URL's digits are a name, so they are left out."""
    return _URL.sub(" ", "".join(scan.prose))
