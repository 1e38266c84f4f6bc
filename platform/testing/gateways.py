"""The payment gateway contract test, exported by `galleria.testing`: every gateway plugin,
first-party or not, passes the same purchase through the real app and its provider's
simulator —

1. start → the provider takes the money and notifies → the order is paid;
2. a partial refund → the order stays paid with the amount refunded; the rest → refunded;
3. an order cancelled before payment → its payment is closed at the provider.

A plugin's test supplies a `GatewayDriver`: its settings for the shop (pointing at its
simulator) and how to make the simulator act like a shopper and like the provider.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import httpx

from galleria.kernel.payments.contracts import ACTION_TYPES
from galleria.kernel.plugins import PluginHost

ADDRESS = {"name": "Test Buyer", "phone": "13800138000", "country": "CN",
           "province": "浙江省", "city": "杭州市", "line1": "文三路 90 号"}


class GatewayDriver(Protocol):
    """How the contract test makes a gateway's provider (its simulator) act."""

    plugin: str  # the plugin's name
    method: str  # the gateway's code
    settings: dict[str, Any]  # the shop's settings for the plugin

    async def pay(self, payment: dict[str, Any]) -> None:
        """Pay `payment` (the kernel's payment view, with its `action`) as a shopper would
        at the provider, which then notifies the shop."""

    async def settle_refunds(self) -> None:
        """Let the provider finish refunds it answered `pending` (and notify); a no-op
        for providers that refund at once."""

    async def is_closed(self, payment: dict[str, Any]) -> bool:
        """Whether the provider holds `payment` as closed."""


async def check_payment_gateway(http: httpx.AsyncClient, shop_host: str, admin_token: str,
                                host: PluginHost, driver: GatewayDriver,
                                price: int = 10000) -> None:
    """Run the contract against the app behind `http` for the shop at `shop_host` (a new
    shop of its own: the test creates a product). Raises AssertionError on a breach."""
    from galleria.testing import run_outbox

    shop = _Shop(http, shop_host, admin_token)
    enabled = await shop.call("PUT", f"/api/admin/v1/plugins/{driver.plugin}",
                              json={"enabled": True, "settings": driver.settings})
    assert enabled.status_code == 200, enabled.text
    product = await shop.call("POST", "/api/admin/v1/products", json={
        "name": "Contract tea", "variants": [{"sku": f"CT-{driver.method}", "price": price,
                                              "stock": 10}]})
    assert product.status_code == 201, product.text
    variant_id = product.json()["variants"][0]["id"]

    order, payment = await _order_and_payment(shop, variant_id, driver.method)
    await driver.pay(payment)
    paid = await shop.wait_for(order["number"], lambda o: o["status"] == "paid")
    assert paid["payments"][-1]["status"] == "paid"

    part = price * 3 // 10
    first = await shop.call("POST", f"/api/admin/v1/orders/{order['number']}/refunds",
                            json={"amount": part, "reason": "contract: partial"})
    assert first.status_code == 201, first.text
    await driver.settle_refunds()
    await shop.wait_for(order["number"], lambda o: o["refunded_total"] == part
                        and o["status"] == "paid")
    rest = await shop.call("POST", f"/api/admin/v1/orders/{order['number']}/refunds",
                           json={"amount": price - part, "reason": "contract: the rest"})
    assert rest.status_code == 201, rest.text
    await driver.settle_refunds()
    await shop.wait_for(order["number"], lambda o: o["status"] == "refunded")

    unpaid, pending = await _order_and_payment(shop, variant_id, driver.method)
    cancelled = await shop.call("POST", f"/api/admin/v1/orders/{unpaid['number']}/cancel",
                                json={"reason": "contract: close"})
    assert cancelled.status_code == 200, cancelled.text
    await run_outbox(host)  # the close runs after commit, from the outbox
    closed = await shop.wait_for(unpaid["number"],
                                 lambda o: o["payments"][-1]["status"] == "closed")
    assert closed["status"] == "cancelled"
    assert await driver.is_closed(pending), "the provider still holds the payment open"


async def _order_and_payment(shop: _Shop, variant_id: int,
                             method: str) -> tuple[dict[str, Any], dict[str, Any]]:
    cart = (await shop.call("POST", "/api/v1/carts")).json()["id"]
    added = await shop.call("POST", f"/api/v1/carts/{cart}/items",
                            json={"variant_id": variant_id, "quantity": 1})
    assert added.status_code == 200, added.text
    placed = await shop.call("POST", "/api/v1/orders", json={
        "cart_id": cart, "contact": {"name": "Test Buyer", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": method})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    started = await shop.call(
        "POST", f"/api/v1/orders/{order['number']}/payments",
        params={"access_token": order["access_token"]}, json={"method": method})
    assert started.status_code == 201, started.text
    payment = started.json()
    assert payment["action"]["type"] in ACTION_TYPES, payment
    assert payment["amount"] == order["total"] and payment["status"] == "pending"
    return order, payment


class _Shop:
    def __init__(self, http: httpx.AsyncClient, host: str, token: str) -> None:
        self.http, self.host, self.token = http, host, token

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"host": self.host, "authorization": f"Bearer {self.token}"}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def wait_for(self, number: str, ready: Any, seconds: float = 10.0) -> dict:
        """The admin view of order `number` once `ready(order)` holds (notifications
        arrive over HTTP, a moment after the action that caused them)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            order = (await self.call("GET", f"/api/admin/v1/orders/{number}")).json()
            if ready(order):
                return order
            if loop.time() > deadline:
                raise AssertionError(f"order {number} never got there: {order}")
            await asyncio.sleep(0.1)


__all__ = ["GatewayDriver", "check_payment_gateway"]
