"""Orders staff take for a customer on the phone or at the counter (代客下单).

The order is built in an ordinary cart and placed by `place_order` with channel `staff`, so
prices, stock reservation, review, picking and shipping are the storefront's own. What this
module adds: finding what the staff member scanned or typed (a barcode, a SKU, or words of a
product's name). The customer is found or opened by `customers.counter`.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel.catalog import queries as catalog
from galleria.kernel.catalog.tables import Product, Variant
from galleria.kernel.errors import NotFound

MAX_MATCHES = 8


async def find_sellable(tenant_id: int, text: str) -> list[dict[str, Any]]:
    """What a scan or a typed word names, best first: `[{variant_id, sku, name, options,
    price, available, units}]`. A barcode or SKU gives its one variant (`units` is a case
    barcode's count); other text searches product names (short Chinese words included).
    Call inside the shop's scope."""
    code = text.strip()[:64]
    if not code:
        return []
    try:
        found = await catalog.variant_by_barcode(tenant_id, code)
    except NotFound:
        found = None
    if found is not None and found["product"]["status"] == "published":
        return [_match(found["variant"], found["product"]["name"], found["barcode"]["units"])]
    by_sku = await Variant.select(Variant.id).where(
        (Variant.tenant == tenant_id) & (Variant.sku == code)
        & (Variant.status == "active")).first()
    if by_sku is not None:
        return await _variants_of(tenant_id, [by_sku["id"]])
    products = await catalog.list_products(tenant_id, q=code, limit=MAX_MATCHES)
    matches: list[dict[str, Any]] = []
    for product in products:
        for variant in await catalog.variants_of(tenant_id, product["id"]):
            if variant.get("status", "active") == "active":
                matches.append(_match(variant, product["name"], 1))
    return matches[:MAX_MATCHES]


async def _variants_of(tenant_id: int, ids: list[int]) -> list[dict[str, Any]]:
    rows = await Variant.select(Variant.id, Variant.product).where(
        (Variant.tenant == tenant_id) & Variant.id.is_in(ids))
    out = []
    for row in rows:
        product = await Product.select(Product.name, Product.status).where(
            (Product.tenant == tenant_id) & (Product.id == row["product"])
            & Product.deleted_at.is_null()).first()
        if product is None or product["status"] != "published":
            continue
        for variant in await catalog.variants_of(tenant_id, row["product"]):
            if variant["id"] == row["id"]:
                out.append(_match(variant, product["name"], 1))
    return out


def _match(variant: dict[str, Any], name: str, units: int) -> dict[str, Any]:
    stock = variant.get("stock") or {}
    return {"variant_id": variant["id"], "sku": variant["sku"], "name": name,
            "options": variant.get("options") or {}, "price": variant["price"],
            "available": stock.get("available", 0), "units": units}


__all__ = ["find_sellable"]
