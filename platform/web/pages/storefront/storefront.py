"""Storefront pages on a shop's host: home (categories, search, product grid) and product."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get

from galleria.kernel import db
from galleria.kernel.aftersales.returns import windows
from galleria.kernel.catalog.service import (
    category_tree,
    get_product,
    list_categories,
    list_products,
)
from galleria.kernel.inventory.locations import MULTI_LOCATION, store_availability
from galleria.kernel.orders.product_terms import get_terms
from galleria.kernel.storage import storage
from galleria.kernel.tenancy.logo import logo_rendition
from galleria.kernel.tenancy.shops import Shop
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.promotions import countdowns, product_promotions, promotion_prices
from galleria.web.pages.render import page
from galleria.web.pages.seo import listing_meta, product_meta
from galleria.web.pages.storefront.plugin_pages import storefront_blocks, storefront_links
from galleria.web.pagination import decode_cursor, encode_cursor
from galleria.web.visits import count_in_scope, remember_visit, uncounted_day

PAGE_SIZE = 24


@dataclass(frozen=True)
class Logo:
    """A shop's logo for `shop_mark`: the small WebP with its PNG/JPEG fallback (`str()`),
    and the size, so the header does not shift when it arrives."""
    url: str
    webp: str = ""
    width: int = 0
    height: int = 0

    def __str__(self) -> str:
        return self.url

    def __bool__(self) -> bool:
        return bool(self.url)


def logo_url(shop: Shop) -> Logo:
    if not shop.logo:
        return Logo("")
    store = storage()
    small = logo_rendition(shop.logo)
    if small is None:
        return Logo(store.url(shop.logo))
    return Logo(store.url(small.fallback), store.url(small.webp), small.width, small.height)


# Renditions the kernel stores (catalog/images.py): thumb ≤ 400 px, large ≤ 1200 px, full.
RENDITIONS = (("thumb_url", 400), ("large_url", 1200), ("url", 2400))
CARD_SIZES = "(min-width: 1024px) 25vw, (min-width: 640px) 33vw, 50vw"
EAGER_CARDS = 4  # the first row (2 on a phone, up to 4 on a desktop) loads at once


def picture(detail: dict[str, Any] | None, largest: int = 2400) -> dict[str, Any] | None:
    """`src`, `srcset`, `width`, `height` of a stored picture for an <img>: each rendition
    with its real width, so the browser fetches the smallest that fills the slot."""
    if not detail or not detail.get("width") or not detail.get("height"):
        return None
    width, height = detail["width"], detail["height"]
    candidates, seen = [], set()
    for key, box in RENDITIONS:
        if box > largest:
            break
        scale = min(1.0, box / max(width, height))
        w = round(width * scale)
        if w not in seen:
            seen.add(w)
            candidates.append((detail[key], w, round(height * scale)))
    src, w, h = candidates[0]
    webp = [r for r in detail.get("webp") or [] if r["width"] <= largest]
    return {"src": src, "width": w, "height": h,
            "srcset": ", ".join(f"{url} {cw}w" for url, cw, _ in candidates),
            "webp_srcset": ", ".join(f"{r['url']} {r['width']}w" for r in webp)}


SORT_LABELS = {"newest": N_("Newest"), "price_asc": N_("Price: low to high"),
               "price_desc": N_("Price: high to low"), "sales": N_("Best selling")}


async def storefront_home(request: Request, shop: Shop, q: str = "", category: str = "",
                          sort: str = "newest", cursor: str = "") -> Response:
    q = q.strip()[:100]
    sort = sort if sort in SORT_LABELS else "newest"
    visit = uncounted_day(request, shop)
    async with db.shop_scope(shop.id):
        categories = await list_categories(shop.id)
        products = await list_products(shop.id, q=q, category=category or None, sort=sort,
                                       limit=PAGE_SIZE + 1, after=decode_cursor(cursor) or None)
        count_in_scope(shop, visit)
    more = len(products) > PAGE_SIZE
    products = products[:PAGE_SIZE]
    positions = [p.pop("_position", {"id": p["id"]}) for p in products]
    for p in products:
        p["picture"] = picture(p.pop("_picture", None), largest=1200)
    next_query = None
    if more:
        params = {"q": q, "category": category, "sort": sort if sort != "newest" else "",
                  "cursor": encode_cursor(positions[-1])}
        next_query = urlencode({k: v for k, v in params.items() if v})
    top = [c for c in categories if not c["parent"]]
    current = next((c for c in categories if c["slug"] == category), None)
    branch = _top_of(current, categories)
    return remember_visit(request, page(
        request, "storefront/home.html", products=products, categories=top,
        branch=branch, subcategories=[c for c in categories
                                      if branch and c["parent"] == branch["id"]],
        card_sizes=CARD_SIZES, eager_cards=EAGER_CARDS if not cursor else 0,
        category=current, q=q, sort=sort, sorts=SORT_LABELS, next_query=next_query,
        first_page=not cursor, logo_url=logo_url(shop),
        meta=listing_meta(shop, current, products)), visit)


def _top_of(category: dict[str, Any] | None, categories: list[dict[str, Any]]
            ) -> dict[str, Any] | None:
    """The top category that `category` is under (itself when it is one)."""
    by_id = {c["id"]: c for c in categories}
    seen: set[int] = set()
    while category and category["parent"] in by_id and category["id"] not in seen:
        seen.add(category["id"])
        category = by_id[category["parent"]]
    return category


def _price_range(variants: list[dict[str, Any]]) -> tuple[int, int]:
    prices = [v["price"] for v in variants] or [0]
    return min(prices), max(prices)


@get("/products/{product_id:int}", name="storefront:product")
async def product_page(request: Request, shop: Shop, product_id: int) -> Response:
    visit = uncounted_day(request, shop)
    return remember_visit(request, await render_product(request, shop, product_id,
                                                        visit=visit), visit)


async def render_product(request: Request, shop: Shop, product_id: int, *,
                         status_code: int = 200, visit: str | None = None,
                         **extra: Any) -> Response:
    """The product page; `extra` adds to its context (the add-to-cart form's error).
    `visit`: the day to count this browser's visit on, in the page's transaction."""
    # One transaction for the page's reads: the promoters and the plugin links join it and
    # share one read of the enabled plugins (they took two transactions more; issue 14).
    async with db.shop_scope(shop.id):
        product = await get_product(shop.id, product_id, published_only=True)
        terms = await get_terms(shop.id, product_id)
        variants = [v for v in product["variants"] if v["status"] == "active"]
        stores = await store_availability(shop.id, [v["id"] for v in variants]) \
            if shop.settings.get(MULTI_LOCATION) else []  # one location: nothing to read
        for variant in variants:
            variant["available"] = max(variant["available"], 0)
        promotions = await product_promotions(request, shop, product_id,
                                              [v["id"] for v in variants])
        plugin_links = await storefront_links(request, shop, "product", product_id=product_id)
        plugin_blocks = await storefront_blocks(request, shop, "product", product_id)
        count_in_scope(shop, visit)
    low, high = _price_range(variants)
    return page(request, "storefront/product.html", status_code=status_code,
                promotions=countdowns(promotions, dt.datetime.now(dt.UTC)),
                promoted=promotion_prices(promotions, dt.datetime.now(dt.UTC)),
                product=product, variants=variants, price_low=low, price_high=high,
                stores=stores,
                sold_out=all(v["available"] == 0 for v in variants),
                chosen=chosen_variant(variants, extra.get("cart_variant")),
                main_picture=picture((product["image_details"] or [None])[0]),
                option_names=" · ".join(g["name"] for g in option_groups(variants)),
                logo_url=logo_url(shop), q="", terms=terms, return_days=windows(shop)[0],
                plugin_links=plugin_links, plugin_blocks=plugin_blocks,
                quality_days=windows(shop)[1],
                meta=product_meta(request, shop, product, variants), **extra)


def chosen_variant(variants: list[dict[str, Any]], wanted: int | None
                   ) -> dict[str, Any] | None:
    """The variant the picker starts on: the one the shopper tried (after a refusal), else
    the first that can be bought, else the first; its price is the one shown."""
    return (next((v for v in variants if v["id"] == wanted), None)
            or next((v for v in variants if v["available"] > 0), None)
            or (variants[0] if variants else None))


def option_groups(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The options customers pick from, in the order they first appear, each value with
    whether any variant having it can be bought (`available` above 0)."""
    groups: dict[str, dict[str, bool]] = {}
    for variant in variants:
        for name, value in (variant["options"] or {}).items():
            values = groups.setdefault(str(name), {})
            values[str(value)] = values.get(str(value), False) or variant["available"] > 0
    return [{"name": name, "values": [{"value": value, "available": ok}
                                      for value, ok in values.items()]}
            for name, values in groups.items()]


@get("/categories", name="storefront:categories")
async def categories_page(request: Request, shop: Shop) -> Response:
    """The 分类 tab: every category, its subcategories under it."""
    async with db.shop_scope(shop.id):
        tree = await category_tree(shop.id)
    return page(request, "storefront/categories.html", categories=tree,
                logo_url=logo_url(shop), q="")


storefront_router = Router(path="/", guards=[shop_host_only],
                           route_handlers=[product_page, categories_page],
                           include_in_schema=False)
