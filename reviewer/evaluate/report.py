"""Evaluate stage, the report: an evaluation result as Markdown, and two results side by side.

Both work from the JSON that `Evaluation.to_json()` writes (documented in `metrics`), so a
saved result renders the same as a fresh one and two runs of any age can be compared. Rates
are shown with their counts: the gold set is small, and one pair moves a rate by points."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reviewer.evaluate.metrics import COLUMNS, ROWS, Evaluation

Result = Mapping[str, Any]
NONE = "\u2013"  # an en dash: an undefined value, or one a result does not have

_COMPARE_HEADER = "| metric | A | B | B \u2212 A |"  # a minus sign, as in print
_SUMMARY = (
    "| group | pairs | judged | failed | accuracy | kappa | score MAE | Spearman "
    "| rewrites passed | tokens (prompt / completion) | cost |"
)


def render(result: Evaluation | Result) -> str:
    data = result.to_json() if isinstance(result, Evaluation) else result
    groups: Mapping[str, Result] = data.get("groups", {})
    lines = ["# Judge evaluation", "", run_label(data.get("run")), "", "## Summary", ""]
    lines += [_SUMMARY, "|---|" + "---:|" * 10]
    lines += [_summary_row(name, m) for name, m in groups.items()]
    for name, metrics in groups.items():
        lines += ["", f"## {title(name)}", "", "Rows are gold verdicts, columns the judge's.", ""]
        lines += [*_confusion(metrics), "", *_per_verdict(metrics)]
    return "\n".join(lines) + "\n"


def compare(a: Result, b: Result, label_a: str | None = None, label_b: str | None = None) -> str:
    """Two results side by side, group by group, with the difference B - A."""
    label_a = label_a or run_label(a.get("run"))
    label_b = label_b or run_label(b.get("run"))
    groups_a, groups_b = a.get("groups", {}), b.get("groups", {})
    names = [*groups_a, *(name for name in groups_b if name not in groups_a)]
    lines = ["# Judge evaluation: A and B compared", "", f"- A: {label_a}", f"- B: {label_b}"]
    for name in names:
        lines += [
            "",
            f"## {title(name)}",
            "",
            "| metric | A | B | B \u2212 A |",
            "|---|---:|---:|---:|",
        ]
        lines += [_compare_row(row, groups_a.get(name), groups_b.get(name)) for row in _ROWS]
    return "\n".join(lines) + "\n"


def run_label(run: Mapping[str, Any] | None) -> str:
    """`model (endpoint) · prompts <digest> · <date> · gold <file>`, from what the run has."""
    run = run or {}
    parts = [
        f"{run.get('model') or 'unknown model'}"
        + (f" ({run['base_url_kind']})" if run.get("base_url_kind") else ""),
        f"prompts {str(run['prompts_digest'])[:12]}" if run.get("prompts_digest") else "",
        str(run.get("date") or ""),
        f"gold {run['gold_file']}" if run.get("gold_file") else "",
        f"judge: {run['judge']}" if run.get("judge") else "",
    ]
    return _cell(" · ".join(p for p in parts if p))


def title(group: str) -> str:
    """`labelled_high_confidence` -> `Labelled, high confidence only`."""
    origin = group.removesuffix("high_confidence").rstrip("_") or "all"
    name = "All pairs" if origin == "all" else origin.capitalize()
    return f"{name}, high confidence only" if group.endswith("high_confidence") else name


# -- one result ----------------------------------------------------------------------------------


def _summary_row(name: str, m: Result) -> str:
    rewrites = m.get("rewrites", {})
    tokens = m.get("tokens", {})
    cells = [
        title(name),
        _int(m.get("pairs")),
        _int(m.get("judged")),
        _int(m.get("failed")),
        f"{_rate(m.get('accuracy'))} ({m.get('correct', 0)}/{m.get('judged', 0)})",
        _rate(m.get("kappa")),
        _rate(m.get("score_mae")),
        _rate(m.get("score_spearman")),
        f"{rewrites.get('passed', 0)}/{rewrites.get('proposed', 0)}",
        f"{_int(tokens.get('prompt'))} / {_int(tokens.get('completion'))}",
        _cost(m.get("cost_usd")),
    ]
    return _row(cells)


def _confusion(m: Result) -> list[str]:
    matrix: Mapping[str, Mapping[str, int]] = m.get("confusion", {})
    lines = [_row(["gold \\ judge", *COLUMNS, "total"]), "|---|" + "---:|" * (len(COLUMNS) + 1)]
    for gold in ROWS:
        counts = [matrix.get(gold, {}).get(column, 0) for column in COLUMNS]
        lines.append(_row([gold, *(str(c) for c in counts), str(sum(counts))]))
    return lines


def _per_verdict(m: Result) -> list[str]:
    header = ["verdict", "support", "predicted", "correct", "precision", "recall", "F1"]
    lines = [_row(header), "|---|" + "---:|" * 6]
    for verdict, s in m.get("per_verdict", {}).items():
        counts = [str(s.get(k, 0)) for k in ("support", "predicted", "correct")]
        rates = [_rate(s.get(k)) for k in ("precision", "recall", "f1")]
        lines.append(_row([verdict, *counts, *rates]))
    return lines


# -- cells ---------------------------------------------------------------------------------------


def _rate(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else NONE


def _int(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else NONE


def _cost(value: Any) -> str:
    if not isinstance(value, int | float):
        return NONE
    return f"-${-value:.4f}" if value < 0 else f"${value:.4f}"


def _signed(shown: str) -> str:
    return shown if shown.startswith(("-", NONE)) else f"+{shown}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- two results ---------------------------------------------------------------------------------

_Format = Callable[[Any], str]
# (label, path into a group's metrics, how values and differences are shown)
_METRIC_ROWS: list[tuple[str, tuple[str, ...], _Format]] = [
    ("pairs", ("pairs",), _int),
    ("judged", ("judged",), _int),
    ("failed", ("failed",), _int),
    ("accuracy", ("accuracy",), _rate),
    ("kappa", ("kappa",), _rate),
    ("score MAE", ("score_mae",), _rate),
    ("score Spearman", ("score_spearman",), _rate),
    ("rewrite pass rate", ("rewrites", "pass_rate"), _rate),
]
_ROWS = [
    *_METRIC_ROWS,
    *(
        (f"{what} {verdict}", ("per_verdict", verdict, key), _rate)
        for verdict in ROWS
        for what, key in (("recall", "recall"), ("F1", "f1"))
    ),
    ("prompt tokens", ("tokens", "prompt"), _int),
    ("completion tokens", ("tokens", "completion"), _int),
    ("cost", ("cost_usd",), _cost),
]


def _compare_row(
    row: tuple[str, tuple[str, ...], _Format], a: Result | None, b: Result | None
) -> str:
    label, path, show = row
    va, vb = _at(a, path), _at(b, path)
    both = isinstance(va, int | float) and isinstance(vb, int | float)
    diff = NONE if not both else show(vb - va) if vb == va else _signed(show(vb - va))
    return _row([label, show(va), show(vb), diff])


def _at(metrics: Result | None, path: Sequence[str]) -> Any:
    value: Any = metrics
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value
