"""Referral (分享裂变): a share page that carries the code through signup, rewards for both
sides on the newcomer's first completed order once the hold is over, and the anti-abuse
rules (no self-referral, one reward per phone and per address, none for a refunded first
order). Rewards in points are paid by marketing_points through `reward.granted`."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from galleria.kernel import db
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.testing import run_outbox
from galleria.testing.browsers import Browser
from galleria_plugins.marketing_points.tables import PointsAccount
from galleria_plugins.marketing_referral import referrals
from galleria_plugins.marketing_referral.tables import Referral

ZH = {"accept": "text/html", "accept-language": "zh-CN,zh;q=0.9"}
RULES = {"reward_kind": "points", "referrer_reward": 300, "newcomer_reward": 200,
         "hold_days": 7}
PATH = (states.PAID, states.APPROVED, states.FULFILLING, states.SHIPPED, states.DELIVERED,
        states.COMPLETED)


async def _shop(open_shop):
    shop = await open_shop(plan="pro",  # referral marketing comes with the higher plans
                           plugins={"marketing_points": {"earn_rate": 0},
                                    "marketing_referral": RULES})
    await shop.shop()
    product = await shop.post("/api/admin/v1/products", json={"name": "白茶", "variants": [
        {"sku": "WHITE-1", "price": 10000, "stock": 100}]})
    return shop, product.json()["variants"][0]["id"]


async def _completed_order(buyer, variant, **contact) -> str:
    order = await buyer.place_order({variant: 1}, **contact)
    for to in PATH:
        await orders.transition(buyer.shop.id, order["number"], to, actor="test")
    return order["number"]


async def _points(tenant_id: int, customer: int) -> int:
    async with db.shop_scope(tenant_id):
        row = await PointsAccount.select(PointsAccount.balance).where(
            (PointsAccount.tenant == tenant_id) & (PointsAccount.customer == customer)).first()
    return row["balance"] if row else 0


async def _referral(tenant_id: int, newcomer: int) -> dict:
    async with db.shop_scope(tenant_id):
        return await Referral.select().where(
            (Referral.tenant == tenant_id) & (Referral.newcomer == newcomer)).first()


async def _release_after_hold(tenant_id: int, newcomer: int) -> str:
    row = await _referral(tenant_id, newcomer)
    return await referrals.release(tenant_id, row["id"],
                                   now=row["hold_until"] + dt.timedelta(seconds=1))


async def _invite(shop, shopper, phone: str) -> tuple[object, int, str]:
    referrer = shopper(shop)
    me = (await referrer.register(phone=phone))["customer"]["id"]
    answer = await referrer.call("GET", "/api/v1/account/referral")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["link"].endswith(f"/plugins/marketing_referral/r/{body['code']}")
    assert body["rewards"] == []
    return referrer, me, body["code"]


async def test_the_share_page_carries_the_referral_through_signup(open_shop, runtime,
                                                                  shopper, app):
    shop, _ = await _shop(open_shop)
    _, referrer_id, code = await _invite(shop, shopper, "13700000001")
    browser = Browser(app, shop.host)
    try:
        share = await browser.get(f"/plugins/marketing_referral/r/{code}")
        assert share.status_code == 200
        assert "好友邀请你来" in share.text and "首单完成后，双方各得 200 积分" in share.text
        join = f"/plugins/marketing_referral/join/{code}"
        register = f"/account/register?next={quote(join, safe='')}"
        assert register.replace("/", "%2F").split("?")[1] in share.text.replace("/", "%2F")
        signed_up = await browser.submit(register, "/account/register", {
            "name": "新朋友", "phone": "13700000002", "password": "Plum-blossom-8",
            "next": join})
        assert signed_up.status_code == 303 and signed_up.headers["location"] == join
        joined = await browser.get(join)
        assert joined.status_code == 200 and 'data-joined="yes"' in joined.text
        assert "已接受邀请" in joined.text
        unknown = await browser.get("/plugins/marketing_referral/r/NOSUCH99")
        assert unknown.status_code == 404 and "邀请无效" in unknown.text
    finally:
        await browser.close()
    async with db.shop_scope(shop.id):
        rows = await Referral.select().where(Referral.tenant == shop.id)
    assert [(r["referrer"], r["status"]) for r in rows] == [(referrer_id, "pending")]


async def test_both_sides_are_rewarded_once_after_the_hold(open_shop, runtime, shopper):
    shop, variant = await _shop(open_shop)
    referrer, referrer_id, code = await _invite(shop, shopper, "13700000011")
    newcomer = shopper(shop)
    newcomer_id = (await newcomer.register(phone="13700000012"))["customer"]["id"]
    joined = await newcomer.call("GET", f"/plugins/marketing_referral/join/{code.lower()}",
                                 headers=ZH)
    assert joined.status_code == 200
    await _completed_order(newcomer, variant)
    await run_outbox(runtime.host)
    row = await _referral(shop.id, newcomer_id)
    assert row["status"] == "held"
    assert row["hold_until"] > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    held = (await referrer.call("GET", "/api/v1/account/referral")).json()["rewards"]
    assert [(r["role"], r["status"], r["amount"]) for r in held] == [("referrer", "held", 300)]
    assert await referrals.release(shop.id, row["id"]) == "held"  # not before the hold ends
    assert await _points(shop.id, referrer_id) == 0

    assert await _release_after_hold(shop.id, newcomer_id) == "rewarded"
    assert await _release_after_hold(shop.id, newcomer_id) == "rewarded"  # once
    await run_outbox(runtime.host)
    assert await _points(shop.id, referrer_id) == 300
    assert await _points(shop.id, newcomer_id) == 200
    await _completed_order(newcomer, variant)  # a second order rewards nobody
    await run_outbox(runtime.host)
    assert await _points(shop.id, referrer_id) == 300
    mine = (await newcomer.call("GET", "/api/v1/account/referral")).json()["rewards"]
    assert [(r["role"], r["status"], r["amount"]) for r in mine] == [
        ("newcomer", "rewarded", 200)]


async def test_no_self_referral_one_reward_per_phone_and_none_for_a_refund(
        open_shop, runtime, shopper, console):
    shop, variant = await _shop(open_shop)
    referrer, referrer_id, code = await _invite(shop, shopper, "13700000021")
    self_join = await referrer.call("GET", f"/plugins/marketing_referral/join/{code}",
                                    headers=ZH)
    assert self_join.status_code == 409 and "不能邀请自己" in self_join.text

    newcomers = []
    for phone in ("13700000022", "13700000023", "13700000024"):
        buyer = shopper(shop)
        buyer_id = (await buyer.register(phone=phone))["customer"]["id"]
        assert (await buyer.call("GET", f"/plugins/marketing_referral/join/{code}")
                ).status_code == 200
        newcomers.append((buyer, buyer_id))
    again = await newcomers[0][0].call("GET", f"/plugins/marketing_referral/join/{code}",
                                       headers=ZH)
    assert again.status_code == 409 and "您已接受过邀请" in again.text

    # Two accounts, one phone and one address (the test contact): one reward between them.
    first = await _completed_order(newcomers[0][0], variant)
    second = await _completed_order(newcomers[1][0], variant)
    refunded = await _completed_order(newcomers[2][0], variant, contact={
        "name": "王五", "phone": "13700000024"}, address={
        "name": "王五", "phone": "13700000024", "country": "CN", "province": "广东省",
        "city": "广州市", "district": "天河区", "line1": "体育西路 1 号"})
    await run_outbox(runtime.host)
    await orders.record_refund(shop.id, refunded, 10000, actor="test", reason="returned")
    await run_outbox(runtime.host)
    assert await _release_after_hold(shop.id, newcomers[0][1]) == "rewarded"
    assert await _release_after_hold(shop.id, newcomers[1][1]) == "refused"
    assert (await _referral(shop.id, newcomers[1][1]))["reason"] == "phone_used"
    assert (await _referral(shop.id, newcomers[2][1]))["status"] == "refused"
    assert (await _referral(shop.id, newcomers[2][1]))["reason"] == "refunded"
    await run_outbox(runtime.host)
    assert await _points(shop.id, referrer_id) == 300  # one reward, not three
    assert first and second

    browser = await console(shop)
    page = await browser.get("/console/p/marketing_referral")
    figure = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', page.text))
    assert figure == {"invited": "3", "orders": "1", "revenue": "¥100.00", "held": "0",
                      "rewarded": "1", "cost": "500 积分"}
    assert "该手机号已领过奖励" in page.text and "首单已退款" in page.text


async def test_the_invite_page_has_a_qr_poster_of_the_share_link(open_shop, runtime, shopper):
    shop, _ = await _shop(open_shop)
    referrer, _, code = await _invite(shop, shopper, "13700000031")
    page = await referrer.call("GET", "/plugins/marketing_referral/invite", headers=ZH)
    assert page.status_code == 200
    assert "邀请有礼" in page.text and f'data-referral-code>{code}<' in page.text
    assert "<svg" in page.text and 'class="segno"' in page.text
    poster = await referrer.call("GET", "/plugins/marketing_referral/poster.svg", headers=ZH)
    assert poster.status_code == 200 and poster.headers["content-type"].startswith(
        "image/svg+xml")
    assert code in poster.text and "扫码进店" in poster.text and "data:image/svg+xml" in \
        poster.text
    account = await referrer.call("GET", "/account", headers=ZH)
    assert "data-referral-panel" in account.text and f">{code}<" in account.text


async def _paid_by(shop, runtime, buyer, variant, payer: str, phone: str, street: str) -> str:
    """A first order paid through a gateway that names its payer (`payer`: an openid), by a
    newcomer with their own phone and address, taken to completed."""
    from galleria.kernel import PaymentUpdate
    from galleria.kernel.payments import service as payments

    person = {"name": "新朋友", "phone": phone}
    order = await buyer.place_order({variant: 1}, payment_method="bank_transfer",
                                    contact=person, address={
                                        **person, "country": "CN", "province": "江苏省",
                                        "city": "南京市", "district": "玄武区", "line1": street})
    kernel_shop = await shop.shop()
    started = await payments.start_payment(kernel_shop, runtime.host, order["number"],
                                           "bank_transfer", origin=f"http://{shop.host}")
    outcome, _ = await payments.apply_update(kernel_shop, runtime.host, PaymentUpdate(
        started["payment_id"], "paid", amount=order["total"], currency="CNY",
        payer_ref=payer), actor="test")
    assert outcome == "applied"
    for to in PATH[1:]:
        await orders.transition(shop.id, order["number"], to, actor="test")
    return order["number"]


async def test_one_reward_per_payer_the_gateway_names(open_shop, runtime, shopper):
    """Two newcomers with their own phones and addresses whose first orders one WeChat
    account paid: the second reward is refused (payer_used); another payer is rewarded."""
    from galleria.kernel import payer_refs

    shop, variant = await _shop(open_shop)
    offered = await shop.put("/api/admin/v1/plugins/payments_offline", json={
        "enabled": True, "settings": {"bank_transfer": True, "bank_instructions": "工商银行"}})
    assert offered.status_code == 200, offered.text
    _, referrer_id, code = await _invite(shop, shopper, "13700000041")
    newcomers = []
    for phone in ("13700000042", "13700000043", "13700000044"):
        buyer = shopper(shop)
        buyer_id = (await buyer.register(phone=phone))["customer"]["id"]
        assert (await buyer.call("GET", f"/plugins/marketing_referral/join/{code}")
                ).status_code == 200
        newcomers.append((buyer, buyer_id, phone))
    payers = ("oSAME-openid", "oSAME-openid", "oOTHER-openid")
    numbers = [await _paid_by(shop, runtime, buyer, variant, payer, phone, f"中山路 {i} 号")
               for i, ((buyer, _, phone), payer) in enumerate(zip(newcomers, payers))]
    async with db.shop_scope(shop.id):
        assert await payer_refs(shop.id, numbers[0]) == ["bank_transfer:oSAME-openid"]
    await run_outbox(runtime.host)
    outcomes = [await _release_after_hold(shop.id, buyer_id) for _, buyer_id, _ in newcomers]
    assert outcomes == ["rewarded", "refused", "rewarded"]
    assert (await _referral(shop.id, newcomers[1][1]))["reason"] == "payer_used"
    await run_outbox(runtime.host)
    assert await _points(shop.id, referrer_id) == 600  # two rewards of 300, not three
