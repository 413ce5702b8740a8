"""The registry of finding codes, the one constructor of findings and their identity. Codes are
stable: never renumber or reuse one.
`FIG` codes are about floats: figures, and the tables and listings Quarto numbers alike (one
code per problem, whatever the float; the message names it). `REF` codes are about references,
`SRC` about the source files themselves, `NAR` about the LLM stage's narrative judgment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from reviewer.model import Finding, Location, Severity


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    why: str
    example: str


_W, _E, _I = Severity.WARNING, Severity.ERROR, Severity.INFO

RULES: tuple[Rule, ...] = (
    Rule(
        "FIG001",
        "never-referenced",
        _W,
        "Figure, table or listing is never referenced in the prose.",
        "A figure the text never points at is one the reader has to interpret alone; "
        "Quarto also numbers it for nothing.",
        "Add a sentence such as 'As @fig-loss shows, ...' before the figure.",
    ),
    Rule(
        "FIG002",
        "missing-caption",
        _E,
        "Cross-referenced float (a `fig-`, `tbl-` or `lst-` id) has no caption.",
        "Quarto numbers the figure but shows no caption under it, and readers skimming a "
        "chapter read captions first. An image or plot with neither id nor caption is not "
        "checked: Quarto renders it as a plain image, not a figure.",
        "![Training loss falls after warm-up.](loss.png){#fig-loss}",
    ),
    Rule(
        "FIG003",
        "missing-alt",
        _W,
        "Figure has no alt text (tables and listings have none in Quarto).",
        "Screen-reader users get nothing from an image without alt text; the caption is "
        "not read in its place in every output format.",
        '![Caption](loss.png){#fig-loss fig-alt="Line chart of loss falling from 2.1 to 0.3."}',
    ),
    Rule(
        "FIG004",
        "alt-equals-caption",
        _W,
        "Alt text repeats the caption word for word.",
        "Screen readers then read the same sentence twice; alt text should describe what the "
        "image looks like, the caption what it means.",
        'fig-alt="Line chart: x is epoch, y is loss, one falling blue line."',
    ),
    Rule(
        "FIG005",
        "id-style",
        _W,
        "Figure, table or listing id contains '_'.",
        "Quarto's cross-reference guide warns that '_' in labels and ids can break PDF output "
        "through LaTeX. Upper case is not flagged: Quarto resolves ids case-sensitively and "
        "renders them fine.",
        "#fig-ml_lifecycle -> #fig-ml-lifecycle",
    ),
    Rule(
        "FIG006",
        "label-without-fig-prefix",
        _W,
        "Code cell has a figure caption but its label lacks the 'fig-' prefix.",
        "Quarto only numbers and cross-references a cell's figure when its label starts with "
        "'fig-'; without it, @-references to the figure cannot resolve.",
        "#| label: loss-curve  ->  #| label: fig-loss-curve",
    ),
    Rule(
        "FIG007",
        "duplicate-id",
        _E,
        "The same float id is defined twice outside format-conditional blocks.",
        "Quarto resolves a reference to only one of them; the other is unreachable.",
        "Rename one of the two, or put each in a `.content-visible when-format=...` block.",
    ),
    Rule(
        "FIG008",
        "unlabeled-figure",
        _I,
        "Figure has no id, so the prose cannot cross-reference it.",
        "Without an id the figure is not numbered and the text can only say 'below'; its "
        "introduction is guessed from position (the paragraph just before it).",
        "![Caption](img.png) -> ![Caption](img.png){#fig-name}",
    ),
    Rule(
        "REF001",
        "undefined-reference",
        _E,
        "Reference to a figure, table or listing id that is not defined.",
        "Quarto renders an unresolved reference as '?@fig-x' (or '?@tbl-x') in the book.",
        "Fix the id's spelling, or define the figure.",
    ),
    Rule(
        "REF002",
        "figure-far-after-reference",
        _W,
        "Float is defined far after its first reference (default: more than 30 lines).",
        "The reader meets the reference long before the figure and has to hold the thought "
        "or flip ahead.",
        "Move the figure to just after the paragraph that first cites it.",
    ),
    Rule(
        "REF003",
        "figure-before-reference",
        _W,
        "Float ends before the text first references it (default: more than 5 lines).",
        "The reader sees the figure with no introduction and has to guess why it is there.",
        "Move the figure below the paragraph that introduces it.",
    ),
    Rule(
        "REF004",
        "no-prose-reference",
        _W,
        "Float is referenced only from captions, tables or footnotes, never from prose.",
        "No paragraph introduces the figure, so nothing tells the reader what to look at.",
        "Cite the figure from a body paragraph that explains it.",
    ),
    Rule(
        "REF005",
        "cross-page-reference",
        _I,
        "Reference to a figure defined on another page of a website or plain project.",
        "Quarto resolves cross-references across chapters only in a book; a website renders "
        "each page alone, so the reference shows as '?@fig-x' unless a post-render step links "
        "it (some books do). It is reported as information, not as an undefined reference.",
        "Link to the figure: [the map](other-page.qmd#fig-map); or make the project a book; "
        "or raise the severity in reviewer.toml if your site has no such step.",
    ),
    Rule(
        "SRC001",
        "unclosed-div",
        _E,
        "A fenced div (':::') is never closed.",
        "Quarto treats the opening fence as text, so everything in the div, figures included, "
        "is rendered differently from what the source suggests. It is read here as if it "
        "closed at the end of the file.",
        "Add a ':::' line where the div ends.",
    ),
    Rule(
        "SRC002",
        "unclosed-code-fence",
        _E,
        "A code fence is never closed.",
        "Everything after the fence becomes code: the rest of the chapter's figures and "
        "references disappear from the rendered book.",
        "Close the fence with a line of at least as many backticks.",
    ),
    Rule(
        "SRC003",
        "broken-include",
        _E,
        "An {{< include >}} names a file that cannot be read.",
        "Quarto stops rendering the chapter; figures in the missing file are not reviewed.",
        "Fix the include's path (relative to the including file, or to the project if it "
        "starts with '/').",
    ),
    Rule(
        "SRC004",
        "include-cycle",
        _E,
        "An {{< include >}} includes a file that is already being included.",
        "Quarto would include the files forever; the cycle is cut here.",
        "Remove the include that points back up the chain.",
    ),
    Rule(
        "SRC005",
        "unreadable-chapter",
        _E,
        "A chapter of the book could not be read (missing, empty, binary or not UTF-8).",
        "Its figures are not reviewed, and references to them look undefined.",
        "Fix the file, or remove it from the book's chapter list.",
    ),
    Rule(
        "SRC006",
        "include-outside-project",
        _E,
        "An {{< include >}} names a file outside the project folder.",
        "The reviewer reads only files inside the project (the folder of `_quarto.yml`, or the "
        "chapter's folder without one), so a path or symlink cannot make it read, or send to "
        "an LLM, a file elsewhere on the machine. The included figures are not reviewed.",
        "Move the shared file into the project, e.g. `{{< include /_partials/_setup.qmd >}}`.",
    ),
    Rule(
        "SRC007",
        "nesting-too-deep",
        _E,
        "Block quotes or lists are nested deeper than the reviewer reads (64 levels).",
        "The deepest lines are not read, so figures and references in them are not reviewed. "
        "Fenced divs are read at any depth; this limit keeps the parser within its stack.",
        "Flatten the nesting: no book needs 64 levels of block quotes or lists.",
    ),
    Rule(
        "SRC008",
        "image-outside-project",
        _W,
        "A figure's image file lies outside the project folder, so it is not read.",
        "The reviewer reads only files inside the project (the folder of `_quarto.yml`, or the "
        "chapter's folder without one): a `../` path or a symlink cannot make it attach a file "
        "from elsewhere to an LLM request or embed it in the HTML audit. The figure is judged "
        "from its caption and alt text.",
        "Keep the book's images inside the project, e.g. `![...](/images/plot.png)`.",
    ),
    Rule(
        "SRC009",
        "unknown-suppression-code",
        _E,
        "A `<!-- review: ... -->` comment names a code or rule that does not exist.",
        "A mistyped code must not silence anything: the comment suppresses only the codes it "
        "names correctly, so a typo would otherwise leave the author believing a finding was "
        "dealt with.",
        "<!-- review: ignore FIG03 -->  ->  <!-- review: ignore FIG003 -->",
    ),
    Rule(
        "SRC010",
        "unused-suppression",
        _W,
        "A `<!-- review: ... -->` comment suppresses nothing (like ruff's RUF100).",
        "The finding it was written for is gone, or it stands before the wrong block; left in, "
        "it would silently hide a new finding there later.",
        "Delete the comment, or move it to just above the figure or paragraph it is meant for.",
    ),
    Rule(
        "NAR001",
        "prose-contradicts-figure",
        _E,
        "The introducing paragraph disagrees with the caption or alt text (LLM judgment).",
        "A reader who trusts the prose reads the figure wrongly; one of the two is out of date.",
        "Make the number, label or direction agree in both places; the audit quotes the "
        "disagreement.",
    ),
    Rule(
        "NAR002",
        "figure-only-mentioned",
        _W,
        "The introducing paragraph only points at the figure without explaining it (LLM judgment).",
        "'See @fig-x' leaves the reader to work out what the figure shows and why it is there.",
        "Say what the figure shows and what to take from it; the audit suggests a checked rewrite.",
    ),
    Rule(
        "NAR003",
        "figure-partly-explained",
        _I,
        "The introducing paragraph explains the figure only in part (LLM judgment).",
        "The reader learns some of what the figure shows, but not where to look or why it matters.",
        "Add the missing piece named in the audit's rationale.",
    ),
    Rule(
        "NAR004",
        "figure-score-below-threshold",
        _W,
        "The judged score is below the `--fail-on score<N` threshold (LLM judgment).",
        "A project that gates on the judge's score wants each weak introduction named, with "
        "its figure id, so CI can fail on it and a baseline can record it.",
        "Say what the figure shows, where to look and why it matters; the audit suggests a "
        "checked rewrite. (`--fail-on 'score<3'` reports NAR004 for each figure judged 1 or 2.)",
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def finding(
    code: str,
    message: str,
    where: Location,
    figure: str | None = None,
    suggestion: str | None = None,
) -> Finding:
    """Every finding is made here, with the severity the registry gives its code; the gate
    applies the configured one."""
    return Finding(code, BY_CODE[code].severity, message, where, figure, suggestion)


FindingKey = tuple[str, str, str]  # path relative to a base, code, figure id or message shape


def finding_key(finding: Finding, base: Path) -> FindingKey:
    """What identifies a finding across edits (the baseline, SARIF's fingerprints); one about
    no figure is told apart by its message, digits left out."""
    path = Path(os.path.relpath(Path(finding.location.path).resolve(), base.resolve()))
    anchor = finding.figure or re.sub(r"\d+", "#", finding.message)
    return path.as_posix(), finding.code, anchor
