"""Server-rendered pages: platform (landing, signup, sign-in), merchant console, storefront.

`PAGE_ROUTES` is what the app mounts; `STATIC_DIR` holds CSS, scripts and icons.
"""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGE_ROUTES: list = []
