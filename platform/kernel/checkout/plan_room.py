"""The plan's monthly order allowance, for the orders a shop's own staff and systems enter
(代客下单, imports, the admin API). Shoppers' orders never meet it: a merchant's plan must
not turn buyers away (issue 19)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from galleria.kernel.billing.limits import ensure_room
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.shops import Shop


def month_start(shop: Shop, now: dt.datetime | None = None) -> dt.datetime:
    """The first instant of the current month on the shop's clock."""
    try:
        zone = ZoneInfo(shop.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("Asia/Shanghai")
    local = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def ensure_order_room(shop: Shop) -> None:
    """Raise PlanLimitReached (403 `/plan-limit`) when the shop has entered as many orders
    this month as its plan allows (call inside the shop's scope)."""
    used = await Order.count().where(
        (Order.tenant == shop.id) & (Order.created_at >= month_start(shop)))
    await ensure_room(shop.id, "orders_per_month", used)
