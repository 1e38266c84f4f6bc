"""Returns and exchanges: the shopper asks within the window, the merchant approves,
receives (restock or write-off), refunds through the gateway; outside the window, for an
undelivered or non-returnable line, or from another shop, it is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from aftersales_helpers import (
    RecordingPayPlugin,
    add_products,
    delivered_order,
    paid_order,
)

from galleria.kernel import db
from galleria.kernel.fulfilment.tables import Shipment
from galleria.kernel.inventory import service as inventory
from galleria.testing import register_plugin


@pytest.fixture
def afterpay(runtime):
    with register_plugin(runtime.host, RecordingPayPlugin(), "afterpay") as plugin:
        yield plugin


def _returns(order):
    return f"/api/v1/orders/{order['number']}/returns?access_token={order['access_token']}"


async def test_a_return_is_approved_received_and_refunded(open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10), ("CUP", 1500, 10))
    tenant_id, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 2),
                                                                (products["CUP"], 1)])
    asked = await shop.post(_returns(order), admin=False, json={
        "kind": "return", "lines": [{"variant_id": products["TEA"], "quantity": 1}],
        "note": "买多了"})
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "requested" and request["lines"][0]["quantity"] == 1
    rid = request["id"]

    approved = await shop.post(f"/api/admin/v1/returns/{rid}/approve",
                               json={"return_address": "杭州市西湖区文三路 100 号 售后部"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = await shop.post(f"/api/admin/v1/returns/{rid}/approve",
                            json={"return_address": "x"})
    assert again.status_code == 409  # a double click changes it once
    sent = await shop.post(_returns(order).replace("/returns?", f"/returns/{rid}/tracking?"),
                           admin=False, json={"carrier": "sf", "tracking_number": "SF200"})
    assert sent.status_code == 200 and sent.json()["status"] == "shipped_back"
    received = await shop.post(f"/api/admin/v1/returns/{rid}/receive", json={
        "lines": [{"variant_id": products["TEA"], "quantity": 1, "restock": True}]})
    assert received.status_code == 200 and received.json()["status"] == "received"
    async with db.shop_scope(tenant_id):
        level = await inventory.get_level(tenant_id, products["TEA"])
        moves = await inventory.ledger(tenant_id, products["TEA"])
    assert level.on_hand == 9 and moves[0]["kind"] == "return"

    refunded = await shop.post(f"/api/admin/v1/returns/{rid}/refund", json={})
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "refunded" and refunded.json()["refund_amount"] == 2800
    twice = await shop.post(f"/api/admin/v1/returns/{rid}/refund", json={})
    assert twice.status_code == 409
    assert [amount for _, amount in afterpay.refunds] == [2800]

    mine = (await shop.get(_returns(order), admin=False)).json()["items"]
    assert [step["status"] for step in mine[0]["timeline"]] == [
        "requested", "approved", "shipped_back", "received", "refunding", "refunded"]
    assert all("actor" not in step for step in mine[0]["timeline"])
    view = (await shop.get(f"/api/admin/v1/orders/{order['number']}")).json()
    assert view["refunded_total"] == 2800 and view["status"] == "delivered"
    assert any(f"return #{rid}" in t["reason"] for t in view["timeline"])
    listed = (await shop.get("/api/admin/v1/returns?status=refunded")).json()["items"]
    assert [item["id"] for item in listed] == [rid]


async def test_returning_everything_refunds_the_order(open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    tenant_id, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 2)])
    asked = await shop.post(_returns(order), admin=False, json={
        "kind": "return", "reason": "quality",
        "lines": [{"variant_id": products["TEA"], "quantity": 2}]})
    assert asked.status_code == 201, asked.text
    assert asked.json()["shop_pays_return_shipping"] is True
    rid = asked.json()["id"]
    await shop.post(f"/api/admin/v1/returns/{rid}/approve", json={"return_address": "仓库"})
    received = await shop.post(f"/api/admin/v1/returns/{rid}/receive", json={
        "lines": [{"variant_id": products["TEA"], "quantity": 2, "restock": False}]})
    assert received.status_code == 200, received.text
    async with db.shop_scope(tenant_id):
        level = await inventory.get_level(tenant_id, products["TEA"])
        moves = await inventory.ledger(tenant_id, products["TEA"])
    assert level.on_hand == 8 and moves[0]["kind"] == "write_off"
    refunded = await shop.post(f"/api/admin/v1/returns/{rid}/refund", json={})
    assert refunded.status_code == 200, refunded.text
    view = (await shop.get(f"/api/admin/v1/orders/{order['number']}")).json()
    assert view["status"] == "refunded" and view["refunded_total"] == order["total"]


async def test_returns_outside_the_window_or_not_delivered_are_refused(open_shop, runtime,
                                                                        afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10), ("MILK", 500, 10))
    tenant_id, order, shipment_id = await delivered_order(shop, runtime,
                                                          [(products["TEA"], 1)])
    async with db.shop_scope(tenant_id):
        await Shipment.update({Shipment.delivered_at: dt.datetime.now(dt.UTC)
                               - dt.timedelta(days=8)}).where(Shipment.id == shipment_id)
    late = await shop.post(_returns(order), admin=False, json={
        "kind": "return", "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
    assert late.status_code == 422 and late.json()["window_days"] == 7
    assert late.headers["content-type"].startswith("application/problem+json")
    # A quality problem has the longer window.
    quality = await shop.post(_returns(order), admin=False, json={
        "kind": "exchange", "reason": "quality",
        "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
    assert quality.status_code == 201, quality.text

    _, undelivered = await paid_order(shop, runtime, [(products["TEA"], 1)])
    early = await shop.post(_returns(undelivered), admin=False, json={
        "kind": "return", "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
    assert early.status_code == 422

    product_id = (await shop.get("/api/admin/v1/products")).json()
    milk_product = next(p["id"] for p in product_id["items"] if p["name"] == "商品 MILK")
    terms = await shop.put(f"/api/admin/v1/products/{milk_product}/after-sales",
                           json={"returnable": False})
    assert terms.status_code == 200 and terms.json()["returnable"] is False
    _, fresh, _ = await delivered_order(shop, runtime, [(products["MILK"], 1)])
    refused = await shop.post(_returns(fresh), admin=False, json={
        "kind": "return", "lines": [{"variant_id": products["MILK"], "quantity": 1}]})
    assert refused.status_code == 422
    assert "not returnable" in refused.json()["errors"][0]["message"]


async def test_another_shop_cannot_see_or_handle_a_return(open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    _, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 1)])
    asked = await shop.post(_returns(order), admin=False, json={
        "kind": "return", "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
    rid = asked.json()["id"]
    other = await open_shop()
    assert (await other.get(f"/api/admin/v1/returns/{rid}")).status_code == 404
    assert (await other.post(f"/api/admin/v1/returns/{rid}/approve",
                             json={"return_address": "x"})).status_code == 404
    assert (await other.get("/api/admin/v1/returns")).json()["items"] == []
    wrong_token = await shop.get(
        f"/api/v1/orders/{order['number']}/returns?access_token=nope", admin=False)
    assert wrong_token.status_code == 404
    assert (await shop.get(f"/api/admin/v1/returns/{rid}")).json()["status"] == "requested"


@pytest.mark.skipif(not __import__("conftest").on_postgres(),
                    reason="row-level security is PostgreSQL's")
async def test_after_sales_tables_are_behind_row_level_security(open_shop):
    from galleria.kernel.orders.migrations.orders_0006_aftersales_keys_returns import (
        SHOP_OWNED,
    )
    from galleria.kernel.service.migrations.service_0002_keys_and_rls_returns import (
        SHOP_OWNED as SERVICE_TABLES,
    )
    from galleria.kernel.service.migrations.service_0004_chat_keys_returns import (
        SHOP_OWNED as CHAT_TABLES,
    )
    from galleria.kernel.tenancy.tables import Tenant

    forced = await Tenant.raw("SELECT relname FROM pg_class WHERE relforcerowsecurity "
                              "AND relkind = 'r'")
    assert {*SHOP_OWNED, *SERVICE_TABLES, *CHAT_TABLES} <= {row["relname"] for row in forced}


async def test_returned_units_go_back_to_the_store_the_line_shipped_from(open_shop, runtime,
                                                                         afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 0), ("CUP", 1500, 0))
    made = await shop.post("/api/admin/v1/locations", json={
        "code": "xihu", "name": "西湖店", "kind": "store", "address": {
            "province": "浙江省", "city": "杭州市", "district": "西湖区", "line1": "文三路 1 号"}})
    assert made.status_code == 201, made.text
    for sku in ("TEA", "CUP"):
        got = await shop.post("/api/admin/v1/inventory/receive", json={
            "variant_id": products[sku], "quantity": 5, "location": "xihu"})
        assert got.status_code == 201, got.text
    tenant_id, order, _ = await delivered_order(shop, runtime, [(products["TEA"], 2),
                                                                (products["CUP"], 1)])
    asked = await shop.post(_returns(order), admin=False, json={
        "kind": "return", "note": "不要了", "lines": [
            {"variant_id": products["TEA"], "quantity": 2},
            {"variant_id": products["CUP"], "quantity": 1}]})
    rid = asked.json()["id"]
    assert (await shop.post(f"/api/admin/v1/returns/{rid}/approve",
                            json={"return_address": "西湖店"})).status_code == 200
    received = await shop.post(f"/api/admin/v1/returns/{rid}/receive", json={"lines": [
        {"variant_id": products["TEA"], "quantity": 2, "restock": True},
        {"variant_id": products["CUP"], "quantity": 1, "restock": False}]})
    assert received.status_code == 200, received.text
    async with db.shop_scope(tenant_id):
        tea = {level: await inventory.get_level(tenant_id, products["TEA"], location=level,
                                                missing_ok=True) for level in ("xihu", "default")}
        cup_moves = await inventory.ledger(tenant_id, products["CUP"], location="xihu")
    assert tea["xihu"].on_hand == 5 and tea["default"].on_hand == 0  # back where it left
    assert cup_moves[0]["kind"] == "write_off"  # recorded at the store, not `default`
