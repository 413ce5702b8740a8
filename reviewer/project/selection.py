"""Project reading, the rules chosen: which rules run and how severe each is, read the way ruff
reads `select`, `ignore`, `per-file-ignores` and a per-rule severity.

A rule that is not selected, or ignored for a file, leaves no finding at all; a severity set
here replaces the registry's, so the audit, the exit code and SARIF all see the same one."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from reviewer.errors import closest
from reviewer.model import Severity
from reviewer.rules import BY_CODE, BY_NAME

SEVERITIES = tuple(s.value for s in Severity)


def shown(value: Any, limit: int = 60) -> str:
    """A bad value as an error line quotes it: one line, and short even when it is huge."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class RuleSet:
    selected: frozenset[str] = frozenset(BY_CODE)
    per_file: tuple[tuple[str, frozenset[str]], ...] = ()  # (glob, codes ignored there)
    severities: Mapping[str, Severity] = field(default_factory=dict)
    base: Path | None = None  # per-file globs are relative to this folder (reviewer.toml's)

    def runs(self, code: str, path: str | None = None) -> bool:
        if code not in self.selected:
            return False
        if path is None or not self.per_file:  # no glob to match: no path to work out
            return True
        return not any(code in codes for codes in self._ignored_at(path))

    def severity(self, code: str) -> Severity:
        return self.severities.get(code, BY_CODE[code].severity)

    def _ignored_at(self, path: str) -> Iterable[frozenset[str]]:
        where = _relative(Path(path), self.base)
        name = PurePosixPath(where).name
        for pattern, codes in self.per_file:
            if glob_match(pattern, where) or glob_match(pattern, name):
                yield codes


def glob_match(pattern: str, path: str) -> bool:
    """A glob as ruff and gitignore read it: `*` and `?` stay within a folder, `**/` is any
    number of folders, none included, and `[...]` is a character class."""
    return _glob(pattern).fullmatch(path) is not None


@functools.lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    parts, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            parts.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            char = pattern[i]
            parts.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
            i += 1
    try:
        return re.compile("".join(parts))
    except re.error:  # a class such as [z-a]: the pattern is then read literally
        return re.compile(re.escape(pattern))


def _relative(path: Path, base: Path | None) -> str:
    """Where a finding's file is, relative to the configuration's folder. Only the lexical
    path: resolving would follow the file's symlinks (and raise on a loop)."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(base or Path.cwd())).as_posix()
    except ValueError:
        return absolute.as_posix()


def codes(value: Any, where: str) -> frozenset[str]:
    """The codes a list of selectors names (a list, or a comma-separated string); an unknown
    selector is an error naming `where` it was written, with the closest code or name."""
    words = value.split(",") if isinstance(value, str) else value
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError(f'{where} must be a list of rule codes or names, e.g. ["FIG003"]')
    found: set[str] = set()
    for word in (w.strip() for w in words):
        if not word:
            raise ValueError(f"{where}: an empty rule name; name a code, a rule or ALL")
        named = codes_for(word)
        if named is None:
            raise ValueError(f"{where}: unknown rule '{shown(word)}'{did_you_mean(word)}")
        found |= named
    return frozenset(found)


def severities(value: Any, where: str) -> dict[str, Severity]:
    """`{"FIG003": "info"}` (or `FIG003=info,REF002=error` on the command line) as severities."""
    if isinstance(value, str):
        pairs = [part.partition("=")[::2] for part in value.split(",") if part.strip()]
        value = {code.strip(): level.strip() for code, level in pairs}
    if not isinstance(value, dict):
        raise ValueError(f"{where} must map rule codes to {', '.join(SEVERITIES)}")
    chosen: dict[str, Severity] = {}
    for word, level in value.items():
        if str(level).lower() not in SEVERITIES:
            raise ValueError(
                f"{where}: '{shown(word)}' must be one of {', '.join(SEVERITIES)}, "
                f"not '{shown(level)}'"
            )
        for code in codes(str(word), where):
            chosen[code] = Severity(str(level).lower())
    return chosen


def per_file(value: Any, where: str) -> tuple[tuple[str, frozenset[str]], ...]:
    if not isinstance(value, dict):
        raise ValueError(f'{where} must map file globs to rule lists, e.g. {{"a/*.qmd" = [...]}}')
    return tuple((str(glob), codes(rules, f'{where}."{glob}"')) for glob, rules in value.items())


# reviewer.toml's [rules] keys, ruff's spelling; `_` is accepted as well as `-`.
KEYS = ("select", "ignore", "per-file-ignores", "severity")


def from_config(table: dict[str, Any], path: Path | None, options: Mapping[str, Any]) -> RuleSet:
    """The rules that run: `select` (default ALL) less `ignore`, per-file ignores and
    severities, from reviewer.toml's [rules]; `--select` replaces the file's selection,
    `--ignore` and `--severity` add to it. Raises ValueError naming the key at fault."""
    where = f"{path}: [rules]"
    table = {k.replace("_", "-"): v for k, v in table.items()}
    chosen = codes(table.get("select", ["ALL"]), f"{where} select")
    if options.get("select"):
        chosen = codes(options["select"], "option --select")
    ignored = codes(table.get("ignore", []), f"{where} ignore")
    if options.get("ignore"):
        ignored |= codes(options["ignore"], "option --ignore")
    levels = severities(table.get("severity", {}), f"{where} severity")
    if options.get("severity"):
        levels |= severities(options["severity"], "option --severity")
    files = per_file(table.get("per-file-ignores", {}), f"{where} per-file-ignores")
    return RuleSet(chosen - ignored, files, levels, path.parent if path else None)


FAMILIES = ("FIG", "REF", "SRC", "NAR")


def codes_for(word: str, prefixes: bool = True) -> frozenset[str] | None:
    """The codes a selector names, as ruff reads them: a code (`FIG003`), a rule's name
    (`missing-alt`), and with `prefixes` a prefix of codes (`FIG`, `FIG00`) or `ALL`; None
    when it names none. Suppression comments take whole codes and names only."""
    text = word.strip()
    upper = text.upper()
    if text.lower() in BY_NAME:
        return frozenset({BY_NAME[text.lower()].code})
    if not prefixes:
        return frozenset({upper}) if upper in BY_CODE else None
    if upper == "ALL":
        return frozenset(BY_CODE)
    if upper[:3] in FAMILIES:
        found = frozenset(code for code in BY_CODE if code.startswith(upper))
        return found or None
    return None


def closest_rule(word: str) -> str | None:
    """The code or rule name a mistyped `word` most likely meant, compared in lower case (so
    `figure-only-mentiond` finds its name as `fig03` finds FIG003), given as written."""
    spelled = {code.lower(): code for code in BY_CODE} | {name: name for name in BY_NAME}
    close = closest(word.lower(), spelled)
    return spelled[close] if close else None


def did_you_mean(word: str) -> str:
    """` (did you mean 'FIG003'?)` for the closest code or name, or nothing."""
    close = closest_rule(word)
    return f" (did you mean '{close}'?)" if close else ""
