"""Shared set-up of the flash-sale and gift tests: a shop with the plugin on and products."""

from __future__ import annotations

import datetime as dt

from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}


async def campaign_shop(open_shop, runtime, *products):
    """A shop with marketing_campaigns on; `products` are (sku, price, stock); returns
    (shop, tenant_id, {sku: variant id}, {sku: product id})."""
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await enable_plugin(tenant_id, runtime.host, "marketing_campaigns")
    variants, product_ids = {}, {}
    for sku, price, stock in products:
        made = await shop.post("/api/admin/v1/products", json={
            "name": {"TEA": "龙井茶", "CUP": "品茗杯"}.get(sku.split("-")[0], sku),
            "variants": [{"sku": sku, "price": price, "stock": stock}]})
        assert made.status_code == 201, made.text
        variants[sku] = made.json()["variants"][0]["id"]
        product_ids[sku] = made.json()["id"]
    return shop, tenant_id, variants, product_ids


def window(start_minutes: float = -1, end_minutes: float = 60) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    zone = dt.timezone(dt.timedelta(hours=8))
    return {"starts_at": (now + dt.timedelta(minutes=start_minutes)).astimezone(zone).isoformat(),
            "ends_at": (now + dt.timedelta(minutes=end_minutes)).astimezone(zone).isoformat()}


async def cart_with(shop, variant_id, quantity=1, headers=None):
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": quantity})
    assert added.status_code in (200, 201), added.text
    return cart


def order_body(cart, **extra):
    return {"cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
            "address": ADDRESS, "payment_method": "cod", **extra}
