"""Flash sales: the API, the sale price at checkout, the quota never oversold under
concurrency (the Redis gate on PostgreSQL + Redis, the database's conditional update on
SQLite), the per-customer limit, the quota returned once when an unpaid order times out or
is cancelled, and another shop's sale out of reach."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from helpers import (
    campaign_shop,
    cart_with,
    left_on_counter,
    needs_redis_gate,
    order_body,
    start_sale,
    window,
)

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import db, shared_redis
from galleria.kernel.events_tables import OutboxEvent
from galleria_plugins.marketing_campaigns import flash_sales
from galleria_plugins.marketing_campaigns.tables import FlashSale, FlashSaleClaim

_sale = start_sale


def _placings(monkeypatch):
    """The carts that reach the kernel's `place_order` (the order's transaction) from now."""
    from galleria.web.api import shop_orders

    opened = []
    real = shop_orders.place_order

    async def counting(*args, **kwargs):
        opened.append(args[2].cart_id)
        return await real(*args, **kwargs)

    monkeypatch.setattr(shop_orders, "place_order", counting)
    return opened


async def _sold(tenant_id, sale_id):
    async with db.shop_scope(tenant_id):
        return (await FlashSale.select(FlashSale.sold).where(FlashSale.id == sale_id).first()
                )["sold"]


async def test_a_sale_is_created_listed_and_priced_at_checkout(open_shop, runtime):
    shop, _tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    sale = await _sale(shop, v["TEA-1"], price=9900, quota=10, per_customer_limit=2)
    assert (sale["remaining"], sale["regular_price"], sale["status"]) == (10, 12800, "running")
    listed = await shop.get("/api/v1/flash-sales", admin=False)
    assert [(s["id"], s["remaining"]) for s in listed.json()["items"]] == [(sale["id"], 10)]
    preview = await shop.post("/api/v1/checkout/preview", admin=False,
                              json={"cart_id": await cart_with(shop, v["TEA-1"], 2)})
    body = preview.json()
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [("flash_sale", -5800)]
    assert body["total"] == 2 * 9900 and "¥99.00" in body["adjustments"][0]["label"]
    placed = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"], 2)))
    assert placed.status_code == 201 and placed.json()["total"] == 19800
    after = (await shop.get(f"/api/admin/v1/marketing/flash-sales/{sale['id']}")).json()
    assert (after["sold"], after["remaining"]) == (2, 8)
    three = await shop.post("/api/v1/checkout/preview", admin=False,
                            json={"cart_id": await cart_with(shop, v["TEA-1"], 3)})
    assert three.status_code == 409 and three.json()["type"].endswith("/flash_sale_limit")


async def test_bad_sales_are_refused_field_by_field(open_shop, runtime):
    shop, _, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    bad = await shop.post("/api/admin/v1/marketing/flash-sales", json={
        "variant_id": v["TEA-1"], "price": 20000, "quota": 0, "starts_at": "tomorrow",
        "ends_at": "2026-01-01T00:00:00"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json")
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"price", "quota", "starts_at", "ends_at"} <= fields
    await _sale(shop, v["TEA-1"])
    overlap = await shop.post("/api/admin/v1/marketing/flash-sales",
                              json={"variant_id": v["TEA-1"], "price": 100, "quota": 1,
                                    **window(10, 20)})
    assert overlap.status_code == 409
    guest = await shop.post("/api/admin/v1/marketing/flash-sales", admin=False,
                            json={"variant_id": v["TEA-1"]})
    assert guest.status_code == 401


async def test_another_shops_sale_is_out_of_reach(open_shop, runtime):
    shop, _, _v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    other, _, ov, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    theirs = await _sale(other, ov["TEA-1"])
    assert (await shop.get(f"/api/admin/v1/marketing/flash-sales/{theirs['id']}")
            ).status_code == 404
    assert (await shop.patch(f"/api/admin/v1/marketing/flash-sales/{theirs['id']}",
                             json={"quota": 1})).status_code == 404
    assert (await shop.get("/api/v1/flash-sales", admin=False)).json()["items"] == []
    foreign = await shop.post("/api/admin/v1/marketing/flash-sales",
                              json={"variant_id": ov["TEA-1"], "price": 100, "quota": 1,
                                    **window()})
    assert foreign.status_code == 422  # their variant is no variant of this shop


async def _timed_out(tenant_id, number):
    """Make the order's payment-timeout job due now."""
    jobs = await OutboxEvent.select(OutboxEvent.id, OutboxEvent.payload).where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "job.cancel_unpaid_order"))
    ids = [job["id"] for job in jobs if number in str(job["payload"])]
    assert len(ids) == 1
    await OutboxEvent.update({OutboxEvent.next_attempt_at: dt.datetime.now(dt.UTC)
                              - dt.timedelta(seconds=1)}).where(OutboxEvent.id == ids[0])


async def test_an_unpaid_order_returns_its_quota_once_when_it_times_out(open_shop, runtime):
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    sale = await _sale(shop, v["TEA-1"], quota=2)
    first = await shop.post("/api/v1/orders", admin=False,
                            json=order_body(await cart_with(shop, v["TEA-1"], 2)))
    assert first.status_code == 201
    gone = await shop.post("/api/v1/orders", admin=False,
                           json=order_body(await cart_with(shop, v["TEA-1"], 1)))
    assert gone.status_code == 409 and gone.json()["type"].endswith("/sold_out")
    await _timed_out(tenant_id, first.json()["number"])
    for _ in range(3):  # the job, then the cancelled event; more passes change nothing
        await relay_once(runtime.host, plugin_jobs(runtime.host), limit=100_000)
    order = await shop.get(f"/api/admin/v1/orders/{first.json()['number']}")
    assert order.json()["status"] == "cancelled"
    assert await _sold(tenant_id, sale["id"]) == 0
    async with db.shop_scope(tenant_id):  # given back once, however often it is asked
        assert await flash_sales.give_back(tenant_id, first.json()["number"]) == 0
    assert await _sold(tenant_id, sale["id"]) == 0
    again = await shop.post("/api/v1/orders", admin=False,
                            json=order_body(await cart_with(shop, v["TEA-1"], 2)))
    assert again.status_code == 201  # the returned units sell again, Redis gate included
    assert await _sold(tenant_id, sale["id"]) == 2


async def test_a_cancelled_order_returns_its_quota(open_shop, runtime):
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    sale = await _sale(shop, v["TEA-1"], quota=1)
    placed = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"])))
    number = placed.json()["number"]
    cancelled = await shop.post(f"/api/admin/v1/orders/{number}/cancel",
                                json={"reason": "changed mind"})
    assert cancelled.status_code == 200
    for _ in range(2):
        await relay_once(runtime.host, plugin_jobs(runtime.host), limit=100_000)
    assert await _sold(tenant_id, sale["id"]) == 0
    async with db.shop_scope(tenant_id):
        assert await FlashSaleClaim.count().where(FlashSaleClaim.order_number == number) == 0


async def test_a_failed_order_gives_the_redis_counter_back(open_shop, runtime):
    """The quota is taken, then the order fails later in its transaction (another line runs
    out of stock): the database rolls back and the Redis counter is given back."""
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                                ("CUP-1", 3000, 1))
    sale = await _sale(shop, v["TEA-1"], quota=1)
    cart = await cart_with(shop, v["TEA-1"])
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": v["CUP-1"], "quantity": 1})
    taken = await shop.post("/api/v1/orders", admin=False,
                            json=order_body(await cart_with(shop, v["CUP-1"])))
    assert taken.status_code == 201  # the last cup is gone
    failed = await shop.post("/api/v1/orders", admin=False, json=order_body(cart))
    assert failed.status_code == 409 and failed.json()["type"].endswith("/out_of_stock")
    assert await _sold(tenant_id, sale["id"]) == 0
    redis = shared_redis()
    if redis is not None:
        async with db.shop_scope(tenant_id):
            row = await FlashSale.select().where(FlashSale.id == sale["id"]).first()
        assert int(await redis.get(flash_sales.counter_key(tenant_id, row))) == 1
    alone = await shop.post("/api/v1/orders", admin=False,
                            json=order_body(await cart_with(shop, v["TEA-1"])))
    assert alone.status_code == 201


@pytest.mark.concurrency
async def test_200_buyers_for_a_quota_of_20_make_exactly_20_orders(open_shop, runtime):
    shop, tenant_id, v, pid = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 500))
    sale = await _sale(shop, v["TEA-1"], price=990, quota=20)
    carts = [await cart_with(shop, v["TEA-1"]) for _ in range(200)]
    answers = await asyncio.gather(*(shop.post("/api/v1/orders", admin=False,
                                               json=order_body(cart)) for cart in carts))
    placed = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(placed) == 20, [a.text for a in refused][:2]
    assert all(a.json()["total"] == 990 for a in placed)
    assert {a.status_code for a in refused} == {409}
    assert all(a.json()["type"].endswith("/sold_out") for a in refused)
    assert await _sold(tenant_id, sale["id"]) == 20
    product = (await shop.get(f"/api/admin/v1/products/{pid['TEA-1']}")).json()
    assert product["variants"][0]["stock"]["reserved"] == 20  # stock held for the 20 orders only
    async with db.shop_scope(tenant_id):
        assert await FlashSaleClaim.count().where(FlashSaleClaim.sale == sale["id"]) == 20
        row = await FlashSale.select().where(FlashSale.id == sale["id"]).first()
    redis = shared_redis()
    if redis is not None:  # the PostgreSQL + Redis run: the Redis gate turned them away
        assert int(await redis.get(flash_sales.counter_key(tenant_id, row))) == 0


async def test_a_signed_in_customer_buys_at_most_the_limit_across_orders(
        open_shop, runtime, shopper):
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    sale = await _sale(shop, v["TEA-1"], quota=10, per_customer_limit=2)
    buyer = shopper(shop)
    await buyer.register(phone="13700137000", name="王芳")
    await buyer.place_order({v["TEA-1"]: 2})
    body = {"cart_id": await buyer.cart({v["TEA-1"]: 1}), "contact": {"name": "王芳",
            "phone": "13700137000"}, "address": order_body("")["address"],
            "payment_method": "cod"}
    third = await buyer.call("POST", "/api/v1/orders", body)
    assert third.status_code == 409 and third.json()["type"].endswith("/flash_sale_limit")
    assert "每人限购 2 件" in third.json()["detail"]  # in the shop's language
    assert await _sold(tenant_id, sale["id"]) == 2  # the refused order took nothing
    other = shopper(shop)
    await other.register(phone="13700137001", name="李娜")
    assert (await other.place_order({v["TEA-1"]: 2}))["total"] == 2 * 5000


async def test_the_checkout_page_sends_a_sold_out_sale_back_to_the_cart_saying_why(
        open_shop, runtime, app):
    import re

    import httpx

    shop, _, v, p = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    await _sale(shop, v["TEA-1"], quota=1)
    async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{shop.host}",
            headers={"accept": "text/html", "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        page = await browser.get(f"/products/{p['TEA-1']}")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        added = await browser.post("/cart/items", data={
            "_csrf_token": token, "product_id": str(p["TEA-1"]),
            "variant_id": str(v["TEA-1"]), "quantity": "1"})
        assert added.status_code in (200, 303), added.text
        placed = await shop.post("/api/v1/orders", admin=False,
                                 json=order_body(await cart_with(shop, v["TEA-1"])))
        assert placed.status_code == 201  # someone else took the only unit
        checkout = await browser.get("/checkout")
    assert checkout.status_code == 409
    assert "秒杀已抢光" in checkout.text and "去结算" in checkout.text  # the cart, with why


async def test_late_buyers_are_refused_before_the_orders_transaction(
        open_shop, runtime, monkeypatch):
    """Once the quota is gone, a buyer of the sale's variant gets 409 `sold_out` without
    the order's transaction being opened (issue 14); other carts still go through, and a
    placed cart still answers `cart_placed` from the transaction."""

    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                                ("CUP-1", 3000, 50))
    await _sale(shop, v["TEA-1"], price=990, quota=1)
    first_cart = await cart_with(shop, v["TEA-1"])
    late_cart = await cart_with(shop, v["TEA-1"])
    opened = _placings(monkeypatch)
    first = await shop.post("/api/v1/orders", admin=False, json=order_body(first_cart))
    assert first.status_code == 201 and first.json()["total"] == 990
    flash_sales._forget_sales(tenant_id)  # as another app process, whose read is older
    late = await shop.post("/api/v1/orders", admin=False, json=order_body(late_cart))
    assert late.status_code == 409 and late.json()["type"].endswith("/sold_out")
    assert "龙井茶" in late.json()["detail"]
    assert opened == [first_cart]  # the late buyer never reached the transaction
    again = await shop.post("/api/v1/orders", admin=False, json=order_body(first_cart))
    assert again.status_code == 409 and again.json()["type"].endswith("/cart_placed")
    cups = await shop.post("/api/v1/orders", admin=False,
                           json=order_body(await cart_with(shop, v["CUP-1"])))
    assert cups.status_code == 201
    assert len(opened) == 3


async def test_only_a_shop_that_enabled_the_plugin_asks_it_to_admit_a_buyer(
        open_shop, runtime, monkeypatch):
    """Admission asks the adjusters of the shop's enabled plugins only (from the shop
    cache: no statement), so a shop without flash sales never pays for their gate."""
    shop, _tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    plain = await open_shop()
    made = await plain.post("/api/admin/v1/products", json={
        "name": "龙井茶", "variants": [{"sku": "TEA-1", "price": 12800, "stock": 50}]})
    assert made.status_code == 201, made.text
    asked = []
    one, many = flash_sales.FlashSalePrice.admit, flash_sales.FlashSalePrice.admit_many

    async def counting(self, shop, wanted, locale):
        asked.append(shop.slug)
        return await one(self, shop, wanted, locale)

    async def counting_many(self, shop, wanted, locales):  # the admission door's batch
        asked.append(shop.slug)
        return await many(self, shop, wanted, locales)

    monkeypatch.setattr(flash_sales.FlashSalePrice, "admit", counting)
    monkeypatch.setattr(flash_sales.FlashSalePrice, "admit_many", counting_many)
    for buyer, variant in ((plain, made.json()["variants"][0]["id"]), (shop, v["TEA-1"])):
        placed = await buyer.post("/api/v1/orders", admin=False,
                                  json=order_body(await cart_with(buyer, variant)))
        assert placed.status_code == 201, placed.text
    assert asked == [shop.slug]


async def test_the_checkout_form_refuses_a_late_buyer_before_placing(
        open_shop, runtime, app, monkeypatch):
    """The storefront's checkout form is gated too: the shopper who opened the checkout
    while units were left and sends it after they are gone sees why, and nothing is placed
    (the placing transaction is not opened)."""
    import re

    from galleria.testing import Browser
    from galleria.web.pages.storefront import checkout_pages

    shop, tenant_id, v, p = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    await _sale(shop, v["TEA-1"], price=990, quota=1)
    browser = Browser(app, shop.host)
    try:
        token = await browser.csrf(f"/products/{p['TEA-1']}")
        added = await browser.http.post("/cart/items", data={
            "_csrf_token": token, "product_id": str(p["TEA-1"]),
            "variant_id": str(v["TEA-1"]), "quantity": "1"})
        assert added.status_code in (200, 303), added.text
        page = await browser.get("/checkout")
        assert page.status_code == 200
        form = {"attempt": re.search(r'name="attempt" value="([^"]+)"', page.text).group(1),
                "contact.name": "韩梅梅", "contact.phone": "13900139000",
                "address.country": "CN", "address.province": "上海市", "address.city": "上海市",
                "address.district": "静安区", "address.line1": "南京西路 1 号",
                "payment_method": "cod", "action": "place",
                "_csrf_token": re.search(r'name="_csrf_token" value="([^"]+)"',
                                         page.text).group(1)}
        taken = await shop.post("/api/v1/orders", admin=False,
                                json=order_body(await cart_with(shop, v["TEA-1"])))
        assert taken.status_code == 201  # someone else took the only unit meanwhile
        flash_sales._forget_sales(tenant_id)  # as another app process, whose read is older
        placings = []
        real = checkout_pages.place_once

        async def counting(*args, **kwargs):
            placings.append(args)
            return await real(*args, **kwargs)

        monkeypatch.setattr(checkout_pages, "place_once", counting)
        sent = await browser.http.post("/checkout", data=form)
    finally:
        await browser.close()
    assert sent.status_code == 409
    assert "龙井茶 秒杀已抢光" in sent.text, sent.text[:2000]
    assert placings == []


# -- the Redis gate takes the units at admission (issue 14 item 4) -----------------------------
_left, _needs_redis = left_on_counter, needs_redis_gate


async def test_a_burst_buyer_is_refused_at_admission_while_the_row_still_shows_units(
        open_shop, runtime, monkeypatch):
    """The first buyer took the last unit at admission and is still placing (the sale's row
    shows it unsold): the next buyer is refused with 409 `sold_out` at admission, never
    reaching `place_order`; the first buyer's order uses the units taken, not a second take."""
    from galleria.web.api import shop_orders

    _needs_redis()
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    sale = await _sale(shop, v["TEA-1"], price=990, quota=2)
    first_cart = await cart_with(shop, v["TEA-1"], 2)
    late_cart = await cart_with(shop, v["TEA-1"])
    arrived, go, opened = asyncio.Event(), asyncio.Event(), []
    real = shop_orders.place_order

    async def held(*args, **kwargs):
        opened.append(args[2].cart_id)
        if args[2].cart_id == first_cart:
            arrived.set()
            await go.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(shop_orders, "place_order", held)
    first = asyncio.create_task(shop.post("/api/v1/orders", admin=False,
                                          json=order_body(first_cart)))
    try:
        await asyncio.wait_for(arrived.wait(), 30)
        assert await _sold(tenant_id, sale["id"]) == 0  # the record still shows 2 units
        assert await _left(tenant_id, sale["id"]) == 0  # the first buyer holds them
        late = await shop.post("/api/v1/orders", admin=False, json=order_body(late_cart))
        assert late.status_code == 409 and late.json()["type"].endswith("/sold_out")
        assert "龙井茶" in late.json()["detail"]
        assert late.json()["sale_id"] == sale["id"]
        assert late.json()["variant_id"] == v["TEA-1"]
        assert opened == [first_cart]  # the late buyer never reached the transaction
    finally:
        go.set()
        placed = await first
    assert placed.status_code == 201 and placed.json()["total"] == 2 * 990
    assert await _sold(tenant_id, sale["id"]) == 2
    assert await _left(tenant_id, sale["id"]) == 0  # taken once, kept by the order


async def test_units_taken_at_admission_go_back_once_when_the_order_fails(
        open_shop, runtime, monkeypatch):
    """Admission took the cart's sale units; the order is then refused — a validation error
    before the transaction does anything, another line out of stock inside it, an error of
    the handler, the client gone (the task cancelled) — and each time the units are back on
    the counter exactly once, so the next buyer gets them."""
    from galleria.web.api import shop_orders

    _needs_redis()
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                                ("CUP-1", 3000, 1))
    sale = await _sale(shop, v["TEA-1"], quota=3)
    cart = await cart_with(shop, v["TEA-1"], 2)
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": v["CUP-1"], "quantity": 1})
    assert (await shop.post("/api/v1/orders", admin=False, json=order_body(
        await cart_with(shop, v["CUP-1"])))).status_code == 201  # the last cup is gone
    assert await _left(tenant_id, sale["id"]) == 3  # armed when the sale was created

    bad = order_body(await cart_with(shop, v["TEA-1"], 2))
    bad["address"] = {**bad["address"], "phone": "12"}
    invalid = await shop.post("/api/v1/orders", admin=False, json=bad)
    assert invalid.status_code == 422, invalid.text
    assert await _left(tenant_id, sale["id"]) == 3

    short = await shop.post("/api/v1/orders", admin=False, json=order_body(cart))
    assert short.status_code == 409 and short.json()["type"].endswith("/out_of_stock")
    assert await _left(tenant_id, sale["id"]) == 3

    real = shop_orders.place_order
    arrived = asyncio.Event()

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug after admission")

    async def hanging(*args, **kwargs):
        arrived.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(shop_orders, "place_order", broken)
    failed = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"], 2)))
    assert failed.status_code == 500
    assert await _left(tenant_id, sale["id"]) == 3

    monkeypatch.setattr(shop_orders, "place_order", hanging)
    gone = asyncio.create_task(shop.post("/api/v1/orders", admin=False,
                                         json=order_body(await cart_with(shop, v["TEA-1"], 2))))
    try:
        await asyncio.wait_for(arrived.wait(), 30)
        assert await _left(tenant_id, sale["id"]) == 1  # held while placing
    finally:
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
    assert await _left(tenant_id, sale["id"]) == 3

    monkeypatch.setattr(shop_orders, "place_order", real)
    assert await _sold(tenant_id, sale["id"]) == 0
    placed = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"], 3)))
    assert placed.status_code == 201, placed.text
    assert (await _sold(tenant_id, sale["id"]), await _left(tenant_id, sale["id"])) == (3, 0)


async def test_admission_takes_all_of_a_carts_sale_units_or_none(open_shop, runtime):
    """A cart with two sales' variants, one of them with too few units left: refused, and
    the other sale's counter is untouched."""
    _needs_redis()
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                                ("CUP-1", 3000, 50))
    tea = await _sale(shop, v["TEA-1"], quota=5)
    cup = await _sale(shop, v["CUP-1"], price=1000, quota=1)
    cart = await cart_with(shop, v["TEA-1"], 2)
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": v["CUP-1"], "quantity": 2})
    refused = await shop.post("/api/v1/orders", admin=False, json=order_body(cart))
    assert refused.status_code == 409 and refused.json()["type"].endswith("/sold_out")
    assert refused.json()["sale_id"] == cup["id"]
    assert (await _left(tenant_id, tea["id"]), await _left(tenant_id, cup["id"])) == (5, 1)
    await shop.patch(f"/api/v1/carts/{cart}/items/{v['CUP-1']}", admin=False,
                     json={"quantity": 1})
    placed = await shop.post("/api/v1/orders", admin=False, json=order_body(cart))
    assert placed.status_code == 201, placed.text
    assert placed.json()["total"] == 2 * 5000 + 1000
    assert (await _left(tenant_id, tea["id"]), await _left(tenant_id, cup["id"])) == (3, 0)
    assert (await _sold(tenant_id, tea["id"]), await _sold(tenant_id, cup["id"])) == (2, 1)


async def test_a_refused_late_buyer_costs_two_statements(
        open_shop, runtime, monkeypatch, driver_statements):
    """Refused at admission (warm): the host's shop, then the cart's lines in one statement
    that sets the shop's RLS scope for itself on PostgreSQL — no transaction (it was BEGIN,
    the RLS setting, the read, COMMIT). The admission door looks the host up once a second
    at most, so a refusal soon after another costs the cart's read alone."""
    monkeypatch.setattr(flash_sales, "SALES_TTL", 600.0)  # the running sales stay read
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    await _sale(shop, v["TEA-1"], price=990, quota=1)
    assert (await shop.post("/api/v1/orders", admin=False, json=order_body(
        await cart_with(shop, v["TEA-1"])))).status_code == 201
    flash_sales._forget_sales(tenant_id)  # read again: sold out (without Redis, this says so)
    for _ in range(2):  # the second one warm
        late_cart = await cart_with(shop, v["TEA-1"])
        driver_statements.clear()
        late = await shop.post("/api/v1/orders", admin=False, json=order_body(late_cart))
        assert late.status_code == 409 and late.json()["type"].endswith("/sold_out")
    # (aiosqlite's commit call after a statement outside a transaction sends nothing)
    sent = [text for text in driver_statements if text != "COMMIT"]
    assert 1 <= len(sent) <= 2, "\n".join(driver_statements)
    assert "cart" in sent[-1] and all("FROM tenant" in text for text in sent[:-1])


async def test_without_redis_a_burst_beyond_the_quota_is_refused_before_placing(
        open_shop, runtime, monkeypatch):
    """One app process without Redis (the embedded default) gates the buyers itself: of 30
    buyers at once for a quota of 3, exactly 3 reach the order's transaction and are
    placed; the other 27 get 409 `sold_out` at admission — they used to queue one by one
    for the sale's row (SQLite: 24 ms each, a 400-buyer sale answered in 9 s). Units held
    by an order that fails go back: the next buyer gets them."""

    monkeypatch.setattr(flash_sales, "shared_redis", lambda: None)  # as a process without it
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 100))
    sale = await _sale(shop, v["TEA-1"], price=990, quota=4)
    bad = order_body(await cart_with(shop, v["TEA-1"]))
    bad["address"] = {**bad["address"], "phone": "12"}
    assert (await shop.post("/api/v1/orders", admin=False, json=bad)).status_code == 422
    assert (await shop.post("/api/v1/orders", admin=False, json=order_body(
        await cart_with(shop, v["TEA-1"])))).status_code == 201  # 3 left
    carts = [await cart_with(shop, v["TEA-1"]) for _ in range(30)]
    opened = _placings(monkeypatch)
    flash_sales._forget_sales(tenant_id)  # the sale read afresh: 1 sold
    answers = await asyncio.gather(*(shop.post("/api/v1/orders", admin=False,
                                               json=order_body(cart)) for cart in carts))
    placed = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(placed) == 3 and all(a.json()["total"] == 990 for a in placed)
    assert len(refused) == 27
    assert all(a.status_code == 409 and a.json()["type"].endswith("/sold_out")
               for a in refused), refused[0].text
    assert len(opened) == 3  # the refused never reached the order's transaction
    assert await _sold(tenant_id, sale["id"]) == 4
    assert not flash_sales._held_here  # every ticket closed: nothing held any more
