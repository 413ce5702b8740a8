"""Parse stage: `parse_cell`, a Quarto code cell's engine and options, from `#|` comment lines
(YAML, as Quarto reads them) and from a knitr chunk header."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.parse.cells import Cell, Expr, parse_cell


def cell(info: str, *lines: str) -> Cell:
    parsed = parse_cell(info, "\n".join(lines) + "\n")
    assert parsed is not None, f"{info!r} should be a cell"
    return parsed


# -- #| options --------------------------------------------------------------------------------


def test_comment_options_are_yaml() -> None:
    c = cell(
        "{python}",
        "#| label: fig-rise",
        '#| fig-cap: "Dough height: the first hour"',
        "#| fig-alt: 'A line that climbs, then flattens.'",
        "#| echo: false",
        "import matplotlib.pyplot as plt",
    )
    assert c.engine == "python"
    assert c.options == {
        "label": "fig-rise",
        "fig-cap": "Dough height: the first hour",
        "fig-alt": "A line that climbs, then flattens.",
        "echo": False,
    }
    assert c.body_start == 4


def test_folded_block_scalar() -> None:
    c = cell(
        "{python}",
        "#| label: fig-a",
        "#| fig-alt: >-",
        "#|   A tall rack",
        "#|   of loaves.",
        "x = 1",
    )
    assert c.options["fig-alt"] == "A tall rack of loaves."
    assert c.body_start == 4


def test_literal_block_scalar_keeps_newlines() -> None:
    c = cell("{python}", "#| fig-cap: |", "#|   First line.", "#|   Second line.", "pass")
    assert c.options["fig-cap"].rstrip("\n") == "First line.\nSecond line."


def test_lists() -> None:
    c = cell(
        "{python}",
        "#| label: fig-pair",
        "#| fig-subcap:",
        "#|   - Rye",
        "#|   - Spelt",
        "#| fig-alt: [Dark crumb., Light crumb.]",
        "plot()",
    )
    assert c.options["fig-subcap"] == ["Rye", "Spelt"]
    assert c.options["fig-alt"] == ["Dark crumb.", "Light crumb."]


def test_options_stop_at_the_first_code_line() -> None:
    c = cell("{python}", "#| label: fig-a", "x = 1", "#| fig-cap: too late")
    assert c.options == {"label": "fig-a"}
    assert c.body_start == 1


def test_cell_without_options() -> None:
    c = cell("{python}", "print('no options')")
    assert (c.options, c.body_start) == ({}, 0)
    empty = parse_cell("{python}", "")
    assert empty is not None
    assert empty.options == {}


@pytest.mark.parametrize(("engine", "prefix"), [("mermaid", "%%|"), ("dot", "//|"), ("ojs", "//|")])
def test_diagram_and_ojs_prefixes(engine: str, prefix: str) -> None:
    c = cell(
        f"{{{engine}}}",
        f"{prefix} label: fig-flow",
        f'{prefix} fig-cap: "Dough to loaf"',
        "flowchart LR",
    )
    assert c.engine == engine
    assert c.options == {"label": "fig-flow", "fig-cap": "Dough to loaf"}
    assert c.body_start == 2


def test_engine_name_is_lower_cased() -> None:
    assert cell("{R}", "plot(1)").engine == "r"


def test_expr_tag_is_kept_as_an_expression() -> None:
    c = cell("{r}", "#| label: fig-sales", '#| fig-cap: !expr paste("Sales in", month)', "plot(1)")
    assert c.options["fig-cap"] == Expr('paste("Sales in", month)')


def test_knitr_dotted_names_in_yaml_are_folded() -> None:
    c = cell("{r}", "#| fig.cap: Crumb", "#| fig.alt: Holes", "#| out.width: 50%", "x")
    assert c.options == {"fig-cap": "Crumb", "fig-alt": "Holes", "out-width": "50%"}


# -- invalid YAML ------------------------------------------------------------------------------


def test_invalid_yaml_falls_back_to_key_value_lines() -> None:
    c = cell(
        "{python}", "#| label: fig-odd", "#| fig-cap: [never closed", "#| fig-alt: Rye: dark", "x"
    )
    assert c.options == {"label": "fig-odd", "fig-cap": "[never closed", "fig-alt": "Rye: dark"}
    assert c.body_start == 3


def test_loose_reading_strips_quotes_and_folds_dotted_names() -> None:
    c = cell("{r}", "#| fig.cap: 'Crust", "#| label: fig-c", "x")
    assert c.options == {"fig-cap": "Crust", "label": "fig-c"}
    assert c.body_start == 2


# -- knitr chunk headers -----------------------------------------------------------------------


def test_knitr_label_and_caption() -> None:
    c = cell("{r fig-loaves, fig.cap=\"Loaves sold, by day\", fig.alt='Bars'}", "plot(1)")
    assert c.engine == "r"
    assert c.options == {"label": "fig-loaves", "fig-cap": "Loaves sold, by day", "fig-alt": "Bars"}
    assert c.body_start == 0


def test_knitr_escaped_quote_in_a_string() -> None:
    c = cell(r'{r fig-q, fig.cap="The \"best\" loaf"}', "plot(1)")
    assert c.options["fig-cap"] == 'The "best" loaf'


def test_knitr_computed_caption_is_an_expression() -> None:
    c = cell('{r, fig.cap=paste("Loaves on", day)}', "plot(1)")
    assert c.options == {"fig-cap": Expr('paste("Loaves on", day)')}
    assert "label" not in c.options


def test_knitr_option_with_spaces_and_no_label() -> None:
    c = cell("{r echo = FALSE}", "plot(1)")
    assert "label" not in c.options
    assert isinstance(c.options["echo"], Expr)
    assert c.options["echo"].source == "FALSE"


def test_knitr_label_may_be_quoted() -> None:
    assert cell("{r 'fig-quoted'}", "x").options == {"label": "fig-quoted"}


def test_comment_options_override_the_header() -> None:
    c = cell('{r fig-a, fig.cap="Old"}', '#| fig-cap: "New"', "plot(1)")
    assert c.options == {"label": "fig-a", "fig-cap": "New"}


# -- pandoc attributes after the engine --------------------------------------------------------


def test_pandoc_attributes_after_the_engine() -> None:
    c = cell('{python .content-visible when-format="pdf"}', "#| label: fig-p", "x")
    assert c.engine == "python"
    assert c.attrs.classes == ("content-visible",)
    assert c.attrs.get("when-format") == "pdf"
    assert c.options == {"label": "fig-p"}


def test_id_after_the_engine_is_the_label() -> None:
    c = cell("{python #fig-h}", "x")
    assert c.attrs.id == "fig-h"
    assert c.options == {"label": "fig-h"}


# -- not cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize("info", ["python", "{.tikz}", "{{r}}", "{{python}}", "{=html}", "", "r"])
def test_not_a_cell(info: str) -> None:
    assert parse_cell(info, "#| label: fig-x\nx\n") is None


def test_surrounding_spaces_in_the_info_string() -> None:
    assert cell("  {python}  ", "#| label: fig-s").options == {"label": "fig-s"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fig-cap: 3", 3), ("fig-cap: null", None), ("fig-cap: 'yes'", "yes")],
)
def test_yaml_values_keep_their_types(value: str, expected: Any) -> None:
    assert cell("{python}", f"#| {value}", "x").options["fig-cap"] == expected
