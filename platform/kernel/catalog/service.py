"""Catalog use cases: categories and products with their variants, stock and barcodes.

Every function takes the shop's `tenant_id` and must run inside `shop_scope(tenant_id)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from galleria.kernel.catalog import search
from galleria.kernel.catalog.tables import (
    Barcode,
    Category,
    Product,
    ProductImage,
    StockLevel,
    Variant,
)
from galleria.kernel.errors import Conflict, NotFound, Problems, ValidationFailed
from galleria.kernel.storage import storage


@dataclass
class VariantInput:
    sku: str
    price: int
    stock: int = 0
    options: dict[str, str] = field(default_factory=dict)
    weight_grams: int = 0
    barcodes: list[tuple[str, int]] = field(default_factory=list)  # (code, units)


@dataclass
class ProductInput:
    name: str
    variants: list[VariantInput]
    description: str = ""
    category: str | None = None  # category slug
    attributes: dict[str, str] = field(default_factory=dict)
    status: str = "published"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def check_product(data: ProductInput) -> None:
    """Shape checks that need no database; raises ValidationFailed with every problem."""
    problems = Problems()
    if not data.name.strip():
        problems.add("name", "required")
    elif len(data.name) > 200:
        problems.add("name", "at most 200 characters")
    if data.status not in ("draft", "published"):
        problems.add("status", "draft or published")
    if not data.variants:
        problems.add("variants", "at least one variant")
    skus: set[str] = set()
    codes: set[str] = set()
    for i, variant in enumerate(data.variants):
        at = f"variants[{i}]"
        if not variant.sku.strip() or len(variant.sku) > 64:
            problems.add(f"{at}.sku", "1–64 characters")
        elif variant.sku in skus:
            problems.add(f"{at}.sku", f"SKU {variant.sku} appears twice")
        skus.add(variant.sku)
        if type(variant.price) is not int or variant.price < 0:
            problems.add(f"{at}.price", "a whole number of minor units (fen/cents), 0 or more")
        if type(variant.stock) is not int or variant.stock < 0:
            problems.add(f"{at}.stock", "a whole number, 0 or more")
        for j, (code, units) in enumerate(variant.barcodes):
            if not code or len(code) > 64:
                problems.add(f"{at}.barcodes[{j}].code", "1–64 characters")
            elif code in codes:
                problems.add(f"{at}.barcodes[{j}].code", f"barcode {code} appears twice")
            codes.add(code)
            if type(units) is not int or units < 1:
                problems.add(f"{at}.barcodes[{j}].units", "a whole number, 1 or more")
    problems.raise_if_any("The product is invalid")


async def create_category(tenant_id: int, slug: str, name: str, parent: str | None = None,
                          position: int = 0) -> int:
    parent_id = None
    if parent:
        parent_id = await _category_id(tenant_id, parent)
    row = await Category.insert(Category(tenant=tenant_id, slug=slug, name=name,
                                         parent=parent_id, position=position))
    return row[0]["id"]


async def _category_id(tenant_id: int, slug: str) -> int:
    row = await Category.select(Category.id).where(
        (Category.tenant == tenant_id) & (Category.slug == slug)).first()
    if row is None:
        raise NotFound(f"No category “{slug}” in this shop")
    return row["id"]


async def list_categories(tenant_id: int) -> list[dict[str, Any]]:
    return await (Category.select(Category.id, Category.slug, Category.name, Category.parent)
                  .where(Category.tenant == tenant_id).order_by(Category.position))


async def create_product(tenant_id: int, data: ProductInput,
                         images: list[tuple[str, bytes]] = ()) -> int:
    """Create a product with variants, opening stock, barcodes and images; returns its id.

    `images` are (file name, bytes) already checked by the caller. Raises ValidationFailed,
    NotFound (category) or Conflict (a SKU or barcode the shop already uses).
    """
    check_product(data)
    category_id = await _category_id(tenant_id, data.category) if data.category else None
    await _refuse_taken(tenant_id, data)
    product_id = (await Product.insert(Product(
        tenant=tenant_id, name=data.name.strip(), description=data.description,
        category=category_id, attributes=data.attributes, status=data.status,
        price_min=min(v.price for v in data.variants),
    )))[0]["id"]
    for position, variant in enumerate(data.variants):
        variant_id = (await Variant.insert(Variant(
            tenant=tenant_id, product=product_id, sku=variant.sku, price=variant.price,
            options=variant.options, weight_grams=variant.weight_grams, position=position,
        )))[0]["id"]
        await StockLevel.insert(StockLevel(tenant=tenant_id, variant=variant_id,
                                           on_hand=variant.stock))
        for code, units in variant.barcodes:
            await Barcode.insert(Barcode(tenant=tenant_id, variant=variant_id, code=code,
                                         units=units))
    codes = [v.sku for v in data.variants] + [c for v in data.variants for c, _ in v.barcodes]
    codes += [value for v in data.variants for value in v.options.values()]
    category_name = ""
    if category_id:
        category_name = (await Category.select(Category.name).where(
            Category.id == category_id).first())["name"]
    await search.reindex(tenant_id, product_id, search.searchable_text(
        data.name, data.description, data.attributes, codes, category_name))
    for position, (filename, data_bytes) in enumerate(images):
        key = f"shops/{tenant_id}/products/{product_id}/{position}-{filename}"
        storage().put(key, data_bytes)
        await ProductImage.insert(ProductImage(tenant=tenant_id, product=product_id, key=key,
                                               position=position))
    return product_id


async def _refuse_taken(tenant_id: int, data: ProductInput) -> None:
    skus = [v.sku for v in data.variants]
    taken = await Variant.select(Variant.sku).where(
        (Variant.tenant == tenant_id) & Variant.sku.is_in(skus))
    if taken:
        raise Conflict("SKU already used in this shop: " + ", ".join(r["sku"] for r in taken),
                       skus=[r["sku"] for r in taken])
    codes = [code for v in data.variants for code, _ in v.barcodes]
    if codes:
        taken = await Barcode.select(Barcode.code).where(
            (Barcode.tenant == tenant_id) & Barcode.code.is_in(codes))
        if taken:
            raise Conflict("Barcode already used in this shop: "
                           + ", ".join(r["code"] for r in taken))


async def get_product(tenant_id: int, product_id: int, *, published_only: bool = False
                      ) -> dict[str, Any]:
    """A product with its variants (stock included), images and barcodes."""
    query = Product.select().where(
        (Product.tenant == tenant_id) & (Product.id == product_id)
        & Product.deleted_at.is_null())
    if published_only:
        query = query.where(Product.status == "published")
    product = await query.first()
    if product is None:
        raise NotFound(f"No product {product_id} in this shop")
    variants = await (Variant.select().where(
        (Variant.tenant == tenant_id) & (Variant.product == product_id))
        .order_by(Variant.position))
    variant_ids = [v["id"] for v in variants]
    stock = {s["variant"]: s for s in await StockLevel.select().where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(variant_ids or [0]))}
    barcodes: dict[int, list[dict[str, Any]]] = {}
    for b in await Barcode.select().where(
            (Barcode.tenant == tenant_id) & Barcode.variant.is_in(variant_ids or [0])):
        barcodes.setdefault(b["variant"], []).append({"code": b["code"], "units": b["units"]})
    images = await (ProductImage.select(ProductImage.key).where(
        (ProductImage.tenant == tenant_id) & (ProductImage.product == product_id))
        .order_by(ProductImage.position))
    category = None
    if product["category"]:
        category = await Category.select(Category.slug, Category.name).where(
            (Category.tenant == tenant_id) & (Category.id == product["category"])).first()
    out_variants = []
    for v in variants:
        level = stock.get(v["id"], {"on_hand": 0, "reserved": 0})
        out_variants.append({
            "id": v["id"], "sku": v["sku"], "price": v["price"],
            "options": _json(v["options"]), "weight_grams": v["weight_grams"],
            "status": v["status"],
            "stock": {"on_hand": level["on_hand"], "reserved": level["reserved"],
                      "available": level["on_hand"] - level["reserved"]},
            "available": level["on_hand"] - level["reserved"],
            "barcodes": barcodes.get(v["id"], []),
        })
    return {
        "id": product["id"], "name": product["name"], "description": product["description"],
        "category": category, "attributes": _json(product["attributes"]),
        "status": product["status"], "created_at": product["created_at"],
        "images": [storage().url(i["key"]) for i in images],
        "variants": out_variants,
    }


SORTS = {
    # name: (column, ascending)
    "newest": (Product.id, False),
    "price_asc": (Product.price_min, True),
    "price_desc": (Product.price_min, False),
    "sales": (Product.sales, False),
}


async def list_products(tenant_id: int, *, q: str = "", category: str | None = None,
                        sort: str = "newest", limit: int = 24, after: dict | None = None,
                        published_only: bool = True) -> list[dict[str, Any]]:
    """A page of products with price_from, availability and first image.

    `after` is the position of the last row of the previous page (`{"v": …, "id": …}`);
    pages are stable under ties because `id` breaks them.
    """
    if sort not in SORTS:
        raise ValidationFailed(f"sort must be one of: {', '.join(SORTS)}")
    column, ascending = SORTS[sort]
    query = Product.select(Product.id, Product.name, Product.price_min, Product.sales).where(
        (Product.tenant == tenant_id) & Product.deleted_at.is_null())
    if published_only:
        query = query.where(Product.status == "published")
    if q:
        ids = await search.matching_product_ids(tenant_id, q)
        if ids is not None:
            query = query.where(Product.id.is_in(ids or [0]))
    if category:
        query = query.where(Product.category.is_in(await _category_and_below(tenant_id, category)))
    if after:
        query = query.where(_after(column, ascending, after))
    query = query.order_by(column, ascending=ascending)
    if column is not Product.id:
        query = query.order_by(Product.id, ascending=ascending)
    products = await query.limit(limit)
    return await _summaries(tenant_id, products, sort)


def _after(column: Any, ascending: bool, after: dict) -> Any:
    try:
        value, last_id = int(after.get("v", after.get("id"))), int(after["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed("The cursor is not one this API gave out") from exc
    if column is Product.id:
        return Product.id > last_id if ascending else Product.id < last_id
    if ascending:
        return (column > value) | ((column == value) & (Product.id > last_id))
    return (column < value) | ((column == value) & (Product.id < last_id))


async def _category_and_below(tenant_id: int, slug: str) -> list[int]:
    categories = await list_categories(tenant_id)
    root = next((c["id"] for c in categories if c["slug"] == slug), None)
    if root is None:
        raise NotFound(f"No category “{slug}” in this shop")
    wanted, frontier = {root}, [root]
    while frontier:
        children = [c["id"] for c in categories if c["parent"] in frontier]
        frontier = [c for c in children if c not in wanted]
        wanted.update(frontier)
    return sorted(wanted)


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
    first_images = {}
    for image in await ProductImage.select(ProductImage.product, ProductImage.key).where(
            (ProductImage.tenant == tenant_id) & ProductImage.product.is_in(ids)
            & (ProductImage.position == 0)):
        first_images[image["product"]] = storage().url(image["key"])
    column = SORTS[sort][0]._meta.name
    return [{
        "id": p["id"], "name": p["name"], "price_from": p["price_min"],
        "available": available.get(p["id"], 0), "image": first_images.get(p["id"], ""),
        "_position": {"v": p[column], "id": p["id"]},
    } for p in products]


async def count_products(tenant_id: int) -> int:
    return await Product.count().where(
        (Product.tenant == tenant_id) & Product.deleted_at.is_null())
