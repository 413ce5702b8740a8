"""Judge stage, cost: prices per million tokens, and what a run spent or would spend.

The defaults are list prices as published by OpenAI and checked on PRICES_DATE; they change,
so `[prices."<model>"]` in reviewer.toml overrides or adds any model. A model with no price
is reported with unknown cost rather than a made-up one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PRICES_DATE = "2025-08-07"
BATCH_DISCOUNT = 0.5  # the Batch API's price, against the list price, for every model


@dataclass(frozen=True)
class Price:
    input: float  # USD per million prompt tokens
    output: float  # USD per million completion tokens

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
}


def price_for(model: str, table: Mapping[str, Price]) -> Price | None:
    """The model's price; a dated snapshot (`gpt-4o-mini-2024-07-18`) takes its family's."""
    if model in table:
        return table[model]
    family = max((name for name in table if model.startswith(name + "-")), key=len, default=None)
    return table[family] if family else None
