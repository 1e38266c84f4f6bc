"""A shopper of one shop, through the storefront API: register, fill a cart, place an order.

    shopper = Shopper(app, shop)            # shop: a ShopHandle
    await shopper.register(email="mei@example.com")
    order = await shopper.place_order({variant_id: 2}, payment_method="cod")
    await shopper.mark_paid(order["number"])  # the merchant confirms the offline payment

Each shopper calls from an address of its own: the platform's rate limits count per address.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import httpx

from galleria.testing.shops import PASSWORD, ShopHandle

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
_addresses = itertools.count(random.randrange(60_000))


def _expect(answer: httpx.Response, status: int, what: str) -> dict[str, Any]:
    if answer.status_code != status:
        raise AssertionError(f"{what}: {answer.status_code} {answer.text}")
    return answer.json()


class Shopper:
    """A storefront API client of `shop`, signed in after `register()`."""

    def __init__(self, app: Any, shop: ShopHandle) -> None:
        n = next(_addresses)
        self.shop = shop
        self.token: str | None = None
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=app, client=(f"10.{n // 62_500 % 250}.{n // 250 % 250}.{n % 250}", 5000)),
            base_url="http://127.0.0.1", headers={"host": shop.host})

    async def call(self, method: str, path: str, json: Any = None,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        extra = dict(headers or {})
        if self.token:
            extra["authorization"] = f"Bearer {self.token}"
        return await self.http.request(method, path, json=json, headers=extra)

    async def register(self, password: str = PASSWORD, **body: Any) -> dict[str, Any]:
        """Register (`email=` or `phone=`, `name=`...) and stay signed in."""
        made = _expect(await self.call("POST", "/api/v1/account/register",
                                       {"password": password, **body}), 201, "register")
        self.token = made["token"]
        return made

    async def cart(self, items: dict[int, int]) -> str:
        """A new cart holding `{variant_id: quantity}`; returns its id."""
        cart_id = _expect(await self.call("POST", "/api/v1/carts"), 201, "cart")["id"]
        for variant_id, quantity in items.items():
            _expect(await self.call("POST", f"/api/v1/carts/{cart_id}/items",
                                    {"variant_id": variant_id, "quantity": quantity}),
                    200, f"adding variant {variant_id}")
        return cart_id

    async def place_order(self, items: dict[int, int], payment_method: str = "cod",
                          **extra: Any) -> dict[str, Any]:
        """Place an order of `items` (`{variant_id: quantity}`) with the test address and
        contact; `extra` adds fields of the order body (`shipping_method`, `coupon_code`...).
        Returns the order as the API answers it (`number`, `total`, `access_token`...)."""
        body = {"cart_id": await self.cart(items), "contact": CONTACT, "address": ADDRESS,
                "payment_method": payment_method, **extra}
        return _expect(await self.call("POST", "/api/v1/orders", body), 201, "placing")

    async def mark_paid(self, number: str, note: str = "") -> dict[str, Any]:
        """The merchant records that the offline payment of order `number` arrived."""
        return _expect(await self.shop.post(f"/api/admin/v1/orders/{number}/mark-paid",
                                            json={"note": note}), 200, "marking paid")

    async def close(self) -> None:
        await self.http.aclose()
