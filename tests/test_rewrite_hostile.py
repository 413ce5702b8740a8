"""Judge stage, rewrite checks against hostile model answers: every way a rewrite can invent a
number or unit, smuggle in markup, links or notes, hide or weaken a reference or citation,
split the paragraph, or carry invisible characters is held back with a message that names it,
while rewrites that only rephrase still pass."""

from __future__ import annotations

import pytest
from _pytest.mark.structures import ParameterSet

from reviewer.judge.rewrite import check_rewrite

ORIGINAL = (
    "As @fig-latency shows, the median latency drops from 12 ms to 4.5 ms once the cache holds "
    "2 GB [@lee2019, p. 33], while throughput stays near 800 requests per second. The tail "
    "($p_{99}$) follows `warmup()` closely, as earlier runs found [-@kim2021]; see also "
    "@tbl-hosts."
)
# A minimal edit that keeps everything: each hostile row changes it in one place.
GOOD = ORIGINAL.replace("drops", "falls")
CAPTION = "Median and tail latency over 3 cache sizes."
ALT = "Line chart of latency in milliseconds against cache size, with 6 points."
FIGURE = "fig-latency"

# Paragraphs for the citation forms the main one does not use.
BRACED = "As @fig-latency shows, latency falls as the cache grows [@{lee:2019/v2}]."
TEX_CITE = "As @fig-latency shows, latency falls as the cache grows \\cite{lee2019}."
ACCURACY = "As @fig-acc shows, accuracy increases by 3% over 10 epochs ($R^2 = 0.93$)."


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def row(rewrite: str, expected: str, id: str, original: str = ORIGINAL) -> ParameterSet:
    return pytest.param(original, rewrite, expected, id=id)


def check(original: str, rewrite: str) -> tuple[str, ...]:
    figure = "fig-acc" if original == ACCURACY else FIGURE
    return check_rewrite(original, rewrite, figure_id=figure, caption=CAPTION, alt=ALT)


NOT_IN = "which is not in the paragraph, caption or alt text"

NUMBER_WORDS = [
    row(edit("once", "after five minutes, once"), "adds the number five,", "five"),
    row(edit("800 requests", "800 requests from twenty-one hosts"), "twenty-one,", "twenty-one"),
    row(edit("800 requests", "800 requests from two dozen hosts"), "two dozen,", "dozens"),
    row(edit("earlier runs", "the seventh run"), "adds the number seventh,", "ordinal"),
    row(edit("800", "one hundred and five"), "one hundred and five,", "compound"),
    row(edit("12 ms", "thirteen ms"), "adds the number thirteen,", "changed-in-words"),
    row(edit("800 requests", "3 million requests"), "adds the number 3 million,", "scale"),
    row(edit("800 requests", "hundreds of requests"), "adds the number hundreds,", "vague"),
]
NUMBER_FORMS = [
    row(edit("to 4.5 ms", "to .5 ms"), f"adds the number .5, {NOT_IN}", "leading-dot"),
    row(edit("800", "10²"), "adds the number 10²,", "superscript"),
    row(edit("2 GB", "2 GB of CO₂"), "adds the number CO₂,", "subscript"),
    row(edit("800", "\uff13\uff12"), "adds the number \uff13\uff12,", "full-width"),
    row(edit("800", "\u0667\u0660\u0660"), "number \u0667\u0660\u0660,", "arabic-indic"),
    row(edit("800", "&#55;00"), "adds the number 700,", "decimal-entity"),
    row(edit("800", "&#x37;00"), "adds the number 700,", "hex-entity"),
    row(edit("2 GB", "2&frac12; GB"), "adds the number ½,", "fraction-entity"),
    row(edit("2 GB", "2½ GB"), "adds the number ½,", "vulgar-fraction"),
    row(edit("800", "1**0**0"), "adds the number 100,", "split-by-emphasis"),
    row(edit("800", "1<b>0</b>"), "adds the number 10,", "split-by-html"),
    row(edit("800", "8<!-- -->80"), "adds the number 880,", "split-by-comment"),
    row(edit("800", "8\u200b80"), "adds the number 8\u200b80,", "split-by-zero-width"),
    row(edit("800", "10 000"), "adds the number 10 000,", "space-group"),
    row(edit("800", "10\u2009000"), "adds the number 10\u2009000,", "thin-space-group"),
    row(edit("800", "10\u202f000"), "adds the number 10\u202f000,", "narrow-nbsp-group"),
    row(edit("800", "10\u00a0000"), "adds the number 10\u00a0000,", "nbsp-group"),
    row(edit("while", "10x faster, while"), "adds the number 10x,", "glued-after"),
    row(edit("while", "x10 faster, while"), "adds the number x10,", "glued-before"),
    row(edit("cache holds", "v2 cache holds"), "adds the number v2,", "version"),
    row(edit("to 4.5 ms", "to -4.5 ms"), "adds the number -4.5,", "sign"),
    row(edit("4.5 ms", "4.6 ms"), "adds the number 4.6,", "changed-digit"),
    row(edit("800", "Ⅸ"), "adds the number Ⅸ,", "roman-numeral-sign"),
    row(edit("800", "9" * 5000), "adds the number 999", "too-long-to-convert"),
]
UNITS = [
    row(edit("12 ms", "12 s"), f"adds the quantity 12 s, {NOT_IN}", "ms-to-s"),
    row(edit("12 ms", "12 seconds"), "adds the quantity 12 seconds,", "ms-to-seconds"),
    row(edit("12 ms", "12 µs"), "adds the quantity 12 µs,", "ms-to-micro"),
    row(edit("12 ms", "12x"), "adds the quantity 12x,", "ms-to-times"),
    row(edit("4.5 ms", "4.5%"), "adds the quantity 4.5%,", "ms-to-percent"),
    row(edit("4.5 ms", "4.5 min"), "adds the quantity 4.5 min,", "ms-to-min"),
    row(edit("2 GB", "2 TB"), "adds the quantity 2 TB,", "gb-to-tb"),
    row(edit("2 GB", "2GiB"), "adds the quantity 2GiB,", "glued-gib"),
    row(edit("2 GB", "2 GB/s"), "adds the quantity 2 GB/s,", "rate"),
    row(edit("800 requests", "800 MB"), "adds the quantity 800 MB,", "unit-on-bare"),
    row(edit("800 requests", "800 kW"), "adds the quantity 800 kW,", "power"),
]
RAW_HTML = [
    row(edit("falls", "<b>falls</b>"), "adds the raw HTML <b>,", "tag"),
    row(edit("falls", "falls<!-- hidden -->"), "adds the raw HTML <!-- hidden -->", "comment"),
    row(edit("falls", "falls <img src=x onerror=alert(1)>"), "the raw HTML <img src=x", "img"),
    row(edit("falls", '<span style="display:none">x</span>falls'), "raw HTML <span", "span"),
    row(edit("falls", "falls<script>alert(1)</script>"), "adds the raw HTML <script>", "script"),
    row(edit("falls", "&lt;b&gt;falls"), "adds the HTML entity &lt;,", "markup-entity"),
    row(edit("falls", "falls&nbsp;sharply"), "adds the HTML entity &nbsp;,", "entity"),
    row(edit("falls", "falls <evil.io>"), "has a < that may start raw HTML", "stray-angle"),
]
RAW_TEX = [
    row(edit("falls", "\\textbf{falls}"), "adds the raw TeX \\textbf{falls},", "textbf"),
    row(edit("[@lee2019, p. 33]", "[@lee2019, p. 33] \\cite{lee2019}"), "TeX \\cite{", "cite"),
    row(edit("see also", "see \\ref{fig-latency} and"), "adds the raw TeX \\ref{", "ref"),
    row(edit("second.", "second.\\newpage"), "adds the raw TeX \\newpage,", "newpage"),
    row(edit("second.", "second.\\\\"), "adds the raw TeX \\\\,", "double-backslash"),
    row(edit("(", "\\("), "adds the escape \\(,", "escaped-paren"),
]
SHORTCODES = [
    row(edit("second.", "second. {{< video https://x.org/v.mp4 >}}"), "shortcode {{<", "video"),
    row(edit("second.", "second. {{< meta title >}}"), "the shortcode {{< meta title >}}", "meta"),
    row(edit("second.", "second. {{% include x.qmd %}}"), "the shortcode {{% include", "pct"),
    row(edit("second.", "second. {{< pagebreak"), "adds the shortcode {{<,", "open"),
]
LINKS = [
    row(edit("second.", "second (example.com/x)."), "adds the link example.com/x,", "bare"),
    row(edit("second.", "second, per evil.io."), "adds the link evil.io,", "domain"),
    row(edit("second.", "second, per www.evil.net."), "adds the link www.evil.net", "www"),
    row(edit("second.", "second <https://evil.io>."), "adds the link https://evil.io,", "auto"),
    row(edit("second.", "second (see [docs](https://evil.io))."), "link https://evil.io", "inline"),
    row(edit("the cache", "the [cache][1]"), "adds the link [cache][1],", "reference"),
    row(edit("the cache", "the [cache] [db]"), "adds the link [cache] [db],", "spaced-ref"),
    row(edit("the cache", "the [cache]"), "adds the link [cache],", "shortcut-ref"),
    row(edit("second.", "second.\n[1]: https://evil.io"), "has a link or note definition", "def"),
    row(edit("second.", "second ![x](https://evil.io/t.png)."), "adds the image ![x]", "image"),
    row(edit("second.", "second, write to ops@evil.com."), "adds the link ops@evil.com", "mail"),
]
NOTES = [
    row(edit("second.", "second[^9]."), "adds the footnote marker [^9],", "marker"),
    row(edit("second.", "second.^[Trust me.]"), "adds an inline note ^[...],", "inline"),
    row(edit("second.", "second.\n[^9]: Trust me."), "has a link or note definition", "definition"),
]
ATTRIBUTES = [
    row(edit("falls", "[falls]{.smallcaps}"), "adds the attributes {.smallcaps},", "class"),
    row(edit("falls", "[falls]{#anchor}"), "adds the attributes {#anchor},", "id"),
    row(edit("falls", '[falls]{style="display:none"}'), 'attributes {style="display:none"}', "css"),
    row(edit("`warmup()`", "`warmup()`{.python}"), "adds the attributes {.python},", "code"),
]
PARAGRAPHS = [
    row(edit(" The tail", "\n\nThe tail"), "has a blank line", "blank"),
    row(edit(" The tail", "\n   \nThe tail"), "has a blank line", "spaces"),
    row(edit(" The tail", "\n\t\nThe tail"), "has a blank line", "tab"),
    row(edit(" The tail", "\r\n\r\nThe tail"), "has a blank line", "crlf"),
    row(edit(" The tail", "\r\rThe tail"), "has a blank line", "cr"),
    row(edit(" The tail", "\n\u00a0\nThe tail"), "has a blank line", "nbsp-line"),
    row(edit(" The tail", "\n:   The tail"), "turns it into a definition list", "definition-list"),
    row("| " + GOOD, "starts with a line block marker", "line-block"),
    row("    " + GOOD, "starts with an indent that makes it a code block", "indented-code"),
    row(edit(" The tail", "\\\nThe tail"), "adds a line break,", "hard-break"),
]
HIDDEN_REFERENCES = [
    row(edit("@fig-latency", "<!-- @fig-latency -->"), "drops the reference @fig-latency", "html"),
    row(edit("@fig-latency", "\\@fig-latency"), "drops the reference @fig-latency", "escaped"),
    row(edit("@fig-latency", "`@fig-latency`"), "drops the reference @fig-latency", "code"),
    row(edit("@fig-latency", "$@fig-latency$"), "drops the reference @fig-latency", "math"),
    row(edit("@fig-latency", "x@fig-latency"), "drops the reference @fig-latency", "glued"),
    row(edit("@fig-latency", "@fig\u200b-latency"), "drops the reference @fig-latency", "zwsp"),
    row(
        edit("@fig-latency", "[@fig-latency](https://evil.io)"),
        "has the reference @fig-latency inside a link",
        "link-text",
    ),
    row(
        edit("As @fig-latency shows", "As [see @fig-latency](#) shows"),
        "has the reference @fig-latency inside a link",
        "link-text-with-words",
    ),
    row(edit("As @fig-latency shows", "As shown"), "drops the reference @fig-latency", "dropped"),
    row(edit("; see also @tbl-hosts", ""), "drops the reference @tbl-hosts", "other-ref"),
    row(edit("@tbl-hosts", "~~@tbl-hosts~~"), "adds the strikethrough ~~...~~,", "struck-out"),
]
CITATIONS = [
    row(edit("[-@kim2021]", "[@kim2021]"), "drops the suppress-author minus of [-@kim2021]", "b"),
    row(edit("[-@kim2021]", "@kim2021"), "drops the suppress-author minus of [-@kim2021]", "bare"),
    row(edit(", p. 33]", "]"), "drops the locator p. 33 of [@lee2019]", "locator"),
    row(edit("p. 33", "p. 34"), "drops the locator p. 33 of [@lee2019]", "other-locator"),
    row(edit("p. 33", "chap. 3"), "drops the locator p. 33 of [@lee2019]", "other-kind"),
    row(edit(" [@lee2019, p. 33]", ""), "drops the citation [@lee2019]", "dropped"),
    row(BRACED.replace("[@{lee:2019/v2}]", "[@lee]"), "drops the citation", "braced", BRACED),
    row(
        TEX_CITE.replace(" \\cite{lee2019}", ""),
        "drops the raw TeX \\cite{lee2019}",
        "tex",
        TEX_CITE,
    ),
]
CHARACTERS = [
    row(edit("falls", "falls\x07"), "has the control character U+0007", "bell"),
    row(edit("falls", "falls\x00"), "has the control character U+0000", "nul"),
    row(edit("falls", "\x1b[31mfalls"), "has the control character U+001B", "ansi"),
    row(edit("falls", "falls\x7f"), "has the control character U+007F", "del"),
    row(edit("falls", "falls\x85"), "has the control character U+0085", "c1-nel"),
    row(edit("falls", "falls\x9b"), "has the control character U+009B", "c1-csi"),
    row(edit(" The tail", "\rThe tail"), "has the control character U+000D", "cr"),
    row(edit("falls", "\u202efalls"), "has the bidirectional control U+202E", "rlo"),
    row(edit("falls", "\u2066falls\u2069"), "has the bidirectional control U+2066", "lri"),
    row(edit("falls", "falls\u200f"), "has the bidirectional control U+200F", "rlm"),
    row(edit("falls", "falls\u061c"), "has the bidirectional control U+061C", "alm"),
    row(edit("falls", "fa\u200blls"), "has the invisible character U+200B", "zwsp"),
    row(edit("falls", "fa\u200dlls"), "has the invisible character U+200D", "zwj"),
    row(edit("falls", "fa\u2060lls"), "has the invisible character U+2060", "word-joiner"),
    row(edit("falls", "\ufefffalls"), "has the invisible character U+FEFF", "bom"),
    row(edit(" The tail", "\u2029The tail"), "has the paragraph separator U+2029", "para-sep"),
]
CLASSES = {
    "number-words": NUMBER_WORDS,
    "number-forms": NUMBER_FORMS,
    "units": UNITS,
    "raw-html": RAW_HTML,
    "raw-tex": RAW_TEX,
    "shortcodes": SHORTCODES,
    "links": LINKS,
    "notes": NOTES,
    "attributes": ATTRIBUTES,
    "paragraphs": PARAGRAPHS,
    "hidden-references": HIDDEN_REFERENCES,
    "citations": CITATIONS,
    "characters": CHARACTERS,
}
HOSTILE = [
    pytest.param(*case.values, id=f"{name}-{case.id}")
    for name, cases in CLASSES.items()
    for case in cases
]


@pytest.mark.parametrize(("original", "rewrite", "expected"), HOSTILE)
def test_a_hostile_rewrite_is_held_back(original: str, rewrite: str, expected: str) -> None:
    problems = check(original, rewrite)
    assert problems, rewrite
    assert any(expected in problem for problem in problems), problems


def test_every_class_has_three_rows_and_all_sixty_are_held_back() -> None:
    assert all(len(cases) >= 3 for cases in CLASSES.values())
    assert len(HOSTILE) >= 60
    held = [case for case in HOSTILE if check(str(case.values[0]), str(case.values[1]))]
    assert len(held) == len(HOSTILE)


REPHRASINGS = [
    row(GOOD, "", "minimal"),
    row(
        "The tail ($p_{99}$) follows `warmup()` closely, as earlier runs found [-@kim2021]; see "
        "also @tbl-hosts. As @fig-latency shows, the median latency drops from 12 ms to 4.5 ms "
        "once the cache holds 2 GB [@lee2019, p. 33], while throughput stays near 800 requests "
        "per second.",
        "",
        "reordered",
    ),
    row(edit("As @fig-latency shows,", "As shown in @fig-latency,"), "", "as-shown-in"),
    row(edit("12 ms", "twelve milliseconds"), "", "number-and-unit-in-words"),
    row(edit("2 GB", "2GB"), "", "glued-unit"),
    row(edit("4.5 ms", "4.50 ms"), "", "trailing-zero"),
    row(edit("p. 33", "p.33"), "", "locator-spacing"),
    row(edit("800 requests", "about 800 requests"), "", "hedge"),
    row(edit("cache holds", "cache reaches"), "", "verb"),
    row(edit("the median", "the *median*"), "", "emphasis"),
    row(edit("As @fig-latency", "As @Fig-latency"), "", "capitalised-reference"),
    row(edit("see also @tbl-hosts", "@tbl-hosts has the hosts"), "", "reference-moved"),
    row(edit("as earlier runs found [-@kim2021]", "as [-@kim2021] found"), "", "suppressed-kept"),
    row(edit("[@lee2019, p. 33]", "[see @lee2019, p. 33]"), "", "citation-prefix-added"),
    row(edit("2 GB", "2 GB (the largest of three sizes)"), "", "number-from-caption-in-words"),
    row(edit("800", "eight hundred"), "", "hundreds-in-words"),
    row(
        "Accuracy rises by 3% over 10 epochs, as @fig-acc shows ($R^2 = 0.93$).",
        "",
        "increases-to-rises",
        ACCURACY,
    ),
    row(
        "As @fig-acc shows, accuracy climbs by 3 percent over ten epochs ($R^2 = 0.93$), "
        "a fit of 0.93.",
        "",
        "math-number-repeated",
        ACCURACY,
    ),
    row(
        "Latency falls as the cache grows [@{lee:2019/v2}], as shown in @fig-latency.",
        "",
        "braced-key-kept",
        BRACED,
    ),
    row(
        "As @fig-latency shows, latency falls while the cache grows \\cite{lee2019}.",
        "",
        "tex-cite-kept",
        TEX_CITE,
    ),
    # Ordinary words that spell numbers: not quantities, so not held back.
    row(edit("As @fig-latency shows,", "As @fig-latency shows first,"), "", "word-first"),
    row(edit("As @fig-latency shows,", "For one reason, as @fig-latency shows,"), "", "word-one"),
]


@pytest.mark.parametrize(("original", "rewrite", "expected"), REPHRASINGS)
def test_a_rephrasing_passes(original: str, rewrite: str, expected: str) -> None:
    assert check(original, rewrite) == ()
