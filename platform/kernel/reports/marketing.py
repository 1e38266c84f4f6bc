"""What marketing cost against the sales it brought: coupons, promotions, flash sales, points,
member prices, gifts — per source and over time, with the previous period.

Read from the orders paid in the period (by `paid_at`, in the shop's time zone) and the
discounts kept on them (`order_adjustment`), with no knowledge of any plugin: a discount's
source is the `kind` its plugin names in `data` (`coupon`, `promotion`) or else its
adjuster's code (`source`: `flash_sale`, `points`, `full_reduction`, …). Its cost is what it
took off (`-amount`). A gift (an adjustment of 0 that added lines at price 0) costs what
its lines are worth to the shop: units × the variant's cost price, or its price when the
merchant gave no cost. The sales a source brought are the paid totals, net of refunds, of
the orders that carry it (an order with a coupon and points counts for both; the totals
count it once). `cost_rate` is cost / sales; `sales_per_cost` is sales per unit of cost.
"""

from __future__ import annotations

import json
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.orders.tables import Order, OrderAdjustment, OrderLine
from galleria.kernel.reports.periods import Period, bucket, local_day, zone_of


def _data(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def source_of(adjustment: dict[str, Any]) -> str:
    """The adjustment's source: its plugin's `data.kind`, else its adjuster's code."""
    kind = _data(adjustment["data"]).get("kind")
    return kind if isinstance(kind, str) and kind else adjustment["source"]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def _orders(tenant_id: int, zone: Any, period: Period) -> dict[int, dict[str, Any]]:
    start, end = period.utc_bounds(zone)
    rows = await Order.select(Order.id, Order.paid_at, Order.total, Order.refunded_total).where(
        (Order.tenant == tenant_id) & (Order.paid_at >= start) & (Order.paid_at < end))
    return {row["id"]: {**row, "sales": row["total"] - row["refunded_total"],
                        "day": local_day(row["paid_at"], zone)} for row in rows}


async def _costs(tenant_id: int, zone: Any, period: Period,
                 orders: dict[int, dict[str, Any]]) -> dict[int, dict[str, int]]:
    """Per order: {source: cost} of its discounts and gifts."""
    start, end = period.utc_bounds(zone)
    paid = ((OrderAdjustment.tenant == tenant_id) & (OrderAdjustment.order.paid_at >= start)
            & (OrderAdjustment.order.paid_at < end))
    adjustments = await OrderAdjustment.select(
        OrderAdjustment.order, OrderAdjustment.source, OrderAdjustment.amount,
        OrderAdjustment.data).where(paid)
    costs: dict[int, dict[str, int]] = {}
    gift_sources: dict[int, str] = {}
    for row in adjustments:
        if row["order"] not in orders:
            continue
        source = source_of(row)
        per_order = costs.setdefault(row["order"], {})
        per_order[source] = per_order.get(source, 0) - row["amount"]
        if row["amount"] == 0:
            gift_sources.setdefault(row["order"], source)
    if gift_sources:
        lines = await OrderLine.select(OrderLine.order, OrderLine.variant,
                                       OrderLine.quantity, OrderLine.cancelled_quantity).where(
            (OrderLine.tenant == tenant_id) & (OrderLine.unit_price == 0)
            & OrderLine.order.is_in(list(gift_sources)))
        variants = {row["id"]: row for row in await Variant.select(
            Variant.id, Variant.price, Variant.cost_price).where(
            (Variant.tenant == tenant_id)
            & Variant.id.is_in(list({line["variant"] for line in lines}) or [0]))}
        for line in lines:
            variant = variants.get(line["variant"])
            if variant is None:
                continue
            worth = variant["cost_price"] if variant["cost_price"] is not None \
                else variant["price"]
            units = line["quantity"] - line["cancelled_quantity"]
            source = gift_sources[line["order"]]
            costs[line["order"]][source] += worth * units
    return costs


def _figures(orders: dict[int, dict[str, Any]],
             costs: dict[int, dict[str, int]]) -> dict[str, Any]:
    cost = sum(sum(per_order.values()) for per_order in costs.values())
    sales = sum(orders[order_id]["sales"] for order_id in costs)
    every = sum(order["sales"] for order in orders.values())
    return {"cost": cost, "orders": len(costs), "sales": sales, "cost_rate": _rate(cost, sales),
            "sales_per_cost": _rate(sales, cost), "paid_orders": len(orders),
            "all_sales": every, "share_of_sales": _rate(sales, every)}


async def _period(tenant_id: int, zone: Any, period: Period) -> tuple[dict, dict]:
    orders = await _orders(tenant_id, zone, period)
    return orders, await _costs(tenant_id, zone, period, orders)


async def marketing_report(tenant_id: int, timezone: str, period: Period,
                           group_by: str = "day") -> dict[str, Any]:
    """`series`: per day/week/month, the cost and the sales of orders with marketing;
    `sources`: per source, cost, orders, sales, cost_rate, sales_per_cost, largest cost
    first; `totals` and `previous` (the previous period's totals and sources)."""
    zone = zone_of(timezone)
    async with db.shop_scope(tenant_id):
        orders, costs = await _period(tenant_id, zone, period)
        before_orders, before_costs = await _period(tenant_id, zone, period.previous())
    buckets: dict[str, dict[str, int]] = {}
    for day in period.each_day():
        buckets.setdefault(bucket(day, group_by).isoformat(),
                           {"cost": 0, "orders": 0, "sales": 0})
    for order_id, per_order in costs.items():
        key = bucket(orders[order_id]["day"], group_by).isoformat()
        buckets[key]["cost"] += sum(per_order.values())
        buckets[key]["orders"] += 1
        buckets[key]["sales"] += orders[order_id]["sales"]
    return {"series": [{"period": key, **values, "cost_rate": _rate(values["cost"],
                                                                     values["sales"])}
                       for key, values in buckets.items()],
            "sources": _sources(orders, costs),
            "totals": _figures(orders, costs),
            "previous": {**_figures(before_orders, before_costs),
                         "sources": _sources(before_orders, before_costs)}}


def _sources(orders: dict[int, dict[str, Any]],
             costs: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for order_id, per_order in costs.items():
        for source, cost in per_order.items():
            row = rows.setdefault(source, {"source": source, "cost": 0, "orders": 0,
                                           "sales": 0})
            row["cost"] += cost
            row["orders"] += 1
            row["sales"] += orders[order_id]["sales"]
    return sorted(({**row, "cost_rate": _rate(row["cost"], row["sales"]),
                    "sales_per_cost": _rate(row["sales"], row["cost"])}
                   for row in rows.values()), key=lambda r: (-r["cost"], r["source"]))


__all__ = ["marketing_report", "source_of"]
