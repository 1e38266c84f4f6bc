"""Compression and caching through the ASGI app, as a phone on a slow network sees them:
text comes gzipped, versioned assets and product pictures are kept for a year, a
revalidation is a bodiless 304, and pages that differ per visitor are private."""

from __future__ import annotations

import gzip
import io
import re

from PIL import Image

from galleria.web.pages.render import static_url


def png(size=(900, 700)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


async def test_css_js_svg_and_html_come_gzipped(client, open_shop):
    shop = await open_shop()
    for name in ("galleria.css", "shopping.js", "icons.svg"):
        plain = await client.get(static_url(name), headers={"accept-encoding": "identity"})
        packed = await client.get(static_url(name), headers={"accept-encoding": "gzip"})
        assert plain.status_code == packed.status_code == 200, name
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip", name
        assert "accept-encoding" in packed.headers["vary"].lower()
        assert packed.content == plain.content  # httpx un-gzips: the same file
        wire = int(packed.headers["content-length"])
        assert wire < len(plain.content) / 2, (name, wire, len(plain.content))
    home = await client.get("/", headers={"host": shop.host, "accept-encoding": "gzip",
                                          "accept": "text/html"})
    assert home.headers["content-encoding"] == "gzip" and "<html" in home.text


async def test_versioned_static_files_are_immutable_and_revalidate_with_304(client):
    url = static_url("galleria.css")
    assert re.search(r"\?v=[0-9a-f]+$", url)
    first = await client.get(url)
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = first.headers["etag"]
    again = await client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and "immutable" in again.headers["cache-control"]
    changed = await client.get(url, headers={"if-none-match": '"someone-else"'})
    assert changed.status_code == 200 and changed.content == first.content
    # Without its version the file may change under the same URL: ask again each time.
    bare = await client.get("/static/galleria.css")
    assert bare.headers["cache-control"] == "public, no-cache"


async def test_product_pictures_are_immutable_and_not_gzipped_again(client, open_shop):
    shop = await open_shop()
    product = (await shop.post("/api/admin/v1/products", json={
        "name": "Tea", "variants": [{"sku": "T", "price": 100, "stock": 1}]})).json()
    picture = (await shop.post(f"/api/admin/v1/products/{product['id']}/images",
                               files={"file": ("a.png", png(), "image/png")})).json()
    url = picture["thumb_url"]
    got = await client.get(url, headers={"accept-encoding": "gzip"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("image/")
    assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-encoding" not in got.headers
    again = await client.get(url, headers={"if-none-match": got.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_pages_are_private_and_vary_by_language_and_session(client, open_shop):
    shop = await open_shop()
    for path in ("/", "/cart", "/no-such-page"):
        page = await client.get(path, headers={"host": shop.host, "accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html"), path
        assert page.headers["cache-control"].startswith("private"), path
        vary = {v.strip().lower() for v in page.headers["vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary, path


def test_the_stylesheet_shrinks_by_at_least_four_fifths():
    """67.5 KB of CSS was sent as is; gzip (as the middleware does it) makes it ~13 KB."""
    from galleria.web.pages import STATIC_DIR

    css = (STATIC_DIR / "galleria.css").read_bytes()
    assert len(gzip.compress(css, compresslevel=6)) < len(css) / 4
