"""Gifts with purchase: a zero-price line from the gift's own stock, reserved in the order's
transaction; given for a product or a spending threshold; stopped by itself (at checkout and
on the product page) once the gift's stock falls to its safety level."""

from __future__ import annotations

from helpers import campaign_shop, cart_with, order_body

from galleria.kernel import db
from galleria_plugins.marketing_campaigns.tables import GiftGiven


async def _gift(shop, variant_id, trigger, safety_stock=0):
    answer = await shop.post("/api/admin/v1/marketing/gifts", json={
        "gift_variant_id": variant_id, "trigger": trigger, "safety_stock": safety_stock})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _stock(shop, product_id):
    return (await shop.get(f"/api/admin/v1/products/{product_id}")).json()[
        "variants"][0]["stock"]


async def test_a_gift_is_a_zero_price_line_reserved_with_the_order(open_shop, runtime):
    shop, _, v, p = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                        ("CUP-1", 3000, 10))
    gift = await _gift(shop, v["CUP-1"], {"product_ids": [p["TEA-1"]]})
    assert gift["giving"] is True and gift["trigger"]["product_ids"] == [p["TEA-1"]]
    preview = await shop.post("/api/v1/checkout/preview", admin=False,
                              json={"cart_id": await cart_with(shop, v["TEA-1"])})
    body = preview.json()
    assert [(g["sku"], g["unit_price"], g["quantity"]) for g in body["gift_lines"]] == [
        ("CUP-1", 0, 1)]
    assert body["total"] == 12800  # the gift costs the shopper nothing
    placed = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"])))
    assert placed.status_code == 201 and placed.json()["total"] == 12800
    order = (await shop.get(f"/api/admin/v1/orders/{placed.json()['number']}")).json()
    assert sorted((line["sku"], line["unit_price"]) for line in order["lines"]) == [
        ("CUP-1", 0), ("TEA-1", 12800)]
    assert (await _stock(shop, p["CUP-1"]))["reserved"] == 1
    cancelled = await shop.post(f"/api/admin/v1/orders/{placed.json()['number']}/cancel",
                                json={"reason": "test"})
    assert cancelled.status_code == 200
    assert (await _stock(shop, p["CUP-1"]))["reserved"] == 0  # released with the order


async def test_a_spending_threshold_earns_the_gift(open_shop, runtime):
    shop, _, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 10000, 50),
                                        ("CUP-1", 3000, 10))
    await _gift(shop, v["CUP-1"], {"min_amount": 20000})
    one = await shop.post("/api/v1/checkout/preview", admin=False,
                          json={"cart_id": await cart_with(shop, v["TEA-1"], 1)})
    assert one.json()["gift_lines"] == []
    two = await shop.post("/api/v1/checkout/preview", admin=False,
                          json={"cart_id": await cart_with(shop, v["TEA-1"], 2)})
    assert [g["sku"] for g in two.json()["gift_lines"]] == ["CUP-1"]


async def test_the_gift_stops_by_itself_at_its_safety_stock(open_shop, runtime):
    shop, tenant_id, v, p = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 50),
                                                ("CUP-1", 3000, 3))
    gift = await _gift(shop, v["CUP-1"], {"product_ids": [p["TEA-1"]]}, safety_stock=1)
    page = await shop.get(f"/products/{p['TEA-1']}", admin=False)
    assert "赠品" in page.text and "品茗杯" in page.text  # promised while above safety stock
    numbers = []
    for _ in range(3):
        placed = await shop.post("/api/v1/orders", admin=False,
                                 json=order_body(await cart_with(shop, v["TEA-1"])))
        assert placed.status_code == 201
        numbers.append(placed.json()["number"])
    # 3 cups, safety stock 1: two orders got a cup, the third none, and one cup is left.
    assert (await _stock(shop, p["CUP-1"]))["reserved"] == 2
    async with db.shop_scope(tenant_id):
        assert await GiftGiven.count().where(GiftGiven.gift == gift["id"]) == 2
    third = (await shop.get(f"/api/admin/v1/orders/{numbers[2]}")).json()
    assert [line["sku"] for line in third["lines"]] == ["TEA-1"]
    listed = (await shop.get("/api/admin/v1/marketing/gifts")).json()["items"]
    assert [(g["id"], g["giving"], g["available"]) for g in listed] == [(gift["id"], False, 1)]
    page = await shop.get(f"/products/{p['TEA-1']}", admin=False)
    assert page.status_code == 200 and "品茗杯" not in page.text  # no longer promised


async def test_bad_gifts_are_refused_and_another_shops_variant_is_none(open_shop, runtime):
    shop, _, v, _ = await campaign_shop(open_shop, runtime, ("CUP-1", 3000, 3))
    _, _, theirs, _ = await campaign_shop(open_shop, runtime, ("CUP-1", 3000, 3))
    bad = await shop.post("/api/admin/v1/marketing/gifts", json={
        "gift_variant_id": theirs["CUP-1"], "trigger": {}, "safety_stock": -1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"gift_variant_id", "trigger",
                                                          "safety_stock"}
    ok = await shop.post("/api/admin/v1/marketing/gifts", json={
        "gift_variant_id": v["CUP-1"], "trigger": {"min_amount": 100}, "safety_stock": 0},
        headers={"Idempotency-Key": "gift-1"})
    again = await shop.post("/api/admin/v1/marketing/gifts", json={
        "gift_variant_id": v["CUP-1"], "trigger": {"min_amount": 100}, "safety_stock": 0},
        headers={"Idempotency-Key": "gift-1"})
    assert ok.status_code == again.status_code == 201 and ok.json()["id"] == again.json()["id"]
    assert len((await shop.get("/api/admin/v1/marketing/gifts")).json()["items"]) == 1
