"""Extract stage, diagram text: the TikZ reader, on pictures written the way books write them
(style blocks first, nodes placed relative to each other, loops, macros and pics), and on
pictures a careless or hostile author could write."""

from __future__ import annotations

import pytest

from reviewer.extract.diagrams.tikz import tikz_text
from tests.diagramutil import read_quickly

STYLED = r"""
\begin{tikzpicture}[font=\small\usefont{T1}{phv}{m}{n}]
\tikzset{
  Box/.style={inner xsep=2pt, draw=GreenLine, fill=GreenL!50, node distance=0.4,
    text width=30mm, align=flush center, minimum height=9.5mm},
  Line/.style={line width=1.0pt, black!50, -{Triangle[width=6pt]}},
}
\node[Box](B1){\textbf{Sensor}\\(camera)};
\node[Box, right=2 of B1, fill=BlueL](B2){Pre-processing};
\draw[Line](B1)--node[above]{raw frames}(B2);
\end{tikzpicture}
"""

CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("styles are not text", STYLED, ("Sensor (camera)", "Pre-processing", "raw frames")),
    ("node at a coordinate", r"\node (a) at (0,0) {Input};", ("Input",)),
    ("options after the name", r"\node (a) [draw, circle] at (1,2) {Hidden};", ("Hidden",)),
    ("empty nodes draw nothing", r"\node[draw](x){}; \node at (1,1) {};", ()),
    ("path nodes", r"\draw (0,0) node[left] {Start} -- (2,0) node[right] {End};", ("Start", "End")),
    ("edge labels", r"\path (a) edge node[midway] {yes} (b) edge node {no} (c);", ("yes", "no")),
    ("to with a label", r"\draw (a) to[bend left] node[sloped] {feedback} (b);", ("feedback",)),
    ("nested braces", r"\node {Cost {\em per} token};", ("Cost per token",)),
    ("line breaks", r"\node[align=center] {Edge\\Device\\[2pt]Tier};", ("Edge Device Tier",)),
    (
        "font and colour commands",
        r"\node {\fontsize{8}{9}\selectfont\color{red}\textcolor{blue}{Latency} \small(ms)};",
        ("Latency (ms)",),
    ),
    ("usefont takes four arguments", r"\node {\usefont{T1}{phv}{m}{n}Memory};", ("Memory",)),
    ("math keeps its TeX", r"\node {$W_{hh}$ weights};", ("W_{hh} weights",)),
    ("escapes", r"\node {60\% of time \& effort};", ("60% of time & effort",)),
    ("dashes", r"\node {2010--2020};", ("2010\u20132020",)),
    ("accents", r"\node {Caf\'e};", ("Caf\u00e9",)),
    ("subscripts", r"\node {h\textsubscript{t-1}};", ("h_t-1",)),
    (
        "label and pin options",
        r"\node[label=above:{Cloud}, pin={[red]below:Edge}] {Tier};",
        ("Cloud", "Edge", "Tier"),
    ),
    ("label without a position", r"\node[label={Weights}] {W};", ("Weights", "W")),
    ("quoted labels", r'\draw (a) edge["uses", bend left] (b);', ("uses",)),
    (
        "foreach over names",
        r"\foreach \n in {CPU,GPU,TPU} { \node at (0,0) {\n}; }",
        ("CPU", "GPU", "TPU"),
    ),
    (
        "foreach with pairs",
        r"\foreach \x/\name in {0/Train, 2/Test} \node at (\x,0) {\name set};",
        ("Train set", "Test set"),
    ),
    (
        "foreach ranges are counted",
        r"\foreach \i in {1,...,4} { \node at (\i,0) {L\i}; }",
        ("L1", "L2", "L3", "L4"),
    ),
    (
        "foreach with a step",
        r"\foreach \i in {10,20,...,40} \node {\i};",
        ("10", "20", "30", "40"),
    ),
    ("foreach count", r"\foreach \n [count=\k] in {a,b} \node {\k: \n};", ("1: a", "2: b")),
    (
        "nested foreach",
        r"\foreach \r in {A,B} {\foreach \c in {1,2} {\node {\r\c};}}",
        ("A1", "A2", "B1", "B2"),
    ),
    ("foreach on a path", r"\draw (0,0) foreach \p in {x,y} { -- (1,1) node {\p} };", ("x", "y")),
    ("def macro", r"\def\unit{GB} \node {16 \unit};", ("16 GB",)),
    (
        "newcommand with arguments",
        r"\newcommand{\layer}[2]{\node (#1) {#2 layer};} \layer{a}{Input} \layer{b}{Output}",
        ("Input layer", "Output layer"),
    ),
    ("newcommand star and braces", r"\newcommand*\tag[1]{[#1]} \node {\tag{v2}};", ("[v2]",)),
    ("unused macros draw nothing", r"\newcommand\box[1]{\node {#1};}", ()),
    (
        "pics code is drawn where used",
        r"\tikzset{pics/chip/.style={code={\node {Accelerator};}}} \pic at (0,0) {chip};",
        ("Accelerator",),
    ),
    ("pic shorthand", r"\tikzset{gpu/.pic={\node {GPU core};}}", ("GPU core",)),
    (
        "pgfplots axis texts",
        r"""\begin{axis}[title={Error by year}, xlabel={Year}, ylabel={Top-5 error (\%)},
            legend entries={CPU, GPU}, symbolic x coords={small,large}]
            \addplot coordinates {(small,1) (large,2)};
            \addlegendentry{Ensemble}
            \end{axis}""",
        ("Error by year", "Year", "Top-5 error (%)", "CPU", "GPU", "small", "large", "Ensemble"),
    ),
    ("legend command", r"\legend{Train, Validation}", ("Train", "Validation")),
    ("pie slices", r"\pie{60/Cleaning data, 40/Other}", ("Cleaning data: 60", "Other: 40")),
    (
        "matrix of nodes",
        r"\matrix[matrix of nodes] { Q & K \\ V & O \\ };",
        ("Q", "K", "V", "O"),
    ),
    ("matrix of plain nodes", r"\matrix { \node {a1}; & \node {b1}; \\ };", ("a1", "b1")),
    ("comments are not text", "% \\node {Old};\n\\node {New}; % {trailing}", ("New",)),
    ("coordinates hold arithmetic", r"\draw ({\len*cos(10)}, {\len*sin(10)}) -- (1,1);", ()),
    ("repeats are given once", r"\node {MobileNetV2}; \node {MobileNetV2};", ("MobileNetV2",)),
    ("symbols only are not text", r"\node {$\bullet$}; \node {+};", ("\\bullet",)),
    ("tabular cells", r"\node {\begin{tabular}{ll} Model & Size \end{tabular}};", ("Model Size",)),
    ("includegraphics is not text", r"\node {\includegraphics[width=1cm]{gpu.png}};", ()),
    ("unknown commands keep their text", r"\node {\faIcon{server} Host};", ("server Host",)),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_tikz_text(source: str, expected: tuple[str, ...]) -> None:
    assert tikz_text(source) == expected


HOSTILE: list[tuple[str, str]] = [
    ("empty", ""),
    ("unbalanced open", r"\node {never closed"),
    ("unbalanced close", r"}}}] \node {x}"),
    ("lone brackets", r"\node[draw (a) at (0,0 {x"),
    ("binary", "\x00\x01\\node{\x00}\xff"),
    ("a lone backslash", "\\"),
    ("self-expanding macro", r"\def\a{\a\a} \node {\a};"),
    (
        "expansion bomb",
        r"\def\a{xxxxxxxxxx}\def\b{\a\a\a\a\a\a\a\a\a\a}\def\c{\b\b\b\b\b\b\b\b\b\b}"
        r"\def\d{\c\c\c\c\c\c\c\c\c\c}\def\e{\d\d\d\d\d\d\d\d\d\d} \node {\e\e\e\e\e\e};",
    ),
    ("loop bomb", r"\foreach \i in {1,...,100000000} { \node {\i}; }"),
    (
        "nested loops",
        r"\foreach \a in {1,...,100} {\foreach \b in {1,...,100} {"
        r"\foreach \c in {1,...,100} {\node {\a\b\c};}}}",
    ),
    ("deep braces", "{" * 20_000 + r"\node {deep};" + "}" * 20_000),
    ("deep options", "[" * 20_000 + "]" * 20_000),
    ("many nodes", r"\node {n};" * 50_000),
    ("zero step range", r"\foreach \i in {1,1,...,5} \node {\i};"),
    ("parameter out of range", r"\newcommand\f[1]{\node {#9 #1};} \f{a}"),
    ("huge argument count", r"\newcommand\f[999999999]{x} \f"),
    ("foreach without in", r"\foreach \x {a,b} \node {\x};"),
    ("def without a body", r"\def\x"),
]


@pytest.mark.parametrize("source", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_pictures_end_quickly_with_strings(source: str) -> None:
    read_quickly(tikz_text, source)


def test_deep_braces_still_find_the_node() -> None:
    assert tikz_text("{" * 5_000 + r"\node {deep};" + "}" * 5_000) == ("deep",)


def test_a_bomb_is_cut_short_but_what_came_before_stays() -> None:
    bomb = r"\node {first}; \def\a{\a\a} \node {\a}; \node {after};"
    assert tikz_text(bomb)[0] == "first"


def test_loops_are_bounded() -> None:
    texts = tikz_text(r"\foreach \i in {1,...,100000000} { \node {n\i}; }")
    assert texts == () or len(texts) <= 200  # a range too long to be labels is not unrolled
