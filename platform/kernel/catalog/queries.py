"""Reading the catalog: one product in full, pages of product summaries, barcode lookup.

Every function takes the shop's `tenant_id` and must run inside `shop_scope(tenant_id)`.
Soft-deleted products are never returned.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel.catalog import search
from galleria.kernel.catalog.categories import category_and_below
from galleria.kernel.catalog.common import json_value
from galleria.kernel.catalog.images import image_view
from galleria.kernel.catalog.tables import (
    Barcode,
    Category,
    Product,
    ProductImage,
    StockLevel,
    Variant,
)
from galleria.kernel.errors import NotFound, ValidationFailed


def _stock(level: dict[str, Any] | None) -> dict[str, int]:
    level = level or {"on_hand": 0, "reserved": 0}
    return {"on_hand": level["on_hand"], "reserved": level["reserved"],
            "available": level["on_hand"] - level["reserved"]}


def variant_view(v: dict[str, Any], level: dict[str, Any] | None,
                 barcodes: list[dict[str, Any]]) -> dict[str, Any]:
    stock = _stock(level)
    return {"id": v["id"], "sku": v["sku"], "price": v["price"],
            "options": json_value(v["options"]), "weight_grams": v["weight_grams"],
            "shelf_location": v.get("shelf_location", ""), "cost_price": v.get("cost_price"),
            "status": v["status"], "stock": stock, "available": stock["available"],
            "safety_stock": (level or {}).get("safety_stock", 0), "barcodes": barcodes}


async def variants_of_many(tenant_id: int,
                           product_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The products' variants in order, each with stock and barcodes, by product id."""
    variants = await (Variant.select().where(
        (Variant.tenant == tenant_id) & Variant.product.is_in(product_ids or [0])
        & (Variant.status != "deleted")).order_by(Variant.position).order_by(Variant.id))
    ids = [v["id"] for v in variants] or [0]
    stock = {s["variant"]: s for s in await StockLevel.select().where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(ids))}
    barcodes: dict[int, list[dict[str, Any]]] = {}
    for b in await Barcode.select().where(
            (Barcode.tenant == tenant_id) & Barcode.variant.is_in(ids)).order_by(Barcode.id):
        barcodes.setdefault(b["variant"], []).append({"code": b["code"], "units": b["units"]})
    found: dict[int, list[dict[str, Any]]] = {pid: [] for pid in product_ids}
    for v in variants:
        found[v["product"]].append(variant_view(v, stock.get(v["id"]),
                                                barcodes.get(v["id"], [])))
    return found


async def variants_of(tenant_id: int, product_id: int) -> list[dict[str, Any]]:
    """The product's variants in order, each with stock and barcodes."""
    return (await variants_of_many(tenant_id, [product_id]))[product_id]


async def get_product(tenant_id: int, product_id: int, *, published_only: bool = False
                      ) -> dict[str, Any]:
    """A product with its variants (stock included), pictures and barcodes.

    `images` lists the full-size picture URLs; `image_details` each picture's sizes."""
    query = Product.select().where(
        (Product.tenant == tenant_id) & (Product.id == product_id)
        & Product.deleted_at.is_null())
    if published_only:
        query = query.where(Product.status == "published")
    product = await query.first()
    if product is None:
        raise NotFound(f"No product {product_id} in this shop")
    images = [image_view(i) for i in await (ProductImage.select().where(
        (ProductImage.tenant == tenant_id) & (ProductImage.product == product_id))
        .order_by(ProductImage.position).order_by(ProductImage.id))]
    category = None
    if product["category"]:
        category = await Category.select(Category.slug, Category.name).where(
            (Category.tenant == tenant_id) & (Category.id == product["category"])).first()
    return {
        "id": product["id"], "name": product["name"], "description": product["description"],
        "category": category, "attributes": json_value(product["attributes"]),
        "status": product["status"], "created_at": product["created_at"],
        "price_from": product["price_min"],
        "images": [i["url"] for i in images], "image_details": images,
        "variants": await variants_of(tenant_id, product_id),
    }


async def variant_by_barcode(tenant_id: int, code: str) -> dict[str, Any]:
    """What a scanned barcode is: `{"barcode": {code, units}, "variant": {…, stock},
    "product": {id, name, status}}`. Raises NotFound for a code the shop does not use."""
    row = await Barcode.select().where(
        (Barcode.tenant == tenant_id) & (Barcode.code == code.strip())).first()
    variant = None if row is None else await Variant.select().where(
        (Variant.tenant == tenant_id) & (Variant.id == row["variant"])
        & (Variant.status != "deleted")).first()
    if variant is None:
        raise NotFound(f"No product in this shop has barcode {code}")
    product = await Product.select(Product.id, Product.name, Product.status).where(
        (Product.tenant == tenant_id) & (Product.id == variant["product"])).first()
    level = await StockLevel.select().where(
        (StockLevel.tenant == tenant_id) & (StockLevel.variant == variant["id"])).first()
    barcodes = await Barcode.select(Barcode.code, Barcode.units).where(
        (Barcode.tenant == tenant_id) & (Barcode.variant == variant["id"])).order_by(Barcode.id)
    return {"barcode": {"code": row["code"], "units": row["units"]},
            "variant": variant_view(variant, level, barcodes), "product": product}


SORTS = {
    # name: (column, ascending)
    "newest": (Product.id, False),
    "price_asc": (Product.price_min, True),
    "price_desc": (Product.price_min, False),
    "sales": (Product.sales, False),
}


async def list_products(tenant_id: int, *, q: str = "", category: str | None = None,
                        sort: str = "newest", limit: int = 24, after: dict | None = None,
                        published_only: bool = True, status: str | None = None
                        ) -> list[dict[str, Any]]:
    """A page of products with price_from, availability and first picture (a thumbnail).

    `after` is the position of the last row of the previous page (`{"v": …, "id": …}`);
    pages are stable under ties because `id` breaks them. `published_only=False` (the
    merchant's view) includes drafts and adds each product's `status`; `status` filters.
    """
    if sort not in SORTS:
        raise ValidationFailed(f"sort must be one of: {', '.join(SORTS)}")
    column, ascending = SORTS[sort]
    query = Product.select(Product.id, Product.name, Product.price_min, Product.sales,
                           Product.status).where(
        (Product.tenant == tenant_id) & Product.deleted_at.is_null())
    if published_only:
        query = query.where(Product.status == "published")
    if status:
        query = query.where(Product.status == status)
    if q and (matches := search.match_clause(tenant_id, q)) is not None:
        query = query.where(matches)
    if category:
        query = query.where(Product.category.is_in(await category_and_below(tenant_id, category)))
    if after:
        query = query.where(_after(column, ascending, after))
    query = query.order_by(column, ascending=ascending)
    if column is not Product.id:
        query = query.order_by(Product.id, ascending=ascending)
    products = await query.limit(limit)
    summaries = await _summaries(tenant_id, products, sort)
    if published_only:
        for summary in summaries:
            summary.pop("status")
    return summaries


def _after(column: Any, ascending: bool, after: dict) -> Any:
    try:
        value, last_id = int(after.get("v", after.get("id"))), int(after["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed("The cursor is not one this API gave out") from exc
    if column is Product.id:
        return Product.id > last_id if ascending else Product.id < last_id
    # The plain bound first lets the (tenant, status, column, id) index start at the cursor.
    if ascending:
        return (column >= value) & (
            (column > value) | ((column == value) & (Product.id > last_id)))
    return (column <= value) & ((column < value) | ((column == value) & (Product.id < last_id)))


async def _summaries(tenant_id: int, products: list[dict[str, Any]],
                     sort: str) -> list[dict[str, Any]]:
    ids = [p["id"] for p in products] or [0]
    rows = await Variant.select(Variant.product, Variant.price, Variant.id).where(
        (Variant.tenant == tenant_id) & Variant.product.is_in(ids)
        & (Variant.status == "active"))
    stock = {s["variant"]: s["on_hand"] - s["reserved"] for s in await StockLevel.select(
        StockLevel.variant, StockLevel.on_hand, StockLevel.reserved).where(
        (StockLevel.tenant == tenant_id)
        & StockLevel.variant.is_in([r["id"] for r in rows] or [0]))}
    available: dict[int, int] = {}
    for r in rows:
        available[r["product"]] = available.get(r["product"], 0) + max(stock.get(r["id"], 0), 0)
    first_images: dict[int, dict[str, Any]] = {}
    for image in await (ProductImage.select().where(
            (ProductImage.tenant == tenant_id) & ProductImage.product.is_in(ids))
            .order_by(ProductImage.position, ascending=False)
            .order_by(ProductImage.id, ascending=False)):
        first_images[image["product"]] = image_view(image)
    column = SORTS[sort][0]._meta.name
    return [{
        "id": p["id"], "name": p["name"], "price_from": p["price_min"],
        "available": available.get(p["id"], 0),
        "image": first_images[p["id"]]["thumb_url"] if p["id"] in first_images else "",
        "_picture": first_images.get(p["id"]),  # its sizes, for pages' srcset
        "status": p["status"], "_position": {"v": p[column], "id": p["id"]},
    } for p in products]


async def count_products(tenant_id: int) -> int:
    return await Product.count().where(
        (Product.tenant == tenant_id) & Product.deleted_at.is_null())


async def product_names(tenant_id: int, *, ids: list[int] | None = None, q: str = "",
                        limit: int = 20) -> list[dict[str, Any]]:
    """`[{"id", "name"}]` of the shop's products (drafts included, deleted ones not): those
    in `ids`, or those the shop's search finds for `q` — for pickers that choose products
    by name."""
    if ids is None:  # the shop's search: short Chinese terms and mixed text find too
        found = await list_products(tenant_id, q=q.strip(), limit=limit,
                                    published_only=False) if q.strip() else []
        return [{"id": p["id"], "name": p["name"]} for p in found]
    if not ids:
        return []
    return list(await Product.select(Product.id, Product.name).where(
        (Product.tenant == tenant_id) & Product.deleted_at.is_null()
        & Product.id.is_in(list(ids))).order_by(Product.id).limit(limit))
