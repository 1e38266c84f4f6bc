"""Sales by product: best sellers, slow sellers and products never sold in a period.

Read from the lines of the orders paid in the period (by `paid_at`, in the shop's time
zone), grouped by product through the line's variant; lines keep the name they were sold
under, the catalog gives the current one. Amounts are the lines' totals before order-level
discounts and refunds (those belong to the order, not to a line). Products soft-deleted
from the catalog still show with what they sold; they are never "never sold".

Gross margin is counted where the cost is known: the lines of variants with a cost price
(成本价, today's, as orders do not keep the cost they sold at) give `cost` (units × cost
price), `gross_margin` (their sales − their cost) and `margin_rate` (margin over their
sales). A product none of whose sold variants has a cost shows `null` for all three.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Product, Variant
from galleria.kernel.orders.tables import OrderLine
from galleria.kernel.reports.periods import Period, zone_of

SLOW = 10  # how many of the least sold make the slow sellers


async def _sold(tenant_id: int, timezone: str, period: Period) -> dict[int, dict[str, Any]]:
    """variant id → {"quantity", "revenue", "orders", "name"} of lines of paid orders."""
    start, end = period.utc_bounds(zone_of(timezone))
    lines = await OrderLine.select(
        OrderLine.variant, OrderLine.name, OrderLine.quantity, OrderLine.line_total,
        OrderLine.order).where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order.tenant == tenant_id)
        & (OrderLine.order.paid_at >= start) & (OrderLine.order.paid_at < end))
    sold: dict[int, dict[str, Any]] = {}
    for line in lines:
        entry = sold.setdefault(line["variant"], {"quantity": 0, "revenue": 0,
                                                  "orders": set(), "name": line["name"]})
        entry["quantity"] += line["quantity"]
        entry["revenue"] += line["line_total"]
        entry["orders"].add(line["order"])
    return sold


async def _by_product(tenant_id: int, timezone: str, period: Period) -> dict[int, dict]:
    sold = await _sold(tenant_id, timezone, period)
    stored = {row["id"]: row for row in await Variant.select(
        Variant.id, Variant.product, Variant.cost_price).where(
        (Variant.tenant == tenant_id) & Variant.id.is_in(list(sold) or [0]))}
    products: dict[int, dict[str, Any]] = {}
    for variant, entry in sold.items():
        # a variant gone from the catalog: a product of its own
        product = stored[variant]["product"] if variant in stored else -variant
        row = products.setdefault(product, {"product_id": product if product > 0 else None,
                                            "name": entry["name"], "quantity": 0,
                                            "revenue": 0, "orders": set(), "cost": None,
                                            "costed_revenue": 0})
        row["quantity"] += entry["quantity"]
        row["revenue"] += entry["revenue"]
        row["orders"] |= entry["orders"]
        cost_price = stored.get(variant, {}).get("cost_price")
        if cost_price is not None:
            row["cost"] = (row["cost"] or 0) + entry["quantity"] * cost_price
            row["costed_revenue"] += entry["revenue"]
    return products


def _margin(cost: int | None, costed_revenue: int) -> dict[str, Any]:
    if cost is None:
        return {"cost": None, "gross_margin": None, "margin_rate": None}
    margin = costed_revenue - cost
    return {"cost": cost, "gross_margin": margin,
            "margin_rate": round(margin / costed_revenue, 4) if costed_revenue else None}


def _totals(products: dict[int, dict[str, Any]]) -> dict[str, Any]:
    costed = [p for p in products.values() if p["cost"] is not None]
    return {"products_sold": len(products),
            "quantity": sum(p["quantity"] for p in products.values()),
            "revenue": sum(p["revenue"] for p in products.values()),
            **_margin(sum(p["cost"] for p in costed) if costed else None,
                      sum(p["costed_revenue"] for p in costed))}


async def products_report(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    """`series`: every product sold, best first (revenue, then quantity); `slow`: the least
    sold; `never_sold`: live products with no sale in the period."""
    async with db.shop_scope(tenant_id):
        current = await _by_product(tenant_id, timezone, period)
        previous = await _by_product(tenant_id, timezone, period.previous())
        catalog = await Product.select(Product.id, Product.name).where(
            (Product.tenant == tenant_id) & Product.deleted_at.is_null()).order_by(Product.id)
    names = {row["id"]: row["name"] for row in catalog}
    series = []
    for product, row in current.items():
        shown = {k: v for k, v in row.items() if k != "costed_revenue"}
        series.append({**shown, "name": names.get(product, row["name"]),
                       "orders": len(row["orders"]),
                       **_margin(row["cost"], row["costed_revenue"])})
    series.sort(key=lambda r: (-r["revenue"], -r["quantity"], r["name"]))
    slow = sorted(series, key=lambda r: (r["quantity"], r["revenue"], r["name"]))[:SLOW]
    never = [{"product_id": row["id"], "name": row["name"]} for row in catalog
             if row["id"] not in current]
    return {"series": series, "slow": slow, "never_sold": never,
            "totals": {**_totals(current), "never_sold": len(never)},
            "previous": _totals(previous)}


async def _by_category(tenant_id: int, timezone: str, period: Period) -> dict[Any, dict]:
    products = await _by_product(tenant_id, timezone, period)
    ids = [p for p in products if p > 0]
    homes = {row["id"]: (row["category"], row["category_name"]) for row in
             await Product.select(Product.id, Product.category,
                                  Product.category.name.as_alias("category_name")).where(
                 (Product.tenant == tenant_id) & Product.id.is_in(ids or [0]))}
    categories: dict[Any, dict[str, Any]] = {}
    for product, row in products.items():
        category, name = homes.get(product, (None, None))
        entry = categories.setdefault(category, {"category_id": category, "name": name or "",
                                                 "quantity": 0, "revenue": 0,
                                                 "orders": set()})
        entry["quantity"] += row["quantity"]
        entry["revenue"] += row["revenue"]
        entry["orders"] |= row["orders"]
    return categories


async def categories_report(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    """Sales by category (a product's own category; "" name for products without one)."""
    async with db.shop_scope(tenant_id):
        current = await _by_category(tenant_id, timezone, period)
        previous = await _by_category(tenant_id, timezone, period.previous())
    series = sorted(({**row, "orders": len(row["orders"])} for row in current.values()),
                    key=lambda r: (-r["revenue"], r["name"]))

    def totals(rows: dict[Any, dict]) -> dict[str, int]:
        return {"categories": len(rows), "quantity": sum(r["quantity"] for r in rows.values()),
                "revenue": sum(r["revenue"] for r in rows.values())}

    return {"series": series, "totals": totals(current), "previous": totals(previous)}
