"""One order followed from checkout to delivered, through the carriers' simulators: SF
Express books the waybill and is polled; Kuaidi100 is subscribed and pushes."""

from __future__ import annotations

import json

from shipping_helpers import add_products, approve, enable_shipping, place, serving, tenant_of

from galleria.testing import run_outbox
from galleria_plugins.shipping.testing.kuaidi100 import Kuaidi100Simulator
from galleria_plugins.shipping.testing.sf import SfSimulator


async def test_an_order_from_checkout_to_delivered_through_sf_express(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 250))
    sim = SfSimulator({"PARTNER": "check-word"})
    with serving(sim.app) as url:
        await enable_shipping(shop, sf_partner_id="PARTNER", sf_check_word="check-word",
                              sf_base_url=url, sender_name="茶馆", sender_phone="057188888888",
                              sender_province="浙江省", sender_city="杭州市",
                              sender_address="龙井路 1 号")
        order = await place(shop, [(products["TEA"][1], 2)], shipping_method="express")
        number = order["number"]
        assert order["shipping_fee"] == 1100
        await approve(await tenant_of(shop), number)

        shipped = await shop.post(f"/api/admin/v1/orders/{number}/shipments", json={})
        assert shipped.status_code == 201, shipped.text
        shipment = shipped.json()
        assert shipment["carrier"] == "sf"
        assert shipment["tracking_number"] == sim.waybill_of(f"{number}_S1")
        sent = json.loads(sim.calls[-1]["msgData"])
        assert sent["contactInfoList"][1]["province"] == "浙江省"

        waybill = shipment["tracking_number"]
        sim.scan(waybill, "50", "顺丰速运 已收取快件", "杭州")
        refresh = f"/api/admin/v1/shipments/{shipment['id']}/refresh"
        assert (await shop.post(refresh)).json()["added"] == 1
        sim.scan(waybill, "44", "正在派送途中", "杭州")
        sim.scan(waybill, "80", "已签收", "杭州")
        assert (await shop.post(refresh)).json()["added"] == 2
        assert (await shop.post(refresh)).json()["added"] == 0  # each scan kept once

    mine = await shop.get(f"/api/v1/orders/{number}", admin=False,
                          params={"access_token": order["access_token"]})
    body = mine.json()
    assert body["status"] == "delivered"
    assert [e["status"] for e in body["tracking"][0]["events"]] == [
        "delivered", "out_for_delivery", "picked_up"]
    assert [t["to_status"] for t in body["timeline"]][:1] == ["pending_payment"]
    assert body["timeline"][-1]["to_status"] == "delivered"


async def test_kuaidi100_pushes_move_the_order_and_forgeries_are_refused(open_shop,
                                                                          plugin_host):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    sim = Kuaidi100Simulator(customer="CUST", key="KEY")
    with serving(sim.app) as url:
        await enable_shipping(shop, kuaidi100_customer="CUST", kuaidi100_key="KEY",
                              kuaidi100_salt="pepper", kuaidi100_base_url=url,
                              public_url=f"http://{shop.host}")
        order = await place(shop, [(products["TEA"][1], 1)], shipping_method="express")
        number = order["number"]
        await approve(await tenant_of(shop), number)
        shipped = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                                  json={"carrier": "yuantong", "tracking_number": "YT42"})
        assert shipped.status_code == 201, shipped.text
        await run_outbox(plugin_host)  # order.shipped → the plugin subscribes
        assert sim.subscriptions["YT42"]["callbackurl"].endswith(
            "/plugins/shipping/kuaidi100/push")

        sim.scan("YT42", "yuantong", "【杭州市】已揽收", "揽收", state="1")
        forged = await sim.push("YT42", shop.client, sign="F" * 32,
                                headers={"host": shop.host})
        assert forged.status_code == 400 and forged.json()["result"] is False
        assert (await shop.get(f"/api/admin/v1/orders/{number}/shipments")).json()[
            "items"][0]["events"] == []

        sim.scan("YT42", "yuantong", "【杭州市】派件中", "派件", state="5")
        sim.scan("YT42", "yuantong", "已签收，签收人：本人", "签收", state="3")
        pushed = await sim.push("YT42", shop.client, headers={"host": shop.host})
        assert pushed.status_code == 200 and pushed.json()["returnCode"] == "200"
        again = await sim.push("YT42", shop.client, headers={"host": shop.host})
        assert again.status_code == 200  # duplicates are harmless

    admin = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert admin["status"] == "delivered"
    assert len(admin["shipments"][0]["events"]) == 3
    assert any("派件中" in t["reason"] for t in admin["timeline"])


async def test_a_push_for_a_waybill_the_shop_never_shipped_is_refused(open_shop):
    shop = await open_shop()
    await enable_shipping(shop, kuaidi100_salt="pepper")
    sim = Kuaidi100Simulator(customer="CUST", key="KEY")
    sim.subscriptions["NOPE"] = {"callbackurl": "http://x/plugins/shipping/kuaidi100/push",
                                 "salt": "pepper"}
    sim.scan("NOPE", "yuantong", "已揽收", "揽收", state="1")
    response = await sim.push("NOPE", shop.client, headers={"host": shop.host})
    assert response.status_code == 404 and response.json()["result"] is False


async def test_shops_without_the_plugin_have_no_push_route(open_shop):
    shop = await open_shop()
    response = await shop.client.post("/plugins/shipping/kuaidi100/push",
                                      data={"param": "{}", "sign": "x"},
                                      headers={"host": shop.host})
    assert response.status_code == 404


async def test_the_tracking_sweep_polls_parcels_in_transit(open_shop, plugin_host):
    from galleria.kernel.fulfilment.jobs import poll_tracking

    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    sim = SfSimulator({"PARTNER": "check-word"})
    with serving(sim.app) as url:
        await enable_shipping(shop, sf_partner_id="PARTNER", sf_check_word="check-word",
                              sf_base_url=url)
        order = await place(shop, [(products["TEA"][1], 1)], shipping_method="express")
        await approve(await tenant_of(shop), order["number"])
        shipped = await shop.post(f"/api/admin/v1/orders/{order['number']}/shipments",
                                  json={})
        waybill = shipped.json()["tracking_number"]
        sim.scan(waybill, "50", "已收取快件", "杭州")
        sim.scan(waybill, "80", "已签收", "杭州")
        assert await poll_tracking(plugin_host) >= 2
    admin = (await shop.get(f"/api/admin/v1/orders/{order['number']}")).json()
    assert admin["status"] == "delivered"


async def test_packing_books_an_sf_courier_pickup_for_a_time_window(open_shop):
    """预约取件: the parcels packed for an SF order ask a courier to come in a window."""
    import datetime as dt

    from galleria.kernel import db
    from galleria.kernel.fulfilment.picking_tables import QualityCheck
    from galleria.kernel.orders.service import get_order

    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 250))
    sim = SfSimulator({"PARTNER": "check-word"})
    with serving(sim.app) as url:
        await enable_shipping(shop, sf_partner_id="PARTNER", sf_check_word="check-word",
                              sf_base_url=url, sender_name="茶馆", sender_phone="057188888888",
                              sender_province="浙江省", sender_city="杭州市",
                              sender_address="龙井路 1 号")
        order = await place(shop, [(products["TEA"][1], 1)], shipping_method="express")
        number = order["number"]
        tenant_id = await tenant_of(shop)
        await approve(tenant_id, number)
        async with db.shop_scope(tenant_id):  # checked by hand (no pick list: nothing to pick)
            row = await get_order(tenant_id, number)
            await QualityCheck.insert(QualityCheck(tenant=tenant_id, order=row["id"],
                                                   passed=True, checked_by="test"))
        backwards = await shop.post(f"/api/admin/v1/orders/{number}/packing/parcels", json={
            "packages": [{"weight_grams": 400}], "courier_pickup": {
                "from": "2026-12-06T16:00:00+08:00", "until": "2026-12-06T14:00:00+08:00"}})
        assert backwards.status_code == 422
        window = {"from": "2026-12-06T06:00:00Z", "until": "2026-12-06T08:00:00Z"}
        packed = await shop.post(f"/api/admin/v1/orders/{number}/packing/parcels", json={
            "packages": [{"weight_grams": 400}], "courier_pickup": window})
        assert packed.status_code == 201, packed.text
        label = packed.json()["items"][0]["label"]
        # Beijing time, as SF wants it.
        assert label["courier_pickup"] == {"from": "2026-12-06 14:00:00",
                                           "until": "2026-12-06 16:00:00"}
        assert sim.orders[f"{number}_S1"]["pickup"] == (
            dt.datetime(2026, 12, 6, 14), dt.datetime(2026, 12, 6, 16))
