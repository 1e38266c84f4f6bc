"""Locations (门店/仓库): every shop's first location, the admin API, transfers with an
in-transit state and ledger rows at both ends, checkout from the nearest location that has
everything (or split, when the shop allows it), and one shop never reaching another's."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid

import pytest
from picking_helpers import add_product, tenant_of

from galleria.kernel import db
from galleria.kernel.checkout import sourcing
from galleria.kernel.fulfilment import picking
from galleria.kernel.inventory import locations
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.tables import Order, OrderLine
from galleria.testing import Browser, Shopper
from galleria.testing.shoppers import ADDRESS, CONTACT

HANGZHOU = {"province": "浙江省", "city": "杭州市", "district": "西湖区",
            "line1": "文三路 100 号", "region_code": "330106"}
SHANGHAI = {"province": "上海市", "city": "上海市", "district": "徐汇区",
            "line1": "漕溪北路 1 号", "region_code": "310104"}


async def _store(shop, code, address, **extra):
    made = await shop.post("/api/admin/v1/locations", json={
        "code": code, "name": f"门店 {code}", "kind": "store", "address": address,
        "offers_pickup": True, **extra})
    assert made.status_code == 201, made.text
    return made.json()


async def _stock(shop, variant_id):
    answer = await shop.get(f"/api/admin/v1/inventory/{variant_id}/locations")
    assert answer.status_code == 200, answer.text
    return {row["location"]: (row["on_hand"], row["reserved"])
            for row in answer.json()["locations"]}


async def _receive(shop, variant_id, quantity, location):
    got = await shop.post("/api/admin/v1/inventory/receive", json={
        "variant_id": variant_id, "quantity": quantity, "location": location})
    assert got.status_code == 201, got.text


async def test_a_shop_starts_with_its_default_location_and_adds_stores(open_shop):
    shop = await open_shop()
    listed = (await shop.get("/api/admin/v1/locations")).json()
    assert [loc["code"] for loc in listed["items"]] == ["default"]
    assert listed["split_by_location"] is False

    store = await _store(shop, "xihu", HANGZHOU, latitude=30.27, longitude=120.13,
                         hours=[{"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "21:00"}],
                         delivery_area={"radius_km": 5, "regions": ["330106"]})
    assert store["address"]["district"] == "西湖区"
    assert store["delivery_area"] == {"radius_km": 5.0, "regions": ["330106"]}
    again = await shop.post("/api/admin/v1/locations", json={"code": "xihu", "name": "又一个"})
    assert again.status_code == 409
    bad = await shop.post("/api/admin/v1/locations", json={
        "code": "shop-2", "name": "门店", "hours": [{"days": [1], "open": "21:00",
                                                    "close": "09:00"}]})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["hours[0]"]
    bad_code = await shop.post("/api/admin/v1/locations", json={"code": "门店", "name": "x"})
    assert bad_code.status_code in (400, 422)

    changed = await shop.patch("/api/admin/v1/locations/xihu", json={"name": "西湖店",
                                                                     "active": False})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["active"]) == ("西湖店", False)
    last = await shop.patch("/api/admin/v1/locations/default", json={"active": False})
    assert last.status_code == 409  # a shop keeps one active location
    assert (await shop.patch("/api/admin/v1/locations/nowhere", json={"name": "x"})
            ).status_code == 404


async def test_a_transfer_is_at_neither_end_in_transit_and_in_the_ledger_at_both(open_shop):
    shop = await open_shop()
    variant_id = await add_product(shop, "TEA-1", loose=10)
    await _store(shop, "xihu", HANGZHOU)
    made = await shop.post("/api/admin/v1/inventory/transfers", json={
        "source": "default", "destination": "xihu",
        "lines": [{"variant_id": variant_id, "quantity": 4}], "note": "补货"})
    assert made.status_code == 201, made.text
    transfer = made.json()
    assert transfer["state"] == "draft"
    assert await _stock(shop, variant_id) == {"default": (10, 0), "xihu": (0, 0)}

    shipped = await shop.post(f"/api/admin/v1/inventory/transfers/{transfer['id']}/ship")
    assert shipped.json()["state"] == "in_transit"
    assert await _stock(shop, variant_id) == {"default": (6, 0), "xihu": (0, 0)}
    product = (await shop.get(f"/api/v1/products/{(await _product_of(shop, variant_id))}",
                              admin=False)).json()
    assert product["variants"][0]["available"] == 6  # the 4 on the way are sold nowhere
    assert (await shop.post(f"/api/admin/v1/inventory/transfers/{transfer['id']}/ship")
            ).status_code == 409

    received = await shop.post(f"/api/admin/v1/inventory/transfers/{transfer['id']}/receive")
    assert received.json()["state"] == "received"
    assert await _stock(shop, variant_id) == {"default": (6, 0), "xihu": (4, 0)}
    ledger = (await shop.get(f"/api/admin/v1/inventory/{variant_id}/ledger")).json()["items"]
    moves = {(m["location"], m["kind"], m["on_hand_change"]) for m in ledger
             if m["reference"] == f"transfer #{transfer['id']}"}
    assert moves == {("default", "transfer_out", -4), ("xihu", "transfer_in", 4)}
    assert (await shop.post(f"/api/admin/v1/inventory/transfers/{transfer['id']}/cancel")
            ).status_code == 409

    # More than the source has: refused, nothing moves, the transfer stays a draft.
    greedy = (await shop.post("/api/admin/v1/inventory/transfers", json={
        "source": "xihu", "destination": "default",
        "lines": [{"variant_id": variant_id, "quantity": 5}]})).json()
    refused = await shop.post(f"/api/admin/v1/inventory/transfers/{greedy['id']}/ship")
    assert refused.status_code == 409
    assert (await shop.get(f"/api/admin/v1/inventory/transfers/{greedy['id']}")
            ).json()["state"] == "draft"
    # Cancelled on the way: the units come back to the source.
    back = (await shop.post("/api/admin/v1/inventory/transfers", json={
        "source": "xihu", "destination": "default",
        "lines": [{"variant_id": variant_id, "quantity": 3}]})).json()
    await shop.post(f"/api/admin/v1/inventory/transfers/{back['id']}/ship")
    assert await _stock(shop, variant_id) == {"default": (6, 0), "xihu": (1, 0)}
    await shop.post(f"/api/admin/v1/inventory/transfers/{back['id']}/cancel")
    assert await _stock(shop, variant_id) == {"default": (6, 0), "xihu": (4, 0)}
    listed = (await shop.get("/api/admin/v1/inventory/transfers?state=cancelled")).json()
    assert [t["id"] for t in listed["items"]] == [back["id"]]


async def _product_of(shop, variant_id):
    from galleria.kernel.catalog.tables import Variant

    tenant_id = await tenant_of(shop)
    async with db.shop_scope(tenant_id):
        row = await Variant.select(Variant.product).where(
            (Variant.tenant == tenant_id) & (Variant.id == variant_id)).first()
    return row["product"]


async def _line_locations(shop, number):
    tenant_id = await tenant_of(shop)
    async with db.shop_scope(tenant_id):
        rows = await OrderLine.select(OrderLine.sku, OrderLine.location).where(
            (OrderLine.tenant == tenant_id) & (OrderLine.order.number == number))
    return {row["sku"]: row["location"] for row in rows}


async def _refused(shopper, items):
    return await shopper.call("POST", "/api/v1/orders", {
        "cart_id": await shopper.cart(items), "contact": CONTACT, "address": ADDRESS,
        "payment_method": "cod"})


async def test_checkout_ships_from_the_nearest_location_that_has_every_line(open_shop, app):
    shop = await open_shop()
    tea = await add_product(shop, "TEA-1", loose=5)
    cup = await add_product(shop, "CUP-1", loose=0)
    jam = await add_product(shop, "JAM-1", loose=0)
    await _store(shop, "xuhui", SHANGHAI)
    await _store(shop, "xihu", HANGZHOU)  # the shopper's own district (shoppers.ADDRESS)
    # Ranked for the shopper: xihu (same district), then default and xuhui (elsewhere,
    # in the merchant's order).
    await _receive(shop, tea, 3, "xihu")
    await _receive(shop, tea, 9, "xuhui")
    await _receive(shop, cup, 2, "xuhui")
    visitor = Browser(app, shop.host)
    page = await visitor.get(f"/products/{await _product_of(shop, cup)}")
    await visitor.close()
    stores = page.text[page.text.index("data-store-stock"):]
    assert "门店库存" in stores
    assert re.search(r"门店 xuhui.*?有货", stores, re.S)
    assert re.search(r"门店 xihu.*?缺货", stores, re.S)
    shopper = Shopper(app, shop)
    try:
        near = await shopper.place_order({tea: 2})
        assert await _line_locations(shop, near["number"]) == {"TEA-1": "xihu"}
        assert await _stock(shop, tea) == {"default": (5, 0), "xuhui": (9, 0), "xihu": (3, 2)}
        # The nearest has too few: the next that has it all.
        more = await shopper.place_order({tea: 4})
        assert await _line_locations(shop, more["number"]) == {"TEA-1": "default"}
        both = await shopper.place_order({tea: 1, cup: 1})  # only xuhui has both
        assert await _line_locations(shop, both["number"]) == {
            "TEA-1": "xuhui", "CUP-1": "xuhui"}

        # No single location has jam and 1 cup: refused, unless the shop splits orders.
        await _receive(shop, jam, 2, "xihu")
        refused = await _refused(shopper, {jam: 1, cup: 1})
        assert refused.status_code == 409, refused.text
        assert [item["sku"] for item in refused.json()["items"]] == ["CUP-1", "JAM-1"]
        assert await _stock(shop, jam) == {"default": (0, 0), "xuhui": (0, 0),
                                           "xihu": (2, 0)}  # nothing stays reserved
        assert (await shop.put("/api/admin/v1/locations/settings",
                               json={"split_by_location": True})).status_code == 200
        split = await shopper.place_order({jam: 1, cup: 1})
        assert await _line_locations(shop, split["number"]) == {
            "JAM-1": "xihu", "CUP-1": "xuhui"}

        # Cancelling gives the stock back where it was reserved.
        tenant_id = await tenant_of(shop)
        await orders.transition(tenant_id, split["number"], "cancelled", actor="test",
                                reason="shopper changed their mind")
        assert (await _stock(shop, cup))["xuhui"] == (2, 1)  # `both` still holds one
        assert (await _stock(shop, jam))["xihu"] == (2, 0)
    finally:
        await shopper.close()


async def test_another_shop_cannot_read_or_move_your_locations(open_shop):
    mine, theirs = await open_shop(), await open_shop()
    variant_id = await add_product(mine, "TEA-1", loose=5)
    await _store(mine, "xihu", HANGZHOU)
    transfer = (await mine.post("/api/admin/v1/inventory/transfers", json={
        "source": "default", "destination": "xihu",
        "lines": [{"variant_id": variant_id, "quantity": 1}]})).json()

    assert [loc["code"] for loc in (await theirs.get("/api/admin/v1/locations")).json()[
        "items"]] == ["default"]
    assert (await theirs.get("/api/admin/v1/locations/xihu")).status_code == 404
    assert (await theirs.patch("/api/admin/v1/locations/xihu", json={"name": "x"})
            ).status_code == 404
    assert (await theirs.get(f"/api/admin/v1/inventory/transfers/{transfer['id']}")
            ).status_code == 404
    for step in ("ship", "receive", "cancel"):
        assert (await theirs.post(f"/api/admin/v1/inventory/transfers/{transfer['id']}/{step}")
                ).status_code == 404
    stolen = await theirs.post("/api/admin/v1/inventory/transfers", json={
        "source": "default", "destination": "xihu",
        "lines": [{"variant_id": variant_id, "quantity": 1}]})
    assert stolen.status_code == 404  # neither their location nor their variant
    assert (await theirs.get("/api/admin/v1/inventory/transfers")).json()["items"] == []
    assert (await theirs.post("/api/admin/v1/inventory/receive", json={
        "variant_id": variant_id, "quantity": 1, "location": "xihu"})).status_code == 404
    assert await _stock(mine, variant_id) == {"default": (5, 0), "xihu": (0, 0)}


@pytest.mark.concurrency
async def test_a_hundred_buyers_against_two_stores_of_ten_never_oversell(open_shop):
    shop = await open_shop()
    variant_id = await add_product(shop, "HOT-1", loose=0)
    await _store(shop, "xihu", HANGZHOU)
    await _store(shop, "xuhui", SHANGHAI)
    await _receive(shop, variant_id, 10, "xihu")
    await _receive(shop, variant_id, 10, "xuhui")
    tenant_id = await tenant_of(shop)
    near = locations.Place("浙江省", "杭州市", "西湖区")
    needs = [sourcing.Need(variant_id, "HOT-1", 1)]

    async def buy(n):
        try:
            async with db.shop_scope(tenant_id):
                return await sourcing.reserve_at_locations(tenant_id, needs, f"R{n}", "test",
                                                           near, split=False)
        except inventory.OutOfStock:
            return None

    results = await asyncio.gather(*(buy(n) for n in range(100)))
    won = [r[variant_id] for r in results if r]
    assert len(won) == 20
    assert sorted(set(won)) == ["xihu", "xuhui"]
    assert await _stock(shop, variant_id) == {"default": (0, 0), "xihu": (10, 10),
                                              "xuhui": (10, 10)}
    async with db.shop_scope(tenant_id):
        for code in ("xihu", "xuhui"):
            moves = await inventory.ledger(tenant_id, variant_id, 500, location=code)
            assert sum(m["reserved_change"] for m in moves) == 10


def test_nearest_is_same_district_then_city_then_province_then_distance():
    def loc(code, province="", city="", district="", lat=None, lng=None, position=0):
        return {"code": code, "active": True, "position": position, "latitude": lat,
                "longitude": lng, "address": {"province": province, "city": city,
                                              "district": district}}

    found = locations.rank([
        loc("far", "广东省", "广州市", "天河区"),
        loc("province", "浙江省", "宁波市", "海曙区"),
        loc("city", "浙江省", "杭州市", "上城区"),
        loc("district", "浙江省", "杭州市", "西湖区"),
        loc("default", position=-1),
    ], locations.Place("浙江省", "杭州市", "西湖区"))
    assert [x["code"] for x in found] == ["district", "city", "province", "default", "far"]
    by_distance = locations.rank([
        loc("b", "浙江省", "杭州市", "上城区", 30.25, 120.17),
        loc("a", "浙江省", "杭州市", "拱墅区", 30.32, 120.14),
    ], locations.Place("浙江省", "杭州市", "滨江区", 30.21, 120.21))
    assert [x["code"] for x in by_distance] == ["b", "a"]
    area = {"delivery_area": {"radius_km": 3.0, "regions": ["330100"]}, "latitude": 30.27,
            "longitude": 120.13}
    assert locations.delivers_to(area, region_code="330106")
    assert not locations.delivers_to(area, region_code="310104")
    assert locations.delivers_to(area, region_code="310104", latitude=30.28, longitude=120.14)


async def test_console_adds_a_store_and_moves_stock_to_it_in_chinese(open_shop, console):
    shop = await open_shop()
    variant_id = await add_product(shop, "TEA-1", loose=10)
    browser = await console(shop)
    page = await browser.get("/console/inventory/locations")
    assert page.status_code == 200
    assert "门店/仓库" in page.text and "默认仓库" in page.text
    bad = await browser.submit("/console/inventory/locations", "/console/inventory/locations", {
        "code": "西湖", "name": "西湖店", "kind": "store", "open": "21:00", "close": "09:00"})
    assert bad.status_code == 422
    assert "1–32 位小写字母" in bad.text and "开门时间须早于关门时间" in bad.text
    added = await browser.submit("/console/inventory/locations", "/console/inventory/locations", {
        "code": "xihu", "name": "西湖店", "kind": "store", "province": "浙江省",
        "city": "杭州市", "district": "西湖区", "open": "09:00", "close": "21:00",
        "offers_pickup": "1"})
    assert added.status_code == 303, added.text
    listed = await browser.get("/console/inventory/locations")
    assert "西湖店" in listed.text and "09:00–21:00" in listed.text
    closed = await browser.submit("/console/inventory/locations/default",
                                  "/console/inventory/locations/default", {
                                      "name": "总仓", "kind": "warehouse"})  # not `active`
    assert closed.status_code == 303
    assert "已停用" in (await browser.get("/console/inventory/locations")).text
    last = await browser.submit("/console/inventory/locations/xihu",
                                "/console/inventory/locations/xihu", {"name": "西湖店"})
    assert last.status_code == 409 and "至少要保留一个营业中" in last.text
    await browser.submit("/console/inventory/locations/default",
                         "/console/inventory/locations/default",
                         {"name": "总仓", "kind": "warehouse", "active": "1"})

    made = await browser.submit("/console/inventory/transfers", "/console/inventory/transfers", {
        "source": "default", "destination": "xihu", "variant_id": str(variant_id),
        "quantity": "4", "note": "补货"})
    assert made.status_code == 303, made.text
    transfers_page = await browser.get("/console/inventory/transfers")
    assert "草稿" in transfers_page.text and "总仓" in transfers_page.text
    transfer_id = int(re.search(r'id="transfer-(\d+)"', transfers_page.text).group(1))
    for step in ("ship", "receive"):
        moved = await browser.submit("/console/inventory/transfers",
                                     f"/console/inventory/transfers/{transfer_id}/{step}", {})
        assert moved.status_code == 303
    assert "已签收" in (await browser.get("/console/inventory/transfers")).text
    assert await _stock(shop, variant_id) == {"default": (6, 0), "xihu": (4, 0)}
    stock = await browser.get("/console/inventory")
    assert "西湖店" in stock.text and f'id="stock-{variant_id}-xihu"' in stock.text
    movements = await browser.get(f"/console/inventory/{variant_id}")
    assert "调拨出库" in movements.text and "transfer_out" not in movements.text


async def _approved_order(tenant_id, variant_id, sku, quantity, location):
    """An approved order of one line reserved at `location`, as the checkout leaves it."""
    number = uuid.uuid4().hex[:12]
    async with db.shop_scope(tenant_id):
        await inventory.reserve(tenant_id, variant_id, quantity, reference=number,
                                location=location)
        order = await Order.insert(Order(
            tenant=tenant_id, number=number, status="paid", currency="CNY",
            access_token_hash=number, total=quantity * 100, subtotal=quantity * 100,
            paid_at=dt.datetime.now(dt.UTC))).returning(Order.id)
        await OrderLine.insert(OrderLine(
            tenant=tenant_id, order=order[0]["id"], variant=variant_id, sku=sku, name=sku,
            unit_price=100, quantity=quantity, line_total=quantity * 100, location=location))
    await orders.transition(tenant_id, number, "approved", actor="test")
    return number


async def test_a_pick_list_per_location_picks_from_that_locations_lots(open_shop):
    shop = await open_shop()
    tenant_id = await tenant_of(shop)
    variant_id = await add_product(shop, "MILK-1", lots=[("D-1", 5, 30)])
    await _store(shop, "xihu", HANGZHOU)
    async with db.shop_scope(tenant_id):
        await inventory.receive(tenant_id, variant_id, 5, lot_code="X-1", location="xihu",
                                expires_on=dt.date.today() + dt.timedelta(days=10))
    at_default = await _approved_order(tenant_id, variant_id, "MILK-1", 2, "default")
    at_store = await _approved_order(tenant_id, variant_id, "MILK-1", 3, "xihu")

    made = await shop.post("/api/admin/v1/pick-lists", json={"location": "xihu"})
    assert made.status_code == 201, made.text
    lines = made.json()["lines"]
    assert {line["order_number"] for line in lines} == {at_store}
    assert {line["lot_code"] for line in lines} == {"X-1"}
    rest = await picking.create_pick_list(tenant_id, actor="test", location="default")
    assert {line["order_number"] for line in rest["lines"]} == {at_default}
    assert {line["lot_code"] for line in rest["lines"]} == {"D-1"}  # not the store's sooner


async def test_a_console_transfer_takes_several_lines(open_shop, console):
    shop = await open_shop()
    tea = await add_product(shop, "TEA-1", loose=10)
    cup = await add_product(shop, "CUP-1", loose=4)
    await _store(shop, "xihu", HANGZHOU)
    browser = await console(shop)
    page = await browser.get("/console/inventory/transfers")
    assert 'name="variant_id-5"' in page.text and "商品 2" in page.text
    half = await browser.submit("/console/inventory/transfers", "/console/inventory/transfers", {
        "source": "default", "destination": "xihu", "variant_id": str(tea), "quantity": "2",
        "variant_id-2": str(cup), "quantity-2": ""})  # a product without its quantity
    assert half.status_code == 422 and "请选择商品，数量至少为 1" in half.text
    made = await browser.submit("/console/inventory/transfers", "/console/inventory/transfers", {
        "source": "default", "destination": "xihu", "variant_id": str(tea), "quantity": "2",
        "variant_id-2": str(cup), "quantity-2": "3", "variant_id-3": "", "quantity-3": ""})
    assert made.status_code == 303, made.text
    listed = await browser.get("/console/inventory/transfers")
    transfer_id = int(re.search(r'id="transfer-(\d+)"', listed.text).group(1))
    for step in ("ship", "receive"):
        await browser.submit("/console/inventory/transfers",
                             f"/console/inventory/transfers/{transfer_id}/{step}", {})
    assert await _stock(shop, tea) == {"default": (8, 0), "xihu": (2, 0)}
    assert await _stock(shop, cup) == {"default": (1, 0), "xihu": (3, 0)}


async def test_console_sets_opening_hours_per_weekday(open_shop, console):
    shop = await open_shop()
    browser = await console(shop)
    page = await browser.get("/console/inventory/locations")
    assert "分日营业时间" in page.text and "周日" in page.text and "当天休息" in page.text
    added = await browser.submit("/console/inventory/locations", "/console/inventory/locations", {
        "code": "xihu", "name": "西湖店", "kind": "store", "open": "09:00", "close": "21:00",
        "open-6": "10:00", "close-6": "18:00", "closed-7": "1"})
    assert added.status_code == 303, added.text
    made = (await shop.get("/api/admin/v1/locations/xihu")).json()
    assert made["hours"] == [{"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "21:00"},
                             {"days": [6], "open": "10:00", "close": "18:00"}]
    listed = await browser.get("/console/inventory/locations")
    assert "周一–周五 09:00–21:00" in listed.text
    assert "周六 10:00–18:00" in listed.text
    edit = await browser.get("/console/inventory/locations/xihu")
    assert re.search(r'name="open-6"[^>]*value="10:00"', edit.text)
    assert re.search(r'name="closed-7"[^>]*checked', edit.text)
    bad = await browser.submit("/console/inventory/locations/xihu",
                               "/console/inventory/locations/xihu", {
                                   "name": "西湖店", "active": "1",
                                   "open-1": "21:00", "close-1": "09:00"})
    assert bad.status_code == 422 and "开门时间须早于关门时间" in bad.text


async def test_console_location_address_is_picked_province_city_district(open_shop, console):
    shop = await open_shop()
    browser = await console(shop)
    page = await browser.get("/console/inventory/locations")
    assert 'data-region-select="district"' in page.text and "shopping.js" in page.text
    assert re.search(r'<option value="浙江省"[^>]*data-code="330000"', page.text)
    added = await browser.submit("/console/inventory/locations", "/console/inventory/locations", {
        "code": "xihu", "name": "西湖店", "kind": "store", "province": "浙江省",
        "city": "杭州市", "district": "西湖区"})
    assert added.status_code == 303, added.text
    made = (await shop.get("/api/admin/v1/locations/xihu")).json()
    assert made["address"]["region_code"] == "330106"  # what delivery areas match
    moved = await browser.submit("/console/inventory/locations/xihu",
                                 "/console/inventory/locations/xihu", {
                                     "name": "西湖店", "active": "1", "province": "浙江省",
                                     "city": "宁波市", "district": "某个新区"})
    assert moved.status_code == 303
    assert (await shop.get("/api/admin/v1/locations/xihu")).json()[
        "address"]["region_code"] == "330200"  # the city, where the district is unknown
