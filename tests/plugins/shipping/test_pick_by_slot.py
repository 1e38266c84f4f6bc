"""Pick lists by delivery slot: the waiting same-city orders are grouped by the slot each
booked (day and time), and a pick list gathers exactly one slot's orders; the console's
start form offers each slot with its count."""

from __future__ import annotations

import json

from shipping_helpers import (
    SAME_CITY,
    add_products,
    approve,
    enable_shipping,
    place,
    tenant_of,
)

from galleria.testing import run_outbox

SLOTS = {**SAME_CITY, "slots": [{"start": "00:00", "end": "23:58", "capacity": 5},
                                {"start": "00:00", "end": "23:59", "capacity": 5}]}


async def test_a_pick_list_gathers_one_delivery_slot(open_shop, plugin_host, console):
    shop = await open_shop()
    tenant_id = await tenant_of(shop)
    products = await add_products(shop, ("TEA", 2800, 20, 0))
    await enable_shipping(shop, same_city=json.dumps(SLOTS, ensure_ascii=False))
    tea = products["TEA"][1]
    early = [await place(shop, [(tea, 1)], shipping_method="same_city_1") for _ in range(2)]
    late = await place(shop, [(tea, 2)], shipping_method="same_city_2")
    express = await place(shop, [(tea, 1)], shipping_method="express")
    for order in (*early, late, express):
        await approve(tenant_id, order["number"])
    await run_outbox(plugin_host)

    slots = await shop.get("/api/admin/v1/pick-lists/slots")
    assert slots.status_code == 200, slots.text
    items = slots.json()["items"]
    assert [item["delivery_slot"][-11:] for item in items] == ["00:00–23:58", "00:00–23:59"]
    assert sorted(items[0]["orders"]) == sorted(o["number"] for o in early)
    assert items[1]["orders"] == [late["number"]]

    made = await shop.post("/api/admin/v1/pick-lists", json={
        "mode": "wave", "delivery_slot": items[0]["delivery_slot"]})
    assert made.status_code == 201, made.text
    picked = made.json()
    assert sorted(o["number"] for o in picked["orders"]) == sorted(o["number"] for o in early)
    assert picked["group_label"] == items[0]["delivery_slot"]
    again = await shop.post("/api/admin/v1/pick-lists", json={
        "delivery_slot": items[0]["delivery_slot"]})
    assert again.status_code == 409  # its orders are on a list now

    merchant = await console(shop)
    page = await merchant.get("/console/picking")
    assert "配送时段" in page.text and items[1]["delivery_slot"] in page.text
    assert items[0]["delivery_slot"] not in page.text  # taken already
    sent = await merchant.submit("/console/picking", "/console/picking/", {
        "mode": "order", "method": f"slot:{items[1]['delivery_slot']}"})
    assert sent.status_code == 303 and "/console/picking/" in sent.headers["location"]
    made = (await shop.get("/api/admin/v1/pick-lists")).json()["items"][0]
    assert made["group_label"] == items[1]["delivery_slot"] and made["order_count"] == 1
