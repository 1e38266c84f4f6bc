"""A customer's orders: the history list and the one order they own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import NotFound
from galleria.kernel.orders.tables import Order, OrderLine

MAX_PAGE = 100


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


async def order_history(tenant_id: int, customer_id: int, *, before_id: int | None = None,
                        limit: int = 20) -> list[dict[str, Any]]:
    """The customer's orders, newest first, `limit` of them after `before_id` (the last id
    of the previous page, given back as each item's `_position`). Each has its number,
    status, totals and a short summary of its lines."""
    limit = max(1, min(int(limit), MAX_PAGE + 1))
    async with db.shop_scope(tenant_id):
        query = Order.select(
            Order.id, Order.number, Order.status, Order.total, Order.currency,
            Order.created_at, Order.paid_at,
        ).where((Order.tenant == tenant_id) & (Order.customer == customer_id))
        if before_id is not None:
            query = query.where(Order.id < before_id)
        rows = await query.order_by(Order.id, ascending=False).limit(limit)
        lines = await (OrderLine.select(OrderLine.order, OrderLine.name, OrderLine.quantity)
                       .where((OrderLine.tenant == tenant_id)
                              & OrderLine.order.is_in([r["id"] for r in rows] or [0]))
                       .order_by(OrderLine.id))
    by_order: dict[int, list[dict[str, Any]]] = {}
    for line in lines:
        by_order.setdefault(line["order"], []).append(line)
    return [{"number": r["number"], "status": r["status"], "total": r["total"],
             "currency": r["currency"], "created_at": _time(r["created_at"]),
             "paid_at": _time(r["paid_at"]),
             "item_count": sum(line["quantity"] for line in by_order.get(r["id"], [])),
             "item_names": [line["name"] for line in by_order.get(r["id"], [])[:3]],
             "_position": {"id": r["id"]}} for r in rows]


async def customer_order(tenant_id: int, customer_id: int, number: str) -> dict[str, Any]:
    """The order row if `customer_id` placed it; NotFound otherwise (another customer's
    order is as missing as one that does not exist)."""
    async with db.shop_scope(tenant_id):
        row = await Order.select().where(
            (Order.tenant == tenant_id) & (Order.number == str(number)[:20])
            & (Order.customer == customer_id)).first()
    if row is None:
        raise NotFound(f"No order {number} in this shop")
    return row


__all__ = ["customer_order", "order_history"]
