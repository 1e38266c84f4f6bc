"""A shop's logo at the size pages show it: a small WebP and a PNG/JPEG fallback.

The logo is drawn at most 56 px wide (the console's shop card; 36 px in headers), so pages
need a picture of `BOX` px (twice that, for sharp phone screens), not the 512 px original.
The renditions are stored beside the logo (`shops/{tenant}/logo.png` →
`logo-112.webp` and `logo-112.png`) when the logo is stored, and made on first use for a
logo stored before renditions existed. The fallback keeps the original's format (PNG for a
transparent logo, JPEG for a photo).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import Image

from galleria.kernel.storage import storage

log = logging.getLogger(__name__)

BOX = 112
_made: dict[str, LogoRendition | None] = {}


@dataclass(frozen=True)
class LogoRendition:
    """Storage keys of a logo's small renditions, and their size in pixels."""
    webp: str
    fallback: str
    width: int
    height: int


def rendition_keys(key: str) -> tuple[str, str]:
    """The WebP and fallback keys stored beside the logo `key`."""
    path = PurePosixPath(key)
    fallback = ".jpg" if path.suffix.lower() in (".jpg", ".jpeg") else ".png"
    stem = str(path.with_suffix(""))
    return f"{stem}-{BOX}.webp", f"{stem}-{BOX}{fallback}"


def make_renditions(key: str, data: bytes) -> LogoRendition:
    """Store the small renditions of the logo `data` kept under `key`."""
    picture = Image.open(io.BytesIO(data))
    picture.load()
    picture.thumbnail((BOX, BOX), Image.Resampling.LANCZOS)
    webp_key, fallback_key = rendition_keys(key)
    if fallback_key.endswith(".jpg"):
        picture = picture.convert("RGB")
    elif picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    webp, fallback = io.BytesIO(), io.BytesIO()
    picture.save(webp, "WEBP", quality=85, method=4)
    if fallback_key.endswith(".jpg"):
        picture.save(fallback, "JPEG", quality=85, optimize=True)
    else:
        picture.save(fallback, "PNG", optimize=True)
    store = storage()
    store.put(webp_key, webp.getvalue())
    store.put(fallback_key, fallback.getvalue())
    made = LogoRendition(webp_key, fallback_key, *picture.size)
    _made[key] = made
    return made


def logo_rendition(key: str) -> LogoRendition | None:
    """The renditions of the logo stored under `key`, made now if missing; None when the
    logo cannot be read (then pages show the original)."""
    if key in _made:
        return _made[key]
    webp_key, _ = rendition_keys(key)
    store = storage()
    try:
        existing = Image.open(io.BytesIO(store.get(webp_key)))
        made: LogoRendition | None = LogoRendition(webp_key, rendition_keys(key)[1],
                                                   *existing.size)
    except Exception:  # not made yet (or unreadable): make it from the logo
        try:
            made = make_renditions(key, store.get(key))
        except Exception:  # a missing or broken logo shows as it is
            log.warning("logo %s: no small rendition", key, exc_info=True)
            made = None
    _made[key] = made
    return made
