"""Parse stage: state shared by our markdown-it block rules: the keys they keep in the
parser's `env`, and two small helpers."""

from __future__ import annotations

from markdown_it.rules_block.state_block import StateBlock

DIV_DEPTH = "reviewer.div_depth"
LIST_DEPTH = "reviewer.list_depth"
DIV_CLOSED = "reviewer.div_closed"
DEPTH = "reviewer.depth"  # block loops running inside one another (nesting.py)
FLAT_DIVS = "reviewer.flat_divs"  # open divs read in their parent's loop: (depth, token, line)
PROBLEMS = "reviewer.problems"  # list of (code, 0-based line)


def line_text(state: StateBlock, line: int) -> str:
    """A line's text after its indentation (and after any container markers)."""
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def problem(state: StateBlock, code: str, line: int) -> None:
    state.env.setdefault(PROBLEMS, []).append((code, line))
