"""Pickup and same-city delivery in a shop with stores (门店): the stores that offer pickup
are the pickup points (their own address and opening hours), and an order picked up at a
store, or delivered from the store whose area was quoted, is sourced at that store — not
re-chosen by stock — and refused, naming the store, when that store lacks it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from shipping_helpers import ADDRESS, add_products, approve, cart_with, enable_shipping, place

from galleria.kernel import db
from galleria.kernel.orders.tables import OrderLine
from galleria.testing.shoppers import CONTACT

NINGBO = {**ADDRESS, "province": "浙江省", "city": "宁波市", "district": "海曙区"}


async def _tenant(shop):
    from shipping_helpers import tenant_of

    return await tenant_of(shop)


async def _line_locations(shop, number):
    tenant_id = await _tenant(shop)
    async with db.shop_scope(tenant_id):
        rows = await OrderLine.select(OrderLine.sku, OrderLine.location).where(
            (OrderLine.tenant == tenant_id) & (OrderLine.order.number == number))
    return {row["sku"]: row["location"] for row in rows}


async def _stock(shop, variant_id):
    answer = await shop.get(f"/api/admin/v1/inventory/{variant_id}/locations")
    return {row["location"]: (row["on_hand"], row["reserved"])
            for row in answer.json()["locations"]}


async def _receive(shop, variant_id, quantity, location):
    got = await shop.post("/api/admin/v1/inventory/receive", json={
        "variant_id": variant_id, "quantity": quantity, "location": location})
    assert got.status_code == 201, got.text


async def _try(shop, items, address, method):
    return await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": await cart_with(shop, items), "contact": CONTACT, "address": address,
        "payment_method": "cod", "shipping_method": method})


async def test_a_store_offering_pickup_is_the_pickup_point_and_ships_the_order(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 5, 0))
    tea = products["TEA"][1]
    await enable_shipping(shop)  # its own pickup list: 西湖店
    tomorrow = (dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai"))
                + dt.timedelta(days=1)).isoweekday()
    made = await shop.post("/api/admin/v1/locations", json={
        "code": "xuhui", "name": "徐汇门店", "kind": "store", "offers_pickup": True,
        "address": {"province": "上海市", "city": "上海市", "district": "徐汇区",
                    "line1": "漕溪北路 1 号"}, "phone": "021-66668888",
        "hours": [{"days": [tomorrow], "open": "10:00", "close": "18:00"}]})
    assert made.status_code == 201, made.text
    await _receive(shop, tea, 2, "xuhui")

    preview = await shop.post("/api/v1/checkout/preview", admin=False, json={
        "cart_id": await cart_with(shop, [(tea, 1)]), "address": ADDRESS})
    options = {o["code"]: o for o in preview.json()["shipping_options"]}
    pickups = [o for code, o in options.items() if code.startswith("pickup_")]
    assert [o["name"] for o in pickups] == ["到店自提 · 徐汇门店"]  # the store, not 西湖店
    # Open only tomorrow: ready from tomorrow, never promised for today.
    assert options["pickup_1"]["eta"] == {"min_days": 1, "max_days": 2}

    # The shopper is in Hangzhou, where `default` (5 in stock) would be chosen: picked up
    # at the Xuhui store, the order is reserved there.
    order = await place(shop, [(tea, 1)], shipping_method="pickup_1")
    assert await _line_locations(shop, order["number"]) == {"TEA": "xuhui"}
    assert await _stock(shop, tea) == {"default": (5, 0), "xuhui": (2, 1)}
    refused = await _try(shop, [(tea, 2)], ADDRESS, "pickup_1")  # the store has 1 left
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/out_of_stock") and "徐汇门店" in problem["detail"]
    assert await _stock(shop, tea) == {"default": (5, 0), "xuhui": (2, 1)}

    await approve(await _tenant(shop), order["number"])
    ready = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments", json={})
    assert ready.status_code == 201, ready.text
    assert "10:00–18:00" in ready.text and "徐汇区漕溪北路 1 号" in ready.text  # the store's
    assert await _stock(shop, tea) == {"default": (5, 0), "xuhui": (1, 0)}


async def test_same_city_delivery_ships_from_the_store_whose_area_was_quoted(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 5, 0))
    tea = products["TEA"][1]
    await enable_shipping(shop)
    store = await shop.post("/api/admin/v1/locations", json={
        "code": "haishu", "name": "海曙店", "kind": "store",
        "address": {"province": "浙江省", "city": "宁波市", "district": "海曙区"},
        "latitude": 29.87, "longitude": 121.55, "delivery_area": {"regions": ["330200"]}})
    assert store.status_code == 201, store.text

    # Haishu's area is quoted, Haishu has none: refused, not sent from `default` instead.
    refused = await _try(shop, [(tea, 1)], NINGBO, "same_city_1")
    assert refused.status_code == 409, refused.text
    assert "海曙店" in refused.json()["detail"]
    assert await _stock(shop, tea) == {"default": (5, 0), "haishu": (0, 0)}
    await _receive(shop, tea, 2, "haishu")
    order = await place(shop, [(tea, 1)], NINGBO, shipping_method="same_city_1")
    assert await _line_locations(shop, order["number"]) == {"TEA": "haishu"}
    # Express is tied to no store: the nearest with stock, as before.
    express = await place(shop, [(tea, 1)], NINGBO, shipping_method="express")
    assert await _line_locations(shop, express["number"]) == {"TEA": "haishu"}
    assert await _stock(shop, tea) == {"default": (5, 0), "haishu": (2, 2)}
    again = await place(shop, [(tea, 1)], NINGBO, shipping_method="express")
    assert await _line_locations(shop, again["number"]) == {"TEA": "default"}
