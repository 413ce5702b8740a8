"""Evaluate stage, the gold set: figure/paragraph pairs with known verdicts, one JSON object a line
(format: shared/gold/README.md). Every problem with the file is a `ReviewerError` naming the
file and line, so the CLI reports it in one line instead of a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from reviewer.errors import ReviewerError
from reviewer.model import Verdict

# A gold pair always has its paragraph, so `no_intro` is not a gold verdict.
GOLD_VERDICTS = (Verdict.EXPLAINS, Verdict.PARTIAL, Verdict.MENTIONS_ONLY, Verdict.CONTRADICTS)
CONFIDENCES = ("high", "low")
ORIGINS = ("labelled", "perturbed")
_FILLED = ("id", "path", "figure_id", "caption", "intro")  # text that may not be empty
_TEXT = (*_FILLED, "book", "rationale")


@dataclass(frozen=True)
class GoldPair:
    """One pair. `intro` is what the judge is given as the introducing paragraph: plain text for
    the shared gold files, the Markdown source for pairs built by `perturb`."""

    id: str
    book: str
    path: str
    figure_id: str
    caption: str
    alt: str | None
    intro: str
    verdict: Verdict
    score: int
    rationale: str
    confidence: str
    origin: str
    perturbation: str | None

    @property
    def high_confidence(self) -> bool:
        return self.confidence == "high"

    @property
    def stem(self) -> str:
        """The id without its `~mentions` / `~contradicts` suffix: a perturbed pair and the
        pair it was made from share it."""
        return self.id.split("~", 1)[0]

    def to_json(self) -> dict[str, Any]:
        """The record as the gold file writes it, fields in the README's order."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        record["verdict"] = self.verdict.value
        return record


FIELDS = tuple(f.name for f in fields(GoldPair))


def read_gold(path: Path) -> tuple[GoldPair, ...]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReviewerError(f"{path}: no such gold file; check the path") from None
    except UnicodeDecodeError:
        raise ReviewerError(f"{path}: not UTF-8; re-save the gold file as UTF-8") from None
    except OSError as err:
        raise ReviewerError(f"{path}: cannot read the gold file ({err.strerror})") from None
    return parse_gold(text.splitlines(), str(path))


def parse_gold(lines: Iterable[str], name: str) -> tuple[GoldPair, ...]:
    """Pairs from JSONL lines; blank lines are skipped. `name` is the file, for messages."""
    pairs: list[GoldPair] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        pair = _pair(_record(line, where), where)
        if pair.id in seen:
            raise ReviewerError(f"{where}: id {pair.id!r} already used on line {seen[pair.id]}")
        seen[pair.id] = number
        pairs.append(pair)
    if not pairs:
        raise ReviewerError(f"{name}: no gold pairs; the file is empty")
    return tuple(pairs)


def dump_gold(pairs: Sequence[GoldPair]) -> str:
    """JSONL text that `parse_gold` reads back."""
    return "".join(json.dumps(p.to_json(), ensure_ascii=False) + "\n" for p in pairs)


def _record(line: str, where: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ReviewerError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
    except RecursionError:
        raise ReviewerError(f"{where}: not a gold record (nested too deeply)") from None
    if not isinstance(record, dict):
        raise ReviewerError(f"{where}: expected a JSON object, found {type(record).__name__}")
    missing = [name for name in FIELDS if name not in record]
    if missing:
        raise ReviewerError(f"{where}: missing field(s) {', '.join(missing)}")
    return record


def _pair(record: dict[str, Any], where: str) -> GoldPair:
    for name in _TEXT:
        _check(isinstance(record[name], str), where, name, "text")
    for name in _FILLED:
        _check(record[name].strip(), where, name, "non-empty text")
    for name in ("alt", "perturbation"):
        _check(record[name] is None or isinstance(record[name], str), where, name, "text or null")
    return GoldPair(
        **{name: record[name] for name in (*_TEXT, "alt", "perturbation")},
        verdict=_verdict(record["verdict"], where),
        score=_score(record["score"], where),
        confidence=_choice(record, "confidence", CONFIDENCES, where),
        origin=_choice(record, "origin", ORIGINS, where),
    )


def _check(ok: object, where: str, name: str, expected: str) -> None:
    if not ok:
        raise ReviewerError(f"{where}: field {name} must be {expected}")


def _verdict(value: object, where: str) -> Verdict:
    allowed = ", ".join(v.value for v in GOLD_VERDICTS)
    if value not in [v.value for v in GOLD_VERDICTS]:  # a list: the value may be unhashable
        raise ReviewerError(f"{where}: unknown verdict {value!r}; use one of {allowed}")
    return Verdict(str(value))


def _score(value: object, where: str) -> int:
    # bool is an int in Python, and `true` is no score.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ReviewerError(f"{where}: score {json.dumps(value)} is not a whole number 1 to 5")
    return value


def _choice(record: dict[str, Any], name: str, allowed: tuple[str, ...], where: str) -> str:
    value = record[name]
    if value not in allowed:
        raise ReviewerError(f"{where}: {name} {value!r} is not one of {', '.join(allowed)}")
    return str(value)
