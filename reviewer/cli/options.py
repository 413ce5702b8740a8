"""The command line, shared options: how a run reaches a model (or a cache, or cassettes) and
which rules run, declared once so that `review`, `review eval`, `review batch` and
`review doctor` say the same thing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LLM = "LLM stage"

ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", help="Read this reviewer.toml instead of searching upward for one."),
]

Model = Annotated[
    str | None,
    typer.Option(
        "--model", help="Model to judge with. Default: gpt-4.1-mini.", rich_help_panel=LLM
    ),
]

BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="An OpenAI-compatible endpoint (vLLM, Ollama, "
        "llama.cpp, Azure). Default: OPENAI_BASE_URL, else OpenAI.",
        rich_help_panel=LLM,
    ),
]

Offline = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="Never open a connection: cached answers and cassettes only.",
        rich_help_panel=LLM,
    ),
]

NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache", help="Neither read nor write the answer cache.", rich_help_panel=LLM
    ),
]

Refresh = Annotated[
    bool,
    typer.Option(
        "--refresh",
        help="Ask again even when the cache has an answer, and store the new one.",
        rich_help_panel=LLM,
    ),
]

MaxCost = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        metavar="USD",
        help="Spend at most this many US dollars: a review skips the figures it cannot "
        "afford; `review batch` submits nothing if the book could cost more.",
        rich_help_panel=LLM,
    ),
]

Record = Annotated[
    Path | None,
    typer.Option(
        "--record",
        metavar="DIR",
        help="Record the HTTP exchanges into DIR (secrets scrubbed), for replay.",
        rich_help_panel=LLM,
    ),
]

Replay = Annotated[
    Path | None,
    typer.Option(
        "--replay",
        metavar="DIR",
        help="Answer from cassettes recorded with --record; never touches the network.",
        rich_help_panel=LLM,
    ),
]

PromptsDir = Annotated[
    Path | None,
    typer.Option(
        "--prompts",
        metavar="DIR",
        help="Use the prompt files in DIR instead of the shipped ones.",
        rich_help_panel=LLM,
    ),
]

RULES = "Rules"

Floats = Annotated[
    str | None,
    typer.Option(
        "--floats",
        metavar="KINDS",
        help="Review these kinds of cross-referenced float: fig, tbl, lst (figures, tables, "
        "listings), comma-separated; references to the others are left alone. Replaces "
        "reviewer.toml's floats. Default: fig,tbl,lst.",
        rich_help_panel=RULES,
    ),
]

Select = Annotated[
    str | None,
    typer.Option(
        "--select",
        metavar="CODES",
        help="Run only these rules: codes, names or prefixes, comma-separated (FIG,REF001,"
        "missing-alt; ALL). Replaces reviewer.toml's [rules] select. Default: ALL.",
        rich_help_panel=RULES,
    ),
]

Ignore = Annotated[
    str | None,
    typer.Option(
        "--ignore",
        metavar="CODES",
        help="Leave out these rules (codes, names or prefixes, comma-separated), on top of "
        "reviewer.toml's [rules] ignore.",
        rich_help_panel=RULES,
    ),
]

SeverityOption = Annotated[
    str | None,
    typer.Option(
        "--severity",
        metavar="CODE=LEVEL",
        help="Change rules' severities, e.g. FIG003=info,REF002=error (error, warning, info); "
        "on top of reviewer.toml's [rules.severity]. The exit code follows the new ones.",
        rich_help_panel=RULES,
    ),
]
