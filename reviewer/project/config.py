"""Configuration: command-line option > environment (`REVIEWER_*`, `OPENAI_*`) >
`reviewer.toml` found upward from the reviewed path > defaults. Every key is documented in
`config.example.toml`; an invalid value is reported with where it came from."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.errors import ReviewerError, closest
from reviewer.extract.checks import CheckSettings
from reviewer.model import Severity
from reviewer.project import selection
from reviewer.project.prices import DEFAULT_PRICES, Price
from reviewer.project.selection import RuleSet

CONFIG_FILE = "reviewer.toml"


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


FORMATS = ("md", "json", "concise", "sarif", "github", "html")
ENDPOINTS = ("auto", "openai", "azure", "compatible")
VISION = ("auto", "on", "off")
VIA = ("auto", "batch", "live")

# key -> (toml table, toml key, environment variable)
CONFIG_KEYS: dict[str, tuple[str | None, str, str]] = {
    "fail_on": (None, "fail_on", "REVIEWER_FAIL_ON"),
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


def _positive(value: Any) -> float:
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


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "fail_on": _fail_on,
    "format": _choice(FORMATS),
    "far_after": _whole(0),
    "far_before": _whole(0),
    "endpoint": _choice(ENDPOINTS),
    "vision": _choice(VISION),
    "max_output_tokens": _whole(16),
    "concurrency": _whole(1),
    "rpm": _whole(1),
    "tpm": _whole(100),
    "timeout": _positive,
    "attempts": _whole(1),
    "max_cost": _positive,
    "via": _choice(VIA),
    "poll_seconds": _positive,
    "batch_max_requests": _whole(1),
    "batch_max_bytes": _whole(1024),
}


DEFAULT_BASE_URL = "https://api.openai.com/v1"  # where the client goes without a base URL


@dataclass(frozen=True)
class Config:
    fail_on: str = "error"
    format: str = "md"
    output_dir: str = "_review"
    far_after: int = 30
    far_before: int = 5
    model: str = "gpt-4.1-mini"
    base_url: str | None = None
    endpoint: str = "auto"
    vision: str = "auto"
    max_output_tokens: int = 1200
    concurrency: int = 4
    rpm: int = 500
    tpm: int = 200_000
    timeout: float = 120.0
    attempts: int = 5
    max_cost: float | None = None
    prompts: str | None = None
    cache_dir: str | None = None
    via: str = "auto"
    poll_seconds: float = 60.0
    batch_max_requests: int = 50_000
    batch_max_bytes: int = 200 * 1024 * 1024
    prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    source: Path | None = field(default=None, compare=False)  # the reviewer.toml read, if any
    rules: RuleSet = field(default_factory=RuleSet)

    @property
    def endpoint_url(self) -> str:
        return self.base_url or DEFAULT_BASE_URL

    @property
    def checks(self) -> CheckSettings:
        return CheckSettings(self.far_after, self.far_before, self.gate.score_below, self.rules)

    @property
    def gate(self) -> FailOn:
        return FailOn.parse(self.fail_on)


def find_config(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    for candidate in (folder.resolve(), *folder.resolve().parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate / CONFIG_FILE
    return None


def load_config(
    start: Path,
    overrides: Mapping[str, Any] | None = None,
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    path = explicit or find_config(start)
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}  # key -> where its value came from, for error messages
    prices = dict(DEFAULT_PRICES)
    data: dict[str, Any] = {}
    if path is not None:
        data = _read_toml(path)
        _known_keys(data, path)
        for key, value in _from_toml(data).items():
            values[key], origin[key] = value, f"{path}: {CONFIG_KEYS[key][1]}"
        prices.update(_prices(data, path))
    env = os.environ if environ is None else environ
    for key, (_, _, var) in CONFIG_KEYS.items():
        if env.get(var):
            values[key], origin[key] = env[var], f"environment variable {var}"
    given = dict(overrides or {})
    rule_options = {key: given.pop(key, None) for key in _RULE_OPTIONS}
    for key, value in given.items():
        if value is not None:
            values[key], origin[key] = value, f"option --{key.replace('_', '-')}"
    try:
        rules = selection.from_config(data.get("rules", {}), path, rule_options)
    except ValueError as err:
        raise ReviewerError(str(err)) from None
    return Config(**_validated(values, origin), prices=prices, source=path, rules=rules)


_RULE_OPTIONS = ("select", "ignore", "severity")


def _known_keys(data: dict[str, Any], path: Path) -> None:
    """Every table and key of reviewer.toml is one this version reads: a typo (`fial_on`,
    `[ckecks]`) is an error naming it, never a setting silently ignored."""
    tables: dict[str | None, set[str]] = {}
    for table, key, _ in CONFIG_KEYS.values():
        tables.setdefault(table, set()).add(key)
    tables["rules"] = {*selection.KEYS, *(k.replace("-", "_") for k in selection.KEYS)}
    names = [*sorted(t for t in tables if t), "prices"]
    for name, value in data.items():
        if name in names and not isinstance(value, dict):
            raise ReviewerError(
                f"{path}: {name} must be a table, [{name}], not '{selection.shown(value)}'"
            )
        if not isinstance(value, dict):
            _known(name, tables[None], path, f"key '{name}'")
        else:
            _known(name, names, path, f"table [{name}]", "[{}]")
            for key in value if name != "prices" else ():
                _known(key, tables.get(name, set()), path, f"key '{key}' in [{name}]")


def _known(word: str, choices: Iterable[str], path: Path, what: str, shown: str = "'{}'") -> None:
    if word not in choices:
        raise ReviewerError(
            f"{path}: unknown {what}{_closest(word, choices, shown)}; config.example.toml "
            "lists every key"
        )


def _closest(word: str, choices: Iterable[str], shown: str) -> str:
    close = closest(word, choices)
    return f" (did you mean {shown.format(close)}?)" if close else ""


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except RecursionError:  # tomllib recurses once per nested array or table
        raise ReviewerError(f"{path}: cannot read the configuration (nested too deep)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ReviewerError(f"{path}: cannot read the configuration ({err})") from None


def _from_toml(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, (table, name, _) in CONFIG_KEYS.items():
        scope = data.get(table, {}) if table else data
        if isinstance(scope, dict) and name in scope:
            values[key] = scope[name]
    return values


def _prices(data: dict[str, Any], path: Path) -> dict[str, Price]:
    table = data.get("prices", {})
    prices = {}
    for model, entry in table.items() if isinstance(table, dict) else ():
        try:
            prices[model] = Price(_positive(entry["input"]), _positive(entry["output"]))
        except (TypeError, KeyError, ValueError):
            raise ReviewerError(
                f'{path}: [prices."{model}"] needs input and output prices in USD per '
                "million tokens, e.g. input = 0.40 and output = 1.60"
            ) from None
    return prices


def _validated(values: dict[str, Any], origin: dict[str, str]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in values.items():
        check = _CHECKS.get(key, str)
        try:
            checked[key] = check(value)
        except ValueError as err:
            raise ReviewerError(f"{origin[key]} {err}, not '{selection.shown(value)}'") from None
    return checked
