"""The overview: a period's headline figures next to the previous period's.

Sums come from the daily rollups (`ShopDay`); the two figures that cannot be summed over
days — distinct paying customers and carts — are counted with shop-first indexes on the
orders and carts. Money is in minor units; rates are fractions (0.25 = 25 %).
"""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from galleria.kernel import db
from galleria.kernel.checkout.tables import Cart
from galleria.kernel.orders.tables import Order
from galleria.kernel.reports.periods import Period, zone_of
from galleria.kernel.reports.tables import ShopDay

SUMMED = ("visitors", "orders", "cancelled_orders", "paid_orders", "paid_total",
          "refunded_total")
FIGURES = ("sales", "paid_total", "refunded_total", "orders", "paid_orders",
           "average_order_value", "paying_customers", "visitors", "carts", "conversion")


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def day_rows(tenant_id: int, period: Period) -> list[dict[str, Any]]:
    """The rollup rows of `period`, oldest first (days without any row are absent)."""
    return await ShopDay.select(ShopDay.day, *(getattr(ShopDay, n) for n in SUMMED)).where(
        (ShopDay.tenant == tenant_id) & (ShopDay.day >= period.first.isoformat())
        & (ShopDay.day <= period.last.isoformat())).order_by(ShopDay.day)


async def paying_customers(tenant_id: int, start: Any, end: Any) -> int:
    """Signed-in customers count once however often they paid; each guest order is one.
    Counted by the database in one pass over the (tenant, paid_at) index range: a busy
    shop's thousands of customers are not sent to Python to be counted."""
    row = await Order.select(
        Count(distinct=[Order.customer], alias="known"), Count(alias="paid"),
        Count(Order.customer, alias="signed_in")).where(
        (Order.tenant == tenant_id) & (Order.paid_at >= start) & (Order.paid_at < end)).first()
    return row["known"] + row["paid"] - row["signed_in"] if row else 0


async def figures(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    """One period's figures (call inside the shop's scope)."""
    start, end = period.utc_bounds(zone_of(timezone))
    totals = dict.fromkeys(SUMMED, 0)
    for row in await day_rows(tenant_id, period):
        for name in SUMMED:
            totals[name] += row[name]
    carts = await Cart.count().where(
        (Cart.tenant == tenant_id) & (Cart.created_at >= start) & (Cart.created_at < end))
    paid_orders = totals["paid_orders"]
    return {
        "sales": totals["paid_total"] - totals["refunded_total"],
        "paid_total": totals["paid_total"],
        "refunded_total": totals["refunded_total"],
        "orders": totals["orders"],
        "cancelled_orders": totals["cancelled_orders"],
        "paid_orders": paid_orders,
        # Half up, in whole minor units: money never becomes a float.
        "average_order_value": (2 * totals["paid_total"] + paid_orders) // (2 * paid_orders)
        if paid_orders else 0,
        "paying_customers": await paying_customers(tenant_id, start, end),
        "visitors": totals["visitors"],
        "carts": carts,
        "conversion": {
            "visitors_to_carts": _ratio(carts, totals["visitors"]),
            "carts_to_orders": _ratio(totals["orders"], carts),
            "orders_to_paid": _ratio(paid_orders, totals["orders"]),
            "visitors_to_paid": _ratio(paid_orders, totals["visitors"]),
        },
    }


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, float | None]:
    """Relative change of each money or count figure (None when the previous was 0)."""
    return {name: _ratio(current[name] - previous[name], previous[name])
            for name, value in current.items() if isinstance(value, int)}


async def overview(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    async with db.shop_scope(tenant_id):
        current = await figures(tenant_id, timezone, period)
        previous = await figures(tenant_id, timezone, period.previous())
    return {"period": period, "current": current, "previous": previous,
            "change": change(current, previous)}
