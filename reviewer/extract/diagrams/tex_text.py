"""Extract stage, diagram text: a TeX label as the plain text a reader sees in the picture.

Font, size and colour commands are dropped with their arguments; `\\textbf{x}` and its kin
leave `x`; `\\\\` is a line break, so a space; math keeps its TeX without the `$`, as the JSON
audit keeps it for captions. A command this table does not know is dropped and its braced
argument read as text: a stray word is a smaller harm than a lost label."""

from __future__ import annotations

import unicodedata
from itertools import groupby

from reviewer.extract.diagrams.tex import Macros, Stream, Token

# Arguments that are never text: colours, fonts, sizes, spacing, files, labels.
_DROP_ARGS = {
    "color": 1,
    "usefont": 4,
    "fontsize": 2,
    "hspace": 1,
    "vspace": 1,
    "includegraphics": 1,
    "rule": 2,
    "phantom": 1,
    "hphantom": 1,
    "vphantom": 1,
    "label": 1,
    "ref": 1,
    "setlength": 2,
    "definecolor": 3,
    "colorlet": 2,
    "pgfmathsetmacro": 2,
    "pgfmathtruncatemacro": 2,
    "textcolor": 1,
    "colorbox": 1,
    "fcolorbox": 2,
    "scalebox": 1,
    "rotatebox": 1,
    "resizebox": 2,
    "raisebox": 1,
    "parbox": 1,
    "href": 1,
    "end": 1,
    "pgfkeys": 1,
    "tikzset": 1,
    "fontfamily": 1,
}
_SYMBOLS = {
    "\\": " ",
    "newline": " ",
    "linebreak": " ",
    "par": " ",
    "quad": " ",
    "qquad": " ",
    " ": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    "\n": " ",
    "%": "%",
    "&": "&",
    "#": "#",
    "_": "_",
    "$": "$",
    "{": "{",
    "}": "}",
    "textbullet": "•",
    "bullet": "•",
    "ldots": "…",
    "dots": "…",
    "textendash": "\u2013",
    "textemdash": "\u2014",
    "textdegree": "°",
    "checkmark": "✓",
    "textgreater": ">",
    "textless": "<",
    "times": "\u00d7",
    "cdot": "·",
    "textasciitilde": "~",
    "textbar": "|",
    "textbackslash": "\\",
    "S": "§",
}
_ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303"}
_TABULAR = {"tabular": 1, "tabularx": 2, "array": 1, "minipage": 1}


class _Writer:
    """Plain text, and math kept apart so that its `--` stays TeX."""

    def __init__(self) -> None:
        self.pieces: list[tuple[str, bool]] = []
        self.math = False

    def add(self, text: str) -> None:
        self.pieces.append((text, self.math))

    def text(self) -> str:
        out = []
        for math, pieces in groupby(self.pieces, key=lambda piece: piece[1]):
            text = "".join(piece[0] for piece in pieces)
            out.append(text if math else text.replace("---", "\u2014").replace("--", "\u2013"))
        return " ".join("".join(out).split())


def plain(tokens: list[Token], macros: Macros) -> str:
    stream = Stream(tokens, macros)
    writer = _Writer()
    while (token := stream.next()) is not None:
        if token.kind == "cs":
            _command(token.text, stream, writer)
        elif token.is_char("$"):
            writer.math = not writer.math
        elif writer.math:
            writer.add(token.source if token.kind not in ("open", "close") else token.text)
        elif token.kind in ("word", "char"):
            writer.add({"~": " ", "&": " "}.get(token.text, token.text))
        elif token.kind == "space":
            writer.add(" ")
    return writer.text()


def _command(name: str, stream: Stream, writer: _Writer) -> None:
    if writer.math and name != "\\":
        writer.add(f"\\{name}")
        return
    if name in _ACCENTS:
        argument = "".join(t.text for t in stream.argument())
        writer.add(unicodedata.normalize("NFC", argument[:1] + _ACCENTS[name]) + argument[1:])
    elif name in ("textsubscript", "textsuperscript"):
        writer.add("_" if name == "textsubscript" else "^")  # `h\textsubscript{t}` is h_t
    elif name in _SYMBOLS:
        writer.add(_SYMBOLS[name])
        if name == "\\":
            stream.optional()  # `\\[2pt]`: the spacing is not text
    elif name == "begin":
        environment = "".join(t.text for t in stream.argument())
        stream.optional()
        for _ in range(_TABULAR.get(environment, 0)):
            stream.argument()  # a width or a column spec
    elif name in _DROP_ARGS:
        stream.optional()
        for _ in range(_DROP_ARGS[name]):
            stream.argument()
    else:
        stream.optional()  # `\makebox[2cm]{text}` and unknown commands: the text stays
