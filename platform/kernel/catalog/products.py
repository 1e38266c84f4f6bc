"""Changing products: create, update (fields, status, variants), soft delete.

Every change re-indexes the product for search and keeps `price_min` (the lowest price of
its active variants) right. A SKU and a barcode are unique within a shop; a soft-deleted
product's variants are marked `deleted` and its barcodes removed, so both may be used again.

Every function takes the shop's `tenant_id` and must run inside `shop_scope(tenant_id)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from msgspec import UNSET, UnsetType

from galleria.kernel.billing.limits import ensure_room
from galleria.kernel.catalog import images as pictures
from galleria.kernel.catalog.categories import category_id, get_category
from galleria.kernel.catalog.common import refuse_duplicates
from galleria.kernel.catalog.indexing import (
    add_search_terms,
    lowest_price,
    product_text,
    refresh_price,
    refresh_product,
)
from galleria.kernel.catalog.queries import count_products
from galleria.kernel.catalog.tables import (
    Barcode,
    Product,
    SearchTerm,
    StockLevel,
    Variant,
)
from galleria.kernel.errors import Conflict, NotFound, Problems
from galleria.kernel.gtin import gtin_problem

PRODUCT_STATUSES = ("draft", "published")
VARIANT_STATUSES = ("active", "inactive")  # `deleted` is set by delete_product only


@dataclass
class VariantInput:
    sku: str
    price: int
    stock: int = 0
    options: dict[str, str] = field(default_factory=dict)
    weight_grams: int = 0
    barcodes: list[tuple[str, int]] = field(default_factory=list)  # (code, units)
    status: str = "active"
    shelf_location: str = ""  # 库位, where pickers find it
    cost_price: int | None = None  # 成本价, minor units; None: not known


@dataclass
class ProductInput:
    name: str
    variants: list[VariantInput]
    description: str = ""
    category: str | None = None  # category slug
    attributes: dict[str, str] = field(default_factory=dict)
    status: str = "published"


@dataclass
class VariantChanges:
    """Changes to an existing variant; UNSET leaves a field as it is. `barcodes` replaces
    the variant's barcodes."""

    id: int
    price: int | UnsetType = UNSET
    status: str | UnsetType = UNSET
    weight_grams: int | UnsetType = UNSET
    options: dict[str, str] | UnsetType = UNSET
    barcodes: list[tuple[str, int]] | UnsetType = UNSET
    shelf_location: str | UnsetType = UNSET
    cost_price: int | UnsetType | None = UNSET  # None clears it


@dataclass
class ProductChanges:
    """Changes to a product; UNSET leaves a field as it is, `category=None` clears it.
    `variants` holds changes to existing variants and new variants to add."""

    name: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    category: str | UnsetType | None = UNSET
    attributes: dict[str, str] | UnsetType = UNSET
    status: str | UnsetType = UNSET
    variants: list[VariantChanges | VariantInput] = field(default_factory=list)


COST_PROBLEM = "a whole number of minor units (fen/cents), 0 or more, or null when not known"


def _whole(value: Any, minimum: int = 0) -> bool:
    return type(value) is int and value >= minimum


def _check_name(problems: Problems, name: str) -> None:
    if not name.strip():
        problems.add("name", "required")
    elif len(name) > 200:
        problems.add("name", "at most 200 characters")


def _check_barcodes(problems: Problems, at: str, barcodes: list[tuple[str, int]],
                    seen: set[str]) -> None:
    for j, (code, units) in enumerate(barcodes):
        if not code or len(code) > 64 or code != code.strip():
            problems.add(f"{at}.barcodes[{j}].code", "1–64 characters, no outer spaces")
        elif code in seen:
            problems.add(f"{at}.barcodes[{j}].code", f"barcode {code} appears twice")
        elif (wrong := gtin_problem(code)) is not None:
            problems.add(f"{at}.barcodes[{j}].code", wrong)
        seen.add(code)
        if not _whole(units, 1):
            problems.add(f"{at}.barcodes[{j}].units", "a whole number, 1 or more")


def _check_variant(problems: Problems, at: str, v: VariantInput, skus: set[str],
                   codes: set[str]) -> None:
    if not v.sku.strip() or len(v.sku) > 64 or v.sku != v.sku.strip():
        problems.add(f"{at}.sku", "1–64 characters, no outer spaces")
    elif v.sku in skus:
        problems.add(f"{at}.sku", f"SKU {v.sku} appears twice")
    skus.add(v.sku)
    if not _whole(v.price):
        problems.add(f"{at}.price", "a whole number of minor units (fen/cents), 0 or more")
    if not _whole(v.stock):
        problems.add(f"{at}.stock", "a whole number, 0 or more")
    if not _whole(v.weight_grams):
        problems.add(f"{at}.weight_grams", "a whole number of grams, 0 or more")
    if v.cost_price is not None and not _whole(v.cost_price):
        problems.add(f"{at}.cost_price", COST_PROBLEM)
    if v.status not in VARIANT_STATUSES:
        problems.add(f"{at}.status", "active or inactive")
    _check_barcodes(problems, at, v.barcodes, codes)


def _check_changes(problems: Problems, at: str, v: VariantChanges, codes: set[str]) -> None:
    if v.price is not UNSET and not _whole(v.price):
        problems.add(f"{at}.price", "a whole number of minor units (fen/cents), 0 or more")
    if v.weight_grams is not UNSET and not _whole(v.weight_grams):
        problems.add(f"{at}.weight_grams", "a whole number of grams, 0 or more")
    if v.cost_price is not UNSET and v.cost_price is not None and not _whole(v.cost_price):
        problems.add(f"{at}.cost_price", COST_PROBLEM)
    if v.status is not UNSET and v.status not in VARIANT_STATUSES:
        problems.add(f"{at}.status", "active or inactive")
    if v.barcodes is not UNSET:
        _check_barcodes(problems, at, v.barcodes, codes)


def check_product(data: ProductInput) -> None:
    """Shape checks that need no database; raises ValidationFailed with every problem."""
    problems = Problems()
    _check_name(problems, data.name)
    if data.status not in PRODUCT_STATUSES:
        problems.add("status", "draft or published")
    if not data.variants:
        problems.add("variants", "at least one variant")
    skus: set[str] = set()
    codes: set[str] = set()
    for i, variant in enumerate(data.variants):
        _check_variant(problems, f"variants[{i}]", variant, skus, codes)
    problems.raise_if_any("The product is invalid")


def check_changes(changes: ProductChanges) -> None:
    problems = Problems()
    if changes.name is not UNSET:
        _check_name(problems, changes.name)
    if changes.status is not UNSET and changes.status not in PRODUCT_STATUSES:
        problems.add("status", "draft or published")
    skus: set[str] = set()
    codes: set[str] = set()
    ids: set[int] = set()
    for i, variant in enumerate(changes.variants):
        at = f"variants[{i}]"
        if isinstance(variant, VariantInput):
            _check_variant(problems, at, variant, skus, codes)
        else:
            if variant.id in ids:
                problems.add(f"{at}.id", f"variant {variant.id} appears twice")
            ids.add(variant.id)
            _check_changes(problems, at, variant, codes)
    problems.raise_if_any("The changes are invalid")


async def refuse_taken_skus(tenant_id: int, skus: list[str]) -> None:
    """Conflict when a live variant of the shop has one of `skus`."""
    if not skus:
        return
    taken = await Variant.select(Variant.sku, Variant.product.name.as_alias("product")).where(
        (Variant.tenant == tenant_id) & Variant.sku.is_in(skus)
        & (Variant.status != "deleted"))
    if taken:
        raise Conflict("SKU already used in this shop: " + ", ".join(
            f"{r['sku']} (“{r['product']}”)" for r in taken), skus=[r["sku"] for r in taken])


async def refuse_taken_barcodes(tenant_id: int, codes: list[str],
                                but_variants: list[int] = ()) -> None:
    """Conflict when another variant of the shop (not one of `but_variants`) has one of
    `codes`, naming the SKU and product that hold each."""
    if not codes:
        return
    query = Barcode.select(Barcode.code, Barcode.variant.sku.as_alias("sku"),
                           Barcode.variant.product.name.as_alias("product")).where(
        (Barcode.tenant == tenant_id) & Barcode.code.is_in(codes))
    if but_variants:
        query = query.where(Barcode.variant.not_in(list(but_variants)))
    taken = await query
    if taken:
        raise Conflict("Barcode already used in this shop: " + ", ".join(
            f"{r['code']} is on SKU {r['sku']} (“{r['product']}”)" for r in taken),
            barcodes=[r["code"] for r in taken])


async def _insert_variants(tenant_id: int, product_id: int, variants: list[VariantInput],
                           first_position: int = 0) -> None:
    """Insert variants with their stock levels and barcodes (already checked)."""
    with refuse_duplicates("A SKU or barcode is already used in this shop"):
        rows = await Variant.insert(*[Variant(
            tenant=tenant_id, product=product_id, sku=v.sku, price=v.price, options=v.options,
            weight_grams=v.weight_grams, position=first_position + i, status=v.status,
            shelf_location=v.shelf_location.strip()[:32], cost_price=v.cost_price,
        ) for i, v in enumerate(variants)]).returning(Variant.id, Variant.sku)
        ids = {r["sku"]: r["id"] for r in rows}
        await StockLevel.insert(*[StockLevel(tenant=tenant_id, variant=ids[v.sku],
                                             on_hand=v.stock) for v in variants])
        barcodes = [Barcode(tenant=tenant_id, variant=ids[v.sku], code=code, units=units)
                    for v in variants for code, units in v.barcodes]
        if barcodes:
            await Barcode.insert(*barcodes)


async def _replace_barcodes(tenant_id: int, variant_id: int,
                            barcodes: list[tuple[str, int]]) -> None:
    await Barcode.delete().where((Barcode.tenant == tenant_id) & (Barcode.variant == variant_id))
    if barcodes:
        with refuse_duplicates("A barcode is already used in this shop"):
            await Barcode.insert(*[Barcode(tenant=tenant_id, variant=variant_id, code=code,
                                           units=units) for code, units in barcodes])


async def create_product(tenant_id: int, data: ProductInput,
                         images: list[tuple[str, bytes]] = ()) -> int:
    """Create a product with variants, opening stock, barcodes and pictures; returns its id.

    Refused with PlanLimitReached when the shop's plan has no room for another product.

    `images` are (file name, bytes), checked and re-encoded like uploads. Raises
    ValidationFailed, NotFound (category) or Conflict (a SKU or barcode the shop uses).
    """
    check_product(data)
    await ensure_room(tenant_id, "products", await count_products(tenant_id))
    category = None
    if data.category:
        category = await get_category(tenant_id, await category_id(tenant_id, data.category))
    await refuse_taken_skus(tenant_id, [v.sku for v in data.variants])
    await refuse_taken_barcodes(tenant_id, [c for v in data.variants for c, _ in v.barcodes])
    product_id = await insert_product(tenant_id, data, category)
    for _, data_bytes in images:
        await pictures.add_image(tenant_id, product_id, data_bytes)
    return product_id


async def insert_product(tenant_id: int, data: ProductInput,
                         category: dict[str, Any] | None) -> int:
    """Write a product the caller has checked (`check_product`, `refuse_taken_*`), in the
    given category (`{"id", "name"}`); returns its id. The fast path of imports."""
    variants = [{"sku": v.sku, "price": v.price, "status": v.status, "options": v.options}
                for v in data.variants]
    text = product_text({"name": data.name, "description": data.description,
                         "attributes": data.attributes}, variants,
                        [code for v in data.variants for code, _ in v.barcodes],
                        category["name"] if category else "")
    product_id = (await Product.insert(Product(
        tenant=tenant_id, name=data.name.strip(), description=data.description,
        category=category["id"] if category else None, attributes=data.attributes,
        status=data.status, price_min=lowest_price(variants), search_text=text,
    )))[0]["id"]
    await _insert_variants(tenant_id, product_id, data.variants)
    await add_search_terms(tenant_id, product_id, text)
    return product_id


async def _live_product(tenant_id: int, product_id: int) -> dict[str, Any]:
    row = await Product.select().where(
        (Product.tenant == tenant_id) & (Product.id == product_id)
        & Product.deleted_at.is_null()).first()
    if row is None:
        raise NotFound(f"No product {product_id} in this shop")
    return row


async def update_product(tenant_id: int, product_id: int, changes: ProductChanges) -> None:
    """Apply `changes`; all or nothing. Raises ValidationFailed, NotFound (product,
    category, a variant not of this product) or Conflict (SKU or barcode taken)."""
    check_changes(changes)
    await _live_product(tenant_id, product_id)
    values: dict[Any, Any] = {}
    for column, value in ((Product.name, changes.name), (Product.status, changes.status),
                          (Product.description, changes.description),
                          (Product.attributes, changes.attributes)):
        if value is not UNSET:
            values[column] = value.strip() if column is Product.name else value
    if changes.category is not UNSET:
        values[Product.category] = (await category_id(tenant_id, changes.category)
                                    if changes.category else None)
    if values:
        await Product.update(values).where(
            (Product.tenant == tenant_id) & (Product.id == product_id))
    await _apply_variants(tenant_id, product_id, changes.variants)
    if _changes_search_text(changes):
        await refresh_product(tenant_id, product_id)
    else:
        await refresh_price(tenant_id, product_id)


def _changes_search_text(changes: ProductChanges) -> bool:
    """Names, texts, specs, category, SKUs, option values and barcodes are searched;
    prices, weights and variant status are not."""
    return any(value is not UNSET for value in (
        changes.name, changes.description, changes.attributes, changes.category)) or any(
        isinstance(v, VariantInput) or v.options is not UNSET or v.barcodes is not UNSET
        for v in changes.variants)


async def _apply_variants(tenant_id: int, product_id: int,
                          variants: list[VariantChanges | VariantInput]) -> None:
    updates = [v for v in variants if isinstance(v, VariantChanges)]
    additions = [v for v in variants if isinstance(v, VariantInput)]
    own = {r["id"]: r["position"] for r in await Variant.select(
        Variant.id, Variant.position).where(
        (Variant.tenant == tenant_id) & (Variant.product == product_id)
        & (Variant.status != "deleted"))}
    strangers = [str(v.id) for v in updates if v.id not in own]
    if strangers:
        raise NotFound(f"Product {product_id} has no variant {', '.join(strangers)}")
    await refuse_taken_skus(tenant_id, [v.sku for v in additions])
    replaced = [v.id for v in updates if v.barcodes is not UNSET]
    await refuse_taken_barcodes(
        tenant_id, [c for v in updates if v.barcodes is not UNSET for c, _ in v.barcodes]
        + [c for v in additions for c, _ in v.barcodes], but_variants=replaced)
    for v in updates:
        await update_variant(tenant_id, v)
    if additions:
        await _insert_variants(tenant_id, product_id, additions,
                               max(own.values(), default=-1) + 1)


async def update_variant(tenant_id: int, changes: VariantChanges) -> None:
    """Write one variant's changes (already checked; the caller refreshes the product)."""
    values = {column: value for column, value in (
        (Variant.price, changes.price), (Variant.status, changes.status),
        (Variant.weight_grams, changes.weight_grams), (Variant.options, changes.options),
        (Variant.shelf_location, changes.shelf_location if changes.shelf_location is UNSET
         else changes.shelf_location.strip()[:32]),
        (Variant.cost_price, changes.cost_price),
    ) if value is not UNSET}
    if values:
        await Variant.update(values).where(
            (Variant.tenant == tenant_id) & (Variant.id == changes.id))
    if changes.barcodes is not UNSET:
        await _replace_barcodes(tenant_id, changes.id, changes.barcodes)


async def delete_product(tenant_id: int, product_id: int) -> None:
    """Soft delete: the product leaves the storefront, search and lists; its orders and
    stock ledger keep pointing at it. Its SKUs and barcodes are freed for other products."""
    await _live_product(tenant_id, product_id)
    await Product.update({Product.deleted_at: dt.datetime.now(dt.UTC)}).where(
        (Product.tenant == tenant_id) & (Product.id == product_id))
    variant_ids = [r["id"] for r in await Variant.select(Variant.id).where(
        (Variant.tenant == tenant_id) & (Variant.product == product_id))]
    await Variant.update({Variant.status: "deleted"}).where(
        (Variant.tenant == tenant_id) & (Variant.product == product_id))
    if variant_ids:
        await Barcode.delete().where(
            (Barcode.tenant == tenant_id) & Barcode.variant.is_in(variant_ids))
    await SearchTerm.delete().where(
        (SearchTerm.tenant == tenant_id) & (SearchTerm.product == product_id))
