"""What a Graphviz (DOT) cell draws, read from its source: labels of nodes, edges, graphs and
clusters, and the IDs of nodes without a label, in the order the source gives them, each once.

The fixtures are written the way Quarto books write their `{dot}` cells (`//|` options first).
The hostile table feeds careless and malicious sources; the corpus test reads every `{dot}`
cell of the shared corpus."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from reviewer.extract.diagrams.graphviz import MAX_SOURCE, dot_text
from tests.diagramutil import GARBAGE, assert_sane, read_quickly

from .test_diagram_mermaid import assert_drawn_text, corpus_blocks

GRAPHS = [
    pytest.param(
        """//| label: fig-flow
//| fig-cap: "From notebook to page."
digraph G {
  rankdir = "LR";
  notebook -> render;
  render -> html;
  render -> pdf
}""",
        ("notebook", "render", "html", "pdf"),
        id="quarto-cell-bare-ids",
    ),
    pytest.param(
        'digraph { a [label="Load data"]; b [label="Fit model"]; a -> b [label="clean"]; }',
        ("Load data", "Fit model", "clean"),
        id="node-and-edge-labels",
    ),
    pytest.param(
        'digraph { x -> y; y [label="Why"]; }',
        ("x", "Why"),
        id="label-given-after-first-use",
    ),
    pytest.param(
        'graph { a -- b [xlabel="side", headlabel="at b", taillabel="at a"]; c [xlabel="note"] }',
        ("a", "b", "side", "at b", "at a", "c", "note"),
        id="other-label-attributes",
    ),
    pytest.param(
        """digraph Pipeline {
  label = "The whole \\G";
  graph [labelloc=t];
  subgraph cluster_in { label = "Inputs"; raw; meta }
  subgraph cluster_out { graph [label="Outputs"]; report }
  raw -> report; meta -> report
}""",
        ("The whole Pipeline", "Inputs", "raw", "meta", "Outputs", "report"),
        id="graph-and-cluster-labels",
    ),
    pytest.param(
        'digraph { node [label=""]; a -> b; c [label="shown"] }',
        ("shown",),
        id="empty-label-hides",
    ),
    pytest.param(
        'digraph { node [label="box \\N"]; first -> second }',
        ("box first", "box second"),
        id="node-default-label",
    ),
    pytest.param(
        'digraph { edge [label="calls"]; a -> b; b -> c [label="returns"] }',
        ("a", "b", "calls", "c", "returns"),
        id="edge-default-label",
    ),
    pytest.param(
        r'digraph { a [label="one\ntwo\lthree\r"]; a -> b [label="\E from \T to \H"] }',
        ("one two three", "b", "a->b from a to b"),
        id="escapes",
    ),
    pytest.param(
        'digraph { "node one" -> "say \\"hi\\""; "long" + " name" -> x }',
        ("node one", 'say "hi"', "long name", "x"),
        id="quoted-ids-escapes-and-concatenation",
    ),
    pytest.param(
        """digraph {
  node [shape=record];
  s [label="<f0> left|<f1> middle|{<f2> top|bottom}"];
  t [shape=Mrecord, label="a \\| b|c"];
  s:f1 -> t:n
}""",
        ("left", "middle", "top", "bottom", "a | b", "c"),
        id="record-labels-and-ports",
    ),
    pytest.param(
        """digraph {
  t [shape=plaintext, label=<
    <table border="0">
      <tr><td><b>Name</b></td><td>Size &amp; shape</td></tr>
      <tr><td colspan="2">line one<br/>line two</td></tr>
    </table>>];
  u [label=<<i>italic</i> and plain>];
}""",
        ("Name", "Size & shape", "line one line two", "italic and plain"),
        id="html-labels",
    ),
    pytest.param(
        """// a line comment
/* a block
   comment with a -> b; */
# a preprocessor line
digraph { a -> b // trailing
  # an indented preprocessor line, skipped as well
}""",
        ("a", "b"),
        id="comments",
    ),
    pytest.param(
        'digraph { {rank=same; a b} -> {c d} [label="\\T-\\H"] }',
        ("a", "b", "c", "d", "a-c", "a-d", "b-c", "b-d"),
        id="subgraph-edge-ends",
    ),
    pytest.param(
        "strict graph { a -- b -- c; 1 -- 2.5; -3 }",
        ("a", "b", "c", "1", "2.5", "-3"),
        id="strict-chains-numerals",
    ),
    pytest.param("digraph { A [label=Same]; B [label=Same] }", ("Same",), id="dedupe"),
]


@pytest.mark.parametrize(("source", "expected"), GRAPHS)
def test_graph(source: str, expected: tuple[str, ...]) -> None:
    assert dot_text(source) == expected


HOSTILE = [
    pytest.param("", (), id="empty"),
    pytest.param("//| label: fig-x\n//| fig-cap: A caption\n", (), id="options-only"),
    pytest.param("// one\n/* two */\n# three\n", (), id="comments-only"),
    pytest.param("digraph {\r\n  a -> b;\r\n}\r\n", ("a", "b"), id="crlf"),
    pytest.param("digraph {\n\ta\t->\tb\n}", ("a", "b"), id="tabs"),
    pytest.param("digraph { a\x00 -> b\x00 }", ("a", "b"), id="nul"),
    pytest.param('digraph { a -> b [label="never closed ] }', None, id="open-quote"),
    pytest.param("digraph { a [label=<<b>never closed] }", None, id="open-html"),
    pytest.param("digraph { a -> { b c ", ("a", "b", "c"), id="open-braces"),
    pytest.param("digraph { a [label=x", ("x",), id="open-attributes"),
    pytest.param("digraph { /* never closed", (), id="open-comment"),
    pytest.param("{" * 10_000 + "a" + "}" * 10_000, ("a",), id="deep-braces"),
    pytest.param("a [label=" + "<" * 10_000 + "x" + ">" * 10_000 + "]", None, id="deep-html"),
    pytest.param("[" * 10_000 + "a" + "]" * 10_000, (), id="deep-brackets"),
    pytest.param('}{][)(|&;:@"=-.~<>#%`*_/\\' * 50, None, id="punctuation"),
    pytest.param("\x01\x02\xff\ufffd\U0001f600 ÿ\n" * 20, None, id="binary-ish"),
    pytest.param("".join(random.Random(7).choices(GARBAGE, k=100_000)), None, id="random-garbage"),
    pytest.param('a [shape=record, label="{{{{|}}}}<<<\\"]', None, id="broken-record"),
    pytest.param("-> -> -- ; , = = [ ] : :", (), id="operators-only"),
]


@pytest.mark.parametrize(("source", "expected"), HOSTILE)
def test_careless_or_hostile_source(source: str, expected: tuple[str, ...] | None) -> None:
    texts = dot_text(source)
    assert_sane(texts)
    if expected is not None:
        assert texts == expected


BIG = 5_000_000


def _fan(width: int) -> str:
    """`{a0 a1 ...} -> {b0 b1 ...}`: width x width edges, each labelled with its tail."""
    tails = " ".join(f"a{i}" for i in range(width))
    heads = " ".join(f"b{i}" for i in range(width))
    return f'digraph {{ {{{tails}}} -> {{{heads}}} [label="\\T"] }}'


# Built when a test runs, not when the module is imported.
PATHOLOGICAL: dict[str, Callable[[], str]] = {
    "edges": lambda: "digraph {\n" + 'a -> b [label="x"];\n' * (BIG // 20) + "}",
    "open-brackets": lambda: "[" * BIG,
    "open-angles": lambda: "<" * BIG,
    "escaped-quotes": lambda: '"\\"' * (BIG // 3),
    "open-comments": lambda: "/*" * (BIG // 2),
    "hash-lines": lambda: "\n#x" * (BIG // 3),
    "ports": lambda: "a" + ":b" * (BIG // 2),
    "words": lambda: "a " * (BIG // 2),
    "chain": lambda: (
        "digraph { " + " -> ".join(f"n{i}" for i in range(BIG // 10)) + ' [label="\\E"] }'
    ),
    "fan": lambda: _fan(20_000),
    "record": lambda: 'a [shape=record, label="' + "{<p>x|" * (BIG // 8) + '"]',
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_source_is_read_quickly(name: str) -> None:
    """Five megabytes shaped to make a careless reader slow: a regex that backtracks, a scan
    restarted from each position, recursion per brace or every pair of a fan-out take minutes
    (or the stack) on these. The reader reads at most MAX_SOURCE characters, each scan moving
    forward, so it takes well under a second."""
    read_quickly(dot_text, PATHOLOGICAL[name]())


def test_a_huge_source_is_read_up_to_the_limit() -> None:
    nodes = "".join(f'  n{i} [label="Step {i}"];\n' for i in range(MAX_SOURCE // 10))
    texts = dot_text("digraph {\n" + nodes + "}")
    assert texts[0] == "Step 0"
    assert 1_000 < len(texts) < MAX_SOURCE // 10


def test_every_corpus_dot_cell() -> None:
    blocks = corpus_blocks("dot")
    assert blocks, "the corpus has no {dot} cell"
    for where, source in blocks:
        assert_drawn_text(where, dot_text(source))
