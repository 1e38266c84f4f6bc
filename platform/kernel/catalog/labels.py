"""Shelf and product labels as PDF: a name, a price in yuan and an EAN-13 barcode drawn bar
by bar.

Two layouts:
- `a4`: A4 sheets of 3 × 8 labels of 70 × 37 mm (the common 24-up label sheet), 300 dpi;
- `thermal`: one 40 × 30 mm label per page at 203 dpi (8 dots per mm), the resolution of
  the usual thermal label printers, so each bar is a whole number of the printer's dots.

The pages are drawn with Pillow (already used for product pictures) and saved as a PDF by
Pillow, so no PDF library is needed. Names are drawn with a CJK font found on the server
(`GALLERIA_LABEL_FONT`, or Noto Sans CJK / WenQuanYi where Debian installs them; the
Docker image installs `fonts-wqy-microhei`); without one, Chinese names are drawn as
empty boxes — the barcode and price still print.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from galleria.kernel.catalog.queries import get_product
from galleria.kernel.money import format_minor

FONT_CANDIDATES = (  # (path, index in the collection: Simplified Chinese where it is one)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)

# EAN-13 symbol sets: L and G for the left half (chosen by the first digit), R for the right.
_L = ("0001101", "0011001", "0010011", "0111101", "0100011",
      "0110001", "0101111", "0111011", "0110111", "0001011")
_G = tuple("".join("1" if b == "0" else "0" for b in reversed(code)) for code in _L)
_R = tuple("".join("1" if b == "0" else "0" for b in code) for code in _L)
_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
           "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")


@dataclass(frozen=True)
class Label:
    name: str  # the product's name and the variant's options
    price: str  # as shoppers read it: ¥26.30
    code: str  # an EAN-13 (13 digits) or another code, printed as text only


@dataclass(frozen=True)
class Layout:
    dpi: float
    page_mm: tuple[float, float]
    label_mm: tuple[float, float]
    columns: int
    rows: int
    margin_mm: tuple[float, float]  # left, top of the first label
    module: int  # dots per barcode module


LAYOUTS = {
    "a4": Layout(dpi=300, page_mm=(210, 297), label_mm=(70, 37), columns=3, rows=8,
                 margin_mm=(0, 0.5), module=4),
    "thermal": Layout(dpi=203.2, page_mm=(40, 30), label_mm=(40, 30), columns=1, rows=1,
                      margin_mm=(0, 0), module=2),
}


def ean13_modules(code: str) -> str:
    """The 95 modules ("1" a bar, "0" a space) of an EAN-13; ValueError for anything but
    13 digits."""
    if len(code) != 13 or not code.isdigit():
        raise ValueError(f"not an EAN-13: {code!r}")
    digits = [int(c) for c in code]
    left = "".join((_L if side == "L" else _G)[d]
                   for side, d in zip(_PARITY[digits[0]], digits[1:7], strict=True))
    right = "".join(_R[d] for d in digits[7:])
    return "101" + left + "01010" + right + "101"


@lru_cache(maxsize=1)
def _font_file() -> tuple[str, int] | None:
    configured = os.environ.get("GALLERIA_LABEL_FONT", "")
    if configured and Path(configured).is_file():
        return configured, 0
    return next(((path, index) for path, index in FONT_CANDIDATES if Path(path).is_file()),
                None)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    found = _font_file()
    if found is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(found[0], size, index=found[1])


def _mm(value: float, dpi: float) -> int:
    return round(value * dpi / 25.4)


def _fit_lines(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont | ImageFont.
               FreeTypeFont, width: int, lines: int) -> list[str]:
    """`text` broken into at most `lines` lines of at most `width` dots; the last ends in
    … when the text does not fit. Breaks anywhere: Chinese has no spaces to break at."""
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines:
        n = len(rest)
        while n > 1 and draw.textlength(rest[:n], font=font) > width:
            n -= 1
        out.append(rest[:n])
        rest = rest[n:].lstrip()
    if rest and out:
        last = out[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        out[-1] = last + "…"
    return out


def _draw_label(page: Image.Image, x: int, y: int, label: Label, layout: Layout) -> None:
    dpi = layout.dpi
    w, h = _mm(layout.label_mm[0], dpi), _mm(layout.label_mm[1], dpi)
    pad = _mm(2 if layout.columns == 1 else 3, dpi)
    draw = ImageDraw.Draw(page)
    name_font, price_font = _font(_mm(3.0, dpi)), _font(_mm(4.6, dpi))
    digit_font = _font(_mm(2.4, dpi))
    top = y + pad
    for line in _fit_lines(draw, label.name, name_font, w - 2 * pad, 2):
        draw.text((x + pad, top), line, font=name_font, fill=0)
        top += _mm(3.6, dpi)
    draw.text((x + pad, top), label.price, font=price_font, fill=0)
    top += _mm(6.2, dpi)
    digits_h = _mm(2.8, dpi)
    bar_h = max(_mm(6, dpi), y + h - pad - digits_h - top)
    module = layout.module
    try:
        modules = ean13_modules(label.code)
    except ValueError:
        draw.text((x + pad, top), label.code, font=digit_font, fill=0)
        return
    left = x + max(pad, (w - 95 * module) // 2)
    for i, bit in enumerate(modules):
        if bit == "1":
            guard = i < 3 or 45 <= i < 50 or i >= 92  # guard bars reach into the digits
            bottom = top + bar_h + (digits_h // 2 if guard else 0)
            draw.rectangle((left + i * module, top, left + (i + 1) * module - 1, bottom),
                           fill=0)
    text_y = top + bar_h + _mm(0.3, dpi)
    draw.text((left - 8 * module, text_y), label.code[0], font=digit_font, fill=0)
    for start, group in ((3, label.code[1:7]), (50, label.code[7:])):
        span = 42 * module
        offset = (span - draw.textlength(group, font=digit_font)) / 2
        draw.text((left + start * module + offset, text_y), group, font=digit_font, fill=0)


def label_pdf(labels: list[Label], layout_name: str, title: str = "Labels") -> bytes:
    """The labels laid out on pages of `layout_name` ("a4" or "thermal") as a PDF titled
    `title` (the PDF viewer's tab shows it). Raises ValueError for an unknown layout or no
    labels."""
    layout = LAYOUTS.get(layout_name)
    if layout is None:
        raise ValueError(f"unknown label layout {layout_name!r}")
    if not labels:
        raise ValueError("no labels to print")
    per_page = layout.columns * layout.rows
    size = (_mm(layout.page_mm[0], layout.dpi), _mm(layout.page_mm[1], layout.dpi))
    pages = []
    for first in range(0, len(labels), per_page):
        page = Image.new("L", size, 255)
        for i, label in enumerate(labels[first:first + per_page]):
            column, row = i % layout.columns, i // layout.columns
            x = _mm(layout.margin_mm[0] + column * layout.label_mm[0], layout.dpi)
            y = _mm(layout.margin_mm[1] + row * layout.label_mm[1], layout.dpi)
            _draw_label(page, x, y, label, layout)
        pages.append(page.convert("1", dither=Image.Dither.NONE))
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=layout.dpi, save_all=True,
                  append_images=pages[1:], title=title)
    return out.getvalue()


# -- the labels of products ---------------------------------------------------------------
MAX_LABELS = 2400  # a hundred A4 sheets


def label_name(product: dict[str, Any], variant: dict[str, Any]) -> str:
    options = " ".join(str(v) for v in (variant.get("options") or {}).values())
    return f"{product['name']} {options}".strip()


async def labels_of(tenant_id: int, currency: str, product_ids: list[int],
                    copies: int) -> list[Label]:
    """One label per copy for every live variant with a unit barcode, in product order
    (at most MAX_LABELS). Call inside the shop's scope; NotFound for another shop's product."""
    labels: list[Label] = []
    for product_id in product_ids:
        product = await get_product(tenant_id, product_id)
        for variant in product["variants"]:
            code = next((b["code"] for b in variant["barcodes"] if b["units"] == 1), None)
            if code is None or variant["status"] == "deleted":
                continue
            label = Label(name=label_name(product, variant),
                          price=format_minor(variant["price"], currency), code=code)
            labels.extend([label] * copies)
    return labels[:MAX_LABELS]


__all__ = ["LAYOUTS", "Label", "ean13_modules", "label_pdf", "labels_of"]
