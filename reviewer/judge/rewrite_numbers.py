"""Judge stage, rewrite checks on the numbers a rewrite states, however they are written: digits
of any script, superscripts, fractions, words ("twenty-one", "third"), split by group separators,
glued to a name or a unit.

A number counts by its value, so "3", "three" and "3rd" are one number; a unit attached to it
counts too, so "5 ms" and "5 s" are not. The parser has already decoded entities (`&#51;`)
and dropped emphasis between digits, so what reaches here is the text a reader sees."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from reviewer.judge.rewrite_text import char_category

_ORDINALS = frozenset({"st", "nd", "rd", "th"})
_SUFFIX_SCALES = {"k": 10**3, "K": 10**3, "M": 10**6, "bn": 10**9}
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_SCALES |= {"trillion": 10**12, "dozen": 12}
_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_ONES += " fifteen sixteen seventeen eighteen nineteen"
_NTHS = "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh"
_NTHS += " twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SMALL: dict[str, Fraction] = {
    **{w: Fraction(i) for words in (_ONES, _NTHS) for i, w in enumerate(words.split())},
    **{w: Fraction(20 + 10 * i) for i, w in enumerate(_TENS)},
    **{w.replace("y", "ieth"): Fraction(20 + 10 * i) for i, w in enumerate(_TENS)},
    **{"half": Fraction(1, 2), "twice": Fraction(2), "thrice": Fraction(3)},
}
_WORD_VALUES = _SMALL | {w: Fraction(v) for w, v in _SCALES.items()}
_WORD_VALUES |= {w + "th": Fraction(v) for w, v in _SCALES.items() if w != "dozen"}
# Alone, these are ordinary words more often than quantities ("one reason", "first falls",
# "a second look", "half the page"); holding a rewrite back for them is a false alarm.
_ORDINARY_WORDS = frozenset({"one", "first", "second", "half"})
_ALT = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_AND = "|".join(f"(?<={scale})" for scale in ("hundred", "thousand", "million", "billion"))
# "per second" is a rate, not the second of something.
_PHRASE = re.compile(
    rf"\b(?<!per\s)(?:a\s+(?=(?:hundred|thousand|million|billion|dozen)\b))?(?:{_ALT})"
    rf"(?:(?:[\s-]+|(?:{_AND})\s+and\s+)(?:{_ALT}))*\b",
    re.I,
)
_VAGUE = re.compile(r"\b(?:dozens|hundreds|thousands|millions|billions)\b", re.I)
_SCALE_AFTER = re.compile(r"\s+(hundred|thousand|million|billion|trillion|dozen)\b", re.I)

# A name such as `v1.2`, `x10` or `H2O` is a token with a digit in it; a quantity has a sign,
# digits, a point, an exponent (from a superscript), then letters that may be a unit.
_TOKEN = re.compile(r"(?<![\w^])(?<!\d\.)(?:[-+](?=\.?\d))?\.?[\w^]+(?:(?<=\d)\.[\w^]+)*")
# Digits are bounded: Python refuses to convert integers of over 4300 digits.
_DIGITS = re.compile(r"([-+]?)(\d{1,300}(?:\.\d{1,300})?|\.\d{1,300})(?:\^(\d{1,3}))?([^\W\d_]*)")
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[, ]\d{3})+(?!\d|,\d)")

# Each entry: the unit, then the other ways to write it; `_` stands for a space.
_UNIT_NAMES = """% percent per_cent pct | pp percentage_points | ns nanosecond nanoseconds
| μs us microsecond microseconds | ms msec millisecond milliseconds | s sec secs second seconds
| min mins minute minutes | h hr hrs hour hours | d day days | wk week weeks | mo month months
| yr year years | B byte bytes | bit bits | KB kB kilobyte kilobytes | MB megabyte megabytes
| GB gigabyte gigabytes | TB terabyte terabytes | W watt watts | kW kilowatt kilowatts
| J joule joules | V volt volts | A amp amps ampere amperes | m meter meters metre metres
| km kilometer kilometers kilometre kilometres | g gram grams | kg kilogram kilograms
| x \u00d7 fold | params param parameters"""
_SYMBOLS = "PB KiB MiB GiB TiB Kb Mb Gb kbit Mbit Gbit mW MW GW Wh kWh MWh kJ MJ mV kV mA"
_SYMBOLS += " nm μm mm cm mg Hz kHz MHz GHz FLOP FLOPs FLOPS GFLOPS TFLOPS PFLOPS px pt dpi °C °"
UNITS = {
    name.replace("_", " "): names.split()[0]
    for names in _UNIT_NAMES.split("|")
    for name in names.split()
}
UNITS |= {symbol: symbol for symbol in _SYMBOLS.split()}
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)).replace(r"\ ", r"\s+")
_UNIT_AFTER = re.compile(rf"([ -]?)({_UNIT})(?:/({_UNIT}))?(\^\d)?(?!\w)")
_SUFFIXES = _ORDINALS | set(UNITS) | set(_SUFFIX_SCALES)


@dataclass(frozen=True)
class Number:
    """A number as written (with a unit glued to it), its value, and its unit if it has one.
    A name such as `v2` has its text as its value: only the same name matches it."""

    written: str
    value: Fraction | str
    unit: str = ""
    quantity: str = ""  # the number with its unit, as written


def number_problems(known_texts: list[str], text: str, where: str) -> list[str]:
    """Each number in `text` whose value, or whose value with its unit, no known text has."""
    known = [number for source in known_texts for number in numbers(source)]
    values = {number.value for number in known}
    pairs = {(number.value, number.unit) for number in known}
    problems: list[str] = []
    for number in numbers(text):
        pair = (number.value, number.unit)
        if number.value not in values:
            problems.append(f"adds the number {number.written}, which is not in {where}")
        elif number.unit and pair not in pairs:
            problems.append(f"adds the quantity {number.quantity}, which is not in {where}")
        values.add(number.value)  # report each number once
        pairs.add(pair)
    return problems


class _Text:
    """Text with every digit in ASCII, compatibility forms folded (full-width letters, no-break
    spaces), invisible characters dropped and digit groups joined; `origin` maps back."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.signs: list[tuple[int, Number]] = []  # ½, Ⅻ, ①: each a number of its own
        pieces: list[str] = []
        origin: list[int] = []
        for i, char in enumerate(source):
            piece = _fold_char(char, source[i - 1] if i else "")
            if piece == " " and unicodedata.numeric(char, None) is not None:
                value = Fraction(unicodedata.numeric(char)).limit_denominator(1000)
                self.signs.append((len(origin), Number(char, value)))
            pieces.append(piece)
            origin += [i] * len(piece)
        text = "".join(pieces)
        keep = [True] * len(text)
        for match in _GROUPED.finditer(text):
            for j in range(match.start(), match.end()):
                keep[j] = text[j].isdigit()
        self.text = "".join(c for c, k in zip(text, keep, strict=True) if k)
        self.origin = [o for o, k in zip(origin, keep, strict=True) if k]

    def written(self, start: int, end: int) -> str:
        return self.source[self.origin[start] : self.origin[end - 1] + 1]


def _fold_char(char: str, before: str) -> str:
    decomposition = unicodedata.decomposition(char)
    digit = unicodedata.digit(char, None)
    if digit is not None and decomposition.startswith(("<super>", "<sub>")):
        tag = decomposition.split()[0]
        # A run of superscripts is one exponent: `10²³` is 10^23.
        run = bool(before) and unicodedata.digit(before, None) is not None
        run = run and unicodedata.decomposition(before).startswith(tag)
        return str(digit) if run else ("^" if tag == "<super>" else "_") + str(digit)
    decimal = unicodedata.decimal(char, None)
    if decimal is not None:
        return str(decimal)
    if unicodedata.numeric(char, None) is not None:
        return " "
    if char == "\u2212" or unicodedata.category(char) == "Pd":
        return "-"
    if char_category(char) in ("Cc", "Cf") and char not in "\n\t":
        return ""  # so that `1\u200b00` reads as the 100 a reader sees
    return unicodedata.normalize("NFKC", char)


def numbers(source: str) -> list[Number]:
    """The numbers of `source`, in order: digits, number words and numeric signs."""
    text = _Text(source)
    found = list(text.signs)
    taken = [False] * len(text.text)
    for match in _TOKEN.finditer(text.text):
        # A unit's own digits (`m²`) belong to the number before it.
        if any(c.isdigit() for c in match.group()) and not taken[match.start()]:
            end, number = _digit_number(text, match.start(), match.group())
            taken[match.start() : end] = [True] * (end - match.start())
            found.append((match.start(), number))
    for match in _PHRASE.finditer(text.text):
        if match.group().lower() in _ORDINARY_WORDS:
            continue
        if not any(taken[match.start() : match.end()]):
            found.append((match.start(), _word_number(text, match.start(), match.end())))
    found += [(m.start(), Number(m.group(), m.group().lower())) for m in _VAGUE.finditer(text.text)]
    return [number for _, number in sorted(found, key=lambda pair: pair[0])]


def _digit_number(text: _Text, start: int, token: str) -> tuple[int, Number]:
    """The number a token with a digit in it states, and where it ends with its unit."""
    end = start + len(token)
    match = _DIGITS.fullmatch(token)
    if match is None or match.group(4) not in _SUFFIXES | {""}:
        return end, Number(text.written(start, end), token)
    sign, digits, exponent, suffix = match.groups()
    value = Fraction(digits) ** int(exponent or 1) * (-1 if sign == "-" else 1)
    if suffix in UNITS:
        return end, _quantity(text, (start, end, end), value, UNITS[suffix])
    if suffix in _ORDINALS:
        return end, Number(text.written(start, end), value)
    end, value = _scaled(text, end, value * _SUFFIX_SCALES.get(suffix, 1))
    return _unit_after(text, start, end, value)


def _word_number(text: _Text, start: int, end: int) -> Number:
    words = re.split(r"[\s-]+", text.text[start:end].lower())
    total = current = Fraction(0)
    for word in (w for w in words if w not in ("a", "and")):
        value = _WORD_VALUES[word]
        if word.startswith(("hundred", "dozen")):
            current = max(current, Fraction(1)) * value
        elif value >= 1000:
            total, current = total + max(current, Fraction(1)) * value, Fraction(0)
        else:
            current += value
    return _unit_after(text, start, end, total + current)[1]


def _scaled(text: _Text, end: int, value: Fraction) -> tuple[int, Fraction]:
    # `3 million` is one number, so that it cannot pass for the paragraph's 3.
    match = _SCALE_AFTER.match(text.text, end)
    if match is None:
        return end, value
    return match.end(), value * _SCALES[match.group(1).lower()]


def _unit_after(text: _Text, start: int, end: int, value: Fraction) -> tuple[int, Number]:
    match = _UNIT_AFTER.match(text.text, end)
    if match is None:
        return end, Number(text.written(start, end), value)
    space, unit, per, power = match.groups()
    unit = UNITS[re.sub(r"\s+", " ", unit)] + (f"/{UNITS[per]}" if per else "") + (power or "")
    spans = (start, end if space else match.end(), match.end())  # `88.5%` is written as one
    return match.end(), _quantity(text, spans, value, unit)


def _quantity(text: _Text, spans: tuple[int, int, int], value: Fraction, unit: str) -> Number:
    start, number_end, end = spans
    return Number(text.written(start, number_end), value, unit, text.written(start, end))
