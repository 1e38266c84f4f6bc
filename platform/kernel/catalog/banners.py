"""Home-page banners (首页轮播): up to five pictures, each leading to a product or a category,
set on the console's Settings page and given to apps by `GET /api/v1/shop` (the
mini-program's home swiper).

They live in the shop's settings (`banners`: `[{"image_key", "link"}]`, `link` being
`product:{id}` or `category:{slug}`). A banner whose product or category is gone later is
left out of what shoppers get, not shown leading nowhere.
"""

from __future__ import annotations

import json
from typing import Any

from galleria.kernel.catalog.categories import list_categories
from galleria.kernel.catalog.images import photo_view
from galleria.kernel.catalog.queries import list_products
from galleria.kernel.catalog.tables import Category, Product
from galleria.kernel.errors import Problems
from galleria.kernel.tenancy.tables import Tenant

BANNERS = "banners"
MAX_BANNERS = 5
PRODUCT_CHOICES = 200  # the newest published products offered as links


def stored_banners(shop_settings: dict[str, Any] | None) -> list[dict[str, str]]:
    """The banners as stored: `[{"image_key", "link"}]`, in order."""
    rows = (shop_settings or {}).get(BANNERS) or []
    return [{"image_key": str(r.get("image_key") or ""), "link": str(r.get("link") or "")}
            for r in rows if isinstance(r, dict)][:MAX_BANNERS]


def parse_link(link: str) -> tuple[str, str]:
    """`product:12` → ("product", "12"); `category:tea` → ("category", "tea"); else ("", "")."""
    kind, _, target = link.partition(":")
    return (kind, target) if kind in ("product", "category") and target else ("", "")


async def _targets(tenant_id: int) -> tuple[set[int], set[str]]:
    products = await Product.select(Product.id).where(
        (Product.tenant == tenant_id) & (Product.status == "published")
        & Product.deleted_at.is_null())
    categories = await Category.select(Category.slug).where(Category.tenant == tenant_id)
    return {r["id"] for r in products}, {r["slug"] for r in categories}


def _leads_to(link: str, products: set[int], categories: set[str]) -> dict[str, Any] | None:
    kind, target = parse_link(link)
    if kind == "product" and target.isdigit() and int(target) in products:
        return {"type": "product", "product_id": int(target), "category": None}
    if kind == "category" and target in categories:
        return {"type": "category", "product_id": None, "category": target}
    return None


async def banner_views(tenant_id: int, shop_settings: dict[str, Any] | None
                       ) -> list[dict[str, Any]]:
    """What shoppers get: `[{"image_url", "link": {"type", "product_id", "category"}}]`,
    only banners whose picture and target still exist."""
    banners = stored_banners(shop_settings)
    if not banners:
        return []
    products, categories = await _targets(tenant_id)
    views = []
    for banner in banners:
        leads = _leads_to(banner["link"], products, categories)
        if banner["image_key"] and leads:
            views.append({"image_url": photo_view(banner["image_key"])["url"], "link": leads})
    return views


async def save_banners(tenant_id: int, banners: list[dict[str, str]]) -> list[dict[str, str]]:
    """Store the shop's banners (`[{"image_key", "link"}]`, in order). ValidationFailed
    names `banners.{i}.image` / `banners.{i}.link` for a banner without a picture, or
    leading to no product or category of this shop, and `banners` for more than five."""
    problems = Problems()
    if len(banners) > MAX_BANNERS:
        problems.add(BANNERS, f"at most {MAX_BANNERS} banners")
    products, categories = await _targets(tenant_id)
    prefix = f"shops/{tenant_id}/banners/"
    for i, banner in enumerate(banners):
        if not banner.get("image_key", "").startswith(prefix):
            problems.add(f"{BANNERS}.{i}.image", "a picture")
        if _leads_to(banner.get("link", ""), products, categories) is None:
            problems.add(f"{BANNERS}.{i}.link", "a product or category of this shop")
    problems.raise_if_any("The banners are invalid")
    kept = [{"image_key": b["image_key"], "link": b["link"]} for b in banners]
    row = await Tenant.select(Tenant.settings).where(Tenant.id == tenant_id).first()
    settings = (row or {}).get("settings") or {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    await Tenant.update({Tenant.settings: {**settings, BANNERS: kept}}).where(
        Tenant.id == tenant_id)
    return kept


async def banner_form(tenant_id: int, shop_settings: dict[str, Any] | None
                      ) -> dict[str, Any]:
    """The console's banner rows (always five, empty ones last: `image_url`, `image_key`,
    `link`) and the links to choose from (`categories`, `products`: [(link, name)])."""
    rows = [{"image_url": photo_view(b["image_key"])["thumb_url"] if b["image_key"] else "",
             "image_key": b["image_key"], "link": b["link"]}
            for b in stored_banners(shop_settings)]
    rows += [{"image_url": "", "image_key": "", "link": ""}
             for _ in range(MAX_BANNERS - len(rows))]
    categories = await list_categories(tenant_id)
    products = await list_products(tenant_id, limit=PRODUCT_CHOICES)
    return {"rows": rows,
            "categories": [(f"category:{c['slug']}", c["name"]) for c in categories],
            "products": [(f"product:{p['id']}", p["name"]) for p in products]}


__all__ = [
    "BANNERS",
    "MAX_BANNERS",
    "banner_form",
    "banner_views",
    "parse_link",
    "save_banners",
    "stored_banners",
]
