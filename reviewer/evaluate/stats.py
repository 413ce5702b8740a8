"""Evaluate stage, the statistics behind the metrics, in pure Python: Cohen's kappa, Spearman's
rank correlation (average ranks for ties) and a ratio that is None when it is undefined.

None, never NaN, stands for "undefined": JSON has no NaN, and a reader can tell "no data" from
a value of zero."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def agreement(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> tuple[float, float]:
    """(p_o, p_e): observed agreement, and the agreement expected by chance from each side's
    label frequencies. Both sequences are non-empty and of the same length."""
    n = len(gold)
    observed = sum(g == p for g, p in zip(gold, predicted, strict=True)) / n
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    expected = sum(gold_counts[k] * predicted_counts[k] for k in gold_counts) / (n * n)
    return observed, expected


def kappa(observed: float, expected: float) -> float | None:
    """Cohen's kappa; None when chance agreement is already perfect (both sides one label)."""
    if math.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1 - expected)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks; tied values share the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start : end + 1]:
            out[i] = (start + end) / 2 + 1
        start = end + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's correlation of the ranks. None with fewer than two pairs or
    when either side is constant, where no correlation is defined."""
    if len(xs) != len(ys) or len(xs) < 2:
        return None
    return pearson(ranks(xs), ranks(ys))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    if vx == 0 or vy == 0:
        return None
    return cov / math.sqrt(vx * vy)
