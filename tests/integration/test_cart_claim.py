"""One cart becomes one order: placing claims the cart in the order's transaction.

The concurrent tests race real requests through the ASGI app; on SQLite writers take turns,
so there they only show the sequential behaviour (the PostgreSQL pass proves the race)."""

import asyncio

import pytest

from conftest import on_postgres
from galleria.kernel import db
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "email": "lilei@example.com"}


async def _shop_with_cart(open_shop, stock=10, quantity=2):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2800, "stock": stock}]})
    assert created.status_code == 201, created.text
    variant_id = created.json()["variants"][0]["id"]
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": quantity})
    assert added.status_code == 200, added.text
    return shop, tenant_id, variant_id, cart_id


def _body(cart_id):
    return {"cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
            "payment_method": "wechat_pay"}


async def _orders_and_reserved(tenant_id, variant_id):
    async with db.shop_scope(tenant_id):
        count = await Order.count().where(Order.tenant == tenant_id)
        level = await inventory.get_level(tenant_id, variant_id)
    return count, level.reserved


@pytest.mark.concurrency
@pytest.mark.parametrize("keys", ["none", "different"])
async def test_concurrent_placings_of_one_cart_make_one_order(open_shop, keys):
    shop, tenant_id, variant_id, cart_id = await _shop_with_cart(open_shop)

    async def place(i):
        headers = {"Idempotency-Key": f"k-{i}"} if keys == "different" else None
        return await shop.post("/api/v1/orders", admin=False, json=_body(cart_id),
                               headers=headers)

    answers = await asyncio.gather(*(place(i) for i in range(5)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409, 409], [a.text for a in answers]
    number = next(a.json()["number"] for a in answers if a.status_code == 201)
    for refused in (a.json() for a in answers if a.status_code == 409):
        assert refused["type"].endswith("/cart_placed") and refused["order_number"] == number
        assert number in refused["detail"]
    assert await _orders_and_reserved(tenant_id, variant_id) == (1, 2)


async def test_a_placed_cart_answers_with_its_order_and_takes_no_more_items(open_shop):
    shop, tenant_id, variant_id, cart_id = await _shop_with_cart(open_shop)
    first = await shop.post("/api/v1/orders", admin=False, json=_body(cart_id))
    assert first.status_code == 201, first.text
    number = first.json()["number"]
    again = await shop.post("/api/v1/orders", admin=False, json=_body(cart_id))
    assert again.status_code == 409 and again.json()["order_number"] == number
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert cart["lines"] == [] and cart["order_number"] == number
    more = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                           json={"variant_id": variant_id, "quantity": 1})
    assert more.status_code == 409 and more.json()["order_number"] == number
    assert await _orders_and_reserved(tenant_id, variant_id) == (1, 2)


async def test_a_refused_placing_leaves_the_cart_free_to_place(open_shop):
    shop, tenant_id, variant_id, cart_id = await _shop_with_cart(open_shop)
    bad = await shop.post("/api/v1/orders", admin=False,
                          json={**_body(cart_id), "contact": {"name": ""}})
    assert bad.status_code == 422
    placed = await shop.post("/api/v1/orders", admin=False, json=_body(cart_id))
    assert placed.status_code == 201, placed.text
    assert await _orders_and_reserved(tenant_id, variant_id) == (1, 2)


@pytest.mark.skipif(not on_postgres(), reason="a real race needs concurrent writers")
@pytest.mark.concurrency
async def test_a_placing_that_runs_out_of_stock_frees_the_cart_for_a_concurrent_one(open_shop):
    """Five placings of a cart asking more than is left: all refused for stock, none for the
    cart (the claim rolled back with each refusal)."""
    shop, tenant_id, variant_id, cart_id = await _shop_with_cart(open_shop, stock=3,
                                                                quantity=3)
    async with db.shop_scope(tenant_id):
        await inventory.reserve(tenant_id, variant_id, 1, reference="elsewhere", actor="test")
    answers = await asyncio.gather(*(
        shop.post("/api/v1/orders", admin=False, json=_body(cart_id)) for _ in range(5)))
    assert {a.json()["type"].rsplit("/", 1)[-1] for a in answers} == {"out_of_stock"}
    assert await _orders_and_reserved(tenant_id, variant_id) == (0, 1)
