"""Configuration: command-line option > environment (`REVIEWER_*`, `OPENAI_*`) >
`reviewer.toml` found upward from the reviewed path > defaults. Every key is documented in
`config.example.toml`; an invalid value is reported with where it came from."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.errors import ReviewerError, closest
from reviewer.model import FloatType
from reviewer.project import selection
from reviewer.project.prices import DEFAULT_PRICES, Price
from reviewer.project.selection import RuleSet
from reviewer.project.settings import (
    CONFIG_KEYS,
    VALUE_CHECKS,
    CheckSettings,
    FailOn,
    float_types,
    positive,
)

CONFIG_FILE = "reviewer.toml"


DEFAULT_BASE_URL = "https://api.openai.com/v1"  # where the client goes without a base URL


@dataclass(frozen=True)
class Config:
    fail_on: str = "error"
    floats: str = "fig,tbl,lst"
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
    # OPENAI_API_KEY, read once here; never shown, and not part of what makes two configs equal.
    api_key: str | None = field(default=None, repr=False, compare=False)
    rules: RuleSet = field(default_factory=RuleSet)

    @property
    def endpoint_url(self) -> str:
        return self.base_url or DEFAULT_BASE_URL

    @property
    def checks(self) -> CheckSettings:
        return CheckSettings(self.far_after, self.far_before, self.gate.score_below, self.rules)

    @property
    def float_types(self) -> frozenset[FloatType]:
        return float_types(self.floats)

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
    api_key = env.get("OPENAI_API_KEY") or None
    checked = _validated(values, origin)
    return Config(**checked, prices=prices, source=path, rules=rules, api_key=api_key)


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
            prices[model] = Price(positive(entry["input"]), positive(entry["output"]))
        except (TypeError, KeyError, ValueError):
            raise ReviewerError(
                f'{path}: [prices."{model}"] needs input and output prices in USD per '
                "million tokens, e.g. input = 0.40 and output = 1.60"
            ) from None
    return prices


def _validated(values: dict[str, Any], origin: dict[str, str]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in values.items():
        check = VALUE_CHECKS.get(key, str)
        try:
            checked[key] = check(value)
        except ValueError as err:
            raise ReviewerError(f"{origin[key]} {err}, not '{selection.shown(value)}'") from None
    return checked
