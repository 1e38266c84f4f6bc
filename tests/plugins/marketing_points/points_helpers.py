"""Shared set-up of the points tests: a shop with the plugin, a product, a signed-in
shopper, and orders walked to completion or refunded through the kernel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.testing import run_outbox
from galleria_plugins.marketing_points import ledger
from galleria_plugins.marketing_points.tables import PointsAccount

PATH_TO_COMPLETED = (states.PENDING_PAYMENT, states.PAID, states.APPROVED, states.FULFILLING,
                     states.SHIPPED, states.DELIVERED, states.COMPLETED)


async def points_shop(open_shop, settings: dict[str, Any] | None = None, price: int = 10000,
                      stock: int = 100):
    shop = await open_shop(plugins={"marketing_points": settings or {}})
    await shop.shop()
    product = await shop.post("/api/admin/v1/products", json={"name": "龙井茶", "variants": [
        {"sku": "TEA-1", "price": price, "stock": stock}]})
    assert product.status_code == 201, product.text
    return shop, product.json()["variants"][0]["id"]


async def paid_order(buyer, variant: int, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    """An order the shop was paid for (the payment recorded as the kernel's transition)."""
    order = await buyer.place_order({variant: quantity}, **extra)
    await orders.transition(buyer.shop.id, order["number"], states.PAID, actor="test")
    return order


async def complete(tenant_id: int, number: str) -> None:
    """Walk a paid order through to `completed` (each step a real kernel transition)."""
    async with db.shop_scope(tenant_id):
        status = (await orders.get_order(tenant_id, number))["status"]
    for to in PATH_TO_COMPLETED[PATH_TO_COMPLETED.index(status) + 1
                                if status in PATH_TO_COMPLETED else 0:]:
        await orders.transition(tenant_id, number, to, actor="test")


async def refund(tenant_id: int, number: str, amount: int) -> None:
    await orders.record_refund(tenant_id, number, amount, actor="test", reason="returned")


async def relay(runtime) -> None:
    await run_outbox(runtime.host)


async def balance(tenant_id: int, customer: int) -> int:
    async with db.shop_scope(tenant_id):
        row = await PointsAccount.select(PointsAccount.balance).where(
            (PointsAccount.tenant == tenant_id) & (PointsAccount.customer == customer)).first()
    return row["balance"] if row else 0


async def give(tenant_id: int, customer: int, points: int, ref: str,
               expires_at: dt.datetime | None = None) -> None:
    async with db.shop_scope(tenant_id):
        assert await ledger.credit(tenant_id, customer, points, "adjust", ref,
                                   expires_at=expires_at)
