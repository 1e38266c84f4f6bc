"""Pick lists through the admin API: orders gathered, lots planned first-expiry-first-out,
a route by shelf location, and every scan checked on the server."""

from __future__ import annotations

import csv

from picking_helpers import add_product, approved_order, tenant_of

from galleria.kernel import db
from galleria.kernel.inventory.tables import Lot, StockMovement
from galleria.kernel.orders import service as orders


async def _shop_with_goods(open_shop):
    shop = await open_shop()
    milk = await add_product(shop, "MILK", barcodes=[("6901", 1), ("6901-12", 12)],
                             shelf="B-10", lots=[("LATE", 20, 90), ("SOON", 2, 10),
                                                 ("OLD", 5, -1)])
    tea = await add_product(shop, "TEA", barcodes=[("6902", 1)], shelf="A-2", loose=10)
    cup = await add_product(shop, "CUP", barcodes=[("6903", 1)], shelf="B-9", loose=10)
    return shop, {"MILK": milk, "TEA": tea, "CUP": cup}


async def test_a_pick_list_plans_lots_by_expiry_and_walks_the_shelves_in_order(open_shop):
    shop, v = await _shop_with_goods(open_shop)
    first = await approved_order(shop, [(v["MILK"], 3), (v["CUP"], 1)])
    second = await approved_order(shop, [(v["TEA"], 2)])
    made = await shop.post("/api/admin/v1/pick-lists", json={"mode": "order"})
    assert made.status_code == 201, made.text
    body = made.json()
    # A-2 before B-9 before B-10: numbers on the shelf compare as numbers.
    assert [line["shelf_location"] for line in body["lines"]] == ["A-2", "B-9", "B-10",
                                                                  "B-10"]
    milk = [line for line in body["lines"] if line["sku"] == "MILK"]
    # The expired lot is never planned; the soonest good lot first, then the next.
    assert [(line["lot_code"], line["quantity"]) for line in milk] == [("SOON", 2),
                                                                       ("LATE", 1)]
    assert {o["number"] for o in body["orders"]} == {first, second}
    order = (await shop.get(f"/api/admin/v1/orders/{first}")).json()
    assert order["status"] == "fulfilling"
    again = await shop.post("/api/admin/v1/pick-lists", json={})
    assert again.status_code == 409  # both orders are on a list already
    listed = (await shop.get("/api/admin/v1/pick-lists")).json()["items"]
    assert listed[0]["id"] == body["id"] and listed[0]["order_count"] == 2


async def test_scans_are_checked_against_the_order(open_shop):
    shop, v = await _shop_with_goods(open_shop)
    number = await approved_order(shop, [(v["MILK"], 14), (v["TEA"], 1)])
    other = await approved_order(shop, [(v["CUP"], 1)])
    list_id = (await shop.post("/api/admin/v1/pick-lists",
                               json={"orders": [number, other]})).json()["id"]
    path = f"/api/admin/v1/pick-lists/{list_id}/scans"

    async def scan(code, order=number, **extra):
        return await shop.post(path, json={"code": code, "order_number": order, **extra})

    wrong = await scan("6903")  # a cup, which is in the other order, not this one
    assert wrong.status_code == 422 and wrong.json()["reason"] == "wrong_product"
    unknown = await scan("0000000")
    assert unknown.status_code == 422 and unknown.json()["reason"] == "unknown_barcode"
    expired = await scan("6901", lot_code="OLD")
    assert expired.status_code == 422 and expired.json()["reason"] == "expired_lot"
    case = await scan("6901-12")  # a case of twelve
    assert case.status_code == 200, case.text
    assert case.json()["units"] == 12 and case.json()["order_left"] == 3
    too_many = await scan("6901-12")
    assert too_many.status_code == 422 and too_many.json()["reason"] == "too_many"
    for code in ("6901", "6901", "TEA"):  # a SKU typed by hand counts as one unit
        assert (await scan(code)).status_code == 200
    over = await scan("6901")
    assert over.status_code == 422 and over.json()["reason"] == "too_many"
    done = (await shop.get(f"/api/admin/v1/pick-lists/{list_id}")).json()
    assert [o["complete"] for o in done["orders"] if o["number"] == number] == [True]
    assert done["status"] == "open"  # the other order is still to pick
    last = await scan("6903", order=other)
    assert last.json()["list_complete"] is True
    assert (await shop.get(f"/api/admin/v1/pick-lists/{list_id}")).json()["status"] == "picked"


async def test_wave_picking_says_which_basket_and_gifts_are_picked_too(open_shop):
    shop, v = await _shop_with_goods(open_shop)
    gift = await add_product(shop, "GIFT", price=0, barcodes=[("6909", 1)], loose=5)
    first = await approved_order(shop, [(v["TEA"], 1)])
    second = await approved_order(shop, [(v["TEA"], 1), (gift, 1)])
    made = (await shop.post("/api/admin/v1/pick-lists", json={"mode": "wave"})).json()
    assert [line["gift"] for line in made["lines"] if line["sku"] == "GIFT"] == [True]
    path = f"/api/admin/v1/pick-lists/{made['id']}/scans"
    baskets = [(await shop.post(path, json={"code": "6902"})).json()["order_number"]
               for _ in range(2)]
    assert sorted(baskets) == sorted([first, second])
    assert (await shop.post(path, json={"code": "6902"})).json()["reason"] == "too_many"
    gifted = await shop.post(path, json={"code": "6909"})
    assert gifted.json()["order_number"] == second and gifted.json()["list_complete"]


async def test_shipping_takes_the_stock_from_the_picked_lots(open_shop):
    shop, v = await _shop_with_goods(open_shop)
    number = await approved_order(shop, [(v["MILK"], 3)])
    made = (await shop.post("/api/admin/v1/pick-lists", json={"orders": [number]})).json()
    path = f"/api/admin/v1/pick-lists/{made['id']}/scans"
    early = await shop.post(f"/api/admin/v1/orders/{number}/packing/parcels",
                            json={"packages": [{"weight_grams": 900}]})
    assert early.status_code == 409  # nothing picked yet
    for _ in range(3):
        assert (await shop.post(path, json={"code": "6901", "order_number": number})
                ).status_code == 200
    unchecked = await shop.post(f"/api/admin/v1/orders/{number}/packing/parcels",
                                json={"packages": [{"weight_grams": 900}]})
    assert unchecked.status_code == 409  # a quality check comes first
    failed = await shop.post(f"/api/admin/v1/orders/{number}/packing/checks",
                             json={"passed": False})
    assert failed.status_code == 422  # say what is wrong
    assert (await shop.post(f"/api/admin/v1/orders/{number}/packing/checks",
                            json={"passed": True, "notes": "包装完好"})).status_code == 201
    shipped = await shop.post(f"/api/admin/v1/orders/{number}/packing/parcels", json={
        "carrier": "sf", "packages": [
            {"weight_grams": 600, "tracking_number": "SF1",
             "lines": [{"variant_id": v["MILK"], "quantity": 2}]},
            {"weight_grams": 300, "tracking_number": "SF2"}]})
    assert shipped.status_code == 201, shipped.text
    parcels = shipped.json()["items"]
    assert [p["label"]["parcel"]["weight_grams"] for p in parcels] == [600, 300]
    tenant_id = await tenant_of(shop)
    async with db.shop_scope(tenant_id):
        lots = {r["code"]: r["quantity"] for r in await Lot.select(Lot.code, Lot.quantity)
                .where((Lot.tenant == tenant_id) & (Lot.variant == v["MILK"]))}
        moves = await StockMovement.select(StockMovement.lot, StockMovement.on_hand_change
                                           ).where((StockMovement.tenant == tenant_id)
                                                   & (StockMovement.kind == "ship"))
        lot_ids = {r["id"]: r["code"] for r in await Lot.select(Lot.id, Lot.code)
                   .where(Lot.tenant == tenant_id)}
    assert lots == {"SOON": 0, "LATE": 19, "OLD": 5}
    assert sorted((lot_ids[m["lot"]], m["on_hand_change"]) for m in moves) == [
        ("LATE", -1), ("SOON", -2)]


async def test_shelf_locations_come_and_go_with_the_catalog_file(open_shop):
    shop = await open_shop()
    header = "商品,规格编码,价格,库存,库位\n"
    rows = "牛奶,MILK,350,10,B-10\n茶叶,TEA,2800,5,A-2\n"
    uploaded = await shop.post("/api/admin/v1/catalog/import", headers={
        "content-type": "multipart/form-data; boundary=galleria-test-boundary"},
        files={"file": ("catalog.csv", (header + rows).encode(), "text/csv")})
    assert uploaded.status_code == 200, uploaded.text
    exported = (await shop.get("/api/admin/v1/catalog/export?format=csv")).content
    lines = exported.decode("utf-8-sig").splitlines()
    assert "shelf_location" in lines[0].split(",")
    rows_out = csv.DictReader(lines)
    assert sorted(row["shelf_location"] for row in rows_out) == ["A-2", "B-10"]
    products = (await shop.get("/api/admin/v1/products?limit=10")).json()["items"]
    tea = next(p for p in products if p["name"] == "茶叶")
    variant = (await shop.get(f"/api/admin/v1/products/{tea['id']}")).json()["variants"][0]
    assert variant["shelf_location"] == "A-2"
    moved = await shop.client.patch(f"/api/admin/v1/products/{tea['id']}",
                                    headers=shop.headers(),
                                    json={"variants": [{"id": variant["id"],
                                                        "shelf_location": "C-1"}]})
    assert moved.status_code == 200, moved.text
    again = (await shop.get(f"/api/admin/v1/products/{tea['id']}")).json()["variants"][0]
    assert again["shelf_location"] == "C-1"


async def test_units_planned_outside_lots_do_not_take_another_orders_lot(open_shop):
    shop = await open_shop()
    tea = await add_product(shop, "TEA", barcodes=[("6902", 1)], loose=2,
                            lots=[("L1", 8, 30)])
    a = await approved_order(shop, [(tea, 4)])
    b = await approved_order(shop, [(tea, 4)])
    c = await approved_order(shop, [(tea, 2)])
    made = (await shop.post("/api/admin/v1/pick-lists", json={"orders": [a, b, c]})).json()
    plan = {(line["order_number"], line["lot_code"]): line["quantity"]
            for line in made["lines"]}
    assert plan == {(a, "L1"): 4, (b, "L1"): 4, (c, ""): 2}
    for number, units in ((a, 4), (b, 4), (c, 2)):
        for _ in range(units):
            scanned = await shop.post(f"/api/admin/v1/pick-lists/{made['id']}/scans",
                                      json={"code": "6902", "order_number": number})
            assert scanned.status_code == 200, scanned.text
    for number in (c, b, a):  # the one picked from outside the lots ships first
        shipped = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                                  json={"carrier": "sf", "tracking_number": f"SF{number}"})
        assert shipped.status_code == 201, shipped.text
    tenant_id = await tenant_of(shop)
    async with db.shop_scope(tenant_id):
        moves = await StockMovement.select(StockMovement.reference, StockMovement.lot,
                                           StockMovement.on_hand_change).where(
            (StockMovement.tenant == tenant_id) & (StockMovement.kind == "ship"))
    taken = {(m["reference"], m["lot"] is not None): -m["on_hand_change"] for m in moves}
    assert taken == {(c, False): 2, (b, True): 4, (a, True): 4}


async def test_an_order_cancelled_after_listing_is_not_picked_and_does_not_hold_the_list(
        open_shop):
    shop, v = await _shop_with_goods(open_shop)
    kept = await approved_order(shop, [(v["TEA"], 1)])
    gone = await approved_order(shop, [(v["CUP"], 1)])
    made = (await shop.post("/api/admin/v1/pick-lists", json={"mode": "wave"})).json()
    await orders.transition(await tenant_of(shop), gone, "cancelled", actor="test",
                            reason="shopper changed their mind")
    path = f"/api/admin/v1/pick-lists/{made['id']}/scans"
    refused = await shop.post(path, json={"code": "6903"})
    assert refused.status_code == 422 and refused.json()["reason"] == "wrong_product"
    last = await shop.post(path, json={"code": "6902"})
    assert last.json()["order_number"] == kept and last.json()["list_complete"] is True
