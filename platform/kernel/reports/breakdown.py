"""Which payment and shipping methods the period's paid orders used, and who paid.

Read from the orders paid in the period (by `paid_at`, in the shop's time zone), through the
shop-first `(tenant, paid_at)` index. Method codes are returned as stored (`wechat_pay`,
`cod`); pages translate them. Customers: signed-in customers are told apart by account; a
guest's order counts as a guest, neither new nor returning.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel import db
from galleria.kernel.orders.tables import Order
from galleria.kernel.reports.periods import Period, zone_of

TOP = 10  # how many customers make the top customers


async def _paid(tenant_id: int, timezone: str, period: Period) -> list[dict[str, Any]]:
    start, end = period.utc_bounds(zone_of(timezone))
    return await Order.select(
        Order.id, Order.customer, Order.payment_method, Order.shipping_method, Order.total,
        Order.refunded_total).where(
        (Order.tenant == tenant_id) & (Order.paid_at >= start) & (Order.paid_at < end))


def _group(orders: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for order in orders:
        code = order[column] or ""
        row = groups.setdefault(code, {"method": code, "orders": 0, "paid_total": 0})
        row["orders"] += 1
        row["paid_total"] += order["total"]
    return sorted(groups.values(), key=lambda r: (-r["paid_total"], r["method"]))


def _sum(orders: list[dict[str, Any]]) -> dict[str, int]:
    return {"orders": len(orders), "paid_total": sum(o["total"] for o in orders)}


async def methods_report(tenant_id: int, timezone: str, period: Period,
                         column: str) -> dict[str, Any]:
    """`column` is "payment_method" or "shipping_method"."""
    async with db.shop_scope(tenant_id):
        current = await _paid(tenant_id, timezone, period)
        previous = await _paid(tenant_id, timezone, period.previous())
    return {"series": _group(current, column), "totals": _sum(current),
            "previous": _sum(previous)}


async def _customer_figures(tenant_id: int, orders: list[dict[str, Any]],
                            start: Any) -> dict[str, Any]:
    customers: dict[int, dict[str, Any]] = {}
    guests = 0
    for order in orders:
        if order["customer"] is None:
            guests += 1
            continue
        row = customers.setdefault(order["customer"], {"customer": order["customer"],
                                                       "orders": 0, "paid_total": 0})
        row["orders"] += 1
        row["paid_total"] += order["total"]
    # Returning: paid before the period began (any earlier paid order of the account).
    earlier = await Order.select(Order.customer).where(
        (Order.tenant == tenant_id) & Order.customer.is_in(list(customers) or [0])
        & (Order.paid_at < start)).distinct()
    returning = {row["customer"] for row in earlier}
    repeat = sum(1 for row in customers.values() if row["orders"] >= 2)
    return {"customers": len(customers), "new_customers": len(customers) - len(returning),
            "returning_customers": len(returning), "guest_orders": guests,
            "repeat_customers": repeat,
            "repeat_rate": round(repeat / len(customers), 4) if customers else None,
            "_rows": customers}


async def customers_report(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    """`series`: the top customers by what they paid in the period."""
    zone = zone_of(timezone)
    async with db.shop_scope(tenant_id):
        current = await _customer_figures(
            tenant_id, await _paid(tenant_id, timezone, period), period.utc_bounds(zone)[0])
        previous = await _customer_figures(
            tenant_id, await _paid(tenant_id, timezone, period.previous()),
            period.previous().utc_bounds(zone)[0])
    rows = current.pop("_rows")
    previous.pop("_rows")
    top = sorted(rows.values(), key=lambda r: (-r["paid_total"], -r["orders"], r["customer"]))
    return {"series": top[:TOP], "totals": current, "previous": previous}
