"""The kernel's fulfilment through the admin API, without any shipping plugin: a merchant
ships with a waybill typed by hand, records tracking, and the order is delivered."""

from __future__ import annotations

from shipping_helpers import add_products, approve, place, tenant_of

from galleria.kernel import db
from galleria.kernel.events_tables import OutboxEvent


async def _approved_order(open_shop, quantity=2):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0), ("CUP", 1500, 10, 0))
    order = await place(shop, [(products["TEA"][1], quantity), (products["CUP"][1], 1)])
    tenant_id = await tenant_of(shop)
    await approve(tenant_id, order["number"])
    return shop, tenant_id, order["number"], products


async def test_ship_by_hand_then_delivered_by_a_tracking_event(open_shop):
    shop, tenant_id, number, _ = await _approved_order(open_shop)
    shipped = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                              json={"carrier": "sf", "tracking_number": "SF1234567890"})
    assert shipped.status_code == 201, shipped.text
    shipment = shipped.json()
    assert shipment["status"] == "shipped" and shipment["tracking_number"] == "SF1234567890"
    assert sorted(line["quantity"] for line in shipment["lines"]) == [1, 2]

    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert order["status"] == "shipped"
    assert [t["to_status"] for t in order["timeline"]][-2:] == ["fulfilling", "shipped"]
    async with db.shop_scope(tenant_id):
        events = await OutboxEvent.select(OutboxEvent.payload).where(
            (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "order.shipped"))
    payload = events[0]["payload"]
    payload = payload if isinstance(payload, dict) else __import__("json").loads(payload)
    assert payload["carrier"] == "sf" and payload["tracking_number"] == "SF1234567890"

    path = f"/api/admin/v1/shipments/{shipment['id']}/events"
    moving = {"status": "in_transit", "description": "快件已到达杭州转运中心",
              "location": "杭州", "occurred_at": "2026-11-30T08:00:00+08:00"}
    assert (await shop.post(path, json=moving)).json()["added"] == 1
    assert (await shop.post(path, json=moving)).json()["added"] == 0  # kept once
    done = await shop.post(path, json={"status": "delivered", "description": "已签收",
                                       "occurred_at": "2026-11-30T15:00:00+08:00"})
    assert done.status_code == 201, done.text

    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert order["status"] == "delivered"
    assert [e["status"] for e in order["shipments"][0]["events"]] == ["delivered",
                                                                       "in_transit"]
    mine = await shop.get(f"/api/admin/v1/orders/{number}/shipments")
    assert mine.json()["items"][0]["delivered_at"]


async def test_partial_shipments_deliver_the_order_only_when_all_arrived(open_shop):
    shop, _, number, products = await _approved_order(open_shop, quantity=3)
    tea = products["TEA"][1]
    first = await shop.post(f"/api/admin/v1/orders/{number}/shipments", json={
        "carrier": "sf", "tracking_number": "SF1", "lines": [{"variant_id": tea,
                                                               "quantity": 2}]})
    assert first.status_code == 201, first.text
    too_many = await shop.post(f"/api/admin/v1/orders/{number}/shipments", json={
        "carrier": "sf", "tracking_number": "SF2", "lines": [{"variant_id": tea,
                                                               "quantity": 2}]})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "lines[0].quantity"
    await shop.post(f"/api/admin/v1/shipments/{first.json()['id']}/events",
                    json={"status": "delivered"})
    assert (await shop.get(f"/api/admin/v1/orders/{number}")).json()["status"] == "shipped"

    rest = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                           json={"carrier": "yto", "tracking_number": "YT9"})
    assert rest.status_code == 201, rest.text
    assert sorted((x["sku"], x["quantity"]) for x in rest.json()["lines"]) == [
        ("CUP", 1), ("TEA", 1)]
    nothing_left = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                                   json={"carrier": "yto", "tracking_number": "YT10"})
    assert nothing_left.status_code == 409
    await shop.post(f"/api/admin/v1/shipments/{rest.json()['id']}/events",
                    json={"status": "delivered"})
    assert (await shop.get(f"/api/admin/v1/orders/{number}")).json()["status"] == "delivered"


async def test_shipping_refuses_unpaid_orders_and_missing_waybills(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    order = await place(shop, [(products["TEA"][1], 1)])
    unpaid = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments",
                             json={"carrier": "sf", "tracking_number": "SF1"})
    assert unpaid.status_code == 409
    await approve(await tenant_of(shop), order["number"])
    no_waybill = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments",
                                 json={})
    assert no_waybill.status_code == 422
    bad_event = await shop.post("/api/admin/v1/shipments/999999/events",
                                json={"status": "teleported"})
    assert bad_event.status_code == 422
    missing = await shop.post("/api/admin/v1/shipments/999999/events",
                              json={"status": "delivered"})
    assert missing.status_code == 404


async def test_a_repeated_ship_request_with_its_idempotency_key_ships_once(open_shop):
    shop, _, number, _ = await _approved_order(open_shop)
    body = {"carrier": "sf", "tracking_number": "SF77"}
    headers = {"idempotency-key": f"ship-{number}"}
    first = await shop.post(f"/api/admin/v1/orders/{number}/shipments", json=body,
                            headers=headers)
    again = await shop.post(f"/api/admin/v1/orders/{number}/shipments", json=body,
                            headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listed = await shop.get(f"/api/admin/v1/orders/{number}/shipments")
    assert len(listed.json()["items"]) == 1
