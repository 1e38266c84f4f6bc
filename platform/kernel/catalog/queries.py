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
    Product,
    StockLevel,
    Variant,
)
from galleria.kernel.catalog.videos import video_view
from galleria.kernel.db import database
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


def shop_totals(levels: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Stock-level rows (one per variant and location) added up per variant: the shop's
    stock over all its locations (units in transit between two are at neither)."""
    totals: dict[int, dict[str, Any]] = {}
    for level in levels:
        total = totals.get(level["variant"])
        if total is None:
            totals[level["variant"]] = dict(level)
            continue
        for column in ("on_hand", "reserved"):
            total[column] += level[column]
    return totals


# A product's variants with their stock over all the shop's locations and their barcodes,
# in one statement (it was three): the sums of the variant's stock rows, the safety stock of
# its `default` row, and one row per barcode (a variant without any: one row, no code).
_VARIANTS = (
    "SELECT v.*, b.code AS barcode_code, b.units AS barcode_units FROM ("
    "SELECT v.id AS id, v.tenant AS tenant, v.product AS product, v.sku AS sku, "
    "v.price AS price, v.cost_price AS cost_price, v.options AS options, "
    "v.weight_grams AS weight_grams, v.shelf_location AS shelf_location, "
    "v.status AS status, v.position AS position, "
    "(SELECT SUM(s.on_hand) FROM stock_level s WHERE s.tenant = v.tenant "
    "AND s.variant = v.id) AS on_hand, "
    "(SELECT SUM(s.reserved) FROM stock_level s WHERE s.tenant = v.tenant "
    "AND s.variant = v.id) AS reserved, "
    "(SELECT s.safety_stock FROM stock_level s WHERE s.tenant = v.tenant AND s.variant = v.id "
    "ORDER BY s.location <> 'default', s.location LIMIT 1) AS safety_stock "
    "FROM variant v "
    "WHERE v.tenant = {} AND v.status <> 'deleted' AND v.product IN (%s)) v "
    "LEFT JOIN barcode b ON b.tenant = v.tenant AND b.variant = v.id "
    "ORDER BY v.position, v.id, b.id")


async def variants_of_many(tenant_id: int,
                           product_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The products' variants in order, each with stock and barcodes, by product id."""
    ids = product_ids or [0]
    rows = await Variant.raw(_VARIANTS % ", ".join(["{}"] * len(ids)), tenant_id, *ids)
    variants: dict[int, dict[str, Any]] = {}  # in order
    barcodes: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        variants.setdefault(row["id"], row)
        codes = barcodes.setdefault(row["id"], [])
        if row["barcode_code"] is not None:
            codes.append({"code": row["barcode_code"], "units": row["barcode_units"]})
    found: dict[int, list[dict[str, Any]]] = {pid: [] for pid in product_ids}
    for v in variants.values():
        level = None if v["on_hand"] is None else v
        found[v["product"]].append(variant_view(v, level, barcodes[v["id"]]))
    return found


async def variants_of(tenant_id: int, product_id: int) -> list[dict[str, Any]]:
    """The product's variants in order, each with stock and barcodes."""
    return (await variants_of_many(tenant_id, [product_id]))[product_id]


# The product with its category's slug and name and its pictures in order, in one statement
# (it was three): one row per picture (a product without any: one row, no picture).
_PRODUCT = (
    "SELECT p.id AS id, p.name AS name, p.description AS description, "
    "p.category AS category, p.attributes AS attributes, p.status AS status, "
    "p.created_at AS created_at, p.price_min AS price_min, "
    "p.video_key AS video_key, p.video_poster_key AS video_poster_key, "
    "c.slug AS category_slug, c.name AS category_name, "
    "i.id AS image_id, i.key AS key, i.large_key AS large_key, i.thumb_key AS thumb_key, "
    "i.webp AS webp, i.width AS width, i.height AS height, i.position AS position "
    "FROM product p LEFT JOIN category c ON c.tenant = p.tenant AND c.id = p.category "
    "LEFT JOIN product_image i ON i.tenant = p.tenant AND i.product = p.id "
    "WHERE p.tenant = {} AND p.id = {} AND p.deleted_at IS NULL%s "
    "ORDER BY i.position, i.id")
_PRODUCTS = {False: _PRODUCT % "", True: _PRODUCT % " AND p.status = 'published'"}


async def get_product(tenant_id: int, product_id: int, *, published_only: bool = False
                      ) -> dict[str, Any]:
    """A product with its variants (stock included), pictures and barcodes.

    `images` lists the full-size picture URLs; `image_details` each picture's sizes."""
    rows = await Product.raw(_PRODUCTS[published_only], tenant_id, product_id)
    if not rows:
        raise NotFound(f"No product {product_id} in this shop")
    product = rows[0]
    images = [image_view({**row, "id": row["image_id"]}) for row in rows
              if row["image_id"] is not None]
    category = None
    if product["category"] and product["category_slug"] is not None:
        category = {"slug": product["category_slug"], "name": product["category_name"]}
    return {
        "id": product["id"], "name": product["name"], "description": product["description"],
        "category": category, "attributes": json_value(product["attributes"]),
        "status": product["status"], "created_at": product["created_at"],
        "price_from": product["price_min"],
        "images": [i["url"] for i in images], "image_details": images,
        "video": video_view(product),  # shown before the pictures; None without one
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
    level = shop_totals(await StockLevel.select().where(
        (StockLevel.tenant == tenant_id) & (StockLevel.variant == variant["id"]))).get(
        variant["id"])
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


# The sorts as SQL: ORDER BY of the page, (column, direction); `id` breaks ties.
_ORDER = {
    "newest": ("id", "DESC"),
    "price_asc": ("price_min", "ASC"),
    "price_desc": ("price_min", "DESC"),
    "sales": ("sales", "DESC"),
}


async def list_products(tenant_id: int, *, q: str = "", category: str | None = None,
                        sort: str = "newest", limit: int = 24, after: dict | None = None,
                        published_only: bool = True, status: str | None = None
                        ) -> list[dict[str, Any]]:
    """A page of products with price_from, availability and first picture (a thumbnail).

    `after` is the position of the last row of the previous page (`{"v": …, "id": …}`);
    pages are stable under ties because `id` breaks them. `published_only=False` (the
    merchant's view) includes drafts and adds each product's `status`; `status` filters.

    One statement (issue 14: the page was built by the ORM, then its summaries read by a
    second one): the page's rows in a subquery, their summaries around it. Only constant
    fragments are joined; every value is a `{}` parameter.
    """
    if sort not in SORTS:
        raise ValidationFailed(f"sort must be one of: {', '.join(SORTS)}")
    categories = await category_and_below(tenant_id, category) if category else None
    sql, args = listing_statement(tenant_id, q=q, categories=categories, sort=sort,
                                  limit=limit, after=after, published_only=published_only,
                                  status=status)
    rows = await Product.raw(sql, *args)
    summaries = _summaries(rows, _ORDER[sort][0], shoppers=published_only)
    if published_only:
        for summary in summaries:
            summary.pop("status")
    return summaries


def listing_statement(tenant_id: int, *, q: str = "", categories: list[int] | None = None,
                      sort: str = "newest", limit: int = 24, after: dict | None = None,
                      published_only: bool = True, status: str | None = None
                      ) -> tuple[str, list[object]]:
    """`list_products`' one statement (`{}` placeholders) and its values; `categories`: the
    ids of the category asked for and those under it."""
    column, direction = _ORDER[sort]
    where = ["tenant = {} AND deleted_at IS NULL"]
    args: list[object] = [tenant_id]
    if published_only:
        where.append("status = 'published'")
    if status:
        where.append("status = {}")
        args.append(status)
    if q and (matches := search.match_sql(tenant_id, q)) is not None:
        where.append(matches[0])
        args += matches[1]
    if categories is not None:
        where.append("category IN (" + ", ".join(["{}"] * len(categories)) + ")")
        args += categories
    if after:
        condition, values = _after(column, direction, after)
        where.append(condition)
        args += values
    order = f"{column} {direction}" + ("" if column == "id" else f", id {direction}")
    page = ("SELECT id, tenant, name, price_min, sales, status FROM product WHERE "  # noqa: S608
            + " AND ".join(where) + f" ORDER BY {order} LIMIT {{}}")
    args.append(int(limit))
    outer = f"p.{column} {direction}" + ("" if column == "id" else f", p.id {direction}")
    return (_SUMMARY_COLUMNS + "FROM (" + page + ") p " + _FIRST_PICTURE[database().is_postgres]
            + "ORDER BY " + outer), args


def _after(column: str, direction: str, after: dict) -> tuple[str, list[object]]:
    try:
        value, last_id = int(after.get("v", after.get("id"))), int(after["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed("The cursor is not one this API gave out") from exc
    beyond = ">" if direction == "ASC" else "<"
    if column == "id":
        return f"id {beyond} {{}}", [last_id]
    # The plain bound first lets the (tenant, status, column, id) index start at the cursor.
    return (f"{column} {beyond}= {{}} AND ({column} {beyond} {{}} "
            f"OR ({column} = {{}} AND id {beyond} {{}}))", [value, value, value, last_id])


# A page's availability (active variants' stock at every location, each at least 0), the
# lowest price of a variant one can buy now, and first picture per product, read with the
# page (issue 14: it was three statements, each built by the ORM).
_SUMMARY_COLUMNS = (
    "SELECT p.id AS id, p.name AS name, p.price_min AS price_min, p.sales AS sales, "
    "p.status AS status, "
    "(SELECT COALESCE(SUM(CASE WHEN s.on_hand > s.reserved THEN s.on_hand - s.reserved "
    "ELSE 0 END), 0) FROM variant v JOIN stock_level s ON s.tenant = v.tenant "
    "AND s.variant = v.id "
    "WHERE v.tenant = p.tenant AND v.product = p.id AND v.status = 'active') AS available, "
    "(SELECT MIN(v.price) FROM variant v WHERE v.tenant = p.tenant AND v.product = p.id "
    "AND v.status = 'active' AND EXISTS (SELECT 1 FROM stock_level s WHERE "
    "s.tenant = v.tenant AND s.variant = v.id AND s.on_hand > s.reserved)) AS price_in_stock, "
    "i.id AS image_id, i.key AS key, i.large_key AS large_key, i.thumb_key AS thumb_key, "
    "i.webp AS webp, i.width AS width, i.height AS height, i.position AS position ")
_FIRST_PICTURE = {
    # PostgreSQL: each product's first picture from its own index entries (LATERAL). Joined
    # on `i.id = (subquery)` instead, the planner could only hash-join on the tenant, which
    # reads every picture of the shop: ~100 ms a page in a 100,000-product shop (issue 14).
    True: ("LEFT JOIN LATERAL (SELECT f.id, f.key, f.large_key, f.thumb_key, f.webp, "
           "f.width, f.height, f.position FROM product_image f "
           "WHERE f.tenant = p.tenant AND f.product = p.id "
           "ORDER BY f.position, f.id LIMIT 1) i ON true "),
    # SQLite has no LATERAL; its planner runs the correlated subquery per product anyway.
    False: ("LEFT JOIN product_image i ON i.tenant = p.tenant AND i.product = p.id "
            "AND i.id = (SELECT f.id FROM product_image f "
            "WHERE f.tenant = p.tenant AND f.product = p.id "
            "ORDER BY f.position, f.id LIMIT 1) "),
}
def _summaries(rows: list[dict[str, Any]], column: str,
               shoppers: bool = True) -> list[dict[str, Any]]:
    """`shoppers`: `price_from` is the lowest price a shopper can buy at now (the merchant's
    view keeps the lowest price of all)."""
    out = []
    for row in rows:
        picture = None
        if row["image_id"] is not None:
            picture = image_view({**row, "id": row["image_id"]})
        price_from = row["price_min"]
        if shoppers and row["price_in_stock"] is not None:
            price_from = int(row["price_in_stock"])
        out.append({
            # The price of a variant the shopper can buy now (a sold-out cheaper size is not
            # "from" anything); a product sold out in every variant shows its lowest price.
            "id": row["id"], "name": row["name"], "price_from": price_from,
            "available": int(row["available"] or 0),
            "image": picture["thumb_url"] if picture else "",
            "_picture": picture,  # its sizes, for pages' srcset
            "status": row["status"], "_position": {"v": row[column], "id": row["id"]},
        })
    return out


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
