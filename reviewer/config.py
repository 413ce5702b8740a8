"""Configuration: command-line option > environment (`REVIEWER_*`) > `reviewer.toml` found
upward from the reviewed path > defaults. Every key is documented in `config.example.toml`."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from reviewer.checks import CheckSettings
from reviewer.errors import ReviewerError
from reviewer.model import Severity

CONFIG_FILE = "reviewer.toml"


class FailOn(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


FAIL_ON_CHOICES = tuple(choice.value for choice in FailOn)
FORMATS = ("md", "json", "concise")

# key -> (toml table, toml key, environment variable)
CONFIG_KEYS: dict[str, tuple[str | None, str, str]] = {
    "fail_on": (None, "fail_on", "REVIEWER_FAIL_ON"),
    "format": ("output", "format", "REVIEWER_FORMAT"),
    "output_dir": ("output", "dir", "REVIEWER_OUTPUT_DIR"),
    "far_after": ("checks", "far_after_lines", "REVIEWER_FAR_AFTER_LINES"),
    "far_before": ("checks", "far_before_lines", "REVIEWER_FAR_BEFORE_LINES"),
}


@dataclass(frozen=True)
class Config:
    fail_on: str = "error"
    format: str = "md"
    output_dir: str = "_review"
    far_after: int = 30
    far_before: int = 5
    source: Path | None = field(default=None, compare=False)  # the reviewer.toml read, if any

    @property
    def checks(self) -> CheckSettings:
        return CheckSettings(far_after=self.far_after, far_before=self.far_before)

    @property
    def fail_threshold(self) -> Severity | None:
        return None if self.fail_on == "never" else Severity(self.fail_on)


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
    if path is not None:
        for key, value in _from_toml(path).items():
            values[key], origin[key] = value, f"{path}: {CONFIG_KEYS[key][1]}"
    env = os.environ if environ is None else environ
    for key, (_, _, var) in CONFIG_KEYS.items():
        if env.get(var):
            values[key], origin[key] = env[var], f"environment variable {var}"
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key], origin[key] = value, f"option --{key.replace('_', '-')}"
    return _validated(values, origin, path)


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ReviewerError(f"{path}: cannot read the configuration ({err})") from None
    values: dict[str, Any] = {}
    for key, (table, name, _) in CONFIG_KEYS.items():
        scope = data.get(table, {}) if table else data
        if isinstance(scope, dict) and name in scope:
            values[key] = scope[name]
    return values


def _validated(values: dict[str, Any], origin: dict[str, str], path: Path | None) -> Config:
    def bad(key: str, what: str) -> ReviewerError:
        return ReviewerError(f"{origin[key]} {what}, not '{values[key]}'")

    fail_on = str(values.get("fail_on", "error")).lower()
    if fail_on not in FAIL_ON_CHOICES:
        raise bad("fail_on", f"must be one of {', '.join(FAIL_ON_CHOICES)}")
    fmt = str(values.get("format", "md")).lower()
    if fmt not in FORMATS:
        raise bad("format", f"must be one of {', '.join(FORMATS)}")
    numbers = {}
    for key in ("far_after", "far_before"):
        raw = values.get(key, getattr(Config, key))
        try:
            numbers[key] = int(raw)
        except (TypeError, ValueError):
            raise bad(key, "must be a whole number of lines") from None
        if numbers[key] < 0:
            raise bad(key, "must not be negative")
    output_dir = str(values.get("output_dir", "_review"))
    return Config(fail_on, fmt, output_dir, numbers["far_after"], numbers["far_before"], path)
