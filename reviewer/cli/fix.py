"""The command line, `review fix PATH`: its own options (what to fix, and how), and every
option of `review` for how the judgments are had; reviewer.commands.fix does the work."""

from __future__ import annotations

from typing import Annotated

import typer

from reviewer.cli import review
from reviewer.cli.tools import HELP
from reviewer.errors import ReviewerError
from reviewer.model import Verdict

EPILOG = """\b
Examples:
  review fix chapter.qmd --offline > fix.patch   the cached rewrites, as a diff
  git apply fix.patch                            ... then applied with git
  review fix book/ --interactive --apply         walk each rewrite: y, n, e (edit), q
  review fix chapter.qmd --only fig-loss --apply write one figure's rewrite in place
  review fix chapter.qmd --verdict mentions_only,partial --max-score 3

Every option of `review` works here too (--offline, --replay DIR, --model, --config ...):
the judgments are those `review` with the same options gives, from the cache when the
paragraphs are unchanged. A rewrite is applied only while its paragraph is exactly the text
that was judged and its checks still pass; after --apply the chapters are read again, and
put back if a figure lost its introduction."""

app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings=HELP)
_VERDICTS = [v.value for v in Verdict if v is not Verdict.EXPLAINS]


@app.command(
    epilog=EPILOG,
    options_metavar="PATH... [OPTIONS]",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def fix(
    ctx: typer.Context,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="Walk the rewrites worst first.")
    ] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the rewrites into the chapters.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print a unified diff (the default).")
    ] = False,
    only: Annotated[
        str | None, typer.Option("--only", help="Only these figures: fig-a,fig-b.")
    ] = None,
    verdict: Annotated[
        str | None,
        typer.Option("--verdict", help=f"Only these verdicts: {','.join(_VERDICTS)}."),
    ] = None,
    max_score: Annotated[
        int | None, typer.Option("--max-score", min=1, max=5, help="Only scores up to N.")
    ] = None,
    introductions: Annotated[
        bool,
        typer.Option(
            "--introductions",
            help="Insert the proposed introduction before a figure no paragraph cites.",
        ),
    ] = False,
) -> int:
    """Turn the judged rewrites into edits: a diff, one by one, or written in place.

    Takes the same paths and options as `review`."""
    from reviewer.commands.fix import FixOptions, run
    from reviewer.fix.edits import Selection

    if diff and apply:
        raise ReviewerError("--diff prints the edits and --apply writes them: choose one")
    if not any(not arg.startswith("-") for arg in ctx.args):
        raise ReviewerError("say what to fix: `review fix PATH`")
    invocation = review.read(list(ctx.args), "review fix")
    if isinstance(invocation, int):
        return invocation
    selection = Selection(_words(only), _verdicts(verdict), max_score, introductions)
    paths, asked = invocation
    return run(paths, asked, FixOptions(selection, interactive, apply))


def _words(value: str | None) -> frozenset[str]:
    return frozenset(w.strip().lstrip("@") for w in (value or "").split(",") if w.strip())


def _verdicts(value: str | None) -> frozenset[Verdict]:
    found = set()
    for word in _words(value):
        if word not in _VERDICTS:
            raise ReviewerError(f"--verdict {word}: not a verdict; one of {', '.join(_VERDICTS)}")
        found.add(Verdict(word))
    return frozenset(found)


def main(args: list[str]) -> int:
    result = typer.main.get_command(app).main(
        args=args, prog_name="review fix", standalone_mode=False
    )
    return result if isinstance(result, int) else 0
