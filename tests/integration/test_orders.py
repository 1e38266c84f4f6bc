"""Placing orders and the order state machine, through the API and the outbox."""

import asyncio
import datetime as dt
import re
import secrets

import pytest

from conftest import on_postgres
from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.checkout.tables import Cart, CartLine
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import jobs, service
from galleria.kernel.orders.states import IllegalTransition
from galleria.kernel.orders.tables import Order, TimelineEntry
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"name": "李雷", "phone": "138 0013 8000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}


async def _shop(open_shop, stock=(5, 1)):
    """A shop selling TEA-100 (¥28) and TEA-250 (¥60); returns (shop, tenant, {sku: id})."""
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2800, "stock": stock[0]},
        {"sku": "TEA-250", "price": 6000, "stock": stock[1]}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    return shop, tenant_id, {v["sku"]: v["id"] for v in created.json()["variants"]}


async def _cart(shop, items):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    for variant_id, quantity in items:
        added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                                json={"variant_id": variant_id, "quantity": quantity})
        assert added.status_code == 200, added.text
    return cart_id


def _order_body(cart_id, **extra):
    return {"cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
            "payment_method": "wechat_pay", **extra}


async def _place(shop, items, **extra):
    response = await shop.post("/api/v1/orders", admin=False,
                               json=_order_body(await _cart(shop, items), **extra))
    assert response.status_code == 201, response.text
    return response.json()


async def _level(tenant_id, variant_id):
    async with db.shop_scope(tenant_id):
        return await inventory.get_level(tenant_id, variant_id)


async def test_prices_come_from_the_server_and_the_cart_is_emptied(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    cart_id = await _cart(shop, [(skus["TEA-100"], 2), (skus["TEA-250"], 1)])
    async with db.shop_scope(tenant_id):  # the price changes after the shopper added it
        await Variant.update({Variant.price: 2500}).where(Variant.id == skus["TEA-100"])
    forged = await shop.post("/api/v1/orders", admin=False,
                             json=_order_body(cart_id, total=1, subtotal=1))
    assert forged.status_code == 422  # clients' totals are not even accepted
    response = await shop.post("/api/v1/orders", admin=False, json=_order_body(cart_id))
    assert response.status_code == 201, response.text
    order = response.json()
    assert re.fullmatch(r"\d{12}", order["number"]) and order["status"] == "pending_payment"
    assert (order["subtotal"], order["shipping_fee"], order["discount_total"],
            order["total"]) == (2 * 2500 + 6000, 0, 0, 11000)
    assert [(line["sku"], line["unit_price"], line["line_total"]) for line in order["lines"]] \
        == [("TEA-100", 2500, 5000), ("TEA-250", 6000, 6000)]
    assert len(order["access_token"]) >= 32 and order["address"]["phone"] == "13800138000"
    assert [e["to_status"] for e in order["timeline"]] == ["pending_payment"]
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 2
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert cart["lines"] == []
    again = await shop.post("/api/v1/orders", admin=False, json=_order_body(cart_id))
    assert again.status_code == 409 and again.json()["order_number"] == order["number"]
    topics = {row["topic"]: row for row in await OutboxEvent.select().where(
        OutboxEvent.tenant == tenant_id)}
    assert "order.placed" in topics
    due = topics["job.cancel_unpaid_order"]["next_attempt_at"]
    assert dt.timedelta(minutes=29) < due - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=30)


async def test_orders_are_read_only_with_their_token_and_only_in_their_shop(open_shop):
    shop, _, skus = await _shop(open_shop)
    other, _, _ = await _shop(open_shop)
    order = await _place(shop, [(skus["TEA-100"], 1)])
    number, token = order["number"], order["access_token"]
    mine = await shop.get(f"/api/v1/orders/{number}", admin=False,
                          params={"access_token": token})
    assert mine.status_code == 200 and mine.json()["total"] == 2800
    assert "access_token" not in mine.json() and "actor" not in mine.json()["timeline"][0]
    for response in (
        await shop.get(f"/api/v1/orders/{number}", admin=False),
        await shop.get(f"/api/v1/orders/{number}", admin=False,
                       params={"access_token": token[:-1] + ("x" if token[-1] != "x"
                                                              else "y")}),
        await other.get(f"/api/v1/orders/{number}", admin=False,
                        params={"access_token": token}),
        await other.get(f"/api/admin/v1/orders/{number}"),
    ):
        assert response.status_code == 404
    admin = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert admin["timeline"][0]["actor"] == "guest" and admin["payments"] == []
    other_cart = await _cart(shop, [(skus["TEA-100"], 1)])
    foreign = await other.post("/api/v1/orders", admin=False, json=_order_body(other_cart))
    assert foreign.status_code == 404
    listed = (await shop.get("/api/admin/v1/orders")).json()
    assert [item["number"] for item in listed["items"]] == [number]
    assert (await other.get("/api/admin/v1/orders")).json()["items"] == []


async def test_invalid_details_are_422_with_every_field(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    cart_id = await _cart(shop, [(skus["TEA-100"], 1)])
    response = await shop.post("/api/v1/orders", admin=False, json=_order_body(
        cart_id, contact={"name": "", "email": "not-an-email"},
        address={**ADDRESS, "phone": "12ab", "city": "", "country": "China", "floor": 3}))
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"contact.name", "contact.email", "address.phone", "address.city",
                      "address.country", "address.floor"}
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 0


async def test_out_of_stock_names_every_sku_and_reserves_nothing(open_shop):
    shop, tenant_id, skus = await _shop(open_shop, stock=(5, 1))
    cart_id = await _cart(shop, [(skus["TEA-100"], 3), (skus["TEA-250"], 1)])
    async with db.shop_scope(tenant_id):  # other buyers got there first
        await inventory.reserve(tenant_id, skus["TEA-100"], 4)
        await inventory.reserve(tenant_id, skus["TEA-250"], 1)
    response = await shop.post("/api/v1/orders", admin=False, json=_order_body(cart_id))
    assert response.status_code == 409
    problem = response.json()
    assert problem["skus"] == ["TEA-100", "TEA-250"]
    assert {(i["sku"], i["available"], i["requested"]) for i in problem["items"]} == {
        ("TEA-100", 1, 3), ("TEA-250", 0, 1)}
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 4
    assert (await _level(tenant_id, skus["TEA-250"])).reserved == 1
    async with db.shop_scope(tenant_id):
        assert await Order.count().where(Order.tenant == tenant_id) == 0
    assert await OutboxEvent.count().where((OutboxEvent.tenant == tenant_id)
                                           & (OutboxEvent.topic == "order.placed")) == 0
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert len(cart["lines"]) == 2  # kept, so the shopper can change it


async def test_an_idempotency_key_repeat_returns_the_same_order(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    body = _order_body(await _cart(shop, [(skus["TEA-100"], 2)]))
    headers = {"Idempotency-Key": "order-7f3a"}
    first = await shop.post("/api/v1/orders", admin=False, json=body, headers=headers)
    again = await shop.post("/api/v1/orders", admin=False, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    changed = await shop.post("/api/v1/orders", admin=False, headers=headers,
                              json={**body, "note": "another body"})
    assert changed.status_code == 409
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 2
    assert len((await shop.get("/api/admin/v1/orders")).json()["items"]) == 1


@pytest.mark.concurrency
async def test_concurrent_buyers_never_oversell(open_shop):
    buyers, stock = (200, 20) if on_postgres() else (100, 20)  # SQLite: one writer at a time
    shop, tenant_id, skus = await _shop(open_shop, stock=(stock, 1))
    carts = [secrets.token_urlsafe(16) for _ in range(buyers)]
    async with db.shop_scope(tenant_id):  # every buyer's cart, in bulk: the race is placing
        rows = await Cart.insert(*(Cart(
            tenant=tenant_id, token=token, expires_at=dt.datetime.now(dt.UTC)
            + dt.timedelta(hours=1)) for token in carts)).returning(Cart.id)
        await CartLine.insert(*(CartLine(tenant=tenant_id, cart=row["id"], quantity=1,
                                         variant=skus["TEA-100"]) for row in rows))
    responses = await asyncio.gather(*(
        shop.post("/api/v1/orders", admin=False, json=_order_body(cart_id))
        for cart_id in carts))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == stock and codes.count(409) == buyers - stock, set(codes)
    assert all(r.json()["skus"] == ["TEA-100"] for r in responses if r.status_code == 409)
    level = await _level(tenant_id, skus["TEA-100"])
    assert (level.on_hand, level.reserved, level.available) == (stock, stock, 0)
    async with db.shop_scope(tenant_id):
        assert await Order.count().where(Order.tenant == tenant_id) == stock
        reserves = [m for m in await inventory.ledger(tenant_id, skus["TEA-100"], limit=500)
                    if m["kind"] == "reserve"]
    assert len(reserves) == stock
    assert len({r.json()["number"] for r in responses if r.status_code == 201}) == stock


async def test_cancelling_releases_stock_and_cannot_happen_twice(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    order = await _place(shop, [(skus["TEA-100"], 3)])
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 3
    path = f"/api/admin/v1/orders/{order['number']}/cancel"
    assert (await shop.post(path, json={"reason": ""})).status_code == 422
    cancelled = await shop.post(path, json={"reason": "customer called"})
    assert cancelled.status_code == 200, cancelled.text
    view = cancelled.json()
    assert view["status"] == "cancelled" and view["stock_status"] == "released"
    last = view["timeline"][-1]
    assert (last["from_status"], last["to_status"], last["reason"]) == (
        "pending_payment", "cancelled", "customer called")
    assert last["actor"].startswith("token:")
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 0
    twice = await shop.post(path, json={"reason": "again"})
    assert twice.status_code == 409 and twice.json()["from_status"] == "cancelled"
    assert twice.json()["type"].endswith("/illegal_transition")
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 0


async def test_unpaid_orders_are_cancelled_by_the_outbox_job_once(open_shop, runtime):
    shop, tenant_id, skus = await _shop(open_shop)
    order = await _place(shop, [(skus["TEA-100"], 2)])
    job = await OutboxEvent.select().where(
        (OutboxEvent.tenant == tenant_id)
        & (OutboxEvent.topic == "job.cancel_unpaid_order")).first()
    assert job["done_at"] is None
    await OutboxEvent.update({OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC)
                              - dt.timedelta(seconds=1)}).where(OutboxEvent.id == job["id"])
    await relay_once(runtime.host, plugin_jobs(runtime.host), limit=100_000)
    async with db.shop_scope(tenant_id):
        row = await service.get_order(tenant_id, order["number"])
        entries = await TimelineEntry.count().where(TimelineEntry.order == row["id"])
    assert row["status"] == "cancelled" and row["stock_status"] == "released"
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 0
    # a second relay: nothing
    await relay_once(runtime.host, plugin_jobs(runtime.host), limit=100_000)
    async with db.shop_scope(tenant_id):
        assert await TimelineEntry.count().where(TimelineEntry.order == row["id"]) == entries
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 0
    done = await OutboxEvent.select().where(OutboxEvent.id == job["id"]).first()
    assert done["done_at"] is not None and done["attempts"] == 0
    assert await jobs.cancel_unpaid_order(tenant_id, order["number"]) is False


async def test_the_sweep_cancels_what_a_lost_job_missed(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    late = await _place(shop, [(skus["TEA-100"], 1)])
    on_time = await _place(shop, [(skus["TEA-100"], 1)])
    async with db.shop_scope(tenant_id):
        await Order.update({Order.payment_due_at: dt.datetime.now(dt.UTC)
                            - dt.timedelta(minutes=1)}).where(Order.number == late["number"])
    assert await jobs.cancel_overdue_orders() >= 1
    assert await jobs.cancel_overdue_orders() == 0
    async with db.shop_scope(tenant_id):
        assert (await service.get_order(tenant_id, late["number"]))["status"] == "cancelled"
        assert (await service.get_order(tenant_id, on_time["number"]))["status"] \
            == "pending_payment"
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 1


@pytest.mark.concurrency
async def test_illegal_and_racing_transitions_are_refused(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    order = await _place(shop, [(skus["TEA-100"], 1)])
    number = order["number"]
    with pytest.raises(IllegalTransition, match="pending_payment cannot become shipped"):
        await service.transition(tenant_id, number, "shipped", actor="test")

    async def attempt(to):
        try:
            await service.transition(tenant_id, number, to, actor="test")
            return to
        except IllegalTransition:
            return None

    results = await asyncio.gather(attempt("paid"), attempt("cancelled"))
    assert len([r for r in results if r]) == 1  # exactly one of the two won
    async with db.shop_scope(tenant_id):
        row = await service.get_order(tenant_id, number)
        count = await TimelineEntry.count().where(TimelineEntry.order == row["id"])
    assert count == 2
    if row["status"] == "paid":
        refused = await shop.post(f"/api/admin/v1/orders/{number}/cancel",
                                  json={"reason": "too late"})
        assert refused.status_code == 409 and "refund" in refused.json()["detail"]


async def test_partial_refund_keeps_the_state_and_a_full_one_ends_it(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    order = await _place(shop, [(skus["TEA-100"], 2)])
    number = order["number"]
    await service.transition(tenant_id, number, "paid", actor="gateway:test")
    row = await service.record_refund(tenant_id, number, 1000, actor="token:1", reason="dent")
    assert (row["status"], row["refunded_total"]) == ("paid", 1000)
    with pytest.raises(Exception, match="exceed"):
        await service.record_refund(tenant_id, number, 5000, actor="token:1")
    row = await service.record_refund(tenant_id, number, 4600, actor="token:1")
    assert (row["status"], row["refunded_total"], row["stock_status"]) == (
        "refunded", 5600, "released")
    assert (await _level(tenant_id, skus["TEA-100"])).reserved == 0
    refunds = await OutboxEvent.select(OutboxEvent.payload).where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "order.refunded"))
    assert len(refunds) == 2


async def test_admin_lists_orders_newest_first_by_status_with_cursors(open_shop):
    shop, _, skus = await _shop(open_shop, stock=(9, 1))
    numbers = [(await _place(shop, [(skus["TEA-100"], 1)]))["number"] for _ in range(3)]
    await shop.post(f"/api/admin/v1/orders/{numbers[0]}/cancel", json={"reason": "test"})
    first = (await shop.get("/api/admin/v1/orders", params={"limit": 2})).json()
    assert [item["number"] for item in first["items"]] == [numbers[2], numbers[1]]
    assert first["items"][0]["contact_name"] == "李雷" and first["items"][0]["total"] == 2800
    rest = (await shop.get("/api/admin/v1/orders",
                           params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [item["number"] for item in rest["items"]] == [numbers[0]]
    assert rest["next_cursor"] is None
    cancelled = (await shop.get("/api/admin/v1/orders", params={"status": "cancelled"})).json()
    assert [item["number"] for item in cancelled["items"]] == [numbers[0]]
    assert (await shop.get("/api/admin/v1/orders", params={"status": "lost"})).status_code == 422


@pytest.mark.skipif(not on_postgres(), reason="row-level security is PostgreSQL's")
async def test_cart_and_order_tables_are_behind_row_level_security(open_shop):
    from galleria.kernel.orders.migrations.orders_0002_keys_and_rls import SHOP_OWNED

    shop, _, skus = await _shop(open_shop)
    _, other_id, _ = await _shop(open_shop)
    await _place(shop, [(skus["TEA-100"], 1)])
    forced = await Tenant.raw("SELECT relname FROM pg_class WHERE relforcerowsecurity "
                              "AND relkind = 'r'")
    assert set(SHOP_OWNED) <= {row["relname"] for row in forced}
    async with db.shop_scope(other_id):  # queries that forget the tenant see nothing
        assert await Order.select(Order.id) == []
        assert await TimelineEntry.select(TimelineEntry.id) == []
        assert await Cart.select(Cart.id) == []
