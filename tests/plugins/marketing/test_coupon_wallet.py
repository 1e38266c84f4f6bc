"""Coupons of every kind through the API: created by the merchant, claimed into the wallet,
chosen best-for-the-shopper at checkout, recorded on the order, given back exactly once by
the shop's policy, never beyond their limits, never across shops."""

import asyncio
import datetime as dt
import secrets

import pytest

from conftest import on_postgres
from galleria.kernel import Event, db
from galleria.kernel.checkout.tables import Cart, CartLine
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import Shopper, enable_plugin, run_outbox
from galleria_plugins.marketing import plugin as marketing
from galleria_plugins.marketing.tables import Coupon, CouponClaim

API = "/api/admin/v1/marketing/coupons"
NOW = dt.datetime.now(dt.UTC)
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}


async def _shop(open_shop, runtime, *, stock=1000, settings=None):
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await enable_plugin(tenant_id, runtime.host, "marketing", settings=settings or {})
    category = (await shop.post("/api/admin/v1/categories",
                                json={"slug": "tea", "name": "茶叶"})).json()
    tea = (await shop.post("/api/admin/v1/products", json={
        "name": "龙井", "category": "tea",
        "variants": [{"sku": "TEA-1", "price": 10000, "stock": stock}]})).json()
    cup = (await shop.post("/api/admin/v1/products", json={
        "name": "茶杯", "variants": [{"sku": "CUP-1", "price": 3000, "stock": stock}]})).json()
    return shop, tenant_id, {"tea": tea, "cup": cup, "category": category["id"]}


def _variant(product):
    return product["variants"][0]["id"]


async def _coupon(shop, **body):
    answer = await shop.post(API, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _preview(shopper, items, **extra):
    cart = await shopper.cart(items)
    return await shopper.call("POST", "/api/v1/checkout/preview", {"cart_id": cart, **extra})


def _coupon_lines(preview):
    return [(a["code"], a["amount"]) for a in preview.json()["adjustments"]]


async def test_the_merchant_creates_lists_and_changes_coupons(open_shop, runtime):
    shop, _, _ = await _shop(open_shop, runtime)
    bad = await shop.post(API, json={"kind": "percent_off", "value": 150, "max_discount": -1,
                                     "starts_at": "2026-13-01", "scope": {"products": ["x"]}})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields >= {"value", "max_discount", "starts_at", "scope.products", "code"}
    made = await _coupon(shop, kind="percent_off", value=20, max_discount=1500, code="tea20",
                         per_customer_limit=1, total_limit=10)
    assert (made["code"], made["kind"], made["max_discount"], made["redemptions"]) == (
        "TEA20", "percent_off", 1500, 0)
    again = await shop.post(API, json={"kind": "amount_off", "value": 100, "code": "TEA20"})
    assert again.status_code == 409
    wallet_only = await _coupon(shop, kind="free_shipping", claimable=True, name="包邮券")
    assert wallet_only["code"] is None and wallet_only["claimable"] is True
    changed = await shop.patch(f"{API}/{made['id']}", json={"active": False, "value": 25})
    assert changed.status_code == 200 and (changed.json()["active"], changed.json()["value"]) \
        == (False, 25)
    listed = (await shop.get(API)).json()["items"]
    assert [c["id"] for c in listed] == [wallet_only["id"], made["id"]]
    assert (await shop.patch(f"{API}/999999", json={"active": False})).status_code == 404


async def test_each_kind_takes_off_what_it_says(open_shop, runtime, app):
    shop, _, p = await _shop(open_shop, runtime)
    tea, cup = _variant(p["tea"]), _variant(p["cup"])
    await _coupon(shop, kind="amount_off", value=3000, min_amount=20000, code="OFF30")
    await _coupon(shop, kind="percent_off", value=50, max_discount=4000, code="HALF")
    await _coupon(shop, kind="fixed_price", value=990, code="CUP990",
                  scope={"products": [p["cup"]["id"]]})
    await _coupon(shop, kind="amount_off", value=500, code="TEAONLY",
                  scope={"categories": [p["category"]]})
    await _coupon(shop, kind="amount_off", value=500, code="NOTTEA",
                  scope={"exclude_products": [p["tea"]["id"]]})
    shopper = Shopper(app, shop)
    try:
        below = await _preview(shopper, {tea: 1}, coupon_code="off30")
        assert below.status_code == 422 and "¥200.00" in below.json()["errors"][0]["message"]
        assert _coupon_lines(await _preview(shopper, {tea: 2}, coupon_code="off30")) == [
            ("coupon", -3000)]
        assert _coupon_lines(await _preview(shopper, {tea: 1}, coupon_code="HALF")) == [
            ("coupon", -4000)]  # 50 % of ¥100, capped at ¥40
        assert _coupon_lines(await _preview(shopper, {tea: 1, cup: 2},
                                            coupon_code="CUP990")) == [("coupon", -2010)]
        assert _coupon_lines(await _preview(shopper, {tea: 1, cup: 1},
                                            coupon_code="TEAONLY")) == [("coupon", -500)]
        refused = await _preview(shopper, {tea: 1}, coupon_code="NOTTEA")
        assert refused.status_code == 422  # the only item is excluded
        assert _coupon_lines(await _preview(shopper, {tea: 1, cup: 1},
                                            coupon_code="NOTTEA")) == [("coupon", -500)]
    finally:
        await shopper.close()


async def test_claim_wallet_best_choice_order_record_and_give_back(open_shop, runtime, app):
    shop, tenant_id, p = await _shop(open_shop, runtime)
    tea = _variant(p["tea"])
    small = await _coupon(shop, kind="amount_off", value=1000, claimable=True, name="十元券",
                          per_customer_limit=1, total_limit=100)
    big = await _coupon(shop, kind="percent_off", value=30, max_discount=2500,
                        claimable=True, name="七折券")
    guest = Shopper(app, shop)
    shopper = Shopper(app, shop)
    try:
        assert (await guest.call("POST", f"/api/v1/coupons/{small['id']}/claim")).status_code \
            == 401
        centre = (await guest.call("GET", "/api/v1/coupons")).json()["items"]
        assert {c["id"] for c in centre} == {small["id"], big["id"]}
        await shopper.register(email="wallet@example.com", name="韩梅梅")
        for coupon in (small, big):
            got = await shopper.call("POST", f"/api/v1/coupons/{coupon['id']}/claim")
            assert got.status_code == 201, got.text
            assert got.json()["state"] == "available"
        twice = await shopper.call("POST", f"/api/v1/coupons/{small['id']}/claim")
        assert twice.status_code == 409 and twice.json()["type"].endswith("/coupon_claim_limit")
        # Both in the wallet; the 30 % one (−¥25 of ¥100) is worth more than −¥10.
        preview = await _preview(shopper, {tea: 1})
        assert _coupon_lines(preview) == [("coupon", -2500)]
        order = await shopper.place_order({tea: 1})
        assert order["total"] == 7500
        wallet = (await shopper.call("GET", "/api/v1/account/coupons")).json()["items"]
        states = {e["coupon"]["id"]: (e["state"], e["order_number"]) for e in wallet}
        assert states == {big["id"]: ("used", order["number"]),
                          small["id"]: ("available", None)}
        admin_order = (await shop.get(f"/api/admin/v1/orders/{order['number']}")).json()
        assert [(a["source"], a["amount"]) for a in admin_order["adjustments"]] == [
            ("coupon", -2500)]
        listed = {c["id"]: c for c in (await shop.get(API)).json()["items"]}
        assert (listed[big["id"]]["redemptions"], listed[big["id"]]["cost"],
                listed[big["id"]]["sales"]) == (1, 2500, 10000)

        cancelled = await shop.post(f"/api/admin/v1/orders/{order['number']}/cancel",
                                    json={"reason": "顾客取消"})
        assert cancelled.status_code == 200, cancelled.text
        await run_outbox(runtime.host)
        event = Event(id=0, tenant_id=tenant_id, topic="order.refunded", occurred_at=NOW,
                      payload={"number": order["number"], "full": True})
        await marketing.galleria_order_refunded(event)  # arriving late changes nothing
        wallet = (await shopper.call("GET", "/api/v1/account/coupons")).json()["items"]
        assert {e["state"] for e in wallet} == {"available"}
        async with db.shop_scope(tenant_id):
            used = await Coupon.select(Coupon.used).where(Coupon.id == big["id"]).first()
        assert used["used"] == 0
        listed = {c["id"]: c for c in (await shop.get(API)).json()["items"]}
        assert listed[big["id"]]["redemptions"] == 0  # given back: no longer counted
    finally:
        await guest.close()
        await shopper.close()


async def test_a_full_refund_gives_back_by_policy_exactly_once(open_shop, runtime, app):
    shop, tenant_id, p = await _shop(open_shop, runtime)
    coupon = await _coupon(shop, kind="amount_off", value=1000, claimable=True)
    shopper = Shopper(app, shop)
    try:
        await shopper.register(email="refund@example.com")
        await shopper.call("POST", f"/api/v1/coupons/{coupon['id']}/claim")
        order = await shopper.place_order({_variant(p["tea"]): 1})
        event = Event(id=0, tenant_id=tenant_id, topic="order.refunded", occurred_at=NOW,
                      payload={"number": order["number"], "full": False})
        await marketing.galleria_order_refunded(event)  # a partial refund keeps it used
        assert await _states(tenant_id) == ["used"]
        full = Event(id=0, tenant_id=tenant_id, topic="order.refunded", occurred_at=NOW,
                     payload={"number": order["number"], "full": True})
        await asyncio.gather(*(marketing.galleria_order_refunded(full) for _ in range(3)))
        assert await _states(tenant_id) == ["available"]
        async with db.shop_scope(tenant_id):
            row = await Coupon.select(Coupon.used).where(Coupon.id == coupon["id"]).first()
        assert row["used"] == 0  # three deliveries, one return

        # A shop whose policy returns coupons on cancellation only keeps it used.
        await enable_plugin(tenant_id, runtime.host, "marketing",
                            settings={"coupon_return": "cancel"})
        second = await shopper.place_order({_variant(p["tea"]): 1})
        await marketing.galleria_order_refunded(Event(
            id=0, tenant_id=tenant_id, topic="order.refunded", occurred_at=NOW,
            payload={"number": second["number"], "full": True}))
        assert await _states(tenant_id) == ["used"]
    finally:
        await shopper.close()


async def _states(tenant_id):
    async with db.shop_scope(tenant_id):
        rows = await CouponClaim.select(CouponClaim.status).where(
            CouponClaim.tenant == tenant_id)
    return [row["status"] for row in rows]


async def test_per_customer_limit_of_a_code_coupon(open_shop, runtime, app):
    shop, _, p = await _shop(open_shop, runtime)
    await _coupon(shop, kind="amount_off", value=500, code="ONCE", per_customer_limit=1)
    guest, shopper = Shopper(app, shop), Shopper(app, shop)
    try:
        refused = await _preview(guest, {_variant(p["tea"]): 1}, coupon_code="ONCE")
        assert refused.status_code == 422 and "sign in" in refused.json()["errors"][0][
            "message"]
        await shopper.register(phone="13900139000")
        first = await shopper.place_order({_variant(p["tea"]): 1}, coupon_code="ONCE")
        assert first["total"] == 9500
        again = await _preview(shopper, {_variant(p["tea"]): 1}, coupon_code="ONCE")
        assert again.status_code == 422
    finally:
        await guest.close()
        await shopper.close()


async def test_another_shop_cannot_claim_see_or_change_our_coupons(open_shop, runtime, app):
    shop, _, _ = await _shop(open_shop, runtime)
    other, _, _ = await _shop(open_shop, runtime)
    ours = await _coupon(shop, kind="amount_off", value=500, claimable=True)
    assert (await other.patch(f"{API}/{ours['id']}", json={"active": False})).status_code \
        == 404
    assert ours["id"] not in {c["id"] for c in (await other.get(API)).json()["items"]}
    stranger = Shopper(app, other)
    try:
        await stranger.register(email="stranger@example.com")
        claimed = await stranger.call("POST", f"/api/v1/coupons/{ours['id']}/claim")
        assert claimed.status_code == 404
    finally:
        await stranger.close()


async def test_an_expired_claim_is_shown_expired_and_not_applied(open_shop, runtime, app):
    shop, tenant_id, p = await _shop(open_shop, runtime)
    coupon = await _coupon(shop, kind="amount_off", value=500, claimable=True)
    shopper = Shopper(app, shop)
    try:
        await shopper.register(email="late@example.com")
        await shopper.call("POST", f"/api/v1/coupons/{coupon['id']}/claim")
        async with db.shop_scope(tenant_id):
            await Coupon.update({Coupon.ends_at: dt.datetime.now(dt.UTC)}).where(
                Coupon.id == coupon["id"])
        wallet = (await shopper.call("GET", "/api/v1/account/coupons")).json()["items"]
        assert [e["state"] for e in wallet] == ["expired"]
        assert _coupon_lines(await _preview(shopper, {_variant(p["tea"]): 1})) == []
    finally:
        await shopper.close()


@pytest.mark.concurrency
async def test_500_checkouts_on_a_50_use_coupon_redeem_exactly_50(open_shop, runtime):
    """500 checkouts race for a 50-use coupon: exactly 50 orders get it, the rest are
    refused whole (409 used up, or 422 when the preview-time check already sees it used up).
    On SQLite, where writers take turns, at most 100 are in flight at once so that none
    waits past the database's busy timeout; PostgreSQL gets all 500 at once."""
    shop, tenant_id, p = await _shop(open_shop, runtime, stock=1000)
    await _coupon(shop, kind="amount_off", value=1000, code="FIFTY", total_limit=50)
    tea = _variant(p["tea"])
    tokens = [secrets.token_urlsafe(16) for _ in range(500)]
    async with db.shop_scope(tenant_id):  # every buyer's cart, in bulk: the race is placing
        rows = await Cart.insert(*(Cart(
            tenant=tenant_id, token=token, expires_at=dt.datetime.now(dt.UTC)
            + dt.timedelta(hours=1)) for token in tokens)).returning(Cart.id)
        await CartLine.insert(*(CartLine(tenant=tenant_id, cart=row["id"], quantity=1,
                                         variant=tea) for row in rows))
    in_flight = asyncio.Semaphore(500 if on_postgres() else 100)

    async def checkout(cart):
        async with in_flight:
            return await shop.post("/api/v1/orders", admin=False, json={
                "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
                "address": ADDRESS, "payment_method": "cod", "coupon_code": "FIFTY"})

    answers = await asyncio.gather(*(checkout(cart) for cart in tokens))
    placed = [a for a in answers if a.status_code == 201]
    assert len(placed) == 50, {a.status_code for a in answers}
    assert {a.status_code for a in answers} <= {201, 409, 422}
    assert all(a.json()["total"] == 9000 for a in placed)
    async with db.shop_scope(tenant_id):
        row = await Coupon.select(Coupon.used).where(Coupon.tenant == tenant_id).first()
    assert row["used"] == 50
    listed = (await shop.get(API)).json()["items"][0]
    assert (listed["redemptions"], listed["orders"], listed["cost"]) == (50, 50, 50_000)


async def test_the_console_shows_each_coupons_figures(open_shop, runtime, app):
    import re

    import httpx

    shop, _, p = await _shop(open_shop, runtime)
    coupon = await _coupon(shop, kind="amount_off", value=1500, code="FIG15", name="十五元券")
    await _coupon(shop, kind="percent_off", value=10, code="UNUSED")
    buyer = Shopper(app, shop)
    try:
        for quantity in (1, 2):
            await buyer.place_order({_variant(p["tea"]): quantity}, coupon_code="FIG15")
    finally:
        await buyer.close()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}") as browser:
        login = await browser.get("/console/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
        await browser.post("/console/login", data={
            "_csrf_token": token, "email": shop.email, "password": "Correct-Horse-9"})
        page = (await browser.get("/console/p/marketing")).text
    totals = dict(re.findall(r'<dd data-figure="(\w+)">([^<]+)</dd>', page))
    # Two orders of ¥100 and ¥200 goods, ¥15 off each.
    assert totals == {"redemptions": "2", "orders": "2", "sales": "¥300.00",
                      "cost": "¥30.00"}
    row = re.search(rf'<tr data-coupon="{coupon["id"]}">(.*?)</tr>', page, re.S).group(1)
    assert "十五元券" in row and "¥300.00" in row and "¥30.00" in row
    assert "核销次数" in page and "优惠成本" in page  # the shop speaks Chinese


async def test_cancelled_lines_give_the_coupon_back_only_when_all_are_cancelled(
        open_shop, runtime, app):
    shop, tenant_id, p = await _shop(open_shop, runtime)
    coupon = await _coupon(shop, kind="amount_off", value=1000, claimable=True)
    shopper = Shopper(app, shop)
    try:
        await shopper.register(email="lines@example.com")
        await shopper.call("POST", f"/api/v1/coupons/{coupon['id']}/claim")
        order = await shopper.place_order({_variant(p["tea"]): 1, _variant(p["cup"]): 1})
    finally:
        await shopper.close()

    def lines_cancelled(all_cancelled):
        return Event(id=0, tenant_id=tenant_id, topic="order.lines_cancelled",
                     occurred_at=NOW, payload={"number": order["number"],
                                               "all_cancelled": all_cancelled})

    await marketing.galleria_order_lines_cancelled(lines_cancelled(False))
    assert await _states(tenant_id) == ["used"]  # the cup was short; the tea still ships
    await marketing.galleria_order_lines_cancelled(lines_cancelled(True))
    await marketing.galleria_order_lines_cancelled(lines_cancelled(True))
    assert await _states(tenant_id) == ["available"]
    async with db.shop_scope(tenant_id):
        row = await Coupon.select(Coupon.used).where(Coupon.id == coupon["id"]).first()
    assert row["used"] == 0


async def test_the_shopper_chooses_another_coupon_of_the_wallet(open_shop, runtime, app):
    """The best coupon is chosen by itself; the shopper may send another wallet coupon's
    `use_code` as `coupon_code` instead, and the order uses that entry (the other stays)."""
    shop, _, p = await _shop(open_shop, runtime)
    tea = _variant(p["tea"])
    small = await _coupon(shop, kind="amount_off", value=1000, claimable=True, name="十元券")
    big = await _coupon(shop, kind="amount_off", value=2000, claimable=True, name="二十元券",
                        min_amount=20000)
    shopper, stranger = Shopper(app, shop), Shopper(app, shop)
    try:
        await shopper.register(email="chooser@example.com", name="韩梅梅")
        for coupon in (small, big):
            assert (await shopper.call("POST", f"/api/v1/coupons/{coupon['id']}/claim")
                    ).status_code == 201
        wallet = (await shopper.call("GET", "/api/v1/account/coupons")).json()["items"]
        codes = {e["coupon"]["id"]: e["use_code"] for e in wallet}
        best = await _preview(shopper, {tea: 2})
        assert _coupon_lines(best) == [("coupon", -2000)]  # the best, by itself
        # ...and the wallet's others that fit, best first, with what each saves
        assert [(c["input"], c["value"], c["saves"], c["chosen"])
                for c in best.json()["choices"]] == [
            ("coupon_code", codes[big["id"]], 2000, True),
            ("coupon_code", codes[small["id"]], 1000, False)]
        assert best.json()["choices"][1]["label"] == "优惠券 十元券：减¥10.00"
        chosen = await _preview(shopper, {tea: 2}, coupon_code=codes[small["id"]].lower())
        assert _coupon_lines(chosen) == [("coupon", -1000)]
        assert [c["chosen"] for c in chosen.json()["choices"]] == [False, True]
        too_small = await _preview(shopper, {tea: 1}, coupon_code=codes[big["id"]])
        assert too_small.status_code == 422
        assert too_small.json()["errors"][0]["field"] == "coupon_code"
        assert "¥200.00" in too_small.json()["errors"][0]["message"]
        await stranger.register(email="stranger@example.com", name="李雷")
        theirs = await _preview(stranger, {tea: 2}, coupon_code=codes[small["id"]])
        assert theirs.status_code == 422  # a wallet's code is no use to anyone else
        order = await shopper.place_order({tea: 2}, coupon_code=codes[small["id"]])
        assert order["total"] == 19000
        wallet = (await shopper.call("GET", "/api/v1/account/coupons")).json()["items"]
        assert {e["coupon"]["id"]: e["state"] for e in wallet} == {
            small["id"]: "used", big["id"]: "available"}
    finally:
        await shopper.close()
        await stranger.close()
