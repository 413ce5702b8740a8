"""Project reading, the settings' vocabulary: every key reviewer.toml and the environment
may set, the values each takes, and the typed settings the stages read (the audit format,
the checks' settings, when `review` fails)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reviewer.model import FloatType, Severity
from reviewer.project.selection import RuleSet


class Format(StrEnum):
    CONCISE = "concise"
    MD = "md"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    HTML = "html"

    @property
    def suffix(self) -> str:
        return {"concise": ".txt", "github": ".annotations.txt", "sarif": ".sarif"}.get(
            self.value, f".{self.value}"
        )

    @property
    def terminal(self) -> bool:
        """Formats printed on stdout unless --output says otherwise: lines for a terminal or
        a CI log, not files to keep."""
        return self in (Format.CONCISE, Format.GITHUB)


@dataclass(frozen=True)
class CheckSettings:
    far_after: int = 30  # lines a figure may sit below its first reference
    far_before: int = 5  # lines a figure may sit above its first reference
    score_below: int | None = None  # judged scores below this get NAR004 (--fail-on score<N)
    rules: RuleSet = field(default_factory=RuleSet)


FAIL_ON_HELP = "error, warning, info, never, score<N (N from 2 to 5), or a severity and a score"
_SCORE_BELOW = re.compile(r"score\s*<\s*([2-5])")


@dataclass(frozen=True)
class FailOn:
    """When `review` exits 1: a finding at least this severe, or a judged score below `score`
    (`--fail-on error,score<3` means either)."""

    severity: Severity | None = Severity.ERROR
    score_below: int | None = None

    @staticmethod
    def normal(value: Any) -> str:
        """`Error, score < 3` as `error,score<3`: how the setting is kept and read."""
        return str(value).lower().replace(" ", "")

    @classmethod
    def parse(cls, value: Any) -> FailOn:
        severity, below, parts = None, None, cls.normal(value).split(",")
        for part in parts:
            if match := _SCORE_BELOW.fullmatch(part):
                below = int(match.group(1))
            elif part in ("error", "warning", "info") and severity is None:
                severity = Severity(part)
            elif part != "never" or len(parts) > 1:
                raise ValueError(f"must be {FAIL_ON_HELP}")
        return cls(severity, below)


ENDPOINTS = ("auto", "openai", "azure", "compatible")
VISION = ("auto", "on", "off")
VIA = ("auto", "batch", "live")

# key -> (toml table, toml key, environment variable)
CONFIG_KEYS: dict[str, tuple[str | None, str, str]] = {
    "fail_on": (None, "fail_on", "REVIEWER_FAIL_ON"),
    "floats": (None, "floats", "REVIEWER_FLOATS"),
    "format": ("output", "format", "REVIEWER_FORMAT"),
    "output_dir": ("output", "dir", "REVIEWER_OUTPUT_DIR"),
    "far_after": ("checks", "far_after_lines", "REVIEWER_FAR_AFTER_LINES"),
    "far_before": ("checks", "far_before_lines", "REVIEWER_FAR_BEFORE_LINES"),
    "model": ("llm", "model", "REVIEWER_MODEL"),
    "base_url": ("llm", "base_url", "OPENAI_BASE_URL"),
    "endpoint": ("llm", "endpoint", "REVIEWER_ENDPOINT"),
    "vision": ("llm", "vision", "REVIEWER_VISION"),
    "max_output_tokens": ("llm", "max_output_tokens", "REVIEWER_MAX_OUTPUT_TOKENS"),
    "concurrency": ("llm", "concurrency", "REVIEWER_CONCURRENCY"),
    "rpm": ("llm", "requests_per_minute", "REVIEWER_REQUESTS_PER_MINUTE"),
    "tpm": ("llm", "tokens_per_minute", "REVIEWER_TOKENS_PER_MINUTE"),
    "timeout": ("llm", "timeout_seconds", "REVIEWER_TIMEOUT_SECONDS"),
    "attempts": ("llm", "attempts", "REVIEWER_ATTEMPTS"),
    "max_cost": ("llm", "max_cost", "REVIEWER_MAX_COST"),
    "prompts": ("llm", "prompts", "REVIEWER_PROMPTS"),
    "cache_dir": ("cache", "dir", "REVIEWER_CACHE_DIR"),
    "via": ("batch", "via", "REVIEWER_VIA"),
    "poll_seconds": ("batch", "poll_seconds", "REVIEWER_POLL_SECONDS"),
    "batch_max_requests": ("batch", "max_requests", "REVIEWER_BATCH_MAX_REQUESTS"),
    "batch_max_bytes": ("batch", "max_bytes", "REVIEWER_BATCH_MAX_BYTES"),
}


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value).lower()
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return check


def _whole(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("must be a whole number") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}")
        return number

    return check


def positive(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("must be a number") from None
    if number <= 0:
        raise ValueError("must be more than 0")
    return number


def _fail_on(value: Any) -> str:
    FailOn.parse(value)  # raises ValueError when it does not read
    return FailOn.normal(value)


FLOATS_HELP = "fig, tbl and lst (figures, tables, listings), comma-separated"
_FLOAT_WORDS = {
    **{word: FloatType.FIGURE for word in ("fig", "figure", "figures")},
    **{word: FloatType.TABLE for word in ("tbl", "table", "tables")},
    **{word: FloatType.LISTING for word in ("lst", "listing", "listings")},
}


def float_types(value: Any) -> frozenset[FloatType]:
    """`fig,tbl`, `["tables"]` or `figures, listings`: the kinds of float a review covers."""
    words = value if isinstance(value, list) else str(value).split(",")
    found = [str(word).strip().lower() for word in words if str(word).strip()]
    unknown = [word for word in found if word not in _FLOAT_WORDS]
    if unknown or not found:
        raise ValueError(f"must name some of {FLOATS_HELP}; not {', '.join(unknown) or 'none'}")
    return frozenset(_FLOAT_WORDS[word] for word in found)


def floats_setting(value: Any) -> str:
    """`tables, fig` as `fig,tbl`: how the setting is kept, recorded and compared."""
    kinds = float_types(value)
    return ",".join(kind.value for kind in FloatType if kind in kinds)


VALUE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "fail_on": _fail_on,
    "floats": floats_setting,
    "format": _choice(tuple(Format)),
    "far_after": _whole(0),
    "far_before": _whole(0),
    "endpoint": _choice(ENDPOINTS),
    "vision": _choice(VISION),
    "max_output_tokens": _whole(16),
    "concurrency": _whole(1),
    "rpm": _whole(1),
    "tpm": _whole(100),
    "timeout": positive,
    "attempts": _whole(1),
    "max_cost": positive,
    "via": _choice(VIA),
    "poll_seconds": positive,
    "batch_max_requests": _whole(1),
    "batch_max_bytes": _whole(1024),
}
