"""Shared steps for the shipping tests: a shop with products, a cart, a placed order."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager

import uvicorn

from galleria.kernel import db
from galleria.kernel.orders import service as orders
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "13800138000"}


async def tenant_of(shop) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]


async def add_products(shop, *products):
    """`products`: (sku, price, stock, weight_grams) → {sku: (product id, variant id)}."""
    out = {}
    for sku, price, stock, weight in products:
        created = await shop.post("/api/admin/v1/products", json={
            "name": f"商品 {sku}", "variants": [{"sku": sku, "price": price, "stock": stock}]})
        assert created.status_code == 201, created.text
        body = created.json()
        out[sku] = (body["id"], body["variants"][0]["id"])
        if weight:
            from galleria.kernel.catalog.tables import Variant

            tenant_id = await tenant_of(shop)
            async with db.shop_scope(tenant_id):
                await Variant.update({Variant.weight_grams: weight}).where(
                    (Variant.tenant == tenant_id) & (Variant.id == out[sku][1]))
    return out


async def cart_with(shop, items) -> str:
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    for variant_id, quantity in items:
        added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                                json={"variant_id": variant_id, "quantity": quantity})
        assert added.status_code == 200, added.text
    return cart_id


async def place(shop, items, address=ADDRESS, **extra):
    body = {"cart_id": await cart_with(shop, items), "contact": CONTACT, "address": address,
            "payment_method": "cod", **extra}
    response = await shop.post("/api/v1/orders", admin=False, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def approve(tenant_id: int, number: str) -> None:
    """pending_payment → paid → approved, as payment and review would."""
    await orders.transition(tenant_id, number, "paid", actor="test")
    await orders.transition(tenant_id, number, "approved", actor="test")


@contextmanager
def serving(app):
    """Serve an ASGI app (a carrier simulator) on a free local port; yields its base URL.
    Real HTTP, so the adapters are tested exactly as they talk to the carriers."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off",
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


TEMPLATES = {"default": "标准快递", "templates": [
    {"name": "标准快递", "first": 1, "first_fee": 800, "additional": 1, "additional_fee": 300,
     "eta_days": [2, 4],
     "regions": [{"codes": ["540000", "650000"], "first": 1, "first_fee": 2000,
                  "additional": 1, "additional_fee": 1000, "eta_days": [5, 9]}],
     "free": [{"min_amount": 20000}], "excluded": ["710000", "810000", "820000"]},
]}
SAME_CITY = {"name": "同城配送", "lat": 30.2741, "lng": 120.1551, "radius_km": 8,
             "bands": [{"up_to_km": 3, "fee": 500}, {"up_to_km": 8, "fee": 1000}],
             "slots": [{"start": "00:00", "end": "23:59", "capacity": 1}], "lead_minutes": 0}
PICKUP_POINTS = [{"name": "西湖店", "address": "杭州市西湖区文三路 100 号", "phone": "057188888888",
                  "open": "09:00", "close": "21:00"}]


async def enable_shipping(shop, **settings):
    """Enable the plugin for the shop with the demo set-up, `settings` overriding."""
    values = {"templates": json.dumps(TEMPLATES, ensure_ascii=False),
              "same_city": json.dumps(SAME_CITY, ensure_ascii=False),
              "pickup_points": json.dumps(PICKUP_POINTS, ensure_ascii=False), **settings}
    response = await shop.put("/api/admin/v1/plugins/shipping",
                              json={"enabled": True, "settings": values})
    assert response.status_code == 200, response.text
