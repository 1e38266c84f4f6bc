"""Steps the kernel-level WeChat Pay tests repeat: an order in a WeChat Pay shop, its
payment started through the storefront API, notifications delivered to the callback."""

from __future__ import annotations

import itertools
import json
from typing import Any

from galleria.kernel import db
from galleria.kernel.payments.tables import GatewayNotification
from galleria_plugins.payments_wechat import signing

ADDRESS = {"name": "韩梅梅", "phone": "13900139000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "西湖区龙井路 1 号"}
CONTACT = {"name": "韩梅梅", "phone": "13900139000"}
CALLBACK = "/callbacks/payments_wechat/wechat"
_skus = itertools.count(1)


async def order_in(ws, price: int = 2800, quantity: int = 2) -> dict[str, Any]:
    shop = ws.handle
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"LJ-{next(_skus)}", "price": price, "stock": 10}]})
    assert created.status_code == 201, created.text
    variant_id = created.json()["variants"][0]["id"]
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                    json={"variant_id": variant_id, "quantity": quantity})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat"})
    assert placed.status_code == 201, placed.text
    return placed.json()


async def start(ws, order: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await ws.handle.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": "wechat", **body})
    assert response.status_code == 201, response.text
    return response.json()


async def admin_order(ws, number: str) -> dict[str, Any]:
    return (await ws.handle.get(f"/api/admin/v1/orders/{number}")).json()


async def post_callback(ws, body: bytes, headers: dict[str, str]):
    return await ws.handle.client.post(CALLBACK, content=body, headers={
        "host": ws.handle.host, "content-type": "application/json", **headers})


def notification(plain: dict[str, Any], apiv3_key: str, event: str = "TRANSACTION.SUCCESS",
                 notification_id: str = "EV-TEST") -> bytes:
    """A notification body as WeChat Pay builds it, for `plain` (the decrypted resource)."""
    return json.dumps({
        "id": notification_id, "create_time": "2026-11-29T10:00:00+08:00",
        "resource_type": "encrypt-resource", "event_type": event, "summary": "支付成功",
        "resource": signing.encrypt_resource(apiv3_key, json.dumps(plain).encode(),
                                             "transaction", "transaction"),
    }, ensure_ascii=False).encode()


async def outcomes(tenant_id: int) -> list[str]:
    async with db.shop_scope(tenant_id):
        rows = await GatewayNotification.select(GatewayNotification.outcome).where(
            GatewayNotification.tenant == tenant_id).order_by(GatewayNotification.id)
    return [row["outcome"] for row in rows]
