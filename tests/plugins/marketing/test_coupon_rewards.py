"""Coupon rewards: the coupon plugin pays `reward.granted` events of kind coupon — a referral
reward, a member's birthday coupon — by putting the coupon the granting plugin's settings
chose into the shopper's wallet, exactly once per reward, where checkout then uses it."""

from __future__ import annotations

import datetime as dt

from galleria.kernel import db, emit
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.testing import run_outbox
from galleria_plugins.marketing_points import birthdays
from galleria_plugins.marketing_points.tables import PointsAccount
from galleria_plugins.marketing_referral import referrals
from galleria_plugins.marketing_referral.tables import Referral

PATH = (states.PAID, states.APPROVED, states.FULFILLING, states.SHIPPED, states.DELIVERED,
        states.COMPLETED)
COUPONS = "/api/admin/v1/marketing/coupons"


async def _shop(open_shop, **plugins):
    shop = await open_shop(plan="pro", plugins={"marketing": {}, **plugins})
    await shop.shop()
    product = await shop.post("/api/admin/v1/products", json={"name": "白茶", "variants": [
        {"sku": "WHITE-1", "price": 10000, "stock": 100}]})
    return shop, product.json()["variants"][0]["id"]


async def _coupon(shop, name, value):
    """A wallet-only coupon (not in the coupon centre): only rewards give it."""
    made = await shop.post(COUPONS, json={"kind": "amount_off", "value": value, "name": name,
                                          "reward_only": True})
    assert made.status_code == 201, made.text
    assert (made.json()["code"], made.json()["reward_only"]) == (None, True)
    return made.json()["id"]


async def _wallet(buyer):
    answer = await buyer.call("GET", "/api/v1/account/coupons")
    assert answer.status_code == 200, answer.text
    return [(e["coupon"]["name"], e["state"]) for e in answer.json()["items"]]


async def test_referral_rewards_in_coupons_land_in_both_wallets_once(open_shop, runtime,
                                                                   shopper):
    shop, variant = await _shop(open_shop)
    thanks = await _coupon(shop, "邀请感谢券", 2000)
    welcome = await _coupon(shop, "新人券", 1000)
    saved = await shop.put("/api/admin/v1/plugins/marketing_referral", json={
        "enabled": True, "settings": {"reward_kind": "coupon", "referrer_coupon": thanks,
                                      "newcomer_coupon": welcome, "hold_days": 7}})
    assert saved.status_code == 200, saved.text
    referrer = shopper(shop)
    referrer_id = (await referrer.register(phone="13600000001"))["customer"]["id"]
    code = (await referrer.call("GET", "/api/v1/account/referral")).json()["code"]
    newcomer = shopper(shop)
    newcomer_id = (await newcomer.register(phone="13600000002"))["customer"]["id"]
    assert (await newcomer.call("GET", f"/plugins/marketing_referral/join/{code}")
            ).status_code == 200
    order = await newcomer.place_order({variant: 1})
    for to in PATH:
        await orders.transition(shop.id, order["number"], to, actor="test")
    await run_outbox(runtime.host)
    assert await _wallet(referrer) == []  # held until the return window closes
    async with db.shop_scope(shop.id):
        row = await Referral.select().where(
            (Referral.tenant == shop.id) & (Referral.newcomer == newcomer_id)).first()
    after = row["hold_until"] + dt.timedelta(seconds=1)
    assert await referrals.release(shop.id, row["id"], now=after) == "rewarded"
    await run_outbox(runtime.host)
    async with db.shop_scope(shop.id):  # the same reward delivered again pays nothing more
        await emit(shop.id, "reward.granted", {
            "customer_id": referrer_id, "kind": "coupon", "amount": 0, "coupon_id": thanks,
            "reason": "referral", "ref": f"referral:{row['id']}:referrer", "note": None})
    await run_outbox(runtime.host)
    assert await _wallet(referrer) == [("邀请感谢券", "available")]
    assert await _wallet(newcomer) == [("新人券", "available")]
    # the reward is a coupon like any other at checkout: the newcomer's ¥10 off
    preview = await newcomer.call("POST", "/api/v1/checkout/preview",
                                  {"cart_id": await newcomer.cart({variant: 1})})
    assert [(a["code"], a["amount"]) for a in preview.json()["adjustments"]] == [
        ("coupon", -1000)]


async def test_a_member_gets_the_birthday_coupon_once_a_year(open_shop, runtime, shopper):
    shop, _ = await _shop(open_shop, marketing_points={"levels": "银卡:0:100:no"})
    gift = await _coupon(shop, "生日券", 1500)
    saved = await shop.put("/api/admin/v1/plugins/marketing_points", json={
        "enabled": True, "settings": {"levels": "银卡:0:100:no", "birthday_coupon": gift}})
    assert saved.status_code == 200, saved.text
    buyer = shopper(shop)
    me = (await buyer.register(phone="13600000003"))["customer"]["id"]
    async with db.shop_scope(shop.id):
        assert await birthdays.set_birthday(shop.id, me, "03-08", "Asia/Shanghai")
        await PointsAccount.update({PointsAccount.level: "银卡"}).where(  # a member
            (PointsAccount.tenant == shop.id) & (PointsAccount.customer == me))
    day = dt.datetime(2027, 3, 8, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
    for _ in range(2):  # the job may run twice on the day
        await birthdays.give_birthday_points(shop.id, me, "Asia/Shanghai", now=day)
        await run_outbox(runtime.host)
    assert await _wallet(buyer) == [("生日券", "available")]
    await birthdays.give_birthday_points(shop.id, me, "Asia/Shanghai",
                                         now=day.replace(month=4))  # not the birthday
    await run_outbox(runtime.host)
    assert len(await _wallet(buyer)) == 1


async def test_a_level_names_its_own_birthday_coupon_and_others_get_the_shops(
        open_shop, runtime, shopper):
    levels = "银卡:0:100:no\n金卡:2000:95:yes:0:金卡生日券"
    shop, _ = await _shop(open_shop, marketing_points={"levels": levels})
    shop_wide = await _coupon(shop, "生日券", 1500)
    await _coupon(shop, "金卡生日券", 3000)
    saved = await shop.put("/api/admin/v1/plugins/marketing_points", json={
        "enabled": True, "settings": {"levels": levels, "birthday_coupon": shop_wide}})
    assert saved.status_code == 200, saved.text
    day = dt.datetime(2027, 3, 8, 2, tzinfo=dt.UTC)
    wallets = {}
    for phone, level in (("13600000004", "银卡"), ("13600000005", "金卡")):
        buyer = shopper(shop)
        me = (await buyer.register(phone=phone))["customer"]["id"]
        async with db.shop_scope(shop.id):
            assert await birthdays.set_birthday(shop.id, me, "03-08", "Asia/Shanghai")
            await PointsAccount.update({PointsAccount.level: level}).where(
                (PointsAccount.tenant == shop.id) & (PointsAccount.customer == me))
        await birthdays.give_birthday_points(shop.id, me, "Asia/Shanghai", now=day)
        await run_outbox(runtime.host)
        wallets[level] = await _wallet(buyer)
    assert wallets == {"银卡": [("生日券", "available")], "金卡": [("金卡生日券", "available")]}
