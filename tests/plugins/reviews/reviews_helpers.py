"""Shared set-up of the reviews tests: a shop with the plugin and two products, a signed-in
buyer, and orders walked to delivery through the kernel."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from galleria.kernel import db
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states

TO_DELIVERED = (states.PENDING_PAYMENT, states.PAID, states.APPROVED, states.FULFILLING,
                states.SHIPPED, states.DELIVERED)


async def reviews_shop(open_shop, settings: dict[str, Any] | None = None, plugin: bool = True):
    """A shop (with the plugin unless `plugin=False`) selling 龙井茶 and 青瓷杯; returns the
    shop and `{sku: (product_id, variant_id)}`."""
    shop = await open_shop(plugins={"reviews": settings or {}} if plugin else None)
    ids = {}
    for sku, name, price in (("TEA", "龙井茶", 12800), ("CUP", "青瓷杯", 3500)):
        made = await shop.post("/api/admin/v1/products", json={
            "name": name, "variants": [{"sku": sku, "price": price, "stock": 50,
                                        "options": {"规格": "250g" if sku == "TEA" else "白"}}]})
        assert made.status_code == 201, made.text
        ids[sku] = (made.json()["id"], made.json()["variants"][0]["id"])
    return shop, ids


async def walk(tenant_id: int, number: str, to: str = states.DELIVERED) -> None:
    """Walk an order through the kernel's transitions up to `to`."""
    async with db.shop_scope(tenant_id):
        status = (await orders.get_order(tenant_id, number))["status"]
    start = TO_DELIVERED.index(status) + 1
    for step in TO_DELIVERED[start:TO_DELIVERED.index(to) + 1]:
        await orders.transition(tenant_id, number, step, actor="test")


async def delivered_order(buyer, ids, skus=("TEA", "CUP")) -> dict[str, Any]:
    """A delivered order of one of each `skus`: its lines as the buyer reviews them, and
    its `access_token`."""
    order = await buyer.place_order({ids[sku][1]: 1 for sku in skus})
    await walk(buyer.shop.id, order["number"])
    return {**await order_with_lines(buyer, order["number"]),
            "access_token": order["access_token"]}


async def order_with_lines(buyer, number: str) -> dict[str, Any]:
    """The order's lines as the buyer reviews them (`GET /api/v1/orders/{n}/reviews`)."""
    answer = await buyer.call("GET", f"/api/v1/orders/{number}/reviews")
    assert answer.status_code == 200, answer.text
    return answer.json()


def line_of(order: dict[str, Any], sku: str) -> int:
    return next(line["line_id"] for line in order["lines"] if line["sku"] == sku)


def png(color: str = "red", size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


async def upload(buyer, number: str, data: bytes | None = None):
    return await buyer.http.post(f"/api/v1/orders/{number}/reviews/photos",
                                 files={"file": ("photo.png", data or png(), "image/png")},
                                 headers=buyer_headers(buyer))


def buyer_headers(buyer) -> dict[str, str]:
    headers = {"host": buyer.shop.host}
    if getattr(buyer, "token", None):
        headers["authorization"] = f"Bearer {buyer.token}"
    return headers
