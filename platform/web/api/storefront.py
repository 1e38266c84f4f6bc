"""Storefront API (shop host; guests and signed-in shoppers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.catalog.banners import banner_views
from galleria.kernel.catalog.promotions import Promotion
from galleria.kernel.catalog.service import category_tree, get_product, list_products
from galleria.kernel.storage import storage
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.answers import (
    CategoryTree,
    ProductPage,
    ProductPromotion,
    ShopInfo,
    StorefrontProduct,
)
from galleria.web.pages.promotions import product_promotions
from galleria.web.pagination import decode_cursor, page


def _utc(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def promotion_view(promotion: Promotion) -> ProductPromotion:
    """A promotion as the storefront API answers it (times RFC 3339 in UTC)."""
    return {"kind": promotion.kind, "label": promotion.label, "text": promotion.text,
            "variant_id": promotion.variant_id, "price": promotion.price,
            "starts_at": _utc(promotion.starts_at), "ends_at": _utc(promotion.ends_at),
            "remaining": promotion.remaining}


class StorefrontApi(Controller):
    path = "/api/v1"
    tags = ["storefront"]

    @get("/products", operation_id="listProducts")
    async def list_products(
        self, shop: Shop, q: Annotated[str, Parameter(max_length=100)] = "",
        category: str | None = None, sort: str = "newest",
        limit: Annotated[int, Parameter(ge=1, le=100)] = 24, cursor: str | None = None,
    ) -> ProductPage:
        """Published products; `q` searches names, descriptions, specs, SKUs and barcodes
        (Chinese terms of any length); `sort`: newest, price_asc, price_desc, sales."""
        async with db.shop_scope(shop.id):
            items = await list_products(shop.id, q=q.strip(), category=category, sort=sort,
                                        limit=limit + 1, after=decode_cursor(cursor) or None)
        for item in items:
            item["currency"] = shop.currency
        return page(items, limit)

    @get("/shop", operation_id="getShop")
    async def shop_info(self, shop: Shop) -> ShopInfo:
        """The shop as an app shows it: name, currency, language, colour, logo and the home
        page's `banners` (set on the console's Settings page; each with `image_url` and a
        `link` to a product or a category)."""
        async with db.shop_scope(shop.id):
            banners = await banner_views(shop.id, shop.settings)
        return {"slug": shop.slug, "name": shop.name, "currency": shop.currency,
                "locale": shop.locale, "theme_color": shop.theme_color,
                "logo_url": storage().url(shop.logo) if shop.logo else "",
                "banners": banners}

    @get("/categories", operation_id="listStorefrontCategories")
    async def categories(self, shop: Shop) -> CategoryTree:
        """The shop's category tree, as its 分类 page shows it: top categories with their
        `children`, each with `name` (in the shop's language), `slug` (what
        `/products?category=` takes, that category and those under it), `image_url` ("" for
        none) and `position`, in display order."""
        async with db.shop_scope(shop.id):
            return {"items": await category_tree(shop.id)}

    @get("/products/{product_id:int}", operation_id="getStorefrontProduct")
    async def get_product(self, request: Request, shop: Shop,
                          product_id: int) -> StorefrontProduct:
        """A published product with its active `variants` and its `promotions`: what the
        shop's enabled plugins promise on it (a flash sale's price and times, a free gift),
        in the request's language (`Accept-Language`) — the same promises the
        web product page shows, from the same promoters."""
        async with db.shop_scope(shop.id):
            product = await get_product(shop.id, product_id, published_only=True)
            variants = [v for v in product["variants"] if v["status"] == "active"]
            promotions = await product_promotions(request, shop, product_id,
                                                  [v["id"] for v in variants])
        return {
            "id": product["id"], "name": product["name"],
            "description": product["description"], "category": product["category"],
            "attributes": product["attributes"], "images": product["images"],
            "video": product["video"], "currency": shop.currency,
            "variants": [{"id": v["id"], "sku": v["sku"], "price": v["price"],
                          "options": v["options"], "available": max(v["available"], 0)}
                         for v in variants],
            "promotions": [promotion_view(p) for p in promotions],
        }
