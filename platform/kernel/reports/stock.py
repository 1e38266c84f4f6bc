"""Stock on hand as money and as time: retail value, turnover and days of cover per
variant, and the lots near their expiry with their value.

Values are at the variant's current price (retail) and, where the merchant gave one, at its
cost price (成本价): `cost_value` is `null` for a variant without a cost, and the totals say
how many variants and units have none (their stock is left out of the total at cost). Units
sold are those of the orders paid in the period (their
lines), so a variant's days of cover is its stock on hand over its daily sales in the
period; turnover is units sold in the period over stock on hand now.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import StockLevel, Variant
from galleria.kernel.inventory.service import expiring_lots
from galleria.kernel.reports.periods import Period
from galleria.kernel.reports.products import _sold

EXPIRY_DAYS = 30  # lots expiring within this many days count as near expiry


def _ratio(part: float, whole: float, digits: int = 2) -> float | None:
    return round(part / whole, digits) if whole else None


async def stock_report(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    async with db.shop_scope(tenant_id):
        variants = await Variant.select(
            Variant.id, Variant.sku, Variant.price, Variant.cost_price,
            Variant.product.name.as_alias("name")
        ).where((Variant.tenant == tenant_id) & (Variant.status == "active")
                & Variant.product.deleted_at.is_null()).order_by(Variant.id)
        levels: dict[int, int] = {}
        for row in await StockLevel.select(StockLevel.variant, StockLevel.on_hand).where(
                StockLevel.tenant == tenant_id):
            levels[row["variant"]] = levels.get(row["variant"], 0) + row["on_hand"]
        sold = await _sold(tenant_id, timezone, period)
        lots = await expiring_lots(tenant_id, EXPIRY_DAYS)
    prices = {v["id"]: v["price"] for v in variants}
    series = []
    for variant in variants:
        on_hand = levels.get(variant["id"], 0)
        units = sold.get(variant["id"], {}).get("quantity", 0)
        per_day = units / period.days
        series.append({
            "variant_id": variant["id"], "sku": variant["sku"], "name": variant["name"],
            "on_hand": on_hand, "price": variant["price"],
            "retail_value": on_hand * variant["price"], "cost_price": variant["cost_price"],
            "cost_value": None if variant["cost_price"] is None
            else on_hand * variant["cost_price"], "sold": units,
            "turnover": _ratio(units, on_hand),
            "days_of_cover": round(on_hand / per_day, 1) if per_day else None})
    series.sort(key=lambda r: (-r["retail_value"], r["sku"]))
    near = [{"lot_id": lot["id"], "sku": lot["sku"], "name": lot["product_name"],
             "code": lot["code"], "expires_on": str(lot["expires_on"]),
             "quantity": lot["quantity"],
             "retail_value": lot["quantity"] * prices.get(lot["variant"], 0)}
            for lot in lots]
    return {"series": series, "near_expiry": near, "totals": {
        "units": sum(r["on_hand"] for r in series),
        "retail_value": sum(r["retail_value"] for r in series),
        "cost_value": sum(r["cost_value"] for r in series if r["cost_value"] is not None),
        "variants_without_cost": sum(1 for r in series if r["cost_price"] is None),
        "units_without_cost": sum(r["on_hand"] for r in series if r["cost_price"] is None),
        "sold": sum(r["sold"] for r in series),
        "near_expiry_lots": len(near),
        "near_expiry_value": sum(lot["retail_value"] for lot in near)}}
