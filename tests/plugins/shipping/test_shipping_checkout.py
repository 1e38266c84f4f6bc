"""What a shopper sees at checkout with the shipping plugin: options with fee and delivery
days, same-city radius and slot capacity, store pickup with its code at the counter."""

from __future__ import annotations

import asyncio
import json

import pytest
from shipping_helpers import (
    ADDRESS,
    CONTACT,
    SAME_CITY,
    TEMPLATES,
    add_products,
    approve,
    cart_with,
    enable_shipping,
    place,
    tenant_of,
)

from conftest import on_postgres
from galleria.testing import run_outbox

LHASA = {**ADDRESS, "province": "西藏自治区", "city": "拉萨市", "district": "城关区"}
TAIPEI = {**ADDRESS, "province": "台湾省", "city": "台北市", "district": ""}
NINGBO = {**ADDRESS, "province": "浙江省", "city": "宁波市", "district": "海曙区"}


async def _preview(shop, cart_id, address=ADDRESS):
    response = await shop.post("/api/v1/checkout/preview", admin=False,
                               json={"cart_id": cart_id, "address": address})
    assert response.status_code == 200, response.text
    return {o["code"]: o for o in response.json()["shipping_options"]}


async def test_checkout_offers_express_same_city_and_pickup_with_fee_and_eta(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 500))
    await enable_shipping(shop)
    cart_id = await cart_with(shop, [(products["TEA"][1], 2)])

    options = await _preview(shop, cart_id)
    assert options["express"]["fee"] == 800 + 300
    assert options["express"]["eta"] == {"min_days": 2, "max_days": 4}
    assert options["same_city_1"]["fee"] == 500  # 西湖区 is within 3 km of the shop
    assert options["pickup_1"]["fee"] == 0 and "西湖店" in options["pickup_1"]["name"]

    far = await _preview(shop, cart_id, LHASA)
    assert far["express"]["fee"] == 2000 + 1000 and far["express"]["eta"]["max_days"] == 9
    assert "same_city_1" not in far  # outside the radius
    assert "express" not in await _preview(shop, cart_id, TAIPEI)  # not delivered to

    # The shopper is told why a method is missing, and choosing it anyway says so too.
    answer = await shop.post("/api/v1/checkout/preview", admin=False,
                             json={"cart_id": cart_id, "address": LHASA})
    why = {u["code"]: u for u in answer.json()["unavailable_shipping"]}
    assert why["same_city_1"]["reason_code"] == "outside_radius"
    assert why["same_city_1"]["reason"].startswith("超出配送范围")  # the shop's language
    chosen = await shop.post("/api/v1/checkout/preview", admin=False, json={
        "cart_id": cart_id, "address": LHASA, "shipping_method": "same_city_1"})
    assert chosen.status_code == 422
    assert chosen.json()["errors"][0]["message"].startswith("超出配送范围")

    tester = await shop.get("/plugins/shipping/quote", admin=False, params={
        "province": "浙江省", "city": "宁波市", "district": "海曙区",
        "items": json.dumps([{"product_id": products["TEA"][0], "quantity": 1,
                              "unit_price": 2800, "weight_grams": 500}])})
    assert tester.status_code == 200, tester.text
    refused = {o["code"]: o for o in tester.json()["options"]}
    assert refused["same_city_1"]["refused_code"] == "outside_radius"
    assert refused["same_city_1"]["refused"].startswith("超出配送范围")
    assert refused["express"]["refused"] is None


async def test_products_in_two_templates_are_combined_by_the_highest_first_fee(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0), ("POT", 9000, 10, 0))
    templates = {"default": "标准快递", "templates": [
        TEMPLATES["templates"][0],
        {"name": "易碎品", "first": 1, "first_fee": 1500, "additional": 1,
         "additional_fee": 800, "eta_days": [3, 5], "products": [products["POT"][0]]}]}
    await enable_shipping(shop, templates=json.dumps(templates, ensure_ascii=False))
    cart_id = await cart_with(shop, [(products["TEA"][1], 2), (products["POT"][1], 1)])
    express = (await _preview(shop, cart_id))["express"]
    assert express["fee"] == 1500 + 2 * 300  # the pot leads; both teas at the additional fee
    assert express["eta"] == {"min_days": 3, "max_days": 5}

    free_cart = await cart_with(shop, [(products["TEA"][1], 8)])  # ¥224 ≥ ¥200: free
    assert (await _preview(shop, free_cart))["express"]["fee"] == 0


async def test_a_full_slot_is_not_offered_and_its_place_comes_back_on_cancel(open_shop,
                                                                           plugin_host):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    await enable_shipping(shop)
    tea = products["TEA"][1]
    first = await place(shop, [(tea, 1)], shipping_method="same_city_1")
    assert first["shipping_fee"] == 500

    cart_id = await cart_with(shop, [(tea, 1)])
    assert "same_city_1" not in await _preview(shop, cart_id)
    refused = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "cod", "shipping_method": "same_city_1"})
    assert refused.status_code == 422
    tester = await shop.get("/plugins/shipping/quote", admin=False, params={
        "province": "浙江省", "city": "杭州市", "district": "西湖区",
        "items": json.dumps([{"product_id": 1, "quantity": 1, "unit_price": 100,
                              "weight_grams": 0}])})
    reason = {o["code"]: o["refused"] for o in tester.json()["options"]}["same_city_1"]
    assert reason.endswith("时段已约满")

    cancelled = await shop.post(f"/api/admin/v1/orders/{first['number']}/cancel",
                                json={"reason": "shopper changed their mind"})
    assert cancelled.status_code == 200, cancelled.text
    await run_outbox(plugin_host)
    assert "same_city_1" in await _preview(shop, cart_id)


@pytest.mark.skipif(not on_postgres(), reason="row locks: PostgreSQL")
@pytest.mark.concurrency
async def test_concurrent_bookings_of_the_last_slot_place_one_order(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 50, 0))
    await enable_shipping(shop, same_city=json.dumps(
        {**SAME_CITY, "slots": [{"start": "00:00", "end": "23:59", "capacity": 3}]}))
    carts = [await cart_with(shop, [(products["TEA"][1], 1)]) for _ in range(8)]
    results = await asyncio.gather(*(shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS, "payment_method": "cod",
        "shipping_method": "same_city_1"}) for cart_id in carts))
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 3, [r.text for r in results]
    assert set(codes) <= {201, 409, 422}


async def test_pickup_code_is_shown_to_the_shopper_and_checked_at_the_counter(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    await enable_shipping(shop)
    order = await place(shop, [(products["TEA"][1], 1)], shipping_method="pickup_1")
    number = order["number"]
    await approve(await tenant_of(shop), number)

    ready = await shop.post(f"/api/admin/v1/orders/{number}/shipments", json={})
    assert ready.status_code == 201, ready.text
    assert ready.json()["status"] == "ready_for_pickup"
    mine = await shop.get(f"/api/v1/orders/{number}", admin=False,
                          params={"access_token": order["access_token"]})
    code = mine.json()["tracking"][0]["pickup_code"]
    assert len(code) == 6 and code.isdigit()

    wrong = "000000" if code != "000000" else "111111"
    refused = await shop.post(f"/api/admin/v1/orders/{number}/pickup", json={"code": wrong})
    assert refused.status_code == 422
    assert (await shop.get(f"/api/admin/v1/orders/{number}")).json()["status"] == "shipped"
    handed = await shop.post(f"/api/admin/v1/orders/{number}/pickup", json={"code": code})
    assert handed.status_code == 200, handed.text
    assert handed.json()["order"]["status"] == "delivered"
    again = await shop.post(f"/api/admin/v1/orders/{number}/pickup", json={"code": code})
    assert again.status_code == 409


async def test_bad_settings_are_named_on_the_console_page_not_offered(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    await enable_shipping(shop, templates="{broken", same_city="")
    cart_id = await cart_with(shop, [(products["TEA"][1], 1)])
    options = await _preview(shop, cart_id, NINGBO)
    assert "express" not in options and "same_city_1" not in options
    assert "pickup_1" in options


async def test_the_grocery_template_ships_out_of_the_box(open_shop):
    shop = await open_shop(template="grocery")
    products = (await shop.get("/api/v1/products", admin=False)).json()["items"]
    product = (await shop.get(f"/api/v1/products/{products[0]['id']}", admin=False)).json()
    cart_id = await cart_with(shop, [(product["variants"][0]["id"], 1)])
    options = await _preview(shop, cart_id)
    assert {"express", "same_city_1", "pickup_1"} <= set(options)
    assert options["express"]["eta"] == {"min_days": 1, "max_days": 3}
