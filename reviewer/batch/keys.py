"""Batch stage, what keys a run: the settings its questions were asked with, recorded when it
is submitted and followed by every later command, so that `status`, `collect` and a second
`collect` on a finished run ask and read the same questions, and write the same report.

A command line that asks for something else is refused, naming the setting; settings from
reviewer.toml or the environment that have changed since are overridden by the run's."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reviewer.batch.state import RunState
from reviewer.errors import ReviewerError
from reviewer.judge.request import Prompts
from reviewer.project.config import Config
from reviewer.project.settings import VALUE_CHECKS

# Recorded key: (the Config field it sets, how a user gives it, the types it may have).
KEYED: dict[str, tuple[str, str, tuple[type, ...]]] = {
    "model": ("model", "--model", (str,)),
    "endpoint": ("endpoint", "endpoint", (str,)),
    "base_url": ("base_url", "--base-url", (str, type(None))),
    "max_output_tokens": ("max_output_tokens", "max_output_tokens", (int,)),
    "vision": ("vision", "vision", (str,)),
    "prompts_dir": ("prompts", "--prompts", (str, type(None))),
    "floats": ("floats", "--floats", (str,)),
}


def run_keys(config: Config, endpoint: str, prompts: Prompts) -> dict[str, Any]:
    """What a new run records."""
    return {
        "model": config.model,
        "endpoint": endpoint,
        "base_url": config.base_url,
        "max_output_tokens": config.max_output_tokens,
        "vision": config.vision,
        "prompts_dir": config.prompts,
        "floats": config.floats,
        "prompts": prompts_digest(prompts),
    }


def prompts_digest(prompts: Prompts) -> str:
    texts = [prompts.system, prompts.json_mode, prompts.repair, prompts.propose]
    return hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:16]


def follow(
    config: Config, state: RunState, overrides: Mapping[str, object], folder: Path
) -> Config:
    """`config` with the run's keying settings; a contradicting override is an error."""
    recorded: dict[str, Any] = {"model": state.model, "endpoint": state.endpoint, **state.keys}
    changes: dict[str, Any] = {}
    for key, (attr, said, types) in KEYED.items():
        if key not in recorded:
            continue
        value = recorded[key]
        if not isinstance(value, types) or type(value) is bool:
            raise ReviewerError(f"{folder}/state.json: {key} is {value!r}; remove the folder")
        asked = overrides.get(attr)
        if asked is not None and attr in VALUE_CHECKS:
            # Compared as the run recorded it: `--floats tables` asks for the `tbl` it holds.
            asked = VALUE_CHECKS[attr](asked)
        if asked is not None and asked != value:
            raise ReviewerError(
                f"batch run {state.run} in {folder} was submitted with {said} {value}, "
                f"and this command asks for {asked}; leave {said} out to follow the run, "
                f"or remove {folder} to start a new one"
            )
        changes[attr] = value
    return replace(config, **changes)


def check_prompts(state: RunState, prompts: Prompts, folder: Path) -> None:
    recorded = state.keys.get("prompts")
    if recorded is not None and recorded != prompts_digest(prompts):
        raise ReviewerError(
            f"the prompts changed since batch run {state.run} in {folder} was submitted, so "
            f"its answers no longer match the questions; restore them, or remove {folder} to "
            "start a new run"
        )
