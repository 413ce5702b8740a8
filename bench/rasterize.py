"""SVG and PDF rasterizers side by side, to choose those behind reviewer.draw.raster.

    python bench/rasterize.py [--quick]

Each candidate runs in its own subprocess per check (a native abort then costs one cell, not
the run): median ms of 1024-px renders, peak RSS growth over a bare interpreter (ru_maxrss:
tracemalloc misses native memory), whether text is drawn, and what it does with hostile
SVGs: an <image> naming a local PNG, an external entity, billion laughs, width="1e8".
Inputs (bench/raster_inputs.py) are written to a temporary directory; real figures are read from
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib  # noqa: F401  (puts the repository root on sys.path)
from PIL import Image
from raster_candidates import PDF, SIDE, SVG, Render
from raster_inputs import (
    MAGENTA,
    chart_pdf,
    chart_pdf_giant,
    chart_svg,
    hostile,
    scatter_pdf,
    scatter_svg,
    write_assets,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


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
        write_assets(work)
        corpus = sum(1 for _ in CORPUS.rglob("*.svg")) + sum(1 for _ in CORPUS.rglob("*.pdf"))
        print(f"{runs} runs per median, {SIDE}-px long side; corpus {CORPUS}: {corpus} SVG/PDF")
        print("rss MB: peak RSS growth of a fresh interpreter importing it and rendering")
        svg = table("svg", work, runs)
        pdf = table("pdf", work, runs)
    print(f"svg: {ratios(svg, 'resvg-py')}; pdf: {ratios(pdf, 'pypdfium2')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
