"""The product's `promotions` on the storefront API (`GET /api/v1/products/{id}`, issue 21):
what the web product page promises — a flash sale, a gift with purchase — from the same
promoters, in the request's language, as the OpenAPI document says. The mini-program's
product page shows the gifts from it."""

from __future__ import annotations

from helpers import campaign_shop, window
from integration.test_api_contract import conforms, document

PATH = "/api/v1/products/{product_id}"


async def _gift(shop, variant_id, trigger):
    answer = await shop.post("/api/admin/v1/marketing/gifts", json={
        "gift_variant_id": variant_id, "trigger": trigger, "safety_stock": 0})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _promotions(shop, product_id, language):
    answer = await shop.get(f"/api/v1/products/{product_id}", admin=False,
                            headers={"accept-language": language})
    assert answer.status_code == 200, answer.text
    return answer, answer.json()["promotions"]


async def test_the_product_api_answers_its_gifts_and_flash_sale_in_the_shoppers_language(
        client, open_shop, runtime):
    doc = await document(client)
    shop, _, v, p = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                        ("TEA-2", 9900, 50), ("CUP-1", 3000, 10),
                                        ("MAT-1", 800, 10))
    await _gift(shop, v["CUP-1"], {"product_ids": [p["TEA-1"]]})
    await _gift(shop, v["MAT-1"], {"min_amount": 20000})
    sale = await shop.post("/api/admin/v1/marketing/flash-sales", json={
        "variant_id": v["TEA-1"], "price": 9900, "quota": 20, "per_customer_limit": 2,
        **window(-1, 90)})
    assert sale.status_code == 201, sale.text

    answer, zh = await _promotions(shop, p["TEA-1"], "zh-CN,zh;q=0.9")
    conforms(doc, "GET", PATH, answer)
    gifts = sorted((x["label"], x["text"]) for x in zh if x["kind"] == "gift")
    assert gifts == [("赠品", "满 ¥200.00 送 MAT-1"), ("赠品", "购买即送 品茗杯")]
    assert all(x["variant_id"] is None and x["price"] is None for x in zh if x["kind"] == "gift")
    [flash] = [x for x in zh if x["kind"] == "flash_sale"]
    assert flash["label"] == "秒杀" and flash["text"] == "原价 ¥128.00，每人限购 2 件"
    assert (flash["variant_id"], flash["price"], flash["remaining"]) == (v["TEA-1"], 9900, 20)
    assert flash["ends_at"] == sale.json()["ends_at"]  # RFC 3339 in UTC, as the sale's own API

    _, en = await _promotions(shop, p["TEA-1"], "en")
    assert sorted(x["text"] for x in en if x["kind"] == "gift") == [
        "Buy it and get 品茗杯 free", "Spend ¥200.00 and get MAT-1 free"]
    assert {x["label"] for x in en} == {"Free gift", "Flash sale"}

    # Another product of the shop earns only the spending threshold's gift.
    _, other = await _promotions(shop, p["TEA-2"], "zh-CN")
    assert [(x["kind"], x["text"]) for x in other] == [("gift", "满 ¥200.00 送 MAT-1")]

    # The web product page promises the same, from the same promoters.
    page = (await shop.get(f"/products/{p['TEA-1']}", admin=False,
                           headers={"accept-language": "zh-CN"})).text
    assert "购买即送 品茗杯" in page and "满 ¥200.00 送 MAT-1" in page


async def test_no_promotions_without_the_plugin_and_never_another_shops(
        client, open_shop, runtime):
    doc = await document(client)
    giving, _, v, p = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                          ("CUP-1", 3000, 10))
    await _gift(giving, v["CUP-1"], {"min_amount": 100})  # every product of that shop

    # Another shop with the plugin on but no campaigns of its own: nothing.
    quiet, _, _, q = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50))
    answer, promotions = await _promotions(quiet, q["TEA-1"], "zh-CN")
    assert promotions == []
    conforms(doc, "GET", PATH, answer)
    # A shop without the plugin answers an empty list too.
    plain = await open_shop()
    made = await plain.post("/api/admin/v1/products", json={
        "name": "龙井茶", "variants": [{"sku": "TEA-1", "price": 12800, "stock": 5}]})
    assert made.status_code == 201, made.text
    _, promotions = await _promotions(plain, made.json()["id"], "zh-CN")
    assert promotions == []
    # The giving shop's product is not the others' to show.
    for other in (quiet, plain):
        assert (await other.get(f"/api/v1/products/{p['TEA-1']}",
                                admin=False)).status_code == 404
    _, own = await _promotions(giving, p["TEA-1"], "zh-CN")
    assert [x["text"] for x in own] == ["满 ¥1.00 送 品茗杯"]
