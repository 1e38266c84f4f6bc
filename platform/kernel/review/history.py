"""What the shop knows about the shopper behind an order: earlier orders by customer id or
contact phone. Phones are compared as the digits the order keeps in `contact_phone`
(filled at placement, indexed with the tenant), so each count is an index lookup."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel.orders.tables import Order
from galleria.kernel.review.contracts import CustomerHistory


def _same_shopper(tenant_id: int, order: dict[str, Any]) -> Any:
    """Orders of the shop placed before `order` by its customer or from its phone; None when
    the order names neither."""
    who = []
    if order.get("customer") is not None:
        who.append(Order.customer == order["customer"])
    if order.get("contact_phone"):
        who.append(Order.contact_phone == order["contact_phone"])
    if not who:
        return None
    match = who[0] if len(who) == 1 else who[0] | who[1]
    return (Order.tenant == tenant_id) & (Order.id < order["id"]) & match


async def customer_history(tenant_id: int, order: dict[str, Any]) -> CustomerHistory:
    """The shopper's orders before `order` (a shop_order row). Call in the shop's scope."""
    earlier = _same_shopper(tenant_id, order)
    if earlier is None:
        return CustomerHistory()
    return CustomerHistory(
        orders=await Order.count().where(earlier),
        paid=await Order.count().where(earlier & Order.paid_at.is_not_null()))


async def orders_from_phone(tenant_id: int, order: dict[str, Any],
                            since: dt.datetime) -> int:
    """Orders from `order`'s contact phone placed at or after `since`, up to `order`
    (included)."""
    if not order.get("contact_phone"):
        return 0
    return await Order.count().where(
        (Order.tenant == tenant_id) & (Order.contact_phone == order["contact_phone"])
        & (Order.created_at >= since) & (Order.id <= order["id"]))


async def earlier_orders(tenant_id: int, order: dict[str, Any],
                         limit: int = 10) -> list[dict[str, Any]]:
    """The latest orders before `order` by the same customer or phone (for the queue)."""
    earlier = _same_shopper(tenant_id, order)
    if earlier is None:
        return []
    return await (Order.select(Order.number, Order.status, Order.total, Order.currency,
                               Order.created_at)
                  .where(earlier).order_by(Order.id, ascending=False).limit(limit))


def parse_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


__all__ = ["customer_history", "earlier_orders", "orders_from_phone", "parse_json"]
