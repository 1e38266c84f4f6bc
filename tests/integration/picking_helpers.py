"""Shared steps for the picking tests: products with barcodes, shelves and lots, and
approved orders waiting to be picked."""

from __future__ import annotations

import datetime as dt

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
TODAY = dt.date.today()


async def tenant_of(shop) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]


async def add_product(shop, sku: str, *, price: int = 1000, barcodes=(), shelf: str = "",
                      lots=(), loose: int = 0, weight: int = 0) -> int:
    """A product of one variant; `lots`: (code, units, expires in days). Returns its id."""
    created = await shop.post("/api/admin/v1/products", json={
        "name": f"商品 {sku}", "variants": [{"sku": sku, "price": price, "stock": loose,
                                            "barcodes": [{"code": c, "units": u}
                                                         for c, u in barcodes]}]})
    assert created.status_code == 201, created.text
    variant_id = created.json()["variants"][0]["id"]
    tenant_id = await tenant_of(shop)
    async with db.shop_scope(tenant_id):
        await Variant.update({Variant.shelf_location: shelf, Variant.weight_grams: weight}
                             ).where((Variant.tenant == tenant_id)
                                     & (Variant.id == variant_id))
        for code, units, days in lots:
            await inventory.receive(tenant_id, variant_id, units, lot_code=code,
                                    expires_on=TODAY + dt.timedelta(days=days))
    return variant_id


async def approved_order(shop, items, method: str = "") -> str:
    """Place a cash-on-delivery order of `items` [(variant id, quantity)] and approve it."""
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    for variant_id, quantity in items:
        added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                                json={"variant_id": variant_id, "quantity": quantity})
        assert added.status_code == 200, added.text
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "cod",
        **({"shipping_method": method} if method else {})})
    assert placed.status_code == 201, placed.text
    number = placed.json()["number"]
    tenant_id = await tenant_of(shop)
    await orders.transition(tenant_id, number, "paid", actor="test")
    await orders.transition(tenant_id, number, "approved", actor="test")
    return number
