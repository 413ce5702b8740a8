"""The command line's entry point, kept thin: route the first word to its command, and map
errors to exit codes (0 clean, 1 findings at or above --fail-on, 2 could not run, 130
Ctrl-C). Each command's options live in its own module here; the work is done below."""

from __future__ import annotations

import os
import sys
import threading

import typer

from reviewer.cli import review, tools
from reviewer.errors import ReviewerError


def _judging_threads() -> bool:
    return any(t.name.startswith("reviewer-judge") for t in threading.enumerate())


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = _run(args)
    except ReviewerError as err:
        typer.echo(f"review: error: {err}", err=True)
        return 2
    except (KeyboardInterrupt, typer.Abort):
        return _interrupted()
    except typer.TyperException as err:
        show = getattr(err, "show", None)
        if show:
            show()
        return int(getattr(err, "exit_code", 2))
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    if result == 130:  # typer turns Ctrl-C inside a command into this exit code
        return _interrupted()
    return result


def _run(args: list[str]) -> int:
    """Route the first word to its command and run it: `review PATH` is read into a review
    run (reviewer.commands.review) and run outside typer; the others run inside it."""
    if args[:1] == ["fix"]:
        from reviewer.cli import fix

        return fix.main(args[1:])
    if args[:1] in (["batch"], ["eval"]) or (args and args[0] in tools.NAMES):
        app, args, prog = _route(args)
        result = typer.main.get_command(app).main(args=args, prog_name=prog, standalone_mode=False)
        return result if isinstance(result, int) else 0
    if args:
        tools.mistyped(args[0], tools.COMMANDS, "command or file")
    invocation = review.read(args)
    if isinstance(invocation, int):  # --help, --version, a usage error
        return invocation
    from reviewer.commands.review import run

    return run(*invocation)


def _route(args: list[str]) -> tuple[typer.Typer, list[str], str]:
    if args[:1] == ["batch"]:
        from reviewer.cli import batch as cli_batch  # the batch stage loads only for batch commands

        rest = args[1:]
        if rest and rest[0] not in cli_batch.COMMANDS and not rest[0].startswith("-"):
            tools.mistyped(rest[0], cli_batch.COMMANDS, "batch command or book")
            rest = ["submit", *rest]  # `review batch BOOK` is `review batch submit BOOK`
        return cli_batch.app, rest, "review batch"
    if args[:1] == ["eval"]:
        from reviewer.cli import eval as cli_eval  # the evaluate stage loads only for `review eval`

        return cli_eval.app, args[1:], "review eval"
    tools.check_subcommand(args)  # rules, explain, cache, baseline, doctor
    return tools.app, args, "review"


def _interrupted() -> int:
    sys.stderr.write("review: interrupted; answers received so far are in the cache\n")
    sys.stderr.flush()
    if _judging_threads():
        # Requests still in flight would hold the exit for up to their timeout; the cache
        # commits each answer on its own, so there is nothing left to save.
        os._exit(130)
    return 130
