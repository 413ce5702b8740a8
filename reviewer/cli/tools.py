"""The command line's other commands: `review rules`, `review explain CODE`,
`review cache stats|clear`, `review baseline write` and `review doctor`. `reviewer.cli.main`
routes to them by their first word."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from reviewer.cli import options, review
from reviewer.errors import ReviewerError, closest
from reviewer.project.config import load_config
from reviewer.project.selection import closest_rule, codes_for
from reviewer.rules import BY_CODE, RULES

HELP = {"help_option_names": ["-h", "--help"]}
# A word with one of these shapes is meant as a path, even when it is close to a command name.
_PATH_SUFFIXES = (".qmd", ".md", ".yml", ".yaml", ".ipynb")


def did_you_mean(word: str, names: Sequence[str]) -> str:
    """'; did you mean 'X'?' for the name closest to `word`, or '' when none is close."""
    close = closest(word, names)
    return f"; did you mean '{close}'?" if close else ""


def mistyped(word: str, names: Sequence[str], what: str) -> None:
    """Refuse a word that is close to one of `names` and cannot be meant as a path: without
    this, `review rule` would be reviewed as a chapter named `rule` and fail as a missing file."""
    if word in names or word.startswith("-") or _pathlike(word):
        return
    hint = did_you_mean(word, names)
    if hint:
        raise ReviewerError(f"no such {what} '{word}'{hint}")


def _pathlike(word: str) -> bool:
    # lexists: a dangling link is still a path, and an unusable name is just not one.
    return "/" in word or "\\" in word or word.endswith(_PATH_SUFFIXES) or os.path.lexists(word)


def _group() -> typer.Typer:
    return typer.Typer(
        add_completion=False, rich_markup_mode=None, no_args_is_help=True, context_settings=HELP
    )


app = _group()
_cache_app = _group()
_baseline_app = _group()
app.add_typer(_cache_app, name="cache", help="Show or empty the answer cache.")
app.add_typer(
    _baseline_app,
    name="baseline",
    help="Record today's findings, so that `review --baseline FILE` counts only new ones.",
)
NAMES = ("rules", "explain", "cache", "baseline", "doctor")
# Every first word `review` takes as a command; cli.main routes batch and eval itself.
COMMANDS = (*NAMES, "batch", "eval", "fix")
BASELINE_FILE = "review-baseline.json"
_GROUPS = {"cache": _cache_app, "baseline": _baseline_app}


def check_subcommand(args: Sequence[str]) -> None:
    """Refuse an unknown `review cache|baseline WORD` in one line with a did-you-mean, as
    `mistyped` does at the top (click's own answer is four lines, usage first)."""
    group = _GROUPS.get(args[0]) if args else None
    if group is None or len(args) < 2 or args[1].startswith("-"):
        return
    names = [c.name for c in group.registered_commands if c.name]
    if args[1] not in names:
        hint = did_you_mean(args[1], names) or f"; one of: {', '.join(names)}"
        raise ReviewerError(f"no such {args[0]} command '{args[1]}'{hint}")


_BASELINE_EPILOG = """\b
Examples:
  review baseline write book/                  record the book's findings today
  review book/ --baseline review-baseline.json --fail-on warning
                                               exit 1 only for findings not recorded

Every option of `review` works here too (--no-llm, --offline, --replay DIR, --model,
--config ...): write the baseline with the settings CI reviews with, or CI's judgments
will look new. Findings match by file, figure id and code, never by line; findings
suppressed in the source are not recorded."""


@app.command("rules")
def _rules() -> None:
    """List every finding code with its severity and one-line summary.

    The FIG and REF codes apply to every cross-referenced float, figures, tables (`@tbl-`)
    and listings (`@lst-`) alike, and each message names which it is about; the alt-text
    checks (FIG003, FIG004) are for figures only.
    """
    for rule in RULES:
        typer.echo(f"{rule.code}  {rule.severity.value:<7}  {rule.name:<28} {rule.summary}")


@app.command("explain")
def _explain(
    code: Annotated[
        str,
        typer.Argument(
            help="A finding code or a rule's name, e.g. FIG003 or missing-alt.", metavar="CODE"
        ),
    ],
) -> None:
    """Explain one rule, by code or name: what it checks, why it matters, an example fix."""
    named = codes_for(code, prefixes=False)  # a code or a name, in any case
    if named is None:
        raise ReviewerError(f"unknown code or name '{code}'{_closest_rule(code)}")
    (rule,) = (BY_CODE[c] for c in named)
    typer.echo(
        f"{rule.code} {rule.name} ({rule.severity.value})\n\n{rule.summary}\n\n"
        f"Why it matters: {rule.why}\n\nExample: {rule.example}"
    )


def _closest_rule(word: str) -> str:
    close = closest_rule(word)
    return f"; did you mean '{close}'?" if close else "; `review rules` lists them all"


_DOCTOR_EPILOG = """\b
Examples:
  review doctor --base-url http://127.0.0.1:8080/v1 --model local
                          a llama.cpp, vLLM, Ollama or LM Studio server
  OPENAI_API_KEY=... review doctor --model gpt-4.1-mini

It sends about six small requests (16 output tokens each) and prints one line per check:
models, structured output, images, rate limits, batch API. The structured-output form the
endpoint takes is remembered beside the answer cache, so the next review starts with it.
Exit code 0 when reviews can run there, 2 when they cannot (no answer, or no form taken)."""


@app.command("doctor", epilog=_DOCTOR_EPILOG)
def _doctor(
    base_url: options.BaseUrl = None,
    model: options.Model = None,
    config: options.ConfigFile = None,
) -> int:
    """Probe an endpoint once and say what works there, before a long run."""
    settings = load_config(Path.cwd(), {"base_url": base_url, "model": model}, explicit=config)
    if not (settings.api_key or settings.base_url):
        raise ReviewerError("doctor needs an endpoint: set OPENAI_API_KEY, or give --base-url")
    from reviewer.judge.doctor import doctor  # loads openai only for this command

    typer.echo(f"endpoint: {settings.endpoint_url}, model {settings.model}")
    checks = doctor(settings)
    for check in checks:
        typer.echo(check.line())
    return 0 if all(c.ok for c in checks) and len(checks) > 1 else 2


def _open_cache(config: Path | None) -> Any:
    from reviewer.judge.build import cache_location
    from reviewer.judge.cache import AnswerCache

    return AnswerCache(cache_location(load_config(Path.cwd(), explicit=config)))


@_cache_app.command("stats")
def _cache_stats(config: options.ConfigFile = None) -> None:
    """Show where the answer cache is, how many answers it holds and its size on disk."""
    cache = _open_cache(config)
    stats = cache.stats()
    cache.close()
    typer.echo(
        f"cache: {stats.directory}\nanswers: {stats.entries:,}\n"
        f"size: {stats.size_bytes / 1e6:.1f} MB"
    )


@_cache_app.command("clear")
def _cache_clear(config: options.ConfigFile = None) -> None:
    """Delete every cached answer (the next review asks the model again)."""
    cache = _open_cache(config)
    removed = cache.clear()
    cache.close()
    typer.echo(f"cache: removed {removed:,} answers from {cache.directory}")


@_baseline_app.command(
    "write",
    epilog=_BASELINE_EPILOG,
    options_metavar="PATH... [OPTIONS]",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def _baseline_write(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Where to write the baseline (JSON)."),
    ] = Path(BASELINE_FILE),
) -> int:
    """Review PATH (a chapter, several, or a book) and record every finding in a baseline.

    Takes the same paths and options as `review`."""
    if not any(not arg.startswith("-") for arg in ctx.args):
        raise ReviewerError("say what to review: `review baseline write PATH`")
    invocation = review.read(list(ctx.args), "review baseline write")
    if isinstance(invocation, int):  # a usage error, said already
        return invocation
    from dataclasses import replace

    from reviewer.commands.review import run  # the review run itself, with the same options

    paths, asked = invocation
    return run(paths, replace(asked, write_baseline=output))
