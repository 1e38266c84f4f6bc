"""Member levels (会员等级): reached by cumulative spend, recalculated when an order completes
and when one is refunded; the level's member price at checkout; the console's figures."""

from __future__ import annotations

import re

from points_helpers import complete, paid_order, points_shop, refund, relay

LEVELS = "银卡:100:98:no\n金卡:300:95:yes"


async def _level(buyer) -> str | None:
    return (await buyer.call("GET", "/api/v1/account/points")).json()["level"]


async def _member_discount(buyer, variant) -> list[tuple[str, int]]:
    preview = await buyer.call("POST", "/api/v1/checkout/preview",
                               {"cart_id": await buyer.cart({variant: 1})})
    assert preview.status_code == 200, preview.text
    return [(a["code"], a["amount"]) for a in preview.json()["adjustments"]]


async def test_levels_follow_spend_up_on_completion_and_down_on_refund(
        open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop, {"levels": LEVELS, "level_basis": "spend"})
    buyer = shopper(shop)
    await buyer.register(phone="13900000011")
    assert await _level(buyer) is None and await _member_discount(buyer, variant) == []

    first = await paid_order(buyer, variant, 2)  # ¥200
    await complete(shop.id, first["number"])
    await relay(runtime)
    assert await _level(buyer) == "银卡"
    assert await _member_discount(buyer, variant) == [("member_discount", -200)]  # 98 %

    second = await paid_order(buyer, variant, 2)  # ¥200 less the 2 % member price
    assert second["total"] == 19600
    await complete(shop.id, second["number"])
    await relay(runtime)
    body = (await buyer.call("GET", "/api/v1/account/points")).json()
    assert (body["level"], body["spend_total"]) == ("金卡", 39600)
    assert await _member_discount(buyer, variant) == [("member_discount", -500)]  # 95 %

    await refund(shop.id, second["number"], 19600)  # returned in full
    await relay(runtime)
    await relay(runtime)
    body = (await buyer.call("GET", "/api/v1/account/points")).json()
    assert (body["level"], body["spend_total"]) == ("银卡", 20000)


async def test_levels_by_points(open_shop, runtime, shopper):
    shop, variant = await points_shop(open_shop, {
        "levels": "铜卡:150:99:no", "level_basis": "points", "earn_rate": 1})
    buyer = shopper(shop)
    await buyer.register(phone="13900000012")
    order = await paid_order(buyer, variant, 1)  # 100 points: not yet
    await complete(shop.id, order["number"])
    await relay(runtime)
    assert await _level(buyer) is None
    order = await paid_order(buyer, variant, 1)
    await complete(shop.id, order["number"])
    await relay(runtime)
    assert await _level(buyer) == "铜卡"


async def test_the_console_shows_true_figures_in_chinese(open_shop, runtime, shopper, console):
    shop, variant = await points_shop(open_shop, {"levels": LEVELS})
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000013"))["customer"]["id"]
    order = await paid_order(buyer, variant, 3)  # ¥300: 300 points, 金卡
    await complete(shop.id, order["number"])
    await relay(runtime)
    browser = await console(shop)
    page = await browser.get("/console/p/marketing_points")
    assert page.status_code == 200
    html = page.text
    assert "积分与会员" in html and "会员等级" in html and "金卡" in html
    figure = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', html))
    assert figure == {"members": "1", "outstanding": "300", "earned": "300", "spent": "0",
                      "expired": "0", "orders": "0", "discount": "¥0.00"}
    assert "消费获得" in html and "Earned" not in html
    spent = await buyer.place_order({variant: 1}, points=120)  # ¥1.20 off
    kept = await buyer.place_order({variant: 1}, points=80)
    await shop.post(f"/api/admin/v1/orders/{spent['number']}/cancel", json={"reason": "x"})
    await relay(runtime)  # the cancelled order's points come back: it no longer counts
    html = (await browser.get("/console/p/marketing_points")).text
    figure = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', html))
    assert (figure["orders"], figure["discount"], figure["spent"]) == ("1", "¥0.80", "80")
    assert kept["total"] == 10000 - 500 - 80  # 金卡 pays 95 %, then the points
    ledger = await browser.get(f"/plugins/marketing_points/ledger?customer={me}")
    assert ledger.status_code == 200
    assert 'data-balance="220"' in ledger.text and "会员等级：金卡" in ledger.text


def test_a_birthday_on_29_february_falls_on_1_march_in_other_years():
    import datetime as dt
    import zoneinfo

    from galleria_plugins.marketing_points.birthdays import next_birthday
    from galleria_plugins.marketing_points.rules import parse_levels

    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    now = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)
    assert next_birthday("02-29", now, "Asia/Shanghai") == dt.datetime(2027, 3, 1,
                                                                       tzinfo=shanghai)
    assert next_birthday("12-05", now, "Asia/Shanghai").date() == dt.date(2026, 12, 5)
    level = parse_levels("金卡:2000:95:yes:500", "spend", "CNY")[0]
    assert (level.free_shipping, level.birthday_points) == (True, 500)


async def test_members_get_their_levels_birthday_points_once_a_year(open_shop, runtime,
                                                                    shopper):
    import datetime as dt
    import zoneinfo

    from points_helpers import balance

    from galleria.kernel import db
    from galleria.kernel.events_tables import OutboxEvent
    from galleria_plugins.marketing_points import birthdays, ledger, rewards

    shop, _ = await points_shop(open_shop, {"levels": "银卡:100:100:no:300",
                                            "level_basis": "points"})
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000014"))["customer"]["id"]
    form = await buyer.call("GET", "/plugins/marketing_points/me",
                            headers={"accept": "text/html", "accept-language": "zh-CN"})
    assert "data-birthday-form" in form.text and "会员生日当天送积分" in form.text
    async with db.shop_scope(shop.id):
        await ledger.credit(shop.id, me, 100, "adjust", "gift", earned=True)
        assert await rewards.recalculate_level(shop.id, me) == "银卡"
        assert await birthdays.set_birthday(shop.id, me, "03-08", "Asia/Shanghai")
        assert not await birthdays.set_birthday(shop.id, me, "04-01", "Asia/Shanghai")
        jobs = await OutboxEvent.select().where(
            (OutboxEvent.tenant == shop.id)
            & (OutboxEvent.topic == "job.marketing_points.birthday"))
    assert len(jobs) == 1  # set once, scheduled once
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    eve = dt.datetime(2027, 3, 7, 23, 0, tzinfo=shanghai)
    day = dt.datetime(2027, 3, 8, 9, 0, tzinfo=shanghai)
    assert await birthdays.give_birthday_points(shop.id, me, "Asia/Shanghai", now=eve) == 0
    assert await birthdays.give_birthday_points(shop.id, me, "Asia/Shanghai", now=day) == 300
    assert await birthdays.give_birthday_points(shop.id, me, "Asia/Shanghai", now=day) == 0
    assert await balance(shop.id, me) == 400
    page = await buyer.call("GET", "/plugins/marketing_points/me",
                            headers={"accept": "text/html", "accept-language": "zh-CN"})
    assert "生日：3月8日" in page.text and "生日当天送 300 积分" in page.text


async def test_the_adjusters_keep_the_contract_and_a_level_ships_free(open_shop, runtime,
                                                                      shopper):
    from galleria.kernel import db
    from galleria.testing import check_price_adjuster, pricing_context
    from galleria_plugins.marketing_points import ledger, rewards
    from galleria_plugins.marketing_points.adjusters import MemberPricing, PointsRedemption

    shop, _ = await points_shop(open_shop, {"levels": "金卡:100:95:yes",
                                            "level_basis": "points"})
    kernel_shop = await shop.shop()
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000015"))["customer"]["id"]
    async with db.shop_scope(shop.id):
        await ledger.credit(shop.id, me, 2000, "adjust", "gift", earned=True)
        await rewards.recalculate_level(shop.id, me)
        context = pricing_context(kernel_shop, shipping_fee=1200, customer_id=me)
        member = await check_price_adjuster(MemberPricing(), context)
        assert [(a.code, a.target) for a in member] == [
            ("member_discount", "items"), ("member_free_shipping", "shipping")]
        assert member[1].amount == -1200 and member[1].label == "金卡包邮"
        points = await check_price_adjuster(PointsRedemption(), pricing_context(
            kernel_shop, customer_id=me, points=100))
        assert [(a.code, a.amount) for a in points] == [("points", -100)]
        guest = await check_price_adjuster(MemberPricing(), pricing_context(
            kernel_shop, shipping_fee=1200))
        assert guest == []
