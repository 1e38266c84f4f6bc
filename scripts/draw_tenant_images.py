"""Draw the product pictures and logos that the shop templates ship with.

    python scripts/draw_tenant_images.py            # every template
    python scripts/draw_tenant_images.py grocery    # only these templates

Reads `tenants/templates/*.toml` as plain TOML and draws every path a template names under
`logo` and `products[].images` (paths are relative to `tenants/`): an 800×800 flat
illustration per product (a soft background in the template's theme colour, a simple drawing
of the product, its Chinese and English name) and a 512×512 logo. Output is deterministic and
committed; the app never runs this, so no font is needed at runtime.

Needs Pillow. Text is drawn with Noto Sans CJK (`apt-get install fonts-noto-cjk`) or any
font `fc-list :lang=zh` finds; without one, the pictures are drawn without text. Images are
palette PNGs (≤ ~40 KB each). Products whose picture has no drawing below get a generic
package with the name's first character.
"""

from __future__ import annotations

import colorsys
import functools
import math
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

TENANTS = Path(__file__).resolve().parents[1] / "tenants"  # the data it draws for
SIZE, SCALE = 800, 3  # drawn at 3× and scaled down: smooth edges
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]

RED, YELLOW, ORANGE, BROWN, GOLD = "#e5484d", "#f7c948", "#f59e0b", "#6b3f22", "#e8b93a"
WHITE, INK, GLASS, STEEL = "#ffffff", "#1f2937", "#dbeafe", "#cbd5e1"


# -- colours ---------------------------------------------------------------------------------
def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)


def _shade(color: str, lightness: float, saturation: float | None = None) -> str:
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    return _hex(colorsys.hls_to_rgb(h, lightness, s if saturation is None else saturation))


@dataclass(frozen=True)
class Palette:
    main: str
    dark: str
    light: str
    pale: str
    bg: str

    @classmethod
    def of(cls, theme: str) -> Palette:
        return cls(main=theme, dark=_shade(theme, 0.24), light=_shade(theme, 0.72),
                   pale=_shade(theme, 0.87, 0.45), bg=_shade(theme, 0.955, 0.5))


# -- a drawing surface in 800-space ----------------------------------------------------------
class Pen:
    def __init__(self, size: int, background: str | tuple[int, ...], mode: str = "RGB") -> None:
        self.size = size
        self.image = Image.new(mode, (size * SCALE, size * SCALE), background)
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def _s(*xy: float) -> list[float]:
        return [v * SCALE for v in xy]

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: str, r: float = 0,
             outline: str | None = None, width: float = 0) -> None:
        self.draw.rounded_rectangle(self._s(x0, y0, x1, y1), radius=r * SCALE, fill=fill,
                                    outline=outline, width=round(width * SCALE))

    def oval(self, x0: float, y0: float, x1: float, y1: float, fill: str | None,
             outline: str | None = None, width: float = 0) -> None:
        self.draw.ellipse(self._s(x0, y0, x1, y1), fill=fill, outline=outline,
                          width=round(width * SCALE))

    def circle(self, x: float, y: float, r: float, fill: str | None, outline: str | None = None,
               width: float = 0) -> None:
        self.oval(x - r, y - r, x + r, y + r, fill, outline, width)

    def poly(self, points: list[tuple[float, float]], fill: str) -> None:
        self.draw.polygon([(x * SCALE, y * SCALE) for x, y in points], fill=fill)

    def line(self, points: list[tuple[float, float]], fill: str, width: float) -> None:
        self.draw.line([(x * SCALE, y * SCALE) for x, y in points], fill=fill,
                       width=round(width * SCALE), joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            self.circle(x, y, width / 2, fill)

    def arc(self, box: tuple[float, float, float, float], start: float, end: float, fill: str,
            width: float) -> None:
        self.draw.arc(self._s(*box), start, end, fill=fill, width=round(width * SCALE))

    def pie(self, box: tuple[float, float, float, float], start: float, end: float,
            fill: str) -> None:
        self.draw.pieslice(self._s(*box), start, end, fill=fill)

    def chord(self, box: tuple[float, float, float, float], start: float, end: float,
              fill: str) -> None:
        self.draw.chord(self._s(*box), start, end, fill=fill)

    def text(self, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont,
             fill: str) -> None:
        self.draw.text(self._s(*xy), text, font=font, fill=fill, anchor="mm")

    def finish(self, colors: int = 64) -> Image.Image:
        small = self.image.resize((self.size, self.size), Image.Resampling.LANCZOS)
        method = Image.Quantize.FASTOCTREE if small.mode == "RGBA" else Image.Quantize.MEDIANCUT
        return small.quantize(colors=colors, method=method, dither=Image.Dither.NONE)


# -- shared shapes ---------------------------------------------------------------------------
def shadow(p: Pen, c: Palette, x0: float = 230, x1: float = 570, y: float = 548) -> None:
    p.oval(x0, y - 14, x1, y + 14, _shade(c.main, 0.8, 0.3))


def bottle(p: Pen, c: Palette, liquid: str, cap: str, label: str, *, w: float = 150,
           h: float = 330, neck: float = 50, x: float = 400, glass: bool = False,
           words: str = "", ink: str = INK) -> None:
    top, bottom = 540 - h, 540
    shadow(p, c, x - w * 0.9, x + w * 0.9)
    p.rect(x - neck / 2, top - 40, x + neck / 2, top + 40, GLASS if glass else liquid, 8)
    p.rect(x - neck / 2 - 6, top - 70, x + neck / 2 + 6, top - 30, cap, 10)
    p.rect(x - w / 2, top + 20, x + w / 2, bottom, liquid, w * 0.28)
    if glass:
        p.rect(x - w / 2 + 12, top + 70, x + w / 2 - 12, bottom - 12, liquid, w * 0.22)
    p.rect(x - w / 2, top + h * 0.42, x + w / 2, top + h * 0.72, label)
    p.rect(x - w / 2 + 22, top + 60, x - w / 2 + 36, top + h * 0.38, WHITE, 7)
    if words and (font := font_for(44)):
        p.text((x, top + h * 0.57), words, font, ink)


def box3d(p: Pen, c: Palette, x0: float, y0: float, x1: float, y1: float, front: str,
          top: str, side: str, depth: float = 50) -> None:
    p.poly([(x0, y0), (x0 + depth, y0 - depth * 0.6), (x1 + depth, y0 - depth * 0.6),
            (x1, y0)], top)
    p.poly([(x1, y0), (x1 + depth, y0 - depth * 0.6), (x1 + depth, y1 - depth * 0.6),
            (x1, y1)], side)
    p.rect(x0, y0, x1, y1, front)


def pouch(p: Pen, c: Palette, body: str, band: str, *, w: float = 280, h: float = 360,
          crimp: bool = False) -> None:
    x0, x1, y0, y1 = 400 - w / 2, 400 + w / 2, 540 - h, 540
    shadow(p, c, x0 - 20, x1 + 20)
    p.poly([(x0 + 12, y0), (x1 - 12, y0), (x1, y1 - 10), (x0, y1 - 10)], body)
    p.rect(x0, y1 - 40, x1, y1, body, 16)
    p.rect(x0 + 10, y0 + h * 0.38, x1 - 10, y0 + h * 0.66, band)
    if crimp:
        for y in (y0, y1 - 16):
            for i in range(int(w // 28)):
                p.poly([(x0 + 12 + i * 28, y), (x0 + 26 + i * 28, y + 16), (x0 + 40 + i * 28, y)],
                       band)
    else:
        p.rect(x0 + 12, y0, x1 - 12, y0 + 26, band, 6)


def leaf(p: Pen, x: float, y: float, size: float, fill: str, vein: str,
         angle_left: bool = False) -> None:
    d = -1 if angle_left else 1
    pts = [(x, y + size)]
    for t in range(1, 20):
        u = t / 20
        pts.append((x + d * size * 0.45 * (4 * u * (1 - u)), y + size - 2 * size * u))
    pts.append((x, y - size))
    for t in range(19, 0, -1):
        u = t / 20
        pts.append((x - d * size * 0.25 * (4 * u * (1 - u)), y + size - 2 * size * u))
    p.poly(pts, fill)
    p.line([(x, y + size), (x + d * size * 0.05, y - size * 0.7)], vein, 4)


# -- grocery ---------------------------------------------------------------------------------
def milk(p: Pen, c: Palette) -> None:
    shadow(p, c)
    box3d(p, c, 290, 260, 480, 540, WHITE, "#eef2f7", "#dde3ea", 60)
    p.poly([(290, 260), (385, 160), (480, 260)], "#f3f5f8")
    p.poly([(480, 260), (385, 160), (445, 124), (540, 224)], "#d5dce5")
    p.rect(350, 142, 420, 170, c.main, 6)
    p.rect(290, 360, 480, 470, c.main)
    p.circle(385, 415, 38, WHITE)
    p.oval(362, 396, 408, 436, c.light)


def yogurt(p: Pen, c: Palette) -> None:
    shadow(p, c)
    p.poly([(270, 280), (530, 280), (500, 540), (300, 540)], WHITE)
    p.poly([(282, 360), (518, 360), (508, 450), (292, 450)], c.main)
    p.rect(250, 240, 550, 290, c.light, 14)
    p.circle(400, 405, 28, WHITE)
    p.oval(300, 190, 500, 245, "#fff7e6")


def eggs(p: Pen, c: Palette) -> None:
    shadow(p, c, 200, 600)
    p.rect(200, 420, 600, 540, c.light, 24)
    for i, x in enumerate((260, 340, 420, 500)):
        p.oval(x - 10, 300 - (i % 2) * 30, x + 90, 450 - (i % 2) * 30, "#f3dcbc")
        p.oval(x + 12, 330 - (i % 2) * 30, x + 32, 370 - (i % 2) * 30, "#fbeedd")
    p.rect(200, 450, 600, 540, c.main, 24)
    for x in (250, 330, 410, 490, 570):
        p.circle(x - 10, 495, 14, c.light)


def water(p: Pen, c: Palette) -> None:
    bottle(p, c, "#bfe3f7", "#2b7bd6", c.main, w=160, h=360, glass=True)


def orange_juice(p: Pen, c: Palette) -> None:
    bottle(p, c, ORANGE, c.main, WHITE, w=170, h=320, neck=64)
    p.circle(400, 436, 36, ORANGE)
    leaf(p, 424, 388, 16, c.main, c.dark)


def iced_tea(p: Pen, c: Palette) -> None:
    bottle(p, c, "#c2410c", YELLOW, c.main, w=150, h=340)
    p.circle(400, 436, 30, YELLOW)
    p.circle(400, 436, 20, "#fde68a")


def rice(p: Pen, c: Palette) -> None:
    pouch(p, c, "#f4efe3", c.main, w=300, h=380)
    for i in range(5):
        p.oval(350 + i * 22, 390 - (i % 2) * 14, 368 + i * 22, 420 - (i % 2) * 14, WHITE)


def noodles(p: Pen, c: Palette) -> None:
    shadow(p, c, 190, 610)
    p.rect(200, 300, 600, 500, "#f6e7c1", 30)
    for y in range(318, 490, 14):
        p.line([(220, y), (580, y)], "#e9cf8f", 4)
    p.rect(360, 290, 440, 510, c.main, 10)
    p.rect(372, 360, 428, 440, WHITE, 8)


def peanut_oil(p: Pen, c: Palette) -> None:
    shadow(p, c, 250, 560)
    p.rect(270, 250, 530, 540, GOLD, 60)
    p.rect(300, 190, 380, 260, GOLD, 12)
    p.rect(290, 160, 390, 205, c.dark, 12)
    p.arc((400, 200, 560, 360), 260, 30, c.dark, 22)
    p.rect(270, 360, 530, 470, c.main)
    p.oval(370, 385, 430, 445, "#c58b3a")
    p.rect(292, 290, 306, 350, "#fff3c4", 7)


def soy_sauce(p: Pen, c: Palette) -> None:
    bottle(p, c, "#3a2417", "#d92d20", "#fef3c7", w=150, h=370, neck=44, words="生抽",
           ink="#7a2e0e")


def vinegar(p: Pen, c: Palette) -> None:
    bottle(p, c, "#2a1a12", "#b45309", "#fde68a", w=150, h=370, neck=44, words="香醋",
           ink="#7a2e0e")


def apples(p: Pen, c: Palette) -> None:
    shadow(p, c, 210, 590)
    for x, y, r in ((315, 420, 100), (485, 420, 100), (400, 330, 95)):
        p.circle(x - 30, y, r * 0.8, RED)
        p.circle(x + 30, y, r * 0.8, RED)
        p.circle(x, y + 14, r * 0.78, RED)
        p.oval(x - 50, y - 50, x - 20, y - 10, "#ff8a8f")
        p.line([(x, y - r * 0.75), (x + 8, y - r - 10)], BROWN, 10)
        leaf(p, x + 34, y - r - 4, 24, c.main, c.dark)


def bananas(p: Pen, c: Palette) -> None:
    shadow(p, c, 220, 600)
    stem = (560, 250)
    for tip, bend, fill in (((250, 300), (380, 420), "#f2c94c"), ((270, 420), (420, 480), YELLOW),
                            ((340, 520), (470, 500), "#fbd45c")):
        edge_a, edge_b = [], []
        for i in range(31):
            t = i / 30
            x = (1 - t) ** 2 * stem[0] + 2 * t * (1 - t) * bend[0] + t * t * tip[0]
            y = (1 - t) ** 2 * stem[1] + 2 * t * (1 - t) * bend[1] + t * t * tip[1]
            dx = 2 * (1 - t) * (bend[0] - stem[0]) + 2 * t * (tip[0] - bend[0])
            dy = 2 * (1 - t) * (bend[1] - stem[1]) + 2 * t * (tip[1] - bend[1])
            n = math.hypot(dx, dy)
            thick = 6 + 44 * math.sin(math.pi * min(1, t * 1.15)) if t < 0.87 else 6
            edge_a.append((x - dy / n * thick * 0.35, y + dx / n * thick * 0.35))
            edge_b.append((x + dy / n * thick, y - dx / n * thick))
        p.poly(edge_a + edge_b[::-1], fill)
        p.circle(*tip, 8, BROWN)
    p.rect(stem[0] - 10, stem[1] - 40, stem[0] + 22, stem[1] + 14, "#7c6a1f", 10)


def chips(p: Pen, c: Palette) -> None:
    pouch(p, c, c.main, YELLOW, w=300, h=380, crimp=True)
    for x, y in ((360, 390), (440, 410), (400, 360)):
        p.oval(x - 40, y - 26, x + 40, y + 26, "#f8d27a")


def nuts(p: Pen, c: Palette) -> None:
    pouch(p, c, "#a0653a", c.light, w=290, h=370)
    for x, y in ((340, 400), (400, 380), (460, 400), (370, 430), (430, 432)):
        p.oval(x - 26, y - 18, x + 26, y + 18, "#d9a066")
        p.oval(x - 14, y - 10, x + 6, y + 2, "#ecc08f")


def tissues(p: Pen, c: Palette) -> None:
    shadow(p, c, 210, 600)
    box3d(p, c, 220, 340, 540, 540, c.main, c.light, c.dark, 60)
    p.oval(310, 320, 450, 352, c.dark)
    p.poly([(330, 336), (430, 336), (460, 230), (370, 260), (300, 240)], WHITE)
    for x in (270, 330, 390, 450, 510):
        p.circle(x, 460, 14, c.light)


def dish_soap(p: Pen, c: Palette) -> None:
    shadow(p, c)
    p.rect(300, 220, 500, 540, YELLOW, 70)
    p.rect(370, 170, 430, 230, c.main, 10)
    p.poly([(380, 170), (420, 170), (450, 140), (450, 128), (380, 150)], c.main)
    p.rect(320, 340, 480, 460, WHITE, 16)
    p.circle(400, 400, 38, YELLOW)
    p.circle(400, 400, 26, "#fde68a")
    for x, y, r in ((540, 230, 26), (575, 290, 16), (520, 300, 12)):
        p.circle(x, y, r, None, c.light, 5)


def shampoo(p: Pen, c: Palette) -> None:
    shadow(p, c)
    p.rect(310, 210, 490, 540, c.main, 50)
    p.rect(360, 150, 440, 222, WHITE, 14)
    p.rect(395, 120, 475, 150, WHITE, 10)
    p.rect(310, 320, 490, 440, WHITE)
    leaf(p, 385, 380, 34, c.light, c.main, angle_left=True)
    leaf(p, 420, 380, 34, c.main, c.dark)


def toothpaste(p: Pen, c: Palette) -> None:
    shadow(p, c, 180, 620)
    box3d(p, c, 180, 440, 560, 540, c.main, c.light, c.dark, 50)
    p.rect(200, 470, 540, 510, WHITE, 10)
    p.poly([(240, 260), (520, 260), (560, 300), (520, 340), (240, 340)], WHITE)
    p.rect(560, 285, 610, 315, RED, 8)
    p.rect(250, 276, 300, 324, c.main, 6)
    p.rect(220, 258, 246, 342, STEEL, 4)


# -- appliances ------------------------------------------------------------------------------
def tv(p: Pen, c: Palette, mini: bool = False) -> None:
    shadow(p, c, 260, 540)
    p.rect(140, 170, 660, 480, INK, 16)
    p.rect(154, 184, 646, 466, c.main if not mini else c.dark, 6)
    p.poly([(154, 466), (400, 230), (646, 380), (646, 466)], c.light)
    p.poly([(154, 466), (300, 330), (500, 466)], WHITE if mini else c.pale)
    p.circle(540, 260, 40, YELLOW)
    p.rect(380, 480, 420, 520, INK)
    p.rect(300, 516, 500, 534, INK, 9)


def fridge(p: Pen, c: Palette, french: bool = False) -> None:
    shadow(p, c, 250, 550)
    p.rect(260, 110, 540, 540, STEEL if french else WHITE, 28, c.dark, 6)
    if french:
        p.line([(400, 116), (400, 360)], c.dark, 6)
        p.line([(264, 360), (536, 360)], c.dark, 6)
        p.line([(264, 450), (536, 450)], c.dark, 6)
        for x in (380, 420):
            p.rect(x - 6, 200, x + 6, 300, c.dark, 6)
        p.rect(360, 390, 440, 402, c.dark, 6)
        p.rect(360, 480, 440, 492, c.dark, 6)
        p.rect(300, 170, 360, 220, c.main, 8)
    else:
        p.line([(264, 260), (536, 260)], c.dark, 6)
        p.rect(490, 150, 504, 230, c.dark, 7)
        p.rect(490, 290, 504, 400, c.dark, 7)


def washer(p: Pen, c: Palette, top: bool = False) -> None:
    shadow(p, c, 240, 560)
    p.rect(250, 160, 550, 540, WHITE, 24, c.dark, 6)
    p.rect(256, 166, 544, 240, c.pale, 18)
    p.circle(490, 203, 20, c.main)
    p.rect(290, 190, 400, 216, c.light, 8)
    if top:
        p.rect(290, 270, 510, 500, c.pale, 20)
        p.line([(320, 300), (480, 300)], c.light, 10)
    else:
        p.circle(400, 385, 112, c.dark)
        p.circle(400, 385, 90, c.light)
        p.chord((310, 295, 490, 475), 20, 160, c.main)
        p.oval(340, 320, 380, 350, WHITE)


def ac_wall(p: Pen, c: Palette) -> None:
    shadow(p, c, 220, 580, 552)
    p.rect(150, 200, 650, 350, WHITE, 40, c.dark, 5)
    p.rect(180, 300, 620, 318, c.pale, 9)
    p.circle(590, 250, 10, c.main)
    for i, x in enumerate((260, 400, 540)):
        p.arc((x - 60, 370 + i % 2 * 10, x + 60, 470 + i % 2 * 10), 200, 340, c.main, 12)
        p.arc((x - 40, 430 + i % 2 * 10, x + 40, 500 + i % 2 * 10), 200, 340, c.light, 10)


def ac_floor(p: Pen, c: Palette) -> None:
    shadow(p, c, 290, 510)
    p.rect(320, 110, 480, 540, WHITE, 60, c.dark, 5)
    p.rect(345, 160, 455, 300, c.pale, 30)
    for y in range(180, 290, 22):
        p.line([(360, y), (440, y)], c.main, 6)
    p.circle(400, 340, 14, c.main)
    p.rect(345, 390, 455, 500, c.pale, 20)
    for arc_y in (160, 200):
        p.arc((490, arc_y, 640, arc_y + 120), 300, 60, c.light, 10)


def microwave(p: Pen, c: Palette) -> None:
    shadow(p, c, 170, 630)
    p.rect(160, 230, 640, 530, WHITE, 26, c.dark, 6)
    p.rect(190, 260, 510, 500, INK, 16)
    p.rect(210, 280, 490, 480, c.dark, 10)
    p.oval(250, 420, 450, 470, c.light)
    p.rect(300, 380, 400, 440, ORANGE, 12)
    p.circle(575, 320, 30, c.light)
    p.circle(575, 400, 30, c.light)
    p.rect(545, 455, 605, 480, c.main, 8)


def kettle(p: Pen, c: Palette) -> None:
    shadow(p, c)
    p.poly([(300, 220), (500, 220), (530, 520), (270, 520)], c.main)
    p.rect(260, 500, 540, 550, INK, 16)
    p.oval(290, 195, 510, 245, c.dark)
    p.poly([(300, 250), (230, 200), (215, 215), (300, 290)], c.main)
    p.arc((450, 220, 630, 480), 280, 80, INK, 36)
    p.rect(330, 300, 350, 470, c.light, 10)


def rice_cooker(p: Pen, c: Palette) -> None:
    shadow(p, c, 210, 590)
    p.rect(220, 300, 580, 540, WHITE, 80, c.dark, 5)
    p.chord((220, 200, 580, 420), 180, 360, c.main)
    p.rect(350, 200, 450, 226, c.dark, 12)
    p.rect(320, 410, 480, 470, INK, 14)
    if font := font_for(30):
        p.text((400, 440), "88:88", font, "#60a5fa")


def air_fryer(p: Pen, c: Palette) -> None:
    shadow(p, c, 240, 560)
    p.rect(250, 150, 550, 540, INK, 70)
    p.rect(280, 180, 520, 260, "#374151", 30)
    p.circle(400, 220, 24, c.main)
    p.rect(270, 300, 530, 520, "#111827", 40)
    p.rect(310, 330, 490, 450, c.dark, 20)
    p.oval(340, 380, 460, 430, ORANGE)
    p.rect(360, 470, 440, 500, c.main, 12)


def vacuum(p: Pen, c: Palette) -> None:
    shadow(p, c, 260, 560)
    p.line([(470, 170), (360, 500)], STEEL, 26)
    p.rect(430, 120, 560, 260, c.main, 40)
    p.rect(455, 150, 520, 210, c.light, 18)
    p.rect(540, 170, 590, 240, INK, 18)
    p.rect(270, 490, 470, 540, INK, 24)
    p.rect(290, 500, 440, 512, c.main, 6)


def purifier(p: Pen, c: Palette) -> None:
    shadow(p, c, 270, 530)
    p.rect(290, 120, 510, 540, WHITE, 60, c.dark, 5)
    p.circle(400, 210, 60, c.pale)
    p.circle(400, 210, 30, c.main)
    for y in range(310, 520, 24):
        p.line([(330, y), (470, y)], c.light, 8)
    for x, y in ((570, 180), (600, 240), (560, 300)):
        p.circle(x, y, 10, c.light)


# -- tea -------------------------------------------------------------------------------------
def tea_tin(p: Pen, c: Palette, body: str, leaf_color: str) -> None:
    shadow(p, c, 260, 540)
    p.rect(280, 230, 520, 540, body, 24)
    p.rect(268, 190, 532, 250, c.dark, 20)
    p.rect(280, 320, 520, 460, WHITE)
    leaf(p, 385, 390, 42, leaf_color, c.dark, angle_left=True)
    leaf(p, 420, 390, 42, leaf_color, c.dark)


def loose_leaves(p: Pen, c: Palette, leaf_color: str) -> None:
    shadow(p, c, 200, 600)
    p.chord((200, 340, 600, 560), 0, 180, WHITE)
    p.oval(200, 420, 600, 480, c.pale)
    for x, y, s, left in ((300, 390, 50, True), (400, 360, 60, False), (500, 390, 50, False),
                          (350, 300, 45, False), (450, 300, 45, True)):
        leaf(p, x, y, s, leaf_color, c.dark, angle_left=left)


def puer(p: Pen, c: Palette) -> None:
    shadow(p, c, 200, 600)
    p.oval(200, 330, 600, 530, "#f5ead7")
    p.oval(200, 300, 600, 500, "#fbf4e8")
    p.oval(330, 350, 470, 450, "#b91c1c")
    p.oval(350, 366, 450, 434, "#fbf4e8")
    p.circle(400, 400, 22, "#b91c1c")


def gaiwan(p: Pen, c: Palette) -> None:
    shadow(p, c, 230, 570)
    p.oval(250, 500, 550, 550, WHITE, STEEL, 4)
    p.chord((270, 250, 530, 520), 0, 180, WHITE)
    p.oval(260, 360, 540, 410, "#f4f4f5")
    p.chord((270, 290, 530, 430), 180, 360, WHITE)
    p.oval(370, 255, 430, 300, WHITE, STEEL, 3)
    p.arc((300, 420, 500, 470), 10, 170, c.main, 6)


def teapot(p: Pen, c: Palette) -> None:
    shadow(p, c)
    p.oval(250, 280, 550, 530, "#8b4a2b")
    p.poly([(270, 380), (190, 300), (175, 312), (260, 440)], "#8b4a2b")
    p.arc((470, 300, 620, 470), 270, 90, "#6b3a22", 26)
    p.oval(320, 250, 480, 300, "#6b3a22")
    p.circle(400, 245, 22, "#6b3a22")
    p.oval(300, 320, 360, 360, "#a86545")


# Image file stem -> drawing; anything else gets the generic package.
DRAWINGS: dict[str, Callable[[Pen, Palette], None]] = {
    "milk": milk, "yogurt": yogurt, "eggs": eggs, "water": water,
    "orange-juice": orange_juice, "iced-tea": iced_tea, "rice": rice, "noodles": noodles,
    "peanut-oil": peanut_oil, "soy-sauce": soy_sauce, "vinegar": vinegar, "apples": apples,
    "bananas": bananas, "chips": chips, "nuts": nuts, "tissues": tissues,
    "dish-soap": dish_soap, "shampoo": shampoo, "toothpaste": toothpaste,
    "tv-4k": tv, "tv-miniled": lambda p, c: tv(p, c, mini=True),
    "fridge-french": lambda p, c: fridge(p, c, french=True), "fridge-compact": fridge,
    "washer-front": washer, "washer-top": lambda p, c: washer(p, c, top=True),
    "ac-wall": ac_wall, "ac-floor": ac_floor, "microwave": microwave, "kettle": kettle,
    "rice-cooker": rice_cooker, "air-fryer": air_fryer, "vacuum": vacuum,
    "purifier": purifier,
    "longjing": lambda p, c: tea_tin(p, c, "#4d7c0f", "#84cc16"),
    "biluochun": lambda p, c: loose_leaves(p, c, "#65a30d"),
    "tieguanyin": lambda p, c: tea_tin(p, c, "#15803d", "#4ade80"),
    "dahongpao": lambda p, c: tea_tin(p, c, "#9a3412", "#a16207"),
    "lapsang": lambda p, c: loose_leaves(p, c, "#7c2d12"), "puer": puer,
    "gaiwan": gaiwan, "teapot": teapot,
}


def generic(p: Pen, c: Palette, initial: str) -> None:
    shadow(p, c)
    box3d(p, c, 270, 270, 500, 540, c.main, c.light, c.dark, 60)
    if font := font_for(120):
        p.text((385, 405), initial, font, WHITE)


# -- fonts, pictures, logos ------------------------------------------------------------------
_FONT_FILE: list[str | None] = []


def _font_file() -> str | None:
    if not _FONT_FILE:
        found = [f for f in FONT_CANDIDATES if Path(f).is_file()]
        if not found:
            try:
                listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,  # noqa: S607
                                        text=True, check=False, timeout=10).stdout
                found = sorted(line.split(":")[0] for line in listed.splitlines() if line)
            except OSError:
                found = []
        _FONT_FILE.append(found[0] if found else None)
    return _FONT_FILE[0]


@functools.lru_cache(maxsize=64)
def font_for(size: float) -> ImageFont.FreeTypeFont | None:
    file = _font_file()
    if file is None:
        return None
    index = 0
    if file.endswith(".ttc"):  # pick the Simplified Chinese face of a collection
        for i in range(10):
            try:
                if "SC" in ImageFont.truetype(file, 10, index=i).getname()[0]:
                    index = i
                    break
            except OSError:
                break
    return ImageFont.truetype(file, round(size * SCALE), index=index)


def _fit(text: str, size: float, width: float) -> ImageFont.FreeTypeFont | None:
    font = font_for(size)
    while font is not None and font.getlength(text) > width * SCALE and size > 16:
        size -= 2
        font = font_for(size)
    return font


def picture(product: dict, theme: str, out: Path) -> None:
    c = Palette.of(theme)
    p = Pen(SIZE, c.bg)
    p.circle(400, 345, 270, c.pale)
    DRAWINGS.get(out.stem, lambda p, c: generic(p, c, product["name"][:1]))(p, c)
    if font := _fit(product["name"], 58, 700):
        p.text((400, 650), product["name"], font, c.dark)
    if product.get("name_en") and (font := _fit(product["name_en"], 30, 700)):
        p.text((400, 722), product["name_en"], font, _shade(theme, 0.42))
    _save(p.finish(), out)


def logo(name: str, theme: str, out: Path) -> None:
    c = Palette.of(theme)
    p = Pen(512, (255, 255, 255, 0), "RGBA")  # transparent corners
    p.rect(16, 16, 496, 496, c.main, 112)
    if name == "grocery":  # a basket
        p.line([(170, 230), (220, 130)], WHITE, 26)
        p.line([(342, 230), (292, 130)], WHITE, 26)
        p.rect(110, 220, 402, 260, WHITE, 20)
        p.poly([(130, 270), (382, 270), (350, 390), (162, 390)], WHITE)
        for x in (210, 256, 302):
            p.line([(x, 295), (x, 365)], c.main, 16)
    elif name == "appliances":  # a plug's bolt
        p.circle(256, 256, 150, WHITE)
        p.poly([(280, 130), (180, 280), (250, 280), (225, 385), (335, 225), (262, 225)],
               c.main)
    elif name == "teahouse":  # a cup with steam
        p.chord((130, 170, 382, 400), 0, 180, WHITE)
        p.arc((340, 270, 420, 340), 270, 90, WHITE, 22)
        p.rect(150, 390, 362, 412, WHITE, 11)
        for x in (215, 297):  # steam
            p.line([(x + 14 * math.sin(t / 3), 100 + t * 8) for t in range(12)], WHITE, 16)
    elif font := font_for(240):
        p.text((256, 256), name[:1].upper(), font, WHITE)
    _save(p.finish(32), out)


def _save(image: Image.Image, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, "PNG", optimize=True)


def main(only: list[str]) -> None:
    if _font_file() is None:
        print("no CJK font found (apt-get install fonts-noto-cjk): drawing without text")
    for path in sorted((TENANTS / "templates").glob("*.toml")):
        if only and path.stem not in only:
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        theme = data.get("theme_color", "#e11d48")
        if data.get("logo"):
            logo(path.stem, theme, TENANTS / data["logo"])
        for product in data.get("products", []):
            for image in product.get("images", []):
                picture(product, theme, TENANTS / image)
        sizes = [(TENANTS / i).stat().st_size for p in data.get("products", [])
                 for i in p.get("images", [])]
        if sizes:
            print(f"{path.stem}: {len(sizes)} pictures, largest {max(sizes) // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
