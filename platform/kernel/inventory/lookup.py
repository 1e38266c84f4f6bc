"""Read-only look-ups of variants and their stock for plugins (call inside a shop scope)."""

from __future__ import annotations

import json
from typing import Any

from galleria.kernel.catalog.tables import StockLevel, Variant


async def variant_summaries(tenant_id: int, variant_ids: list[int]) -> dict[int, dict[str, Any]]:
    """`{id: {"id", "sku", "name", "options", "price", "product_id", "active", "available"}}`
    for the shop's variants among `variant_ids` (others are absent). `name` is the
    product's; `active` says whether the variant is active and its product not deleted."""
    if not variant_ids:
        return {}
    rows = await Variant.select(
        Variant.id, Variant.sku, Variant.options, Variant.price, Variant.status,
        Variant.product.id.as_alias("product_id"), Variant.product.name.as_alias("name"),
        Variant.product.deleted_at.as_alias("deleted_at"),
    ).where((Variant.tenant == tenant_id) & Variant.id.is_in(list(variant_ids)))
    stock = await stock_available(tenant_id, [row["id"] for row in rows])
    out = {}
    for row in rows:
        options = row["options"]
        if isinstance(options, str):
            options = json.loads(options or "{}")
        out[row["id"]] = {
            "id": row["id"], "sku": row["sku"], "name": row["name"], "options": options or {},
            "price": row["price"], "product_id": row["product_id"],
            "active": row["status"] == "active" and row["deleted_at"] is None,
            "available": stock.get(row["id"], 0)}
    return out


async def active_variants(tenant_id: int, limit: int = 500) -> list[dict[str, Any]]:
    """The shop's active variants (of products not deleted) as `variant_summaries` gives
    them, by product name then SKU: what a merchant picks from in a plugin's form."""
    rows = await Variant.select(Variant.id).where(
        (Variant.tenant == tenant_id) & (Variant.status == "active")
        & Variant.product.deleted_at.is_null()).limit(limit)
    found = await variant_summaries(tenant_id, [row["id"] for row in rows])
    return sorted(found.values(), key=lambda v: (v["name"], v["sku"]))


async def stock_available(tenant_id: int, variant_ids: list[int],
                          location: str | None = None) -> dict[int, int]:
    """`{variant id: available (on hand − reserved, 0 or more)}` of the shop's variants,
    over all its locations; with `location`, at that one only."""
    if not variant_ids:
        return {}
    query = StockLevel.select(StockLevel.variant, StockLevel.on_hand, StockLevel.reserved).where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(list(variant_ids)))
    if location is not None:
        query = query.where(StockLevel.location == location)
    available: dict[int, int] = {}
    for r in await query:
        available[r["variant"]] = available.get(r["variant"], 0) + max(
            r["on_hand"] - r["reserved"], 0)
    return available


__all__ = ["active_variants", "stock_available", "variant_summaries"]
