"""SVG and PDF rasterizers side by side, to choose those behind reviewer.draw.raster.

    python bench/rasterize.py [--quick]

Each candidate runs in its own subprocess per check (a native abort then costs one cell, not
the run): median ms of 1024-px renders, peak RSS growth over a bare interpreter (ru_maxrss:
tracemalloc misses native memory), whether text is drawn, and what it does with hostile
SVGs: an <image> naming a local PNG, an external entity, billion laughs, width="1e8".
Inputs are written here to a temporary directory; real figures are read from
../shared/corpus when there are any. Candidates not installed print "not installed".

"ms" is a 1024 x 640 plot, "big ms" a 20,000-mark scatter (1.3 MB); the last line gives each
candidate's time over the chosen one's, plot/scatter:
`svg: resvg-py 1.0x/1.0x, <name> <r>x/<r>x, ...; pdf: pypdfium2 1.0x/1.0x, ...`."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib  # noqa: F401  (puts the repository root on sys.path)
from PIL import Image

from tests.pdfs import make_pdf

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
SIDE = 1024
Render = Callable[[bytes], bytes | None]
SECRET = "W" * 40  # wide text: drawn, it changes the picture
MAGENTA = (255, 0, 255)


def _mod(name: str) -> Any:
    return importlib.import_module(name)


def _fonts() -> dict[str, Any]:
    # resvg's default families (Times New Roman, Liberation) are often missing, and then it
    # draws no text: both resvg bindings get the family the reviewer found installed.
    fonts: dict[str, Any] = _mod("reviewer.draw.raster")._fonts()
    return fonts


def _resvg_py(data: bytes) -> bytes | None:
    out: bytes = _mod("resvg_py").svg_to_bytes(
        svg_string=data.decode(), background="white", width=SIDE, height=SIDE, dpi=96, **_fonts()
    )
    return out


def _resvg(data: bytes) -> bytes | None:
    usvg, render = _mod("resvg").usvg, _mod("resvg").render
    options = usvg.Options.default()
    options.load_system_fonts()
    if family := _fonts().get("font_family"):
        options.font_family = family  # the only family it can set: generic ones stay unset
    tree = usvg.Tree.from_str(data.decode(), options)
    width, height = tree.int_size()
    scale = SIDE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return bytes(render(tree, (scale, 0, 0, 0, scale, 0), bg_size=size, bg_color=(255,) * 4))


def _cairosvg(data: bytes) -> bytes | None:
    cairosvg = _mod("cairosvg")
    out: bytes = cairosvg.svg2png(bytestring=data, output_width=SIDE, background_color="white")
    return out


def _vl_convert(data: bytes) -> bytes | None:
    # Only a zoom factor: the bench SVG is declared 1024 px wide, so 1.0 matches the others.
    return bytes(_mod("vl_convert").svg_to_png(data.decode(), scale=1.0))


def _skia(data: bytes) -> bytes | None:
    skia = _mod("skia")
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(data))
    if dom is None:
        return None
    width, height = dom.containerSize().width(), dom.containerSize().height()
    scale = SIDE / max(width, height)
    surface = skia.Surface(max(1, round(width * scale)), max(1, round(height * scale)))
    with surface as canvas:
        canvas.clear(skia.ColorWHITE)
        canvas.scale(scale, scale)
        dom.render(canvas)
    return bytes(surface.makeImageSnapshot().encodeToData())


def _pymupdf(data: bytes, filetype: str) -> bytes | None:
    pymupdf = _mod("pymupdf")
    page = pymupdf.open(stream=data, filetype=filetype)[0]
    scale = SIDE / max(page.rect.width, page.rect.height)
    out: bytes = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False).tobytes("png")
    return out


def _svglib(data: bytes) -> bytes | None:
    drawing = _mod("svglib.svglib").svg2rlg(io.BytesIO(data))
    dpi = 72 * SIDE / max(drawing.width, drawing.height)
    out: bytes = _mod("reportlab.graphics.renderPM").drawToString(drawing, fmt="PNG", dpi=dpi)
    return out


def _pypdfium2(data: bytes) -> bytes | None:
    page = _mod("pypdfium2").PdfDocument(data)[0]
    scale = SIDE / max(page.get_size())
    return _png(page.render(scale=scale, fill_color=(255,) * 4).to_pil())


def _pdf2image(data: bytes) -> bytes | None:
    if shutil.which("pdftoppm") is None:
        raise ImportError("pdf2image needs poppler-utils (pdftoppm)")
    pages = _mod("pdf2image").convert_from_bytes(data, size=SIDE, first_page=1, last_page=1)
    return _png(pages[0])


def _ours(kind: str) -> Render:
    raster = _mod("reviewer.draw.raster")
    render: Render = raster.svg_to_png if kind == "svg" else raster.pdf_to_png
    return render


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# name -> (distribution, module to import, render)
SVG: dict[str, tuple[str, str, Callable[[], Render]]] = {
    "resvg-py": ("resvg-py", "resvg_py", lambda: _resvg_py),
    "resvg": ("resvg", "resvg", lambda: _resvg),
    "cairosvg": ("cairosvg", "cairosvg", lambda: _cairosvg),
    "vl-convert": ("vl-convert-python", "vl_convert", lambda: _vl_convert),
    "skia-python": ("skia-python", "skia", lambda: _skia),
    "pymupdf": ("pymupdf", "pymupdf", lambda: lambda d: _pymupdf(d, "svg")),
    "svglib": ("svglib", "svglib", lambda: _svglib),
    "reviewer": ("reviewer", "reviewer.draw.raster", lambda: _ours("svg")),
}
PDF: dict[str, tuple[str, str, Callable[[], Render]]] = {
    "pypdfium2": ("pypdfium2", "pypdfium2", lambda: _pypdfium2),
    "pymupdf": ("pymupdf", "pymupdf", lambda: lambda d: _pymupdf(d, "pdf")),
    "pdf2image": ("pdf2image", "pdf2image", lambda: _pdf2image),
    "reviewer": ("reviewer", "reviewer.draw.raster", lambda: _ours("pdf")),
}


def chart_svg() -> bytes:
    """A plot-like figure: axes, 300 marks, a polyline, 20 labels, declared 1024 x 640."""
    marks = "".join(
        f'<circle cx="{60 + i * 3}" cy="{100 + (i * 37) % 480}" r="4" fill="#1f77b4"/>'
        for i in range(300)
    )
    line = " ".join(f"{60 + i * 30},{560 - (i * i) % 400}" for i in range(31))
    labels = "".join(
        f'<text x="{60 + i * 47}" y="600" font-size="14" font-family="sans-serif">{i}</text>'
        for i in range(20)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="640">'
        '<path d="M60 20V580H1000" stroke="black" fill="none"/>'
        f'{marks}<polyline points="{line}" stroke="#d62728" fill="none" stroke-width="2"/>'
        f'{labels}<text x="400" y="40" font-size="24">Growth by year</text></svg>'
    ).encode()


def scatter_svg() -> bytes:
    """A dense scatter plot as matplotlib writes one: 20,000 translucent marks, 1.3 MB."""
    marks = "".join(
        f'<circle cx="{60 + (i * 7) % 900}" cy="{100 + (i * 37) % 480}" r="3" fill="#1f77b4" '
        'fill-opacity="0.5"/>'
        for i in range(20_000)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="640">'
        f'{marks}<text x="400" y="40" font-size="24" font-family="sans-serif">Scatter</text></svg>'
    ).encode()


def hostile(work: Path) -> dict[str, bytes]:
    """The SVGs that must not reach outside themselves, keyed by check."""
    png, secret = work / "magenta.png", work / "secret.txt"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">{}</svg>'
    image = '<image href="{}" x="{}" width="100" height="100"/>'
    hrefs = (png, png.name, png.as_uri())  # absolute, relative to the cwd, file: URL
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    found = {
        "external": svg.format("".join(image.format(h, n * 100) for n, h in enumerate(hrefs))),
        "xxe": f'<!DOCTYPE svg [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        + svg.format('<text x="5" y="50" font-size="12">A&x;B</text>'),
        "xxe-clean": svg.format('<text x="5" y="50" font-size="12">AB</text>'),
        "laughs": f'<!DOCTYPE svg [<!ENTITY l0 "ha">{laughs}]>' + svg.format("<text>&l9;</text>"),
        "huge": '<svg xmlns="http://www.w3.org/2000/svg" width="100000000" height="50000000" '
        'viewBox="0 0 200 100"><rect width="100" height="100" fill="red"/></svg>',
        "text": svg.format('<text x="5" y="60" font-size="40" font-family="sans-serif">L</text>'),
        # Each translucent group is composited through a canvas-sized layer: CPU, not memory.
        "layers": svg.format('<g opacity="0.99"><rect width="300" height="100"/></g>' * 300),
    }
    return {k: v.encode() for k, v in found.items()}


def scatter_pdf() -> bytes:
    marks = b"".join(
        b"%d %d 4 4 re f " % (60 + (i * 7) % 480, 100 + (i * 37) % 600) for i in range(20_000)
    )
    return make_pdf(b"0.1 0.4 0.8 rg " + marks)


def chart_pdf() -> bytes:
    bars = b"".join(
        b"0.1 0.4 0.8 rg %d 100 30 %d re f " % (80 + i * 45, 50 + i * 37) for i in range(10)
    )
    text = b"BT /F1 28 Tf 72 700 Td (Growth by year) Tj ET BT /F1 12 Tf 72 80 Td (2014 2024) Tj ET"
    return make_pdf(b"0 0 0 RG 70 600 m 70 90 l 560 90 l S " + bars + b"0 g " + text)


def _dark_pixels(png: bytes) -> int:
    with Image.open(io.BytesIO(png)) as image:
        histogram = image.convert("L").histogram()
    return sum(histogram[:128])


def _has_colour(png: bytes, colour: tuple[int, int, int]) -> bool:
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    return any(c == colour for _, c in rgb.getcolors(rgb.width * rgb.height) or [])


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(render: Render, data: bytes) -> tuple[float, bytes | None]:
    start = time.perf_counter()
    out = render(data)
    return (time.perf_counter() - start) * 1000, out


def speed(kind: str, name: str, runs: int) -> dict[str, Any]:
    """Import cost, median render time, peak RSS growth; drawn = the result has dark pixels."""
    before = _maxrss_mb()
    start = time.perf_counter()
    render = (SVG if kind == "svg" else PDF)[name][2]()
    importlib.import_module((SVG if kind == "svg" else PDF)[name][1])
    imported = (time.perf_counter() - start) * 1000
    data = chart_svg() if kind == "svg" else chart_pdf()
    _, out = _timed(render, data)  # warm-up: font databases, lazy loading
    times = [_timed(render, data)[0] for _ in range(runs)]
    big = scatter_svg() if kind == "svg" else scatter_pdf()
    big_times = [_timed(render, big)[0] for _ in range(max(1, runs // 5))]
    corpus = sorted(CORPUS.rglob(f"*.{kind}")) if CORPUS.is_dir() else []
    ok = sum(1 for path in corpus if _quiet(render, path.read_bytes()))
    size = Image.open(io.BytesIO(out)).size if out else None
    return {
        "import_ms": imported, "ms": statistics.median(times), "rss_mb": _maxrss_mb() - before,
        "big_ms": statistics.median(big_times),
        "size": size, "drawn": bool(out and _dark_pixels(out)), "corpus": f"{ok}/{len(corpus)}",
    }  # fmt: skip


def _quiet(render: Render, data: bytes) -> bool:
    try:
        return render(data) is not None
    except Exception:
        return False


def check(kind: str, name: str, what: str, work: Path) -> str:
    """One hostile or edge-case input, reduced to a word for the table."""
    render = (SVG if kind == "svg" else PDF)[name][2]()
    inputs = hostile(work) if kind == "svg" else {"huge": chart_pdf_giant()}
    inputs["garbage"] = b"\x00\x01 not a figure"
    ms, out = _timed(render, inputs[what])
    slow = f" {ms / 1000:.1f}s" if ms > 2000 else ""
    if out is None:
        return "refused" + slow
    if what == "external":
        return ("LEAKED" if _has_colour(out, MAGENTA) else "blocked") + slow
    if what == "xxe":
        clean = render(inputs["xxe-clean"])
        leaked = clean is not None and _dark_pixels(out) > 3 * _dark_pixels(clean) + 50
        return ("LEAKED" if leaked else "blocked") + slow
    if what == "huge":
        width, height = Image.open(io.BytesIO(out)).size
        return f"{width}x{height}" if max(width, height) <= SIDE else f"UNBOUNDED {width}x{height}"
    if what == "text":
        return "yes" if _dark_pixels(out) else "NO TEXT"
    if what == "layers":
        return f"{ms / 1000:.1f}s"
    return "rendered" + slow


def chart_pdf_giant() -> bytes:
    return make_pdf(b"0 0 1 rg 0 0 5000000 5000000 re f", box="0 0 10000000 10000000")


def child(argv: list[str]) -> int:
    kind, name, what, work, runs = argv
    try:
        if what == "speed":
            result: Any = speed(kind, name, int(runs))
        else:
            result = check(kind, name, what, Path(work))
    except BaseException as exc:  # a binding's panic included: the cell says so
        result = "raises"
        print(f"{kind} {name} {what}: {type(exc).__name__}: {exc}"[:200], file=sys.stderr)
    print(json.dumps(result))
    return 0


def _run_child(kind: str, name: str, what: str, work: Path, runs: int) -> tuple[Any, str]:
    """The child's result and, when it raised or died, a note saying how."""
    args = [sys.executable, __file__, "--child", kind, name, what, str(work), str(runs)]
    try:
        done = subprocess.run(args, cwd=work, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return "TIMEOUT", f"{kind} {name} {what}: over 180 s"
    said = [line for line in done.stderr.splitlines() if line.startswith(f"{kind} {name} ")]
    if done.returncode < 0:
        last = done.stderr.strip().splitlines()[-1:] or [""]
        return f"CRASH sig{-done.returncode}", f"{kind} {name} {what}: {last[0][:120]}"
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if done.returncode == 0 and lines else f"exit {done.returncode}"
    return result, said[-1] if said else ""


def _about(distribution: str) -> str:
    """Licence and installed size of the distribution itself (not its dependencies)."""
    meta = importlib.metadata.metadata(distribution)
    classifiers = meta.get_all("Classifier") or []
    licences = [c.rsplit(" :: ", 1)[-1] for c in classifiers if c.startswith("License ::")]
    files = importlib.metadata.files(distribution) or []
    text = [f for f in files if f.name.upper().startswith(("LICENSE", "COPYING"))]
    mit = bool(text) and "Permission is hereby granted" in text[0].read_text(encoding="utf-8")
    named = meta["License-Expression"] or meta["License"] or (licences or [""])[0]
    licence = named or ("MIT (licence file)" if mit else "?")
    size = sum(p.stat().st_size for f in files if (p := Path(str(f.locate()))).is_file())
    return f"{licence.split(' (')[0][:22]}, {size / 1e6:.1f} MB"


def _installed(distribution: str, module: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
        return importlib.util.find_spec(module.split(".")[0]) is not None
    except importlib.metadata.PackageNotFoundError:
        return False


def table(kind: str, work: Path, runs: int) -> dict[str, tuple[float, float]]:
    candidates = SVG if kind == "svg" else PDF
    checks = ["text", "external", "xxe", "laughs", "huge", "layers"] if kind == "svg" else ["huge"]
    checks.append("garbage")
    heads = "  ".join(f"{c:<10}" for c in checks)
    print(f"\n{kind}: {'candidate':<12} {'ms':>6} {'big ms':>7} {'import':>6} {'rss MB':>6} "
          f"{'drawn':>5} {'corpus':>6}  {heads}  licence, installed size")  # fmt: skip
    medians: dict[str, tuple[float, float]] = {}
    notes = []
    for name, (distribution, module, _) in candidates.items():
        if not _installed(distribution, module):
            print(f"     {name:<12} not installed")
            continue
        runs_ = [_run_child(kind, name, what, work, runs) for what in ["speed", *checks]]
        notes += [note for _, note in runs_ if note]
        got, cells = runs_[0][0], [str(cell) for cell, _ in runs_[1:]]
        if isinstance(got, dict):
            medians[name] = got["ms"], got["big_ms"]
            head = (f"{got['ms']:6.1f} {got['big_ms']:7.0f} {got['import_ms']:6.0f} "
                    f"{got['rss_mb']:6.1f} {'yes' if got['drawn'] else 'BLANK':>5} "
                    f"{got['corpus']:>6}")  # fmt: skip
        else:
            head = f"{got:<45}"
        about = _about(distribution) if distribution != "reviewer" else "resvg-py/pypdfium2+checks"
        print(f"     {name:<12} {head}  " + "  ".join(f"{c:<10}" for c in cells) + f"  {about}")
    for note in notes:
        print(f"  note: {note}")
    return medians


def ratios(medians: dict[str, tuple[float, float]], base: str) -> str:
    """Each candidate's time over the choice's, for the plot and (after /) the dense one."""
    if base not in medians:
        return f"{base} not measured"
    ms, big = medians[base]
    return ", ".join(
        f"{n} {m / ms:.1f}x/{b / big:.1f}x" for n, (m, b) in medians.items() if n != "reviewer"
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    runs = 3 if "--quick" in argv else 15
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        Image.new("RGB", (50, 50), MAGENTA).save(work / "magenta.png")
        (work / "secret.txt").write_text(SECRET, encoding="utf-8")
        corpus = sum(1 for _ in CORPUS.rglob("*.svg")) + sum(1 for _ in CORPUS.rglob("*.pdf"))
        print(f"{runs} runs per median, {SIDE}-px long side; corpus {CORPUS}: {corpus} SVG/PDF")
        print("rss MB: peak RSS growth of a fresh interpreter importing it and rendering")
        svg = table("svg", work, runs)
        pdf = table("pdf", work, runs)
    print(f"svg: {ratios(svg, 'resvg-py')}; pdf: {ratios(pdf, 'pypdfium2')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
