"""Promotions: limited-time discounts on products or variants, 满减 / 满折 tiers and
第二件半价 quantity deals, explained in the shopper's language in the checkout preview."""

import datetime as dt

from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin

API = "/api/admin/v1/marketing/promotions"


async def _shop(open_shop, runtime):
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await enable_plugin(tenant_id, runtime.host, "marketing", settings={})
    tea = (await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-S", "price": 10000, "stock": 50, "options": {"规格": "小罐"}},
        {"sku": "TEA-L", "price": 20000, "stock": 50, "options": {"规格": "大罐"}}]})).json()
    cup = (await shop.post("/api/admin/v1/products", json={"name": "茶杯", "variants": [
        {"sku": "CUP-1", "price": 3000, "stock": 50}]})).json()
    return shop, tea, cup


async def _promotion(shop, **body):
    answer = await shop.post(API, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _preview(shop, items, lang="zh-CN"):
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    for variant, quantity in items.items():
        await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                        json={"variant_id": variant, "quantity": quantity})
    answer = await shop.post("/api/v1/checkout/preview", admin=False, json={"cart_id": cart},
                             headers={"accept-language": lang})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_bad_promotions_are_refused_field_by_field(open_shop, runtime):
    shop, _, _ = await _shop(open_shop, runtime)
    bad = await shop.post(API, json={"kind": "timed", "rule": {"percent_off": 120}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"rule.products", "rule.percent_off"}
    tiers = await shop.post(API, json={"kind": "tiers", "rule": {"tiers": [
        {"threshold": 100, "amount_off": 200}]}})
    assert tiers.status_code == 422 and tiers.json()["errors"][0]["field"] == "rule.tiers.0"


async def test_timed_discount_on_a_variant_and_quantity_deal_and_tiers(open_shop, runtime):
    shop, tea, cup = await _shop(open_shop, runtime)
    small, large = (v["id"] for v in tea["variants"])
    cup_id = cup["variants"][0]["id"]
    await _promotion(shop, kind="timed", name="新茶上市", rule={"variants": [large],
                                                          "percent_off": 20})
    await _promotion(shop, kind="quantity", name="第二件半价",
                     rule={"products": [cup["id"], tea["id"]], "nth": 2, "percent": 50})
    await _promotion(shop, kind="tiers", name="满减", rule={"tiers": [
        {"threshold": 30000, "amount_off": 3000}, {"threshold": 50000, "percent_off": 10}]})
    ended = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await _promotion(shop, kind="timed", name="过期", rule={"products": [cup["id"]],
                                                        "price": 1},
                     ends_at=ended.isoformat(), starts_at=(ended - dt.timedelta(days=2))
                     .isoformat())
    body = await _preview(shop, {large: 1, small: 2, cup_id: 3})
    amounts = [(a["code"], a["amount"]) for a in body["adjustments"]]
    # large −20 % (−4000); small ×2 → one at half (−5000); cups ×3 → one at half (−1500);
    # then 20000 + 20000 + 9000 − 10500 = 38500 reaches the 300 tier: −3000.
    assert amounts == [("timed_discount", -4000), ("quantity_discount", -5000),
                       ("quantity_discount", -1500), ("tier_discount", -3000)]
    assert body["total"] == 49000 - 13500
    labels = [a["label"] for a in body["adjustments"]]
    assert labels[0] == "限时折扣 新茶上市：龙井 大罐"
    assert labels[1] == "第二件半价：龙井 小罐 第2件5折"
    assert labels[3] == "满¥300.00减¥30.00"
    english = await _preview(shop, {large: 1}, lang="en")
    assert english["adjustments"][0]["label"] == "Limited-time discount 新茶上市: 龙井 大罐"
    listed = (await shop.get(API)).json()["items"]
    assert {p["kind"] for p in listed} == {"timed", "quantity", "tiers"}


async def test_a_percent_tier_takes_its_share_of_what_is_left(open_shop, runtime):
    shop, tea, _ = await _shop(open_shop, runtime)
    large = tea["variants"][1]["id"]
    await _promotion(shop, kind="tiers", rule={"tiers": [
        {"threshold": 50000, "percent_off": 10}, {"threshold": 30000, "amount_off": 3000}]})
    body = await _preview(shop, {large: 3})
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [("tier_discount", -6000)]
    assert body["adjustments"][0]["label"] == "满¥500.00享9折"


async def test_the_console_shows_what_each_promotion_brought(open_shop, runtime, app):
    import re

    import httpx

    from galleria.testing import Shopper, run_outbox

    shop, tea, _ = await _shop(open_shop, runtime)
    small = tea["variants"][0]["id"]
    deal = await _promotion(shop, kind="quantity", name="第二件半价",
                            rule={"products": [tea["id"]], "nth": 2, "percent": 50})
    buyer = Shopper(app, shop)
    try:
        kept = await buyer.place_order({small: 2})  # ¥200 of tea, ¥50 off
        gone = await buyer.place_order({small: 4})  # cancelled below: no longer counted
    finally:
        await buyer.close()
    assert kept["total"] == 15000 and gone["total"] == 30000
    cancelled = await shop.post(f"/api/admin/v1/orders/{gone['number']}/cancel",
                                json={"reason": "顾客取消"})
    assert cancelled.status_code == 200, cancelled.text
    await run_outbox(runtime.host)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}") as browser:
        login = await browser.get("/console/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
        await browser.post("/console/login", data={
            "_csrf_token": token, "email": shop.email, "password": "Correct-Horse-9"})
        page = (await browser.get("/console/p/marketing-promotions")).text
    totals = dict(re.findall(r'<dd data-figure="(\w+)">([^<]+)</dd>', page))
    assert totals == {"orders": "1", "sales": "¥200.00", "cost": "¥50.00"}
    row = re.search(rf'<tr data-promotion="{deal["id"]}">(.*?)</tr>', page, re.S).group(1)
    assert "多件优惠" in row and "第2件5折" in row


async def _console(app, shop):
    import re

    import httpx

    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                base_url=f"http://{shop.host}")
    login = await browser.get("/console/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
    await browser.post("/console/login", data={
        "_csrf_token": token, "email": shop.email, "password": "Correct-Horse-9"})
    return browser, token


def _csrf(page):
    import re

    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)


async def test_the_merchant_creates_edits_and_ends_promotions_in_the_console(
        open_shop, runtime, app):
    import re

    shop, tea, cup = await _shop(open_shop, runtime)
    small, large = (v["id"] for v in tea["variants"])
    browser, _ = await _console(app, shop)
    try:
        form = await browser.get("/plugins/marketing/promotions/new",
                                 headers={"accept-language": "zh-CN"})
        assert form.status_code == 200
        # products are picked by name; a product's single items too when it has several
        assert re.search(rf'name="products" value="{tea["id"]}"[^>]*> 龙井', form.text)
        assert re.search(rf'name="variants" value="{large}"[^>]*> 龙井 · 大罐', form.text)
        token = _csrf(form.text)
        # a tier whose discount is not below its threshold, and a typo in yuan:
        # each error under its field, in Chinese, the typed values kept
        bad = await browser.post("/plugins/marketing/promotions", data={
            "_csrf_token": token, "kind": "tiers", "name": "满减",
            "tier_threshold_0": "100", "tier_off_0": "150",
            "starts_at": "2026-12-12T10:00", "ends_at": "2026-12-12T09:00"})
        assert bad.status_code == 422
        tiers = re.search(r'data-part="tiers">(.*?)</fieldset>', bad.text, re.S).group(1)
        assert "每档需填门槛" in tiers and 'value="150"' in tiers
        ends = re.search(r'<div class="field[^"]*has-error">\s*<label for="f-ends_at">.*?</div>',
                         bad.text, re.S).group(0)
        assert "结束时间须晚于开始时间" in ends
        bad_price = await browser.post("/plugins/marketing/promotions", data={
            "_csrf_token": token, "kind": "timed", "price": "9.9.9"})
        assert bad_price.status_code == 422
        assert re.search(r'f-price-error"><svg.*?请填写金额', bad_price.text, re.S)
        assert "请至少选择一个商品" in bad_price.text
        # a good 满减 in yuan and a limited-time price on one item
        made = await browser.post("/plugins/marketing/promotions", data={
            "_csrf_token": token, "kind": "tiers", "name": "满减",
            "tier_threshold_0": "300", "tier_off_0": "30",
            "tier_threshold_1": "500", "tier_percent_1": "10"})
        assert made.status_code == 303, made.text
        made = await browser.post("/plugins/marketing/promotions", data={
            "_csrf_token": token, "kind": "timed", "name": "新茶", "variants": str(large),
            "price": "150.00"})
        assert made.status_code == 303, made.text
        listed = (await shop.get(API)).json()["items"]
        timed, tiers_row = listed
        assert timed["rule"] == {"products": [], "variants": [large], "price": 15000}
        assert tiers_row["rule"]["tiers"] == [{"threshold": 50000, "percent_off": 10},
                                              {"threshold": 30000, "amount_off": 3000}]
        body = await _preview(shop, {large: 2})  # 2 × 150 = 300: the ¥30 tier
        assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [
            ("timed_discount", -10000), ("tier_discount", -3000)]
        # the edit form shows yuan and the picks; saving changes the rule
        edit = await browser.get(f"/plugins/marketing/promotions/{timed['id']}")
        assert 'value="150.00"' in edit.text
        assert re.search(rf'name="variants" value="{large}" checked', edit.text)
        saved = await browser.post(f"/plugins/marketing/promotions/{timed['id']}", data={
            "_csrf_token": _csrf(edit.text), "kind": "timed", "name": "新茶",
            "products": [str(tea["id"]), str(cup["id"])], "percent_off": "20"})
        assert saved.status_code == 303, saved.text
        body = await _preview(shop, {small: 1})
        assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [
            ("timed_discount", -2000)]
        # ending it: it stops at once and says so in the list
        ended = await browser.post(f"/plugins/marketing/promotions/{timed['id']}/end",
                                   data={"_csrf_token": _csrf(edit.text)})
        assert ended.status_code == 303
        assert (await _preview(shop, {small: 1}))["adjustments"] == []
        page = (await browser.get("/console/p/marketing-promotions",
                                  headers={"accept-language": "zh-CN"})).text
        row = re.search(rf'<tr data-promotion="{timed["id"]}">(.*?)</tr>', page, re.S).group(1)
        assert "已结束" in row and "8折" in row
    finally:
        await browser.aclose()
