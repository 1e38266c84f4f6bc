"""The order service moves a real order exactly as the hand-written matrix of
tests/unit/test_order_transition_matrix.py says, and nothing else fulfils an unpaid order."""

import pytest
from test_order_transition_matrix import EXPECTED

from galleria.kernel import db
from galleria.kernel.orders import service
from galleria.kernel.orders.states import IllegalTransition
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.shops import get_shop

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}


async def _placed(open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2800, "stock": 5}]})
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False, json={
        "variant_id": created.json()["variants"][0]["id"], "quantity": 1})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": {"name": "李雷", "phone": "13800138000"}, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    return shop, (await get_shop(shop.slug)).id, placed.json()["number"]


async def test_the_service_allows_and_refuses_every_move_as_the_matrix_says(open_shop):
    _, tenant_id, number = await _placed(open_shop)
    moved = {}
    for (from_status, to_status) in sorted(EXPECTED):
        async with db.shop_scope(tenant_id):  # put the order in `from_status` by hand
            await Order.update({Order.status: from_status}).where(
                (Order.tenant == tenant_id) & (Order.number == number))
        try:
            row = await service.transition(tenant_id, number, to_status, actor="test")
            moved[(from_status, to_status)] = row["status"] == to_status
        except IllegalTransition:
            moved[(from_status, to_status)] = False
    assert moved == EXPECTED


@pytest.mark.parametrize("path", ["fulfilment", "shipments"])
async def test_an_unpaid_order_is_neither_fulfilled_nor_shipped(open_shop, path):
    shop, tenant_id, number = await _placed(open_shop)
    refused = await shop.post(f"/api/admin/v1/orders/{number}/{path}",
                              json={} if path == "shipments" else None)
    assert refused.status_code == 409, refused.text
    async with db.shop_scope(tenant_id):
        assert (await service.get_order(tenant_id, number))["status"] == "pending_payment"
