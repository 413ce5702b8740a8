"""Draw stage, the author's tools: a diagram's source rendered by the program that renders it
in the book (Graphviz's `dot`, Mermaid's `mmdc`, the user's own TeX for TikZ), when it is
installed.

Each runs in a fresh temporary folder, with no shell, a time limit and a bounded output; TeX runs
with shell escape off and kpathsea's paranoid file access, so a picture cannot read files
outside its folder into an image that is then sent to a model. Every failure is a reason, never
an exception: the figure is then judged from its drawn text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewer.draw.raster import pdf_to_png, svg_to_png
from reviewer.errors import ReviewerError
from reviewer.files.read import read_capped
from reviewer.project.diagrams import TikzSetup

TIMEOUT_S = 60.0
MAX_OUTPUT_BYTES = 20 * 1024 * 1024
TEX_ORDER = ("lualatex", "pdflatex", "xelatex")
PUPPETEER_CONFIG = "puppeteer.json"


@dataclass(frozen=True)
class Rendered:
    """A diagram's PNG, or why there is none."""

    png: bytes | None
    reason: str | None = None


@dataclass(frozen=True)
class Tools:
    """The renderers found on PATH: Graphviz, Mermaid's CLI and the TeX programs."""

    dot: str | None = None
    mmdc: str | None = None
    tex: tuple[tuple[str, str], ...] = ()  # (program, path), in the order they are preferred

    @classmethod
    def found(cls) -> Tools:
        tex = tuple((name, path) for name in TEX_ORDER if (path := shutil.which(name)))
        return cls(dot=shutil.which("dot"), mmdc=shutil.which("mmdc"), tex=tex)

    def tex_for(self, setup: TikzSetup) -> str | None:
        """The book's own TeX program when it names one and it is here, else the first found."""
        paths = dict(self.tex)
        if setup.execpath is not None:
            return paths.get(setup.execpath)
        return self.tex[0][1] if self.tex else None

    def identity(self, language: str, setup: TikzSetup) -> str:
        """What, besides the source, decides the picture: part of its cache key."""
        if language == "tikz":
            return f"tikz\0{self.tex_for(setup)}\0" + "\n".join(setup.preamble)
        return f"{language}\0{self.dot if language == 'dot' else self.mmdc}"

    def render(self, language: str, source: str, setup: TikzSetup) -> Rendered:
        if language == "dot" and self.dot:
            return _run([self.dot, "-Tsvg", "-o", "out.svg", "in.gv"], {"in.gv": source}, _svg)
        if language == "mermaid" and self.mmdc:
            # mmdc draws labels as HTML in its SVG, which no SVG rasterizer reads: ask for PNG.
            command = [self.mmdc, "-q", "-i", "in.mmd", "-o", "out.png", "-b", "white"]
            command += ["-w", "1024", "-p", PUPPETEER_CONFIG]
            return _run(command, {"in.mmd": source, PUPPETEER_CONFIG: _puppeteer()}, _png)
        tex = self.tex_for(setup) if language == "tikz" else None
        if tex is not None:
            command = [tex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
            document = standalone(source, setup.preamble)
            return _run([*command, "in.tex"], {"in.tex": document}, _pdf)
        return Rendered(None, f"no {_TOOL_NAMES.get(language, language)} installed")


_TOOL_NAMES = {"dot": "Graphviz dot", "mermaid": "Mermaid mmdc", "tikz": "TeX (lualatex)"}


def standalone(source: str, preamble: tuple[str, ...]) -> str:
    """The picture as a document of its own, as the diagram filter wraps it."""
    body = source if "\\begin{tikzpicture}" in source else f"\\begin{{tikzpicture}}\n{source}"
    if "\\begin{tikzpicture}" not in source:
        body += "\n\\end{tikzpicture}"
    header = "\n".join(preamble) if preamble else "\\usepackage{tikz}"
    return (
        "\\documentclass[border=4pt]{standalone}\n"
        f"{header}\n\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )


def _run(command: list[str], inputs: dict[str, str], read: Callable[[Path], Rendered]) -> Rendered:
    tool = Path(command[0]).name
    with tempfile.TemporaryDirectory(prefix="reviewer-draw-") as scratch:
        folder = Path(scratch)
        for name, text in inputs.items():
            (folder / name).write_text(text, encoding="utf-8")
        try:
            done = subprocess.run(
                command,
                cwd=folder,
                env=_environment(folder),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Rendered(None, f"{tool} took over {TIMEOUT_S:g} s")
        except OSError as err:
            return Rendered(None, f"{tool} could not run ({err.strerror or err})")
        if done.returncode != 0:
            return Rendered(None, f"{tool} failed: {_last_line(done.stdout + done.stderr)}")
        return read(folder)


def _puppeteer() -> str:
    """mmdc's browser: the one PUPPETEER_EXECUTABLE_PATH names, else puppeteer's own; as root,
    Chrome starts only without its sandbox (the page is the diagram, drawn from a file)."""
    config: dict[str, object] = {"args": ["--no-sandbox"]} if os.geteuid() == 0 else {}
    if os.environ.get("PUPPETEER_EXECUTABLE_PATH"):
        config["executablePath"] = os.environ["PUPPETEER_EXECUTABLE_PATH"]
    return json.dumps(config)


def _environment(folder: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TEXMFHOME", "TEXMFVAR", "TEXMFCONFIG", "TEXINPUTS")
    env = {k: v for k, v in os.environ.items() if k in keep or k.startswith("PUPPETEER_")}
    # puppeteer keeps its browser under ~/.cache/puppeteer: mmdc finds it there.
    env["PUPPETEER_CACHE_DIR"] = env.get("PUPPETEER_CACHE_DIR") or _puppeteer_cache()
    # kpathsea: no reading or writing of dot files or files outside this folder's tree.
    env.update(openin_any="p", openout_any="p", HOME=str(folder), TMPDIR=str(folder))
    return env


def _puppeteer_cache() -> str:
    return str(Path(os.environ.get("HOME") or Path.home()) / ".cache" / "puppeteer")


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines()]
    # TeX marks its error with `!`; other tools end with theirs.
    errors = [line for line in lines if line.startswith("!")]
    shown = (errors or [line for line in lines if line][-1:] or ["no message"])[0]
    return " ".join(shown.split())[:160]


def _output(path: Path) -> bytes | None:
    if path.is_symlink():  # what the tool drew is a file it wrote, not one it points at
        return None
    try:
        return read_capped(path, MAX_OUTPUT_BYTES, "a rendered diagram")
    except ReviewerError:  # missing, not a plain file, over the cap: nothing usable
        return None


def _svg(folder: Path) -> Rendered:
    return _converted(_output(folder / "out.svg"), svg_to_png, "SVG")


def _pdf(folder: Path) -> Rendered:
    return _converted(_output(folder / "in.pdf"), pdf_to_png, "PDF")


def _png(folder: Path) -> Rendered:
    data = _output(folder / "out.png")
    return Rendered(data) if data else Rendered(None, "the tool wrote no PNG")


def _converted(data: bytes | None, convert: Callable[[bytes], bytes | None], kind: str) -> Rendered:
    if data is None:
        return Rendered(None, f"the tool wrote no {kind}")
    png = convert(data)
    return Rendered(png) if png else Rendered(None, f"its {kind} could not be rasterized")
