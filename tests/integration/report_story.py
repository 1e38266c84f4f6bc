"""The order story the report tests share: four orders around midnight in Shanghai."""

from __future__ import annotations

import datetime as dt
import re

from galleria.kernel import db
from galleria.kernel.orders import service
from galleria.kernel.orders.tables import Order
from galleria.kernel.reports import rollups
from galleria.kernel.reports.tables import ShopDay
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"name": "韩梅梅", "phone": "139 1234 5678", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000"}
UTC = dt.UTC
PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _shop(open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2850, "stock": 50}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    return shop, tenant_id, created.json()["variants"][0]["id"]


async def _place(shop, variant_id, quantity=1):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": quantity})
    assert added.status_code == 200, added.text
    response = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert response.status_code == 201, response.text
    return response.json()["number"]


async def _set(tenant_id, number, **values):
    async with db.shop_scope(tenant_id):
        await Order.update({getattr(Order, k): v for k, v in values.items()}).where(
            (Order.tenant == tenant_id) & (Order.number == number))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of November 2026 given in Shanghai time (UTC+8), as UTC."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC) - dt.timedelta(hours=8)


async def _orders_of_the_story(shop, tenant_id, variant):
    """11-10: A placed and paid; B placed at 23:30. 11-11: B paid at 00:30; C placed, paid,
    then ¥10.00 of it refunded; D placed and cancelled unpaid. A and B: customer 41."""
    a, b, c, d = [await _place(shop, variant) for _ in range(4)]
    for number in (a, b, c):
        await service.transition(tenant_id, number, "paid", actor="test")
    await service.record_refund(tenant_id, c, 1000, actor="test", reason="破损")
    await service.cancel_order(tenant_id, d, actor="test", reason="不要了")
    await _set(tenant_id, a, created_at=at(10, 9), paid_at=at(10, 9, 5), customer=41)
    await _set(tenant_id, b, created_at=at(10, 23, 30), paid_at=at(11, 0, 30), customer=41)
    await _set(tenant_id, c, created_at=at(11, 12), paid_at=at(11, 12, 10))
    await _set(tenant_id, d, created_at=at(11, 15))
    return a, b, c, d


async def _rollup_rows(tenant_id):
    async with db.shop_scope(tenant_id):
        rows = await ShopDay.select().where(ShopDay.tenant == tenant_id).order_by(ShopDay.day)
    return [{k: v for k, v in row.items() if k != "id"} for row in rows if any(
        row[k] for k in rollups.ORDER_FIGURES)]
