"""What a Mermaid cell draws, read from its source: node and edge labels, titles, participants,
messages, slices, tasks, axes, in the order the source gives them, each once.

The fixtures are written the way Quarto books write their diagrams (cell options first, `%%`
comments, styling mixed in). The hostile table feeds careless and malicious sources; the corpus
test reads every `{mermaid}` cell of the shared corpus."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from reviewer.extract.diagrams.mermaid import MAX_SOURCE, mermaid_text
from tests.diagramutil import GARBAGE, assert_sane, read_quickly

from .conftest import CORPUS, unavailable

FLOWCHARTS = [
    pytest.param(
        """%%| label: fig-pipeline
%%| fig-cap: "The build, step by step."
flowchart LR
  src[Sources] --> build(Build step)
  build --> test{Tests pass?}
  test -->|yes| ship([Ship it])
  test -->|no| fix[[Fix the code]]
  fix --> build
""",
        ("Sources", "Build step", "Tests pass?", "yes", "Ship it", "no", "Fix the code"),
        id="quarto-cell",
    ),
    pytest.param(
        """flowchart TD
  a[(Database)] --> b((Circle))
  c>Flag] --> d{{Prepare}}
  e[/Input/] --> f[\\Output\\]
  g[/Wide base\\] --> h[\\Narrow base/]
  i(((Stop))) --> j([Stadium])
""",
        (
            "Database",
            "Circle",
            "Flag",
            "Prepare",
            "Input",
            "Output",
            "Wide base",
            "Narrow base",
            "Stop",
            "Stadium",
        ),
        id="every-shape",
    ),
    pytest.param(
        """graph LR
  A -- walks --> B
  B -. maybe .-> C
  C == runs ==> D
  D ---|plain line| E
  E -->|"quoted label"| F
  F <-- both ways --> G
""",
        (
            "A",
            "walks",
            "B",
            "maybe",
            "C",
            "runs",
            "D",
            "plain line",
            "E",
            "quoted label",
            "F",
            "both ways",
            "G",
        ),
        id="edge-labels",
    ),
    pytest.param(
        "flowchart LR\n  a --> b --> c\n  a & b --> d & e\n  e --o f\n  f --x g\n  g <--> h\n"
        "  h ----> i\n  i -.-> j\n  j ~~~ k\n",
        ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"),
        id="bare-ids-chains-and-ampersands",
    ),
    pytest.param(
        "flowchart LR\n  x --> y\n  y[Why]\n  y --> z\n",
        ("x", "Why", "z"),
        id="id-then-label",
    ),
    pytest.param(
        'flowchart LR\n  A["Fit (linear)"] --> B["say #quot;hi#quot;"]\n  B --> C[I #9829; maps]\n',
        ("Fit (linear)", 'say "hi"', "I ♥ maps"),
        id="quotes-and-entity-codes",
    ),
    pytest.param(
        'flowchart LR\n  A["`**Bold** and _italic_ text`"] --> B["`first line\n  second line`"]\n',
        ("Bold and italic text", "first line second line"),
        id="markdown-strings",
    ),
    pytest.param(
        'flowchart LR\n  A[Line one<br>line two] --> B["x<br/>y"]\n  B --> C[<b>bold</b> word]\n',
        ("Line one line two", "x y", "bold word"),
        id="breaks-and-tags",
    ),
    pytest.param(
        """flowchart TB
  subgraph one [Data prep]
    direction LR
    a1 --> a2
  end
  subgraph Modeling
    b1 --> b2
  end
  subgraph three["Deploy #amp; watch"]
    c1
  end
  one --> Modeling
""",
        ("Data prep", "a1", "a2", "Modeling", "b1", "b2", "Deploy & watch", "c1"),
        id="subgraphs",
    ),
    pytest.param(
        """%%{init: {"theme": "forest",
  "flowchart": {"curve": "basis"}}}%%
flowchart LR
  %% the two steps
  A:::hot --> B[Next]
  classDef hot fill:#f96,stroke:#333
  class B hot
  style A fill:#bbf
  linkStyle 0 stroke:#ff3
  click B "https://example.org" "Open the site"
  accTitle: Two steps
  accDescr: The first step, then the next
  accDescr {
    A longer description
    over two lines
  }
""",
        ("A", "Next"),
        id="styling-is-not-text",
    ),
    pytest.param(
        'flowchart LR\n  A@{ shape: cyl, label: "Store" } --> B@{ shape: circle }\n'
        "  C e1@--> D\n  e1@{ animate: true }\n",
        ("Store", "B", "C", "D"),
        id="new-style-shapes-and-edge-ids",
    ),
    pytest.param("graph TD;\n  A-->B;\n  B-->C;", ("A", "B", "C"), id="semicolons"),
    pytest.param("graph LR; A-->B; B-->A", ("A", "B"), id="one-line"),
    pytest.param("flowchart LR\n  A[Same] --> B[Same]\n", ("Same",), id="dedupe"),
    pytest.param(
        "---\ntitle: Order flow\n---\nflowchart LR\n  order --> pay\n",
        ("Order flow", "order", "pay"),
        id="front-matter-title",
    ),
]


@pytest.mark.parametrize(("source", "expected"), FLOWCHARTS)
def test_flowchart(source: str, expected: tuple[str, ...]) -> None:
    assert mermaid_text(source) == expected


OTHER_TYPES = [
    pytest.param(
        """sequenceDiagram
  autonumber
  participant C as Client
  actor U as User
  participant S as Server
  U->>C: Click
  C->>+S: GET /data
  S-->>-C: 200 OK
  Note over C,S: JSON over HTTPS
  alt cache hit
    C->>U: Show cached
  else miss
    C->>U: Spinner
  end
  opt retry
    C-)S: Ping
  end
  par first
    C->>S: Fetch A
  and second
    C->>S: Fetch B
  end
  rect rgb(200, 220, 255)
    S->>S: Log it
  end
  critical Lock
    S-xC: Fail
  end
""",
        (
            "Client",
            "User",
            "Server",
            "Click",
            "GET /data",
            "200 OK",
            "JSON over HTTPS",
            "cache hit",
            "Show cached",
            "miss",
            "Spinner",
            "retry",
            "Ping",
            "first",
            "Fetch A",
            "second",
            "Fetch B",
            "Log it",
            "Lock",
            "Fail",
        ),
        id="sequence",
    ),
    pytest.param(
        "sequenceDiagram\n  title Login\n  box Aqua Front end\n    participant B as Browser\n"
        "  end\n  box Another Group\n    participant API\n  end\n  box rgb(1, 2, 3) Back\n"
        "    participant DB\n  end\n  B->>API: POST\n  API->>DB: SELECT\n",
        ("Login", "Front end", "Browser", "Another Group", "API", "Back", "DB", "POST", "SELECT"),
        id="sequence-boxes",
    ),
    pytest.param(
        'pie title Where time goes\n  "Reading" : 40\n  "Writing" : 35.5\n  "Meetings" : 24.5\n',
        ("Where time goes", "Reading", "Writing", "Meetings"),
        id="pie",
    ),
    pytest.param(
        'pie showData\n  title Pets\n  "Dogs" : 386\n  "Cats" : 85\n',
        ("Pets", "Dogs", "Cats"),
        id="pie-show-data",
    ),
    pytest.param(
        """gantt
  title Release plan
  dateFormat YYYY-MM-DD
  axisFormat %b %d
  excludes weekends
  section Design
  Sketch screens :done, d1, 2024-01-01, 5d
  Review :after d1, 2d
  section Build
  Write code :active, b1, 2024-01-10, 10d
  Ship : milestone, m1, 2024-01-25, 0d
""",
        ("Release plan", "Design", "Sketch screens", "Review", "Build", "Write code", "Ship"),
        id="gantt",
    ),
    pytest.param(
        """classDiagram
  class Animal {
    <<abstract>>
    +String name
    +eat(food) bool
  }
  class Dog
  Animal <|-- Dog : inherits
  Dog "1" *-- "many" Leg : has
  Dog : +bark()
  class Box~T~
  note for Dog "Good boy"
""",
        (
            "Animal",
            "«abstract»",
            "+String name",
            "+eat(food) bool",
            "Dog",
            "inherits",
            "1",
            "many",
            "Leg",
            "has",
            "+bark()",
            "Box<T>",
            "Good boy",
        ),
        id="class",
    ),
    pytest.param(
        """stateDiagram-v2
  [*] --> Idle
  Idle --> Running : start
  state "Waiting for input" as Wait
  Running --> Wait : pause
  state Running {
    [*] --> Busy
  }
  state pick <<choice>>
  Running --> pick
  pick --> [*] : done
  note right of Idle : Starts here
  note left of Wait
    Blocks until
    a key is pressed
  end note
""",
        (
            "Idle",
            "Running",
            "start",
            "Waiting for input",
            "pause",
            "Busy",
            "done",
            "Starts here",
            "Blocks until",
            "a key is pressed",
        ),
        id="state",
    ),
    pytest.param(
        """erDiagram
  CUSTOMER ||--o{ ORDER : places
  ORDER ||--|{ LINE-ITEM : "is made of"
  CUSTOMER {
    string name PK "full name"
  }
""",
        (
            "CUSTOMER",
            "ORDER",
            "places",
            "LINE-ITEM",
            "is made of",
            "string",
            "name",
            "PK",
            "full name",
        ),
        id="er",
    ),
    pytest.param(
        """mindmap
  root((Data work))
    Collect
      ::icon(fa fa-book)
      Surveys
    id1[Clean up]
    id2)Model it(
    id3{{Share}}
""",
        ("Data work", "Collect", "Surveys", "Clean up", "Model it", "Share"),
        id="mindmap",
    ),
    pytest.param(
        "timeline\n  title Versions\n  2019 : First draft\n  2021 : Second edition : Online\n"
        "       : Translations\n",
        ("Versions", "2019", "First draft", "2021", "Second edition", "Online", "Translations"),
        id="timeline",
    ),
    pytest.param(
        "journey\n  title A morning\n  section Start\n    Make tea: 5: Me, Cat\n    Read: 3: Me\n",
        ("A morning", "Start", "Make tea", "Me", "Cat", "Read"),
        id="journey",
    ),
    pytest.param(
        """quadrantChart
  title Effort and value
  x-axis Low effort --> High effort
  y-axis Low value --> High value
  quadrant-1 Plan it
  quadrant-2 Do it now
  quadrant-3 Drop it
  quadrant-4 Delegate
  Docs: [0.3, 0.6]
  Tests:::hot: [0.45, 0.23]
""",
        (
            "Effort and value",
            "Low effort",
            "High effort",
            "Low value",
            "High value",
            "Plan it",
            "Do it now",
            "Drop it",
            "Delegate",
            "Docs",
            "Tests",
        ),
        id="quadrant",
    ),
    pytest.param(
        'xychart-beta\n  title "Sales"\n  x-axis "Month" [jan, feb, "late mar"]\n'
        '  y-axis "Revenue (k$)" 0 --> 100\n  bar [10, 50, 80]\n  line [10, 50, 80]\n',
        ("Sales", "Month", "jan", "feb", "late mar", "Revenue (k$)"),
        id="xychart",
    ),
    pytest.param(
        'sankey-beta\n  Solar,Grid,40\n  "Wind, offshore",Grid,25.5\n',
        ("Solar", "Grid", "Wind, offshore"),
        id="sankey",
    ),
    pytest.param(
        'gitGraph\n  commit id: "Start"\n  branch feature\n  commit tag: "v1"\n',
        ("Start", "feature", "v1"),
        id="git-graph-read-generically",
    ),
]


@pytest.mark.parametrize(("source", "expected"), OTHER_TYPES)
def test_other_diagram_types(source: str, expected: tuple[str, ...]) -> None:
    assert mermaid_text(source) == expected


HOSTILE = [
    pytest.param("", (), id="empty"),
    pytest.param("%%| label: fig-x\n%%| fig-cap: A caption\n", (), id="options-only"),
    pytest.param("%% one\n   %% two\n%%{init: {}}%%\n", (), id="comments-only"),
    pytest.param("flowchart LR\n", (), id="type-line-only"),
    pytest.param("flowchart LR\r\n  A[One] --> B[Two]\r\n", ("One", "Two"), id="crlf"),
    pytest.param("flowchart LR\n\tA[One]\t-->\tB[Two]\n", ("One", "Two"), id="tabs"),
    pytest.param("flowchart LR\n  A[One\x00] --> B\x00[Two]\n", ("One", "Two"), id="nul"),
    pytest.param("flowchart LR\n  A[never closed --> B\n  C --> D\n", None, id="unbalanced"),
    pytest.param('flowchart LR\n  A["never closed --> B\n  C --> D\n', None, id="open-quote"),
    pytest.param("flowchart LR\n  A" + "[" * 10_000 + "x" + "]" * 10_000, None, id="deep"),
    pytest.param("flowchart LR\n" + "subgraph s\n" * 10_000 + "end\n" * 10_000, None, id="nest"),
    pytest.param("sequenceDiagram\n" + "loop l\n" * 10_000, None, id="deep-loops"),
    pytest.param('}{][)(|&;:@"=-.~<>#%`*_/\\' * 50, None, id="punctuation"),
    pytest.param("\x01\x02\xff\ufffd\U0001f600 ÿ\n" * 20, None, id="binary-ish"),
    pytest.param("".join(random.Random(7).choices(GARBAGE, k=100_000)), None, id="random-garbage"),
    pytest.param("%%{init: never closed\nflowchart LR\n  A --> B\n", None, id="open-directive"),
    pytest.param("---\ntitle: never closed\nflowchart LR\n  A --> B\n", None, id="open-front"),
    pytest.param("classDiagram\n  class A {\n    +x\n", ("A", "+x"), id="open-class-body"),
    pytest.param("mindmap\n  ((\n  ))\n  [", None, id="empty-shapes"),
]


@pytest.mark.parametrize(("source", "expected"), HOSTILE)
def test_careless_or_hostile_source(source: str, expected: tuple[str, ...] | None) -> None:
    texts = mermaid_text(source)
    assert_sane(texts)
    if expected is not None:
        assert texts == expected


BIG = 5_000_000
# Built when a test runs, not when the module is imported.
PATHOLOGICAL: dict[str, Callable[[], str]] = {
    "statements": lambda: "flowchart LR\n" + "A[x] --> B(y)\n" * (BIG // 14),
    "one-line": lambda: "flowchart LR\n" + "A[x] --> B(y);" * (BIG // 14),
    "open-brackets": lambda: "flowchart LR\nA" + "[" * BIG,
    "open-quotes": lambda: "flowchart LR\n" + 'A["x\n' * (BIG // 6),
    "open-braces": lambda: "flowchart LR\n" + "A@{ x\n" * (BIG // 6),
    "open-pipes": lambda: "flowchart LR\n" + "A -->|" * (BIG // 6),
    "text-links": lambda: "flowchart LR\n" + "A -- x " * (BIG // 7),
    "dashes": lambda: "flowchart LR\nA " + "-" * BIG,
    "emphasis": lambda: 'flowchart LR\nA["`' + "**a_" * (BIG // 4) + '`"]',
    "spaces": lambda: "classDiagram\nA" + " " * BIG + "B",
    "circles": lambda: "classDiagram\nA " + "o" * BIG + "-- B",
    "directives": lambda: "%%{" * (BIG // 3),
    "sequence": lambda: "sequenceDiagram\n" + "A->>B: hi\n" * (BIG // 10),
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_source_is_read_quickly(name: str) -> None:
    """Five megabytes shaped to make a careless reader slow: a regex that backtracks, or a scan
    restarted from each position, takes minutes on these. The reader reads at most MAX_SOURCE
    characters, each scan moving forward, so it takes well under a second."""
    read_quickly(mermaid_text, PATHOLOGICAL[name]())


def test_a_huge_source_is_read_up_to_the_limit() -> None:
    nodes = "".join(f"  n{i}[Step {i}]\n" for i in range(MAX_SOURCE // 10))
    texts = mermaid_text("flowchart TD\n" + nodes)
    assert texts[0] == "Step 0"
    assert 1_000 < len(texts) < MAX_SOURCE // 10


FENCE = re.compile(r"^\s*(`{3,})\{(mermaid|dot)\}\s*$")
RAW_SYNTAX = ("-->", "[", "|", "label=", "%%")


def corpus_blocks(language: str) -> list[tuple[str, str]]:
    """(where, source) of every ```{language} cell in the corpus, read with a simple fence scan;
    a cell whose diagram lives in another file (`file:` option) has nothing here to read."""
    if not CORPUS.is_dir():
        unavailable("../shared/corpus is not here")
    blocks = []
    for path in sorted(CORPUS.rglob("*.qmd")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for start, line in enumerate(lines):
            fence = FENCE.match(line)
            if fence is None or fence.group(2) != language:
                continue
            end = next(
                (n for n in range(start + 1, len(lines)) if lines[n].strip() == fence.group(1)),
                len(lines),
            )
            body = lines[start + 1 : end]
            if not any(re.match(r"\s*(%%|//)\|\s*file:", row) for row in body):
                blocks.append((f"{path.relative_to(CORPUS)}:{start + 1}", "\n".join(body)))
    return blocks


def assert_drawn_text(where: str, texts: tuple[str, ...]) -> None:
    assert texts, where
    for text in texts:
        assert text and text == text.strip(), (where, text)
        assert not any(raw in text for raw in RAW_SYNTAX), (where, text)
        assert not text.endswith(";"), (where, text)


def test_every_corpus_mermaid_cell() -> None:
    blocks = corpus_blocks("mermaid")
    assert blocks, "the corpus has no {mermaid} cell"
    for where, source in blocks:
        assert_drawn_text(where, mermaid_text(source))
