"""Points (积分): earned when an order completes, taken back exactly once on refunds, spent
at checkout within the shop's cap and atomically with the order, expiring by the shop's
rule; the ledger through the API. Through the ASGI app, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo

import pytest
from points_helpers import (
    balance,
    complete,
    give,
    paid_order,
    points_shop,
    refund,
    relay,
)

from galleria.kernel import OrderFacts, OrderLineFacts, db
from galleria.testing.database import on_postgres
from galleria_plugins.marketing_points import ledger, rewards
from galleria_plugins.marketing_points.rules import Rules, parse_levels
from galleria_plugins.marketing_points.tables import PointsEntry


def _facts(lines, total, shipping=0, refunded=0) -> OrderFacts:
    return OrderFacts(number="1", status="completed", customer_id=1, currency="CNY",
                      subtotal=sum(line.kept_total for line in lines), shipping_fee=shipping,
                      discount_total=0, total=total, refunded_total=refunded, points=0,
                      contact_phone="", address_key="", payment_method="cod",
                      timezone="Asia/Shanghai", lines=tuple(lines))


def test_points_follow_each_category_rate_on_what_was_paid():
    tea = OrderLineFacts(1, 1, 7, "TEA", 2, 0, 5000)  # ¥100 of tea, category 7
    cup = OrderLineFacts(2, 2, 8, "CUP", 1, 0, 10000)  # ¥100 of cups, category 8
    rules = Rules(earn_rate=1, category_rates=((7, 3),))
    assert rewards.earned_points(_facts([tea, cup], total=20000), rules) == 300 + 100
    # A ¥40 discount and ¥10 shipping: points on the ¥160 paid for goods, shared by value.
    assert rewards.earned_points(_facts([tea, cup], total=17000, shipping=1000), rules) == \
        240 + 80
    # Refunded money earns nothing.
    assert rewards.earned_points(_facts([tea, cup], total=20000, refunded=10000), rules) == \
        150 + 50


def test_points_expire_at_the_end_of_next_year_in_the_shops_time():
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    # 2026-12-31 20:00 UTC is already 2027 in Shanghai: the points last to the end of 2028.
    late = dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC)
    assert Rules().expires_at(late, "Asia/Shanghai") == dt.datetime(2029, 1, 1, tzinfo=shanghai)
    early = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert Rules().expires_at(early, "Asia/Shanghai") == dt.datetime(2028, 1, 1,
                                                                    tzinfo=shanghai)
    assert Rules(expiry="never").expires_at(early, "Asia/Shanghai") is None


def test_levels_are_read_exactly_and_bad_lines_named():
    levels = parse_levels("金卡:2000:95:yes\n银卡:500:98:no", "spend", "CNY")
    assert [(lv.name, lv.threshold, lv.discount_percent, lv.free_shipping)
            for lv in levels] == [("银卡", 50000, 98, False), ("金卡", 200000, 95, True)]
    with pytest.raises(ValueError, match="银卡:500"):
        parse_levels("银卡:500", "spend", "CNY")


async def test_points_are_earned_on_completion_and_taken_back_once_per_refund(
        open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop, {"earn_rate": 1})
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000001"))["customer"]["id"]
    order = await paid_order(buyer, variant, 2)  # ¥200
    await relay(runtime)
    assert await balance(shop.id, me) == 0  # paid is not completed: nothing yet
    await complete(shop.id, order["number"])
    await relay(runtime)
    await relay(runtime)
    assert await balance(shop.id, me) == 200

    await refund(shop.id, order["number"], 5000)  # a quarter comes back
    await relay(runtime)
    await relay(runtime)
    assert await balance(shop.id, me) == 150
    await refund(shop.id, order["number"], 15000)  # the rest: the order is refunded
    await relay(runtime)
    assert await balance(shop.id, me) == 0
    async with db.shop_scope(shop.id):
        rows = await PointsEntry.select(PointsEntry.kind, PointsEntry.points).where(
            (PointsEntry.tenant == shop.id) & (PointsEntry.customer == me))
    assert sorted((r["kind"], r["points"]) for r in rows) == [
        ("earn", 200), ("reverse", -150), ("reverse", -50)]

    answer = await buyer.call("GET", "/api/v1/account/points")
    assert answer.status_code == 200
    body = answer.json()
    assert body["balance"] == 0
    assert [(i["kind"], i["points"]) for i in body["items"]] == [
        ("reverse", -150), ("reverse", -50), ("earn", 200)]
    assert body["items"][-1]["order_number"] == order["number"]
    assert body["items"][-1]["expires_at"].startswith(str(dt.date.today().year + 1)[:2])


async def test_points_pay_within_the_cap_and_return_when_the_order_is_cancelled(
        open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop, {"redeem_rate": 100,
                                                  "redeem_cap_percent": 50})
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000002"))["customer"]["id"]
    await give(shop.id, me, 8000, "welcome")
    cart = await buyer.cart({variant: 1})  # ¥100
    too_many = await buyer.call("POST", "/api/v1/checkout/preview",
                                {"cart_id": cart, "points": 5001})
    assert too_many.status_code == 422
    assert too_many.json()["errors"] == [
        {"field": "points", "message": "at most 5000 points on this order"}]
    more_than_held = await buyer.call("POST", "/api/v1/checkout/preview",
                                      {"cart_id": await buyer.cart({variant: 3}),
                                       "points": 9000})
    assert more_than_held.status_code == 422
    assert "you have 8000 points" in more_than_held.text
    preview = await buyer.call("POST", "/api/v1/checkout/preview",
                               {"cart_id": cart, "points": 5000})
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [("points", -5000)]
    assert body["total"] == 5000
    assert await balance(shop.id, me) == 8000  # a preview spends nothing

    order = await buyer.place_order({variant: 1}, points=5000)
    assert order["total"] == 5000
    assert await balance(shop.id, me) == 3000
    cancelled = await shop.post(f"/api/admin/v1/orders/{order['number']}/cancel",
                                json={"reason": "changed mind"})
    assert cancelled.status_code == 200
    await relay(runtime)
    await relay(runtime)  # given back once, however often the outbox runs
    assert await balance(shop.id, me) == 8000

    guest = await shop.post("/api/v1/checkout/preview", admin=False,
                            json={"cart_id": cart, "points": 100})
    assert guest.status_code == 422 and "sign in" in guest.text


@pytest.mark.concurrency
async def test_the_same_points_cannot_be_spent_twice_at_once(open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop)
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000003"))["customer"]["id"]
    await give(shop.id, me, 5000, "welcome")
    carts = [await buyer.cart({variant: 1}) for _ in range(8)]
    from galleria.testing.shoppers import ADDRESS, CONTACT
    answers = await asyncio.gather(*(buyer.call("POST", "/api/v1/orders", {
        "cart_id": cart, "contact": CONTACT, "address": ADDRESS, "payment_method": "cod",
        "points": 3000}) for cart in carts))
    placed = [a for a in answers if a.status_code == 201]
    assert len(placed) == 1, [a.text for a in answers][:3]
    assert {a.status_code for a in answers} <= {201, 409, 422}
    assert await balance(shop.id, me) == 2000
    async with db.shop_scope(shop.id):
        spent = await PointsEntry.select().where(
            (PointsEntry.tenant == shop.id) & (PointsEntry.kind == "redeem"))
    assert [(r["points"], r["order_number"]) for r in spent] == [
        (-3000, placed[0].json()["number"])]


async def test_points_expire_by_lot_and_spending_uses_the_soonest_first(
        open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop)
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000004"))["customer"]["id"]
    now = dt.datetime.now(dt.UTC)
    await give(shop.id, me, 300, "soon", expires_at=now + dt.timedelta(days=30))
    await give(shop.id, me, 400, "later", expires_at=now + dt.timedelta(days=400))
    await buyer.place_order({variant: 1}, points=200)  # out of the lot that expires soon
    assert await balance(shop.id, me) == 500
    async with db.shop_scope(shop.id):
        assert await ledger.expire_due(shop.id, now + dt.timedelta(days=31)) == 100
        assert await ledger.expire_due(shop.id, now + dt.timedelta(days=31)) == 0  # once
    assert await balance(shop.id, me) == 400
    async with db.shop_scope(shop.id):
        assert await ledger.expire_due(shop.id, now + dt.timedelta(days=401)) == 400
    assert await balance(shop.id, me) == 0
    body = (await buyer.call("GET", "/api/v1/account/points")).json()
    assert [(i["kind"], i["points"]) for i in body["items"]][:2] == [
        ("expire", -400), ("expire", -100)]


async def test_completing_an_order_schedules_the_expiry_job(open_shop, runtime, shopper):
    from galleria.kernel.events_tables import OutboxEvent

    shop, variant = await points_shop(open_shop)
    buyer = shopper(shop)
    await buyer.register(phone="13900000005")
    order = await paid_order(buyer, variant)
    await complete(shop.id, order["number"])
    await relay(runtime)
    async with db.shop_scope(shop.id):
        jobs = await OutboxEvent.select(OutboxEvent.next_attempt_at).where(
            (OutboxEvent.tenant == shop.id)
            & (OutboxEvent.topic == "job.marketing_points.expire"))
    assert len(jobs) == 1
    assert jobs[0]["next_attempt_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(days=365)


async def test_another_shops_points_are_not_seen_or_spent_here(open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop)
    other, _ = await points_shop(open_shop)
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000006"))["customer"]["id"]
    await give(other.id, me, 9000, "elsewhere")  # the same customer number, another shop
    assert (await buyer.call("GET", "/api/v1/account/points")).json()["balance"] == 0
    cart = await buyer.cart({variant: 1})
    answer = await buyer.call("POST", "/api/v1/checkout/preview", {"cart_id": cart,
                                                                   "points": 100})
    assert answer.status_code == 422
    if on_postgres():  # the second wall: row-level security hides the other shop's rows
        async with db.shop_scope(shop.id):
            assert await PointsEntry.select().where(PointsEntry.customer == me) == []


async def test_hook_api_routes(open_shop, runtime, shopper, client):
    """galleria_api_routes: the plugin's handler answers at /api/v1/…, in the schema, only
    in shops that enabled the plugin, 401 to a guest."""
    shop, _ = await points_shop(open_shop)
    guest = await shop.get("/api/v1/account/points", admin=False)
    assert guest.status_code == 401
    assert guest.headers["content-type"].startswith("application/problem+json")
    plain = await open_shop()
    assert (await plain.get("/api/v1/account/points", admin=False)).status_code == 404
    schema = (await shop.get("/schema/openapi.json", admin=False)).json()
    assert "/api/v1/account/points" in schema["paths"]


async def test_hook_reward_granted(open_shop, runtime, shopper):
    """galleria_reward_granted: a `reward.granted` event of kind points is paid once."""
    from galleria.kernel import emit

    shop, _ = await points_shop(open_shop)
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000007"))["customer"]["id"]
    async with db.shop_scope(shop.id):
        for _ in range(2):
            await emit(shop.id, "reward.granted", {
                "customer_id": me, "kind": "points", "amount": 300, "reason": "referral",
                "ref": "referral:1:newcomer", "note": None})
        await emit(shop.id, "reward.granted", {
            "customer_id": me, "kind": "coupon", "amount": 500, "reason": "birthday",
            "ref": "birthday:2026", "note": None})
    await relay(runtime)
    assert await balance(shop.id, me) == 300


async def test_cancelled_lines_of_an_unpaid_order_give_their_share_of_points_back_once(
        open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop)
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000008"))["customer"]["id"]
    await give(shop.id, me, 1000, "welcome")
    order = await buyer.place_order({variant: 4}, points=800)  # ¥400 of goods
    assert await balance(shop.id, me) == 200
    cancelled = await shop.post(f"/api/admin/v1/orders/{order['number']}/cancel-lines",
                                json={"lines": [{"variant_id": variant, "quantity": 1}],
                                      "reason": "short pick"})
    assert cancelled.status_code == 200, cancelled.text
    await relay(runtime)
    await relay(runtime)
    assert await balance(shop.id, me) == 400  # a quarter of the goods: a quarter of 800
    cancelled = await shop.post(f"/api/admin/v1/orders/{order['number']}/cancel",
                                json={"reason": "changed mind"})
    assert cancelled.status_code == 200
    await relay(runtime)
    assert await balance(shop.id, me) == 1000  # the rest, never more than was spent
