"""Same-city delivery in a shop with stores (门店): the stores' own delivery areas decide
where it is offered, and the fee is by distance from the store that covers the address."""

from __future__ import annotations

from shipping_helpers import ADDRESS, add_products, cart_with, enable_shipping

NINGBO = {**ADDRESS, "province": "浙江省", "city": "宁波市", "district": "海曙区"}


async def _options(shop, cart_id, address):
    answer = await shop.post("/api/v1/checkout/preview", admin=False,
                             json={"cart_id": cart_id, "address": address})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return ({o["code"]: o for o in body["shipping_options"]},
            {u["code"]: u["reason"] for u in body.get("unavailable_shipping", [])})


async def test_same_city_follows_the_stores_own_areas(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 500))
    await enable_shipping(shop)
    cart_id = await cart_with(shop, [(products["TEA"][1], 1)])
    offered, _ = await _options(shop, cart_id, ADDRESS)
    assert offered["same_city_1"]["fee"] == 500  # the plugin's own radius around Hangzhou

    store = await shop.post("/api/admin/v1/locations", json={
        "code": "haishu", "name": "海曙店", "kind": "store",
        "address": {"province": "浙江省", "city": "宁波市", "district": "海曙区"},
        "latitude": 29.87, "longitude": 121.55,
        "delivery_area": {"regions": ["330200"]}})  # all of Ningbo
    assert store.status_code == 201, store.text

    offered, why = await _options(shop, cart_id, NINGBO)
    assert offered["same_city_1"]["fee"] == 500  # within 3 km of the Haishu store
    offered, why = await _options(shop, cart_id, ADDRESS)
    assert "same_city_1" not in offered
    assert why["same_city_1"] == "不在任何门店的同城配送范围内"  # in the shop's language


async def test_same_city_leaves_only_from_an_open_store(open_shop):
    """A slot is offered only when the store that covers the address is open for all of
    it on the day it falls on (today or tomorrow in the shop's time zone)."""
    import datetime as dt
    import zoneinfo

    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 500))
    await enable_shipping(shop)
    cart_id = await cart_with(shop, [(products["TEA"][1], 1)])
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    soon = {(today + dt.timedelta(days=ahead)).isoweekday() for ahead in (0, 1)}
    closed_days = sorted(set(range(1, 8)) - soon)
    store = await shop.post("/api/admin/v1/locations", json={
        "code": "haishu", "name": "海曙店", "kind": "store",
        "address": {"province": "浙江省", "city": "宁波市", "district": "海曙区"},
        "latitude": 29.87, "longitude": 121.55, "delivery_area": {"regions": ["330200"]},
        "hours": [{"days": closed_days, "open": "00:00", "close": "23:59"}]})
    assert store.status_code == 201, store.text
    offered, why = await _options(shop, cart_id, NINGBO)
    assert "same_city_1" not in offered
    assert why["same_city_1"].startswith("海曙店 ") and why["same_city_1"].endswith("不营业")

    opened = await shop.patch("/api/admin/v1/locations/haishu", json={
        "hours": [{"days": list(range(1, 8)), "open": "00:00", "close": "23:59"}]})
    assert opened.status_code == 200, opened.text
    offered, _ = await _options(shop, cart_id, NINGBO)
    assert offered["same_city_1"]["fee"] == 500
