"""Draw the example chapter's pictures: small flat drawings of what each figure's caption and
alt text in `examples/chapter.qmd` describe, so that the HTML audit (and a model that takes
images) shows a chart, a map or a bike rather than a dot.

    python examples/draw_images.py [--out FOLDER]

Standard library only: the pictures are drawn on a palette canvas and written as PNG with zlib.
The output is deterministic (no clock, no randomness but a fixed-seed generator), so a test
checks that this script reproduces the committed files byte for byte; run it again after
changing a drawing and commit the PNGs with it."""

from __future__ import annotations

import argparse
import math
import struct
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from pathlib import Path

W, H = 320, 200
Rgb = tuple[int, int, int]
Point = tuple[float, float]
Box = tuple[int, int, int, int]
PAPER, INK, GREY, LIGHT = (250, 248, 242), (45, 50, 60), (150, 156, 162), (226, 229, 233)
LAND, RIVER, BLUE, STEEL = (234, 238, 222), (150, 196, 232), (60, 120, 200), (128, 136, 146)
GREEN, AMBER, RED, WHITE = (58, 168, 92), (240, 168, 36), (214, 68, 58), (255, 255, 255)
# 3x5 digits (and a point) for axis labels: each row's three bits, left to right.
FONT = {
    "0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7), "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1), "5": (7, 4, 7, 1, 7), "6": (7, 4, 7, 5, 7), "7": (7, 1, 1, 1, 1),
    "8": (7, 5, 7, 5, 7), "9": (7, 5, 7, 1, 7), ".": (0, 0, 0, 0, 2),
}  # fmt: skip


class Canvas:
    """A W x H picture of palette indices: few colours, so the PNG stays a few kilobytes."""

    def __init__(self, background: Rgb) -> None:
        self.palette: list[Rgb] = [background]
        self.pixels = bytearray(W * H)

    def ink(self, rgb: Rgb) -> int:
        if rgb not in self.palette:
            self.palette.append(rgb)
        return self.palette.index(rgb)

    def rect(self, x0: float, y0: float, x1: float, y1: float, rgb: Rgb) -> None:
        left, right = max(0, round(x0)), min(W, round(x1))
        if left >= right:
            return
        row = bytes([self.ink(rgb)]) * (right - left)
        for y in range(max(0, round(y0)), min(H, round(y1))):
            self.pixels[y * W + left : y * W + right] = row

    def disc(self, cx: float, cy: float, r: float, rgb: Rgb) -> None:
        for y in range(math.floor(cy - r), math.ceil(cy + r) + 1):
            half = r * r - (y - cy) ** 2
            if half >= 0:
                self.rect(cx - math.sqrt(half), y, cx + math.sqrt(half) + 1, y + 1, rgb)

    def ring(self, cx: float, cy: float, r: float, width: float, rgb: Rgb) -> None:
        index = self.ink(rgb)
        for y in range(max(0, math.floor(cy - r)), min(H, math.ceil(cy + r) + 1)):
            for x in range(max(0, math.floor(cx - r)), min(W, math.ceil(cx + r) + 1)):
                if r - width <= math.hypot(x - cx, y - cy) <= r:
                    self.pixels[y * W + x] = index

    def line(self, points: Sequence[Point], rgb: Rgb, width: float = 2) -> None:
        """A polyline `width` pixels thick, stamped as discs along each segment."""
        for (x0, y0), (x1, y1) in pairwise(points):
            steps = max(1, round(max(abs(x1 - x0), abs(y1 - y0))))
            for n in range(steps + 1):
                t = n / steps
                self.disc(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2, rgb)

    def text(self, x: int, y: int, label: str, rgb: Rgb, scale: int = 2) -> None:
        for n, char in enumerate(label):
            for row, bits in enumerate(FONT[char]):
                for col in range(3):
                    if bits & (4 >> col):
                        left, top = x + (n * 4 + col) * scale, y + row * scale
                        self.rect(left, top, left + scale, top + scale, rgb)

    def png(self) -> bytes:
        rows = b"".join(b"\x00" + self.pixels[y * W : (y + 1) * W] for y in range(H))
        palette = b"".join(bytes(rgb) for rgb in self.palette)
        header = struct.pack(">IIBBBBB", W, H, 8, 3, 0, 0, 0)  # 8-bit palette, no interlace
        chunks = [(b"IHDR", header), (b"PLTE", palette), (b"IDAT", zlib.compress(rows, 9))]
        return b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(k, d) for k, d in [*chunks, (b"IEND", b"")])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def numbers(seed: int) -> Iterator[float]:
    """Fixed pseudo-random numbers in [0, 1): the same picture on every machine."""
    state = seed
    while True:
        state = (state * 1103515245 + 12345) % 2**31
        yield state / 2**31


def river(c: Canvas, y: float, width: float = 16, span: Point = (-10, W + 10)) -> list[Point]:
    """A river winding from left to right at height `y`; its points, for what lies along it."""
    xs = range(round(span[0]), round(span[1]) + 1, 10)
    points: list[Point] = [(x, y + 10 * math.sin(x / 45)) for x in xs]
    c.line(points, RIVER, width)
    return points


def streets(c: Canvas, across: Sequence[int], down: Sequence[int], width: int) -> None:
    for x in across:
        c.rect(x, 0, x + width, H, WHITE)
    for y in down:
        c.rect(0, y, W, y + width, WHITE)


def station_map() -> Canvas:
    """60 stations: dense in the old town at the centre, sparse along the river."""
    c = Canvas(LAND)
    streets(c, range(20, W, 40), range(15, H, 36), 2)
    bank = river(c, 150)
    rand = numbers(7)
    dots: list[Point] = []
    while len(dots) < 60:
        if len(dots) < 40:  # the old town: two thirds of the stations, crowded together
            x = 160 + 45 * (next(rand) + next(rand) - 1)
            y = 78 + 35 * (next(rand) + next(rand) - 1)
        else:
            px, py = bank[int(next(rand) * len(bank))]
            x, y = px, py + (-16 if next(rand) < 0.5 else 16)
        if all(math.hypot(x - a, y - b) > 8 for a, b in dots) and 4 < x < W - 4:
            dots.append((x, y))
    for x, y in dots:
        c.disc(x, y, 3.5, BLUE)
    return c


def live_map() -> Canvas:
    """A browser window showing a street map with green and red station markers."""
    c = Canvas(LAND)
    streets(c, range(40, W, 80), (60, 110, 165), 5)
    c.line([(0, 190), (W, 40)], WHITE, 6)
    river(c, 140, 12)
    rand = numbers(11)
    for n in range(16):
        x, y = 15 + next(rand) * (W - 30), 40 + next(rand) * (H - 55)
        c.disc(x, y, 7, INK)
        c.disc(x, y, 5, GREEN if n % 3 else RED)
    c.rect(0, 0, W, 24, LIGHT)
    for n, dot in enumerate((RED, AMBER, GREEN)):
        c.disc(12 + 12 * n, 12, 4, dot)
    c.rect(56, 6, 300, 18, WHITE)
    return c


def trial_bike() -> Canvas:
    """Side view of a heavy step-through bike with a basket over its front wheel."""
    c = Canvas(PAPER)
    c.rect(0, 172, W, 175, GREY)
    for hub in ((90, 132), (232, 132)):
        c.ring(*hub, 40, 5, INK)
        c.disc(*hub, 4, INK)
    frame = [(90, 132), (150, 140), (185, 120), (212, 72)]  # the low, step-through tube
    c.line(frame, BLUE, 8)
    c.line([(150, 140), (134, 76)], BLUE, 7)  # seat tube
    c.line([(90, 132), (138, 92)], BLUE, 5)  # seat stay
    c.line([(212, 72), (232, 132)], BLUE, 6)  # fork
    c.line([(212, 72), (206, 50), (186, 46)], INK, 5)  # stem and handlebar
    c.rect(116, 66, 150, 74, INK)  # saddle
    c.disc(150, 140, 9, GREY)
    c.line([(226, 74), (229, 118)], INK, 3)  # the basket's strut, down to the front hub
    c.rect(216, 40, 272, 74, AMBER)  # the front basket, woven
    for x in range(222, 272, 8):
        c.rect(x, 40, x + 2, 74, PAPER)
    return c


def dock_lights() -> Canvas:
    """Three lights side by side: green, amber, red."""
    c = Canvas(LIGHT)
    c.rect(20, 50, 300, 150, INK)
    for x, colour in ((75, GREEN), (160, AMBER), (245, RED)):
        c.disc(x, 100, 38, (70, 76, 86))
        c.disc(x, 100, 30, colour)
        c.disc(x - 10, 90, 7, WHITE)  # a glint
    return c


def dock() -> Canvas:
    """A grey steel post with its card reader at handlebar height."""
    c = Canvas((214, 224, 234))
    c.rect(0, 172, W, H, (196, 190, 178))
    c.rect(0, 170, W, 173, GREY)
    c.disc(160, 40, 20, STEEL)
    c.rect(140, 40, 181, 172, STEEL)
    c.rect(146, 40, 150, 172, (168, 175, 184))  # light on the steel
    c.rect(145, 70, 176, 104, INK)  # the card reader, at handlebar height
    c.rect(150, 75, 171, 88, (150, 200, 210))
    c.disc(160, 96, 3, GREEN)
    c.rect(152, 132, 169, 140, INK)  # the lock's slot
    c.line([(60, 87), (130, 87)], GREY, 2)
    c.line([(190, 87), (260, 87)], GREY, 2)
    return c


def small_bike(c: Canvas, x: float, ground: float, colour: Rgb) -> None:
    back, front, hub = x - 6, x + 6, ground - 5
    c.ring(back, hub, 5, 2, INK)
    c.ring(front, hub, 5, 2, INK)
    c.line([(back, hub), (x - 1, hub - 8), (front - 1, hub - 8), (front, hub)], colour)
    c.line([(x - 1, hub - 8), (x, hub)], colour)


def station(sky: Rgb, ground: Rgb, bikes: set[int]) -> Canvas:
    """A row of twelve docks; `bikes` are the docks with a bike in them."""
    c = Canvas(sky)
    c.rect(0, 150, W, H, ground)
    for n in range(12):
        x = 22 + n * 25
        c.rect(x - 2, 128, x + 3, 166, STEEL)
        if n in bikes:
            small_bike(c, x + 4, 170, RED)
    return c


def station_july() -> Canvas:
    """A full station in sunshine: every dock taken."""
    c = station((168, 210, 240), (210, 204, 190), set(range(12)))
    sun = (250, 208, 60)
    c.disc(270, 42, 20, sun)
    for n in range(8):
        dx, dy = math.cos(n * math.pi / 4), math.sin(n * math.pi / 4)
        c.line([(270 + 26 * dx, 42 + 26 * dy), (270 + 36 * dx, 42 + 36 * dy)], sun, 3)
    return c


def station_january() -> Canvas:
    """The same station under snow, two bikes left."""
    c = station((196, 202, 210), (246, 248, 252), {3, 8})
    rand = numbers(5)
    for _ in range(90):
        c.disc(next(rand) * W, next(rand) * 140, 1.5, WHITE)
    for n in range(12):
        c.rect(22 + n * 25 - 4, 124, 22 + n * 25 + 5, 129, WHITE)  # snow on each post
    return c


def bars(c: Canvas, box: Box, values: list[float], rgb: Rgb) -> None:
    x0, y0, x1, y1 = box
    step = (x1 - x0) / len(values)
    for n, value in enumerate(values):
        c.rect(x0 + n * step + 2, y1 - value * (y1 - y0), x0 + (n + 1) * step - 2, y1, rgb)


def curve(c: Canvas, box: Box, values: list[float], rgb: Rgb) -> None:
    x0, y0, x1, y1 = box
    step = (x1 - x0) / (len(values) - 1)
    c.line([(x0 + n * step, y1 - v * (y1 - y0)) for n, v in enumerate(values)], rgb, 3)


def tiles(c: Canvas, boxes: list[Box], ink: Rgb, tile: Rgb) -> None:
    """Four small charts in four tiles: bars, a line, steps and a number."""
    for x0, y0, x1, y1 in boxes:
        c.rect(x0, y0, x1, y1, tile)
    inner = [(x0 + 8, y0 + 10, x1 - 8, y1 - 8) for x0, y0, x1, y1 in boxes]
    bars(c, inner[0], [0.3, 0.5, 0.9, 0.7, 0.4], ink)
    curve(c, inner[1], [0.2, 0.4, 0.35, 0.7, 0.9], ink)
    curve(c, inner[2], [0.2, 0.2, 0.5, 0.5, 0.8], ink)
    c.text(inner[3][0] + 4, inner[3][1] + 8, "60", ink, 5)


def dashboard_web() -> Canvas:
    """Four tiles and a map."""
    c = Canvas((236, 240, 245))
    c.rect(0, 0, W, 22, (36, 60, 110))
    c.rect(10, 7, 90, 15, WHITE)
    tiles(c, [(8, 30, 98, 110), (106, 30, 196, 110), (8, 118, 98, 192), (106, 118, 196, 192)],
          BLUE, WHITE)  # fmt: skip
    c.rect(204, 30, 312, 192, LAND)
    river(c, 160, 8, (208, 308))
    rand = numbers(3)
    for _ in range(18):
        c.disc(214 + next(rand) * 88, 40 + next(rand) * 100, 3, BLUE)
    return c


def dashboard_print() -> Canvas:
    """A one-page grid of four small charts, in grey for print."""
    c = Canvas(LIGHT)
    c.rect(84, 4, 240, 196, WHITE)
    c.rect(96, 14, 200, 20, INK)
    tiles(c, [(96, 30, 160, 108), (164, 30, 228, 108), (96, 114, 160, 188), (164, 114, 228, 188)],
          INK, (240, 240, 240))  # fmt: skip
    return c


def fares() -> Canvas:
    """Price by ride length: flat to 30 minutes, then one step up every 30 minutes."""
    c = Canvas(WHITE)
    left, bottom, per_minute = 44, 170, 2
    c.rect(left, 20, left + 2, bottom + 2, INK)
    c.rect(left, bottom, 300, bottom + 2, INK)
    steps = [(0, 130), (30, 100), (60, 70), (90, 40)]
    points: list[Point] = []
    for minute, y in steps:
        points += [(left + minute * per_minute, y), (left + (minute + 30) * per_minute, y)]
    c.line(points, BLUE, 4)
    for minute in (0, 30, 60, 90, 120):
        x = left + minute * per_minute
        c.rect(x, bottom, x + 2, bottom + 6, INK)
        c.text(x - 4 * len(str(minute)) + 1, bottom + 10, str(minute), INK)
    c.text(6, 126, "1.50", INK)
    return c


PICTURES: dict[str, Callable[[], Canvas]] = {
    "station-map.png": station_map,
    "live-map.png": live_map,
    "trial-bike.png": trial_bike,
    "dock-lights.png": dock_lights,
    "dock.png": dock,
    "station-july.png": station_july,
    "station-january.png": station_january,
    "dashboard-web.png": dashboard_web,
    "dashboard-print.png": dashboard_print,
    "fares.png": fares,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "images")
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in PICTURES.items():
        data = draw().png()
        (out / name).write_bytes(data)
        print(f"{out / name}: {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
