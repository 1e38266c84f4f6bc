"""The admin API's shipping answers that need a carrier or a pickup counter (refreshing
tracking, handing a parcel over) match their schemas in the OpenAPI document."""

from __future__ import annotations

from integration.test_api_contract import conforms, document
from shipping_helpers import add_products, approve, enable_shipping, place, serving, tenant_of

from galleria_plugins.shipping.testing.sf import SfSimulator


async def test_refreshing_tracking_and_handing_over_answer_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 250))
    sim = SfSimulator({"PARTNER": "check-word"})
    with serving(sim.app) as url:
        await enable_shipping(shop, sf_partner_id="PARTNER", sf_check_word="check-word",
                              sf_base_url=url, sender_name="茶馆", sender_phone="057188888888",
                              sender_province="浙江省", sender_city="杭州市",
                              sender_address="龙井路 1 号")
        sent = await place(shop, [(products["TEA"][1], 1)], shipping_method="express")
        collected = await place(shop, [(products["TEA"][1], 1)], shipping_method="pickup_1")
        for order in (sent, collected):
            await approve(await tenant_of(shop), order["number"])
        shipment = (await shop.post(f"/api/admin/v1/orders/{sent['number']}/shipments",
                                    json={})).json()
        sim.scan(shipment["tracking_number"], "50", "顺丰速运 已收取快件", "杭州")
        refreshed = await shop.post(f"/api/admin/v1/shipments/{shipment['id']}/refresh")
        conforms(doc, "POST", "/api/admin/v1/shipments/{shipment_id}/refresh", refreshed)
        assert refreshed.json()["added"] == 1

    number = collected["number"]
    assert (await shop.post(f"/api/admin/v1/orders/{number}/shipments", json={})
            ).status_code == 201
    mine = await shop.get(f"/api/v1/orders/{number}", admin=False,
                          params={"access_token": collected["access_token"]})
    code = mine.json()["tracking"][0]["pickup_code"]
    handed = await shop.post(f"/api/admin/v1/orders/{number}/pickup", json={"code": code})
    conforms(doc, "POST", "/api/admin/v1/orders/{number}/pickup", handed)
    assert handed.json()["order"]["status"] == "delivered"
