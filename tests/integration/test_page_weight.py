"""What a shopper's phone downloads: the storefront's own stylesheet (not the console's
rules) and the shop's logo at the size it is shown, as WebP with a PNG fallback."""

from __future__ import annotations

import io
import re

from PIL import Image

from galleria.testing import console_browser
from galleria.web.pages.render import static_url


def stylesheets(html: str) -> list[str]:
    return [href.split("?")[0] for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"',
                                                      html)]


async def test_a_storefront_page_does_not_load_the_consoles_rules(app, client, open_shop):
    shop = await open_shop("teahouse")
    home = await client.get("/", headers={"host": shop.host})
    assert stylesheets(home.text) == ["/static/galleria.css", "/static/storefront.css"]
    browser = await console_browser(app, shop)
    dashboard = await browser.http.get("/console/")
    assert dashboard.status_code == 200
    assert stylesheets(dashboard.text) == ["/static/galleria.css", "/static/console.css"]
    landing = await client.get("/", headers={"host": "localhost"})
    assert stylesheets(landing.text) == ["/static/galleria.css", "/static/console.css"]

    # The storefront's classes are in what it loads; the console's are not.
    sizes = {}
    for name in ("galleria.css", "storefront.css", "console.css"):
        response = await client.get(static_url(name), headers={"accept-encoding": "gzip"})
        assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        sizes[name] = len(response.content)
        assert "text/css" in response.headers["content-type"]
    storefront_css = (await client.get(static_url("galleria.css"))).text + (
        await client.get(static_url("storefront.css"))).text
    for rule in (".store-header", ".product-card", ".tab-bar", ".btn", ".cart-line"):
        assert rule in storefront_css, rule
    for rule in (".console-topbar", ".order-table", ".pick-sheet", ".report-chart", ".hero-grid"):
        assert rule not in storefront_css, rule
    assert sizes["galleria.css"] + sizes["storefront.css"] < 0.7 * (
        sizes["galleria.css"] + sizes["storefront.css"] + sizes["console.css"])


async def test_the_logo_comes_at_the_size_shown_as_webp_with_a_png_fallback(client, open_shop):
    shop = await open_shop("teahouse")  # the template's logo is 512 × 512
    home = (await client.get("/", headers={"host": shop.host})).text
    mark = re.search(r'<span class="shop-mark"><picture><source srcset="([^"]+)" '
                     r'type="image/webp"><img src="([^"]+)" width="(\d+)" height="(\d+)"',
                     home)
    assert mark, "no <picture> logo in the header"
    webp_url, png_url, width, height = mark.groups()
    assert (int(width), int(height)) == (112, 112)  # twice the 56 px it is shown at, at most
    for url, kind in ((webp_url, "WEBP"), (png_url, "PNG")):
        response = await client.get(url)
        assert response.status_code == 200, url
        picture = Image.open(io.BytesIO(response.content))
        assert picture.format == kind and picture.size == (112, 112)
        assert len(response.content) < 12_000, (url, len(response.content))

    # A shop without a logo shows its initial, with no picture at all.
    blank = await open_shop()
    page = (await client.get("/", headers={"host": blank.host})).text
    assert '<span class="shop-mark">S</span>' in page
