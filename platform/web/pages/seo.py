"""What search engines and link previews (WeChat, other chat apps) read from a shop.

- Every language has its own URL: `?lang=zh_CN` / `?lang=en` choose the page's language
  ahead of the cookie and `Accept-Language` (see `render.request_locale`), so a crawler,
  which sends neither, can reach each one. Pages link their alternates with `hreflang` and
  name their own canonical URL (the page's path, its meaningful query, its `lang` if the
  URL has one: the x-default URL names itself).
- The shopper's own pages (cart, checkout, orders, account) and the console are `noindex`.
- `/robots.txt` and `/sitemap.xml` on each shop host list what may be indexed.
- Product and category pages carry a description, Open Graph tags with an absolute picture
  of at least 300 px (WeChat's minimum for a share card), and JSON-LD `Product` data.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from markupsafe import Markup

from galleria.kernel import db
from galleria.kernel.catalog.service import list_categories, list_products
from galleria.kernel.tenancy.shops import Shop
from galleria.web import i18n

# Paths only their visitor can see, or that are not for shoppers at all.
PRIVATE_PREFIXES = ("/cart", "/checkout", "/orders", "/account", "/addresses", "/console",
                    "/plugins", "/lang/", "/login", "/logout", "/sign-in", "/sign-out",
                    "/register", "/forgot", "/reset", "/verify", "/signup", "/developers")
# Query parameters that make a different indexable page (the rest, sort or search, do not).
CANONICAL_QUERY = ("category",)
DESCRIPTION_LENGTH = 150
SITEMAP_LIMIT = 5000
_MARKUP = re.compile(r"[#*_`>\[\]!]|\(\S+\)|<[^>]+>")


def is_private(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def language_url(request: Request, path: str, query: dict[str, str], locale: str | None
                 ) -> str:
    params = {k: v for k, v in query.items() if v}
    if locale:
        params["lang"] = locale
    return base_url(request) + path + (f"?{urlencode(params)}" if params else "")


def page_links(request: Request, locale: str) -> dict[str, Any]:
    """`canonical`, `alternates` (hreflang → URL, with `x-default`) and `noindex` of this
    request's page."""
    path = request.url.path
    if is_private(path):
        return {"noindex": True, "canonical": "", "alternates": []}
    query = {k: request.query_params.get(k, "") for k in CANONICAL_QUERY}
    alternates = [{"hreflang": i18n.HTML_LANG[code], "href": language_url(request, path, query,
                                                                         code)}
                  for code in i18n.LOCALES]
    alternates.append({"hreflang": "x-default",
                       "href": language_url(request, path, query, None)})
    # The page names its own URL: `?lang=` when it was asked for one language, else the
    # x-default URL (which answers in the visitor's language). Naming another language's URL
    # from the x-default one would point one hreflang alternate at another, and search
    # engines (and Lighthouse's `canonical` audit) then disregard the alternates.
    asked = request.query_params.get("lang", "")
    return {"noindex": False, "alternates": alternates,
            "canonical": language_url(request, path, query,
                                      asked if asked in i18n.LOCALES else None)}


def plain_summary(text: str | None, fallback: str) -> str:
    """The first words of a Markdown description, as one line of plain text."""
    flat = " ".join(_MARKUP.sub(" ", text or "").split())
    if not flat:
        return fallback
    return flat if len(flat) <= DESCRIPTION_LENGTH else flat[:DESCRIPTION_LENGTH - 1] + "…"


def json_ld(data: dict[str, Any]) -> Markup:
    """A JSON-LD block's text: `<` escaped so that no string can close the script element."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return Markup(text)  # noqa: S704 (JSON with < escaped)


def product_meta(request: Request, shop: Shop, product: dict[str, Any],
                 variants: list[dict[str, Any]]) -> dict[str, Any]:
    """A product page's description, share card and structured data."""
    page_url = language_url(request, f"/products/{product['id']}", {}, None)
    description = plain_summary(product.get("description"), f"{product['name']} · {shop.name}")
    picture = (product.get("image_details") or [None])[0]
    image = base_url(request) + picture["large_url"] if picture else ""
    if image and not image.startswith(("http://", "https://")):
        image = picture["large_url"]
    offers = [{"@type": "Offer", "price": f"{v['price'] / 100:.2f}",
               "priceCurrency": shop.currency, "sku": v["sku"], "url": page_url,
               "availability": "https://schema.org/" + (
                   "InStock" if v["available"] > 0 else "OutOfStock")} for v in variants]
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "Product",
                            "name": product["name"], "description": description,
                            "url": page_url, "offers": offers}
    if image:
        data["image"] = [image]
    return {"description": description, "og_type": "product", "og_image": image,
            "og_image_size": _share_size(picture), "json_ld": json_ld(data)}


def _share_size(picture: dict[str, Any] | None) -> tuple[int, int] | None:
    """The large rendition's size: the picture scaled to at most 1200 px on its long side."""
    if not picture or not picture.get("width") or not picture.get("height"):
        return None
    width, height = picture["width"], picture["height"]
    scale = min(1.0, 1200 / max(width, height))
    return round(width * scale), round(height * scale)


def listing_meta(shop: Shop, category: dict[str, Any] | None,
                 products: list[dict[str, Any]]) -> dict[str, Any]:
    """The home or a category page's description: what the shop (or category) sells."""
    names = "、".join(p["name"] for p in products[:5])
    head = f"{category['name']} · {shop.name}" if category else shop.name
    description = f"{head}: {names}" if names else head
    return {"description": plain_summary(description, head), "og_type": "website",
            "og_image": "", "og_image_size": None, "json_ld": None}


# -- robots.txt and sitemap.xml ----------------------------------------------------------
def _shop(request: Request) -> Shop | None:
    return request.scope.get("state", {}).get("shop")


@get("/robots.txt", name="seo:robots", include_in_schema=False, media_type="text/plain")
async def robots_txt(request: Request) -> Response:
    if _shop(request) is None:  # the platform host: its landing and signup only
        lines = ["User-agent: *", "Disallow: /console", "Disallow: /api/", ""]
        return Response("\n".join(lines), media_type="text/plain; charset=utf-8")
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in PRIVATE_PREFIXES),
             "Disallow: /api/", "", f"Sitemap: {base_url(request)}/sitemap.xml", ""]
    return Response("\n".join(lines), media_type="text/plain; charset=utf-8")


async def _published_products(tenant_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while len(found) < SITEMAP_LIMIT:
        page = await list_products(tenant_id, limit=200, after=after)
        if not page:
            break
        found += page
        after = page[-1].get("_position") or {"id": page[-1]["id"]}
        if len(page) < 200:
            break
    return found[:SITEMAP_LIMIT]


def _url_entry(request: Request, path: str, query: dict[str, str]) -> str:
    links = "".join(
        f'<xhtml:link rel="alternate" hreflang="{i18n.HTML_LANG[code]}" '
        f'href="{_xml(language_url(request, path, query, code))}"/>' for code in i18n.LOCALES)
    return f"<url><loc>{_xml(language_url(request, path, query, None))}</loc>{links}</url>"


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


@get("/sitemap.xml", name="seo:sitemap", include_in_schema=False, media_type="application/xml")
async def sitemap_xml(request: Request) -> Response:
    shop = _shop(request)
    if shop is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    async with db.shop_scope(shop.id):
        categories = await list_categories(shop.id)
        products = await _published_products(shop.id)
    entries = [_url_entry(request, "/", {})]
    entries += [_url_entry(request, "/", {"category": c["slug"]}) for c in categories]
    entries += [_url_entry(request, f"/products/{p['id']}", {}) for p in products]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:xhtml="http://www.w3.org/1999/xhtml">' + "".join(entries) + "</urlset>")
    return Response(body, media_type="application/xml; charset=utf-8")


SEO_ROUTES = [robots_txt, sitemap_xml]
__all__ = ["SEO_ROUTES", "is_private", "listing_meta", "page_links",
           "product_meta"]
