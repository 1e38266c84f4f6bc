"""What a shop uses of its plan's limits, counted from its own rows (call in its scope)."""

from __future__ import annotations

from typing import Any

from galleria.auth.invitations import staff_seats_taken
from galleria.kernel.billing.limits import WARN_AT
from galleria.kernel.billing.plans import LIMITS
from galleria.kernel.billing.subscriptions import BillingState
from galleria.kernel.catalog.queries import count_products
from galleria.kernel.checkout.plan_room import month_start
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import CustomDomain


async def usage(shop: Shop) -> dict[str, int]:
    return {
        "products": await count_products(shop.id),
        "staff": await staff_seats_taken(shop.id),
        "orders_per_month": await Order.count().where(
            (Order.tenant == shop.id) & (Order.created_at >= month_start(shop))),
        "custom_domains": await CustomDomain.count().where(CustomDomain.tenant == shop.id),
    }


def limits_of(state: BillingState) -> dict[str, int | None]:
    return {name: state.plan.limits.of(name) for name in LIMITS}


def near_limits(state: BillingState, used: dict[str, int]) -> list[dict[str, Any]]:
    """Limits the shop has used 80 % or more of (the console's banner)."""
    near = []
    for name in LIMITS:
        allowed = state.plan.limits.of(name)
        if allowed and used[name] >= allowed * WARN_AT:
            near.append({"limit": name, "allowed": allowed, "usage": used[name],
                         "reached": used[name] >= allowed})
    return near


__all__ = ["limits_of", "month_start", "near_limits", "usage"]
