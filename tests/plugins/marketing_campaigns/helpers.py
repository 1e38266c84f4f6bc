"""Shared set-up of the flash-sale and gift tests: a shop with the plugin on and products."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import on_postgres
from galleria.kernel import db, shared_redis
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin
from galleria_plugins.marketing_campaigns import flash_sales
from galleria_plugins.marketing_campaigns.tables import FlashSale

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


async def left_on_counter(tenant_id, sale_id):
    """What the sale's gate would still let through: its Redis counter (None: no counter),
    or without Redis the quota less what is sold less what this process's tickets hold."""
    async with db.shop_scope(tenant_id):
        row = await FlashSale.select().where(FlashSale.id == sale_id).first()
    if shared_redis() is None:
        return row["quota"] - row["sold"] - flash_sales._held_here.get((tenant_id, sale_id), 0)
    left = await shared_redis().get(flash_sales.counter_key(tenant_id, row))
    return None if left is None else int(left)


def needs_redis_gate():
    # PostgreSQL too: these tests hold an order's transaction open while they read, which
    # SQLite's one writer at a time would turn into a wait on themselves.
    if shared_redis() is None or not on_postgres():
        pytest.skip("the Redis gate: PostgreSQL + Redis run (GALLERIA_TEST_REDIS=1)")


async def start_sale(shop, variant_id, **fields):
    """A running flash sale (¥50.00, quota 3 unless `fields` say otherwise), as the API
    answers it."""
    body = {"variant_id": variant_id, "price": 5000, "quota": 3, **window(), **fields}
    answer = await shop.post("/api/admin/v1/marketing/flash-sales", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()
