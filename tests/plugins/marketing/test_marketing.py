"""Coupons and threshold discounts: priced on the server, redeemed in the order's
transaction, never beyond their limit, given back when an order is cancelled."""

import asyncio
import datetime as dt

import pytest

from galleria.kernel import db
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin, run_outbox
from galleria_plugins.marketing import coupons
from galleria_plugins.marketing.tables import Coupon
from galleria_plugins.marketing.upgrade import parse_tiers, plan_moves

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}


async def _shop(open_shop, runtime, tiers="", stock=100, price=10000):
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await enable_plugin(tenant_id, runtime.host, "marketing", settings={})
    if tiers:  # 满减 tiers are a promotion (the old settings tiers were moved into one)
        made = await shop.post("/api/admin/v1/marketing/promotions", json={
            "kind": "tiers", "rule": {"tiers": parse_tiers(tiers, "CNY")}})
        assert made.status_code == 201, made.text
    product = await shop.post("/api/admin/v1/products", json={"name": "茶具", "variants": [
        {"sku": "SET-1", "price": price, "stock": stock}]})
    return shop, tenant_id, product.json()["variants"][0]["id"]


async def _cart(shop, variant_id, quantity=1):
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": variant_id, "quantity": quantity})
    return cart


async def _coupon(tenant_id, **fields):
    async with db.shop_scope(tenant_id):
        return await coupons.create_coupon(tenant_id, **fields)


def test_tiers_are_read_exactly_and_bad_ones_named():
    assert parse_tiers("199:20, 299:40", "CNY") == [
        {"threshold": 29900, "amount_off": 4000}, {"threshold": 19900, "amount_off": 2000}]
    for bad in ("199-20", "20:199", "abc:1"):
        try:
            parse_tiers(bad, "CNY")
        except ValueError as exc:
            assert bad.split(":")[0] in str(exc) or "threshold" in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")


async def test_threshold_discount_applies_the_highest_tier_reached(open_shop, runtime):
    shop, _, variant = await _shop(open_shop, runtime, tiers="199:20\n299:40", price=10000)
    below = await shop.post("/api/v1/checkout/preview", admin=False,
                            json={"cart_id": await _cart(shop, variant, 1)})
    assert below.json()["adjustments"] == [] and below.json()["total"] == 10000
    three = await shop.post("/api/v1/checkout/preview", admin=False,
                            json={"cart_id": await _cart(shop, variant, 3)})
    body = three.json()
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [("tier_discount", -4000)]
    assert body["total"] == 26000 and body["discount_total"] == 4000


async def test_a_coupon_stacks_after_the_threshold_and_is_checked(open_shop, runtime):
    shop, tenant_id, variant = await _shop(open_shop, runtime, tiers="199:20")
    await _coupon(tenant_id, code="tea10", kind="percent", value=10, min_subtotal=15000)
    cart = await _cart(shop, variant, 2)
    preview = await shop.post("/api/v1/checkout/preview", admin=False,
                              json={"cart_id": cart, "coupon_code": "TEA10"})
    amounts = [(a["code"], a["amount"]) for a in preview.json()["adjustments"]]
    assert amounts == [("tier_discount", -2000), ("coupon", -1800)]  # 10% of 180
    assert preview.json()["total"] == 20000 - 2000 - 1800
    unknown = await shop.post("/api/v1/checkout/preview", admin=False,
                              json={"cart_id": cart, "coupon_code": "NOPE"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "coupon_code"
    small = await shop.post("/api/v1/checkout/preview", admin=False,
                            json={"cart_id": await _cart(shop, variant, 1),
                                  "coupon_code": "TEA10"})
    assert small.status_code == 422 and "¥150.00" in small.json()["errors"][0]["message"]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await _coupon(tenant_id, code="OLD", kind="amount", value=500,
                  starts_at=past - dt.timedelta(days=7), ends_at=past)
    expired = await shop.post("/api/v1/checkout/preview", admin=False,
                              json={"cart_id": cart, "coupon_code": "old"})
    assert expired.status_code == 422


@pytest.mark.concurrency
async def test_a_coupon_is_never_used_beyond_its_limit(open_shop, runtime):
    shop, tenant_id, variant = await _shop(open_shop, runtime)
    await _coupon(tenant_id, code="FIRST3", kind="amount", value=1000, usage_limit=3)
    carts = [await _cart(shop, variant) for _ in range(10)]
    answers = await asyncio.gather(*(shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "cod", "coupon_code": "FIRST3"})
        for cart in carts))
    placed = [a for a in answers if a.status_code == 201]
    assert len(placed) == 3, [a.text for a in answers if a.status_code != 201][:2]
    assert {a.status_code for a in answers} <= {201, 409, 422}
    assert all(a.json()["total"] == 9000 for a in placed)
    async with db.shop_scope(tenant_id):
        row = await Coupon.select(Coupon.used).where(Coupon.tenant == tenant_id).first()
    assert row["used"] == 3

    number = placed[0].json()["number"]
    cancelled = await shop.post(f"/api/admin/v1/orders/{number}/cancel",
                                json={"reason": "changed mind"})
    assert cancelled.status_code == 200
    await run_outbox(runtime.host)
    await run_outbox(runtime.host)  # given back once, however often the outbox runs
    async with db.shop_scope(tenant_id):
        row = await Coupon.select(Coupon.used).where(Coupon.tenant == tenant_id).first()
    assert row["used"] == 2


async def test_another_shops_coupon_is_unknown_here(open_shop, runtime):
    shop, _, variant = await _shop(open_shop, runtime)
    _, other_tenant, _ = await _shop(open_shop, runtime)
    await _coupon(other_tenant, code="THEIRS", kind="amount", value=100)
    answer = await shop.post("/api/v1/checkout/preview", admin=False,
                             json={"cart_id": await _cart(shop, variant),
                                   "coupon_code": "THEIRS"})
    assert answer.status_code == 422


async def test_the_merchant_creates_and_switches_off_a_coupon_in_the_console(
        open_shop, runtime, app):
    import re

    import httpx

    shop, tenant_id, variant = await _shop(open_shop, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}") as browser:
        login = await browser.get("/console/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
        signed = await browser.post("/console/login", data={
            "_csrf_token": token, "email": shop.email, "password": "Correct-Horse-9"})
        assert signed.status_code == 303
        form = await browser.get("/plugins/marketing/coupons/new")
        assert form.status_code == 200 and "新建优惠券" in form.text  # the shop speaks Chinese
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
        bad = await browser.post("/plugins/marketing/coupons", data={
            "_csrf_token": token, "code": "x", "kind": "percent", "value": "150"})
        assert bad.status_code == 422 and "code" in bad.text and "value" in bad.text
        made = await browser.post("/plugins/marketing/coupons", data={
            "_csrf_token": token, "code": "spring5", "kind": "amount", "value": "5.50",
            "min_subtotal": "50", "usage_limit": "100"})
        assert made.status_code == 303
        listing = await browser.get("/console/p/marketing")
        assert "SPRING5" in listing.text and "¥5.50" in listing.text
    async with db.shop_scope(tenant_id):
        coupon = await Coupon.select().where(Coupon.tenant == tenant_id).first()
    assert (coupon["value"], coupon["min_subtotal"], coupon["usage_limit"]) == (550, 5000, 100)
    preview = await shop.post("/api/v1/checkout/preview", admin=False, json={
        "cart_id": await _cart(shop, variant), "coupon_code": "spring5"})
    assert preview.json()["discount_total"] == 550


def test_the_old_settings_tiers_are_planned_as_one_tiers_promotion():
    moves = plan_moves([
        {"tenant": 1, "currency": "CNY",
         "settings": '{"threshold_tiers": "199:20\\n299:40", "coupon_return": "never"}'},
        {"tenant": 2, "currency": "CNY", "settings": {"threshold_tiers": "20:199"}},
        {"tenant": 3, "currency": "CNY", "settings": {"coupon_return": "cancel"}}])
    assert moves == [
        {"tenant": 1, "settings": {"coupon_return": "never"}, "rule": {"tiers": [
            {"threshold": 29900, "amount_off": 4000},
            {"threshold": 19900, "amount_off": 2000}]}},
        {"tenant": 2, "settings": {}, "rule": None}]  # unreadable: it gave nothing before


async def test_the_upgrade_moves_a_shops_settings_tiers_into_a_promotion(open_shop, runtime):
    """What migrations/marketing_0006 does to a shop that had 满减 in its settings: the same
    discount afterwards, from a promotion the console lists, and settings that save again."""
    from galleria.kernel.tenancy.tables import PluginState
    from galleria_plugins.marketing.upgrade import move_settings_tiers

    shop, tenant_id, variant = await _shop(open_shop, runtime, price=10000)
    async with db.shop_scope(tenant_id):  # as the setting was stored before the upgrade
        await PluginState.update({PluginState.settings: {
            "threshold_tiers": "199:20, 299:40", "coupon_return": "never"}}).where(
            (PluginState.tenant == tenant_id) & (PluginState.plugin == "marketing"))
    async with db.shop_scope(tenant_id):  # (the migration runs as the owner, over all shops)
        assert await move_settings_tiers(PluginState._meta.db) == 1
    listed = (await shop.get("/api/admin/v1/marketing/promotions")).json()["items"]
    assert [(p["kind"], p["name"], p["rule"]) for p in listed] == [("tiers", "满减", {"tiers": [
        {"threshold": 29900, "amount_off": 4000}, {"threshold": 19900, "amount_off": 2000}]})]
    body = (await shop.post("/api/v1/checkout/preview", admin=False,
                            json={"cart_id": await _cart(shop, variant, 3)})).json()
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [("tier_discount", -4000)]
    saved = await shop.put("/api/admin/v1/plugins/marketing", json={"enabled": True})
    assert saved.status_code == 200, saved.text
    assert saved.json()["settings"] == {"coupon_return": "never"}
