"""Derived product data: `price_min` and the search index. Recomputed after every change
to a product, its variants, barcodes or category."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from galleria.kernel.catalog import search
from galleria.kernel.catalog.common import json_value
from galleria.kernel.catalog.tables import Barcode, Product, SearchTerm, Variant


def lowest_price(variants: list[dict[str, Any]]) -> int:
    """The lowest price of the active variants, else of any (what `price_min` holds)."""
    active = [v["price"] for v in variants if v["status"] == "active"]
    return min(active or [v["price"] for v in variants] or [0])


def product_text(product: dict[str, Any], variants: list[dict[str, Any]],
                 barcodes: Iterable[str], category: str = "") -> str:
    """The searchable text of a product (`name`, `description`, `attributes`) with its
    variants' SKUs and option values, its barcodes and its category's name."""
    codes = [v["sku"] for v in variants] + list(barcodes)
    codes += [str(value) for v in variants for value in json_value(v["options"]).values()]
    return search.searchable_text(product["name"], product["description"],
                                  json_value(product["attributes"]), codes, category)


async def add_search_terms(tenant_id: int, product_id: int, text: str) -> None:
    """Index a new product whose row already holds `text` (nothing to replace yet)."""
    terms = sorted(search.index_terms(text))
    if terms:
        await SearchTerm.insert(*[SearchTerm(tenant=tenant_id, product=product_id, term=t)
                                  for t in terms])


async def refresh_price(tenant_id: int, product_id: int) -> None:
    """Recompute `price_min` alone (after changes that search does not see)."""
    variants = await Variant.select(Variant.price, Variant.status).where(
        (Variant.tenant == tenant_id) & (Variant.product == product_id)
        & (Variant.status != "deleted"))
    await Product.update({Product.price_min: lowest_price(variants)}).where(
        (Product.tenant == tenant_id) & (Product.id == product_id))


async def refresh_product(tenant_id: int, product_id: int) -> None:
    """Recompute `price_min` and the search index from what is stored now."""
    product = await Product.select(
        Product.name, Product.description, Product.attributes,
        Product.category.name.as_alias("category_name")).where(
        (Product.tenant == tenant_id) & (Product.id == product_id)).first()
    variants = await Variant.select(Variant.id, Variant.sku, Variant.price, Variant.status,
                                    Variant.options).where(
        (Variant.tenant == tenant_id) & (Variant.product == product_id)
        & (Variant.status != "deleted"))
    barcodes = []
    if variants:
        barcodes = [b["code"] for b in await Barcode.select(Barcode.code).where(
            (Barcode.tenant == tenant_id) & Barcode.variant.is_in([v["id"] for v in variants]))]
    await Product.update({Product.price_min: lowest_price(variants)}).where(
        (Product.tenant == tenant_id) & (Product.id == product_id))
    await search.reindex(tenant_id, product_id, product_text(
        product, variants, barcodes, product["category_name"] or ""))
