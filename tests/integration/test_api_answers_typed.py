"""Every success answer of the API is documented with its shape (not `{}` or a free-form
object), and the answers of the shop-setup, catalog-tool, shipping, picking, packing,
supervision, webhook-log and after-sales routes match what the document says."""

from __future__ import annotations

import csv
import io

import pytest
from picking_helpers import add_product, approved_order, tenant_of
from PIL import Image
from test_api_contract import conforms, document, operations
from test_webhooks import Receiver

from galleria.kernel import db
from galleria.kernel.tenancy.tables import CustomDomain
from galleria.testing import run_outbox

# Operations whose success answer is genuinely free-form, with why. Empty today: a plugin's
# settings object is free-form, but it is a member of the typed PluginState, not an answer.
FREE_FORM: dict[tuple[str, str], str] = {}


def _shape_of(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _typed(doc: dict, schema: dict) -> bool:
    """An object with properties, a list of typed things, a scalar, or a choice of these
    (`null` aside); not `{}` and not `additionalProperties` alone."""
    schema = _shape_of(doc, schema)
    choices = schema.get("oneOf") or schema.get("anyOf")
    if choices:
        return all(_typed(doc, c) for c in choices if _shape_of(doc, c).get("type") != "null")
    kind = schema.get("type")
    if kind == "array":
        return "items" in schema and _typed(doc, schema["items"])
    if kind in (None, "object"):
        return bool(schema.get("properties"))
    return True


async def test_every_operations_success_answer_has_a_schema_with_properties(client):
    doc = await document(client)
    untyped = []
    for method, path, operation in operations(doc):
        for status, response in operation["responses"].items():
            if not status.startswith("2") or (method, path) in FREE_FORM:
                continue
            content = response.get("content")
            if not content:
                if status != "204":  # 204 has no body; any other success has one
                    untyped.append((method, path, status, "no content"))
                continue
            schema = content.get("application/json", {}).get("schema")
            if "application/json" in content and not (schema and _typed(doc, schema)):
                untyped.append((method, path, status, operation.get("operationId")))
    assert untyped == []
    assert all(_typed(doc, {"$ref": f"#/components/schemas/{name}"}) for name in
               ("PickList", "Shipment", "PackingPlan", "DeliveryAlerts", "StaffOrder"))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_catalog_tools_and_domains_answer_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    await add_product(shop, "TEA", barcodes=[("6902", 1)], loose=5)
    conforms(doc, "GET", "/api/admin/v1/barcodes/{code}",
             await shop.get("/api/admin/v1/barcodes/6902"))
    pid = (await shop.get("/api/admin/v1/products")).json()["items"][0]["id"]
    conforms(doc, "POST", "/api/admin/v1/products/{product_id}/images", await shop.post(
        f"/api/admin/v1/products/{pid}/images",
        files={"file": ("photo.png", _png(), "image/png")}))
    rows = io.StringIO()
    csv.writer(rows).writerows([["product", "sku", "price", "stock"],
                                ["绿茶", "GREEN-1", "1250", "3"]])
    conforms(doc, "POST", "/api/admin/v1/catalog/import", await shop.post(
        "/api/admin/v1/catalog/import",
        files={"file": ("catalog.csv", rows.getvalue().encode(), "text/csv")}))
    added = await shop.post("/api/admin/v1/domains", json={"host": f"www.{shop.slug}.cn"})
    conforms(doc, "POST", "/api/admin/v1/domains", added)
    conforms(doc, "GET", "/api/admin/v1/domains", await shop.get("/api/admin/v1/domains"))


async def test_picking_packing_and_shipping_answer_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    tea = await add_product(shop, "TEA", barcodes=[("6902", 1)], shelf="A-2", loose=10,
                            weight=250)
    number = await approved_order(shop, [(tea, 1)])
    conforms(doc, "PUT", "/api/admin/v1/box-presets", await shop.put(
        "/api/admin/v1/box-presets", json={"name": "小号", "length_mm": 200, "width_mm": 150,
                                           "height_mm": 100, "max_weight_grams": 2000}))
    conforms(doc, "GET", "/api/admin/v1/box-presets", await shop.get("/api/admin/v1/box-presets"))
    made = await shop.post("/api/admin/v1/pick-lists", json={"orders": [number]})
    conforms(doc, "POST", "/api/admin/v1/pick-lists", made)
    list_id = made.json()["id"]
    conforms(doc, "GET", "/api/admin/v1/pick-lists", await shop.get("/api/admin/v1/pick-lists"))
    conforms(doc, "PUT", "/api/admin/v1/pick-lists/{list_id}/assignee", await shop.put(
        f"/api/admin/v1/pick-lists/{list_id}/assignee", json={"user_id": None}))
    conforms(doc, "POST", "/api/admin/v1/pick-lists/{list_id}/scans", await shop.post(
        f"/api/admin/v1/pick-lists/{list_id}/scans",
        json={"code": "6902", "order_number": number}))
    picked = await shop.get(f"/api/admin/v1/pick-lists/{list_id}")
    conforms(doc, "GET", "/api/admin/v1/pick-lists/{list_id}", picked)
    assert picked.json()["orders"][0]["complete"]
    conforms(doc, "GET", "/api/admin/v1/orders/{number}/packing",
             await shop.get(f"/api/admin/v1/orders/{number}/packing"))
    conforms(doc, "POST", "/api/admin/v1/orders/{number}/packing/checks", await shop.post(
        f"/api/admin/v1/orders/{number}/packing/checks", json={"passed": True}))
    plan = await shop.get(f"/api/admin/v1/orders/{number}/packing")
    conforms(doc, "GET", "/api/admin/v1/orders/{number}/packing", plan)  # with its check
    assert plan.json()["quality_check"]["passed"]
    packed = await shop.post(f"/api/admin/v1/orders/{number}/packing/parcels", json={
        "carrier": "sf", "packages": [{"weight_grams": 300, "tracking_number": "SF1"}]})
    conforms(doc, "POST", "/api/admin/v1/orders/{number}/packing/parcels", packed)
    shipment_id = packed.json()["items"][0]["id"]
    conforms(doc, "POST", "/api/admin/v1/shipments/{shipment_id}/events", await shop.post(
        f"/api/admin/v1/shipments/{shipment_id}/events",
        json={"status": "in_transit", "description": "到达杭州转运中心"}))
    listed = await shop.get(f"/api/admin/v1/orders/{number}/shipments")
    conforms(doc, "GET", "/api/admin/v1/orders/{number}/shipments", listed)
    assert listed.json()["items"][0]["events"][0]["status"] == "in_transit"


async def test_shipping_supervision_and_short_lines_answer_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    tea = await add_product(shop, "TEA", loose=10)
    shipped, short = (await approved_order(shop, [(tea, 1)]),
                      await approved_order(shop, [(tea, 2)]))
    conforms(doc, "POST", "/api/admin/v1/orders/{number}/shipments", await shop.post(
        f"/api/admin/v1/orders/{shipped}/shipments",
        json={"carrier": "yto", "tracking_number": "YT1"}))
    conforms(doc, "PUT", "/api/admin/v1/delivery-promises", await shop.put(
        "/api/admin/v1/delivery-promises", json={"ship_within_hours": 24,
                                                 "stale_tracking_days": 3}))
    conforms(doc, "GET", "/api/admin/v1/delivery-alerts",
             await shop.get("/api/admin/v1/delivery-alerts"))
    conforms(doc, "POST", "/api/admin/v1/orders/{number}/contact-attempts", await shop.post(
        f"/api/admin/v1/orders/{short}/contact-attempts",
        json={"channel": "phone", "outcome": "no_answer"}))
    cancelled = await shop.post(f"/api/admin/v1/orders/{short}/cancel-lines", json={
        "lines": [{"variant_id": tea, "quantity": 1}], "reason": "缺货"})
    conforms(doc, "POST", "/api/admin/v1/orders/{number}/cancel-lines", cancelled)
    endpoint = await shop.post("/api/admin/v1/webhooks", json={
        "url": "https://hooks.example.com/galleria", "topics": ["order.placed"]})
    conforms(doc, "GET", "/api/admin/v1/webhooks/{endpoint_id}/deliveries", await shop.get(
        f"/api/admin/v1/webhooks/{endpoint.json()['id']}/deliveries"))


@pytest.fixture
def hook_receiver():
    server = Receiver()
    yield server
    server.close()


async def test_webhook_log_and_a_verified_domain_answer_as_documented(
        client, open_shop, runtime, hook_receiver):
    doc = await document(client)
    shop = await open_shop()
    endpoint_id = (await shop.post("/api/admin/v1/webhooks", json={
        "url": hook_receiver.url, "topics": ["order.placed"]})).json()["id"]
    await approved_order(shop, [(await add_product(shop, "TEA", loose=2), 1)])
    await run_outbox(runtime.host)
    log = await shop.get(f"/api/admin/v1/webhooks/{endpoint_id}/deliveries")
    conforms(doc, "GET", "/api/admin/v1/webhooks/{endpoint_id}/deliveries", log)
    delivery = log.json()["items"][0]
    assert delivery["status"] == "succeeded" and delivery["attempt_log"]
    conforms(doc, "POST", "/api/admin/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}"
             "/redeliver", await shop.post(f"/api/admin/v1/webhooks/{endpoint_id}/"
                                           f"deliveries/{delivery['id']}/redeliver"))
    host = f"www.{shop.slug}.cn"
    assert (await shop.post("/api/admin/v1/domains", json={"host": host})).status_code == 201
    tenant_id = await tenant_of(shop)
    async with db.shop_scope(tenant_id):  # as if its check had passed before
        await CustomDomain.update({CustomDomain.verified: True}).where(
            CustomDomain.host == host)
    conforms(doc, "POST", "/api/admin/v1/domains/{host}/verify",
             await shop.post(f"/api/admin/v1/domains/{host}/verify"))
