"""Draw stage: what a figure is sent as. Image files bounded, SVG and PDF rasterized, a
diagram rendered by its own tool (real programs on PATH, written here as small scripts, and the
real Graphviz where it is installed), cached, and every failure turned into a reason."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image as PILImage

from reviewer.draw import tools as draw_tools
from reviewer.draw.pictures import Pictures, file_image
from reviewer.draw.raster import image_size
from reviewer.draw.tools import Tools
from reviewer.model import Drawing
from reviewer.project.diagrams import TikzSetup, tikz_setup

from .conftest import unavailable

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
    b'<rect x="10" y="10" width="80" height="40" fill="#c00"/></svg>'
)


def _png(width: int, height: int, colour: str = "red") -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _pdf() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (300, 200), "blue").save(out, "PDF")
    return out.getvalue()


def test_an_svg_file_goes_as_a_png(tmp_path: Path) -> None:
    (tmp_path / "plot.svg").write_bytes(SVG)
    image = file_image(tmp_path / "plot.svg")
    assert image is not None and image.media_type == "image/png"
    assert image.data.startswith(b"\x89PNG")


def test_a_pdf_file_goes_as_its_first_page(tmp_path: Path) -> None:
    (tmp_path / "chart.pdf").write_bytes(_pdf())
    image = file_image(tmp_path / "chart.pdf")
    assert image is not None and image.media_type == "image/png"
    size = image_size(image.data)
    assert size is not None and max(size) <= 1024


def test_a_small_png_goes_unchanged_and_a_large_one_is_shrunk(tmp_path: Path) -> None:
    small, large = _png(40, 30), _png(3000, 1000)
    (tmp_path / "small.png").write_bytes(small)
    (tmp_path / "large.png").write_bytes(large)
    kept = file_image(tmp_path / "small.png")
    assert kept is not None and kept.data == small and kept.media_type == "image/png"
    shrunk = file_image(tmp_path / "large.png")
    assert shrunk is not None and image_size(shrunk.data) == (1024, 341)
    assert shrunk.tokens < kept.tokens * 10  # a bounded image is billed as one


@pytest.mark.parametrize("name", ["notes.txt", "clip.mp4", "figure.eps"])
def test_other_files_are_not_sent(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"not an image")
    assert file_image(tmp_path / name) is None


def test_a_fifo_named_like_an_svg_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "trap.svg"
    os.mkfifo(fifo)
    assert file_image(fifo) is None  # returns at once: no read waits on a writer


def test_a_broken_svg_is_not_sent(tmp_path: Path) -> None:
    (tmp_path / "broken.svg").write_bytes(b"<svg><g>")
    assert file_image(tmp_path / "broken.svg") is None


def _tool(folder: Path, name: str, body: str) -> str:
    """A real executable on disk: a Python script that plays the renderer."""
    path = folder / name
    path.write_text(f"#!{sys.executable}\nimport json, os, sys, pathlib\n{body}\n")
    path.chmod(0o755)
    return str(path)


def _fake_dot(folder: Path, log: Path) -> str:
    body = (
        f"with open({str(log)!r}, 'a') as f: f.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"pathlib.Path('out.svg').write_bytes({SVG!r})"
    )
    return _tool(folder, "dot", body)


DOT = Drawing("dot", "digraph { a -> b }")


def test_a_diagram_is_rendered_by_its_tool_and_cached(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    tools = Tools(dot=_fake_dot(tmp_path, log))
    first = Pictures(tools, tmp_path / "cache").of((), DOT)
    assert len(first.images) == 1 and first.images[0].data.startswith(b"\x89PNG")
    assert json.loads(log.read_text()) == ["-Tsvg", "-o", "out.svg", "in.gv"]
    again = Pictures(tools, tmp_path / "cache").of((), DOT)  # a later run: from the cache
    assert again.images == first.images
    assert len(log.read_text().splitlines()) == 1


def test_a_changed_diagram_is_rendered_again(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    pictures = Pictures(Tools(dot=_fake_dot(tmp_path, log)), tmp_path / "cache")
    pictures.of((), DOT)
    pictures.of((), Drawing("dot", "digraph { a -> c }"))
    assert len(log.read_text().splitlines()) == 2


def test_each_figure_is_drawn_once_per_run(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    pictures = Pictures(Tools(dot=_fake_dot(tmp_path, log)))  # no cache: memory only
    for _ in range(3):  # the key, the estimate and the message each ask
        pictures.of((), DOT)
    assert len(log.read_text().splitlines()) == 1


def test_mermaid_is_drawn_as_a_png_on_white(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    body = (
        f"with open({str(log)!r}, 'a') as f: f.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"pathlib.Path('out.png').write_bytes({_png(2400, 600)!r})"
    )
    tools = Tools(mmdc=_tool(tmp_path, "mmdc", body))
    attached = Pictures(tools).of((), Drawing("mermaid", "flowchart LR\n a --> b"))
    argv = json.loads(log.read_text())
    assert argv[argv.index("-b") + 1] == "white" and argv[argv.index("-i") + 1] == "in.mmd"
    assert len(attached.images) == 1 and image_size(attached.images[0].data) == (1024, 256)


def test_no_tool_means_text_only_with_the_reason(tmp_path: Path) -> None:
    pictures = Pictures(Tools())
    attached = pictures.of((), Drawing("mermaid", "flowchart LR\n a --> b"))
    assert attached.images == () and attached.not_drawn == "no Mermaid mmdc installed"
    assert pictures.not_drawn == {"no Mermaid mmdc installed": 1}


def test_a_failing_tool_gives_its_error_line(tmp_path: Path) -> None:
    body = "print('This is LuaTeX'); print('! Undefined control sequence.'); sys.exit(1)"
    tools = Tools(tex=(("lualatex", _tool(tmp_path, "lualatex", body)),))
    attached = Pictures(tools, tmp_path / "cache").of((), Drawing("tikz", r"\foo"))
    assert attached.images == ()
    assert attached.not_drawn == "lualatex failed: ! Undefined control sequence."
    assert not (tmp_path / "cache").exists()  # a failure is not kept: a fixed TeX tries again


def test_a_tool_that_hangs_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draw_tools, "TIMEOUT_S", 0.5)
    tools = Tools(dot=_tool(tmp_path, "dot", "import time; time.sleep(30)"))
    attached = Pictures(tools).of((), DOT)
    assert attached.not_drawn == "dot took over 0.5 s"


def test_a_tool_that_writes_a_link_instead_of_a_file_gives_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.svg"
    secret.write_bytes(SVG)
    body = f"os.symlink({str(secret)!r}, 'out.svg')"
    attached = Pictures(Tools(dot=_tool(tmp_path, "dot", body))).of((), DOT)
    assert attached.images == () and attached.not_drawn == "the tool wrote no SVG"


def test_tex_runs_sandboxed_with_the_books_preamble(tmp_path: Path) -> None:
    seen = tmp_path / "seen.json"
    body = (
        "doc = pathlib.Path('in.tex').read_text()\n"
        f"pathlib.Path({str(seen)!r}).write_text(json.dumps("
        "{'argv': sys.argv[1:], 'doc': doc, 'openin': os.environ.get('openin_any'), "
        "'key': 'OPENAI_API_KEY' in os.environ}))\n"
        f"pathlib.Path('in.pdf').write_bytes({_pdf()!r})"
    )
    os.environ["OPENAI_API_KEY"] = "sk-test-not-passed-on"
    try:
        tools = Tools(tex=(("lualatex", _tool(tmp_path, "lualatex", body)),))
        setup = TikzSetup((r"\usepackage{tikz}", r"\definecolor{GreenL}{RGB}{219,253,166}"))
        source = "\\begin{tikzpicture}\\node {x};\\end{tikzpicture}"
        attached = Pictures(tools).of((), Drawing("tikz", source), setup)
    finally:
        del os.environ["OPENAI_API_KEY"]
    assert len(attached.images) == 1
    ran = json.loads(seen.read_text())
    assert "-no-shell-escape" in ran["argv"] and ran["openin"] == "p" and not ran["key"]
    assert r"\definecolor{GreenL}{RGB}{219,253,166}" in ran["doc"]
    assert ran["doc"].index(r"\begin{document}") < ran["doc"].index(r"\node {x}")


def test_a_book_chooses_its_tex_and_only_a_tex(tmp_path: Path) -> None:
    tools = Tools(tex=(("lualatex", "/bin/lualatex"), ("pdflatex", "/bin/pdflatex")))
    assert tools.tex_for(TikzSetup(execpath="pdflatex")) == "/bin/pdflatex"
    assert tools.tex_for(TikzSetup()) == "/bin/lualatex"
    assert tools.tex_for(TikzSetup(execpath="xelatex")) is None  # named, but not here


def _book(tmp_path: Path, config: str, files: dict[str, str] | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "_quarto.yml").write_text(config)
    for name, text in (files or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


TIKZ_CONFIG = """diagram:
  engine:
    tikz:
      execpath: {execpath}
      header-includes:
        - '\\usepackage{{pgfplots}}'
"""


def test_the_preamble_comes_from_the_diagram_filters_settings(tmp_path: Path) -> None:
    root = _book(tmp_path, TIKZ_CONFIG.format(execpath="lualatex"))
    assert tikz_setup(root) == TikzSetup((r"\usepackage{pgfplots}",), "lualatex")


def test_the_preamble_may_sit_in_a_metadata_file(tmp_path: Path) -> None:
    config = "project:\n  type: book\nmetadata-files:\n  - config/diagrams.yml\n"
    root = _book(tmp_path, config, {"config/diagrams.yml": TIKZ_CONFIG.format(execpath="pdflatex")})
    assert tikz_setup(root).execpath == "pdflatex"


@pytest.mark.parametrize("execpath", ["rm", "/tmp/evil.sh", "../lualatex-wrapper"])
def test_an_execpath_that_is_not_tex_is_not_run(tmp_path: Path, execpath: str) -> None:
    root = _book(tmp_path, TIKZ_CONFIG.format(execpath=execpath))
    assert tikz_setup(root).execpath is None


def test_a_metadata_file_outside_the_book_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside.yml").write_text(TIKZ_CONFIG.format(execpath="lualatex"))
    root = _book(tmp_path / "book", "metadata-files:\n  - ../outside.yml\n")
    assert tikz_setup(root) == TikzSetup()


def test_real_graphviz_draws_the_diagram() -> None:
    if shutil.which("dot") is None:
        unavailable("Graphviz's dot is not installed (apt-get install graphviz)")
    attached = Pictures(Tools.found()).of((), DOT)
    assert len(attached.images) == 1, attached.not_drawn
    picture = PILImage.open(io.BytesIO(attached.images[0].data)).convert("L")
    darkest, lightest = picture.getextrema()
    assert isinstance(darkest, int) and darkest < 128 and lightest == 255  # ink on white


def _real_tex() -> Tools:
    tools = Tools.found()
    kpsewhich = shutil.which("kpsewhich")
    found = (
        kpsewhich
        and subprocess.run(
            [kpsewhich, "standalone.cls"], capture_output=True, check=False
        ).stdout.strip()
    )
    if not tools.tex or not found:
        # Not in CI: a TeX with TikZ and the standalone class is some 300 MB of packages.
        pytest.skip("no TeX with TikZ and standalone.cls here (texlive-latex-extra)")
    return tools


def test_real_tex_draws_a_tikz_picture() -> None:
    tools = _real_tex()
    source = "\\begin{tikzpicture}\\node[draw, fill=black] {Sensor};\\end{tikzpicture}"
    attached = Pictures(tools).of((), Drawing("tikz", source), TikzSetup((r"\usepackage{tikz}",)))
    assert len(attached.images) == 1, attached.not_drawn
    picture = PILImage.open(io.BytesIO(attached.images[0].data)).convert("L")
    darkest, _ = picture.getextrema()
    assert isinstance(darkest, int) and darkest < 64


def test_real_tex_cannot_read_a_file_outside_its_folder(tmp_path: Path) -> None:
    tools = _real_tex()
    secret = tmp_path / "secret.tex"
    secret.write_text("\\node {SECRET};")
    source = f"\\begin{{tikzpicture}}\\input{{{secret}}}\\end{{tikzpicture}}"
    attached = Pictures(tools).of((), Drawing("tikz", source), TikzSetup((r"\usepackage{tikz}",)))
    assert attached.images == ()  # kpathsea's paranoid mode refuses the absolute path
    assert attached.not_drawn is not None and "failed" in attached.not_drawn


def test_real_mermaid_cli_draws_the_diagram(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("mmdc") is None:
        # Not in CI: mermaid-cli is an npm package that drives a headless Chrome.
        pytest.skip("Mermaid's mmdc is not installed (npm install -g @mermaid-js/mermaid-cli)")
    chromium = shutil.which("chromium")
    if chromium and not os.environ.get("PUPPETEER_EXECUTABLE_PATH"):
        monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", chromium)  # no browser of its own
    diagram = Drawing("mermaid", "flowchart LR\n  U[Unlock at dock] --> R[Ride]\n")
    attached = Pictures(Tools.found()).of((), diagram)
    assert len(attached.images) == 1, attached.not_drawn
    picture = PILImage.open(io.BytesIO(attached.images[0].data)).convert("L")
    darkest, lightest = picture.getextrema()
    assert isinstance(darkest, int) and darkest < 128 and lightest == 255
