"""The API contract: the OpenAPI document lists every problem an operation can answer with,
as application/problem+json with the Problem schema; numbers no column can hold are a
client's mistake (4xx), not a server error; CSV exports name their charset once.
(The fuzz in tests/fuzz/ holds every operation to its document.)"""

from __future__ import annotations

import jsonschema_rs
import pytest

PROBLEM = {"$ref": "#/components/schemas/Problem"}
HUGE = 2**70


async def document(client) -> dict:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and path.startswith("/api/"):
                yield method.upper(), path, operation


async def test_every_problem_answer_is_documented_as_problem_json(client):
    doc = await document(client)
    assert set(doc["components"]["schemas"]["Problem"]["required"]) == {
        "type", "title", "status", "detail"}
    found = list(operations(doc))
    assert len(found) > 60
    for method, path, operation in found:
        responses = operation["responses"]
        assert "404" in responses, (method, path)  # every API route is guarded by its host
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, \
                    (method, path, status)
        if path.startswith("/api/admin/"):
            assert {"401", "403"} <= set(responses), (method, path)
        if method != "GET":
            assert "409" in responses, (method, path)


async def test_the_documented_statuses_follow_the_route(client):
    doc = await document(client)
    ops = {(m, p): op["responses"] for m, p, op in operations(doc)}
    assert {"400", "422", "409", "429"} <= set(ops[("POST", "/api/platform/v1/signup")])
    assert "401" not in ops[("POST", "/api/platform/v1/signup")]
    assert {"401", "429"} <= set(ops[("POST", "/api/v1/account/sign-in")])
    assert "401" not in ops[("GET", "/api/v1/products")]
    assert "503" in ops[("POST", "/api/v1/account/wechat/mini-program")]
    export = ops[("GET", "/api/admin/v1/catalog/export")]["200"]["content"]
    assert set(export) == {"text/csv", "application/vnd.openxmlformats-officedocument."
                           "spreadsheetml.sheet"}
    assert not any(p.startswith("/plugins/") for p in doc["paths"])  # console pages


@pytest.mark.parametrize("path", [f"/api/admin/v1/products/{HUGE}",
                                  f"/api/admin/v1/inventory/{HUGE}/ledger",
                                  f"/api/admin/v1/webhooks/{HUGE}"])
async def test_an_id_no_column_can_hold_is_not_found(open_shop, path):
    shop = await open_shop()
    answer = await shop.get(path)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


async def test_a_storefront_id_no_column_can_hold_is_not_found(open_shop):
    shop = await open_shop()
    answer = await shop.get(f"/api/v1/products/{HUGE}", admin=False)
    assert answer.status_code == 404, answer.text


async def test_csv_exports_name_their_charset_once(open_shop):
    shop = await open_shop(template="grocery")
    for path in ("/api/admin/v1/orders/export.csv", "/api/admin/v1/catalog/export"):
        answer = await shop.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"] == "text/csv; charset=utf-8", path


@pytest.mark.parametrize("variant_id", [HUGE, 2**40])
async def test_a_number_no_column_can_hold_in_a_body_is_refused(open_shop, variant_id):
    shop = await open_shop()
    cart = await shop.post("/api/v1/carts", admin=False)
    assert cart.status_code == 201
    answer = await shop.post(f"/api/v1/carts/{cart.json()['id']}/items", admin=False,
                             json={"variant_id": variant_id, "quantity": 1})
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def conforms(doc: dict, method: str, path: str, answer, *, ok: bool = True) -> None:
    """The answer succeeded (unless not `ok`), its status is documented for the operation,
    and its body matches the documented schema (JSON Schema 2020-12, as in OpenAPI 3.1)."""
    assert (answer.status_code < 300) == ok, (method, path, answer.status_code, answer.text)
    responses = doc["paths"][path][method.lower()]["responses"]
    assert str(answer.status_code) in responses, (method, path, answer.status_code, answer.text)
    media = answer.headers["content-type"].split(";")[0]
    content = responses[str(answer.status_code)]["content"]
    assert media in content, (method, path, media)
    schema = {"components": doc["components"], **content[media]["schema"]}
    errors = [f"{e.instance_path}: {e.message}" for e in
              jsonschema_rs.Draft202012Validator(schema).iter_errors(answer.json())]
    assert not errors, (method, path, errors[:5])


ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 1 号"}


async def test_a_purchase_answers_as_documented(client, open_shop):
    """The core of API.md, answer by answer, against the document's schemas."""
    doc = await document(client)
    shop = await open_shop(template="grocery")
    conforms(doc, "GET", "/api/platform/v1/templates",
             await client.get("/api/platform/v1/templates"))
    listed = await shop.get("/api/v1/products", admin=False)
    conforms(doc, "GET", "/api/v1/products", listed)
    product_id = listed.json()["items"][0]["id"]
    product = await shop.get(f"/api/v1/products/{product_id}", admin=False)
    conforms(doc, "GET", "/api/v1/products/{product_id}", product)
    conforms(doc, "GET", "/api/admin/v1/products/{product_id}",
             await shop.get(f"/api/admin/v1/products/{product_id}"))
    cart = await shop.post("/api/v1/carts", admin=False)
    conforms(doc, "POST", "/api/v1/carts", cart)
    cart_id = cart.json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False, json={
        "variant_id": product.json()["variants"][0]["id"], "quantity": 2})
    conforms(doc, "POST", "/api/v1/carts/{cart_id}/items", added)
    conforms(doc, "GET", "/api/v1/shipping-methods",
             await shop.get("/api/v1/shipping-methods", admin=False))
    methods = await shop.get("/api/v1/payment-methods", admin=False)
    conforms(doc, "GET", "/api/v1/payment-methods", methods)
    preview = await shop.post("/api/v1/checkout/preview", admin=False,
                              json={"cart_id": cart_id, "address": ADDRESS})
    conforms(doc, "POST", "/api/v1/checkout/preview", preview)
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": ADDRESS, "shipping_method": preview.json()["shipping_options"][0]["code"],
        "payment_method": methods.json()["items"][0]["code"]})
    conforms(doc, "POST", "/api/v1/orders", placed)
    number, token = placed.json()["number"], placed.json()["access_token"]
    conforms(doc, "GET", "/api/v1/orders/{number}", await shop.get(
        f"/api/v1/orders/{number}", admin=False, params={"access_token": token}))
    method = methods.json()["items"][0]["code"]
    conforms(doc, "POST", "/api/v1/orders/{number}/payments", await shop.post(
        f"/api/v1/orders/{number}/payments", admin=False, json={"method": method},
        params={"access_token": token}))
    conforms(doc, "GET", "/api/admin/v1/orders/{number}/payments",
             await shop.get(f"/api/admin/v1/orders/{number}/payments"))
    conforms(doc, "POST", "/api/admin/v1/orders/{number}/mark-paid", await shop.post(
        f"/api/admin/v1/orders/{number}/mark-paid", json={}))
    conforms(doc, "GET", "/api/admin/v1/products", await shop.get("/api/admin/v1/products"))
    conforms(doc, "PATCH", "/api/admin/v1/products/{product_id}", await shop.client.patch(
        f"/api/admin/v1/products/{product_id}", json={"name": "新名字"}, headers=shop.headers()))
    conforms(doc, "GET", "/api/admin/v1/orders", await shop.get("/api/admin/v1/orders"))
    conforms(doc, "GET", "/api/admin/v1/orders/{number}",
             await shop.get(f"/api/admin/v1/orders/{number}"))
    conforms(doc, "GET", "/api/admin/v1/plugins", await shop.get("/api/admin/v1/plugins"))
    conforms(doc, "PUT", "/api/admin/v1/plugins/{name}",
             await shop.put("/api/admin/v1/plugins/marketing", json={"enabled": True}))
    refused = await shop.post("/api/v1/orders", admin=False, json={"cart_id": cart_id})
    conforms(doc, "POST", "/api/v1/orders", refused, ok=False)  # a problem, as documented


async def test_addresses_and_contacts_are_documented_objects(client):
    doc = await document(client)
    order = doc["components"]["schemas"]["OrderBody"]["properties"]
    assert set(order["address"]["required"]) == {"name", "phone", "country", "province",
                                                 "city", "line1"}
    assert order["address"]["additionalProperties"] is False
    assert order["contact"]["required"] == ["name"]
    assert set(order["contact"]["properties"]) == {"name", "phone", "email"}
    saved = doc["paths"]["/api/v1/account/addresses"]["post"]["requestBody"]["content"]
    assert "is_default" in saved["application/json"]["schema"]["properties"]


async def test_a_shoppers_account_answers_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    email = f"han@{shop.slug}.example"
    registered = await shop.post("/api/v1/account/register", admin=False, json={
        "email": email, "password": "Correct-Horse-9", "name": "韩梅梅"})
    conforms(doc, "POST", "/api/v1/account/register", registered)
    signed_in = await shop.post("/api/v1/account/sign-in", admin=False, json={
        "login": email, "password": "Correct-Horse-9"})
    conforms(doc, "POST", "/api/v1/account/sign-in", signed_in)
    me = {"host": shop.host, "authorization": f"Bearer {signed_in.json()['token']}"}
    conforms(doc, "GET", "/api/v1/account", await client.get("/api/v1/account", headers=me))
    added = await client.post("/api/v1/account/addresses", headers=me, json=ADDRESS)
    conforms(doc, "POST", "/api/v1/account/addresses", added)
    address_id = added.json()["id"]
    conforms(doc, "PUT", "/api/v1/account/addresses/{address_id}", await client.put(
        f"/api/v1/account/addresses/{address_id}", headers=me, json={**ADDRESS, "line2": "2 楼"}))
    conforms(doc, "POST", "/api/v1/account/addresses/{address_id}/default", await client.post(
        f"/api/v1/account/addresses/{address_id}/default", headers=me))
    conforms(doc, "GET", "/api/v1/account/addresses",
             await client.get("/api/v1/account/addresses", headers=me))
    conforms(doc, "GET", "/api/v1/account/orders",
             await client.get("/api/v1/account/orders", headers=me))
    conforms(doc, "POST", "/api/v1/account/password-reset", await shop.post(
        "/api/v1/account/password-reset", admin=False, json={"login": email}))
    wrong = await shop.post("/api/v1/account/sign-in", admin=False, json={
        "login": email, "password": "not-the-password"})
    conforms(doc, "POST", "/api/v1/account/sign-in", wrong, ok=False)
    assert wrong.status_code == 401


async def test_stock_answers_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={
        "name": "牛奶", "variants": [{"sku": "MILK-1", "price": 1290, "stock": 3}]})
    conforms(doc, "POST", "/api/admin/v1/products", created)
    variant_id = created.json()["variants"][0]["id"]
    conforms(doc, "POST", "/api/admin/v1/inventory/receive", await shop.post(
        "/api/admin/v1/inventory/receive", json={
            "variant_id": variant_id, "quantity": 5, "lot_code": "L1",
            "expires_on": "2026-12-20", "reason": "delivery"}))
    conforms(doc, "POST", "/api/admin/v1/inventory/adjust", await shop.post(
        "/api/admin/v1/inventory/adjust", json={
            "variant_id": variant_id, "counted": 7, "reason": "stocktake"}))
    conforms(doc, "PUT", "/api/admin/v1/inventory/{variant_id}/safety-stock", await shop.put(
        f"/api/admin/v1/inventory/{variant_id}/safety-stock", json={"safety_stock": 10}))
    ledger = await shop.get(f"/api/admin/v1/inventory/{variant_id}/ledger")
    conforms(doc, "GET", "/api/admin/v1/inventory/{variant_id}/ledger", ledger)
    assert [m["kind"] for m in ledger.json()["items"]][:2] == ["adjust", "receive"]
    low = await shop.get("/api/admin/v1/inventory/low-stock")
    conforms(doc, "GET", "/api/admin/v1/inventory/low-stock", low)
    assert [item["sku"] for item in low.json()["items"]] == ["MILK-1"]
    expiring = await shop.get("/api/admin/v1/inventory/expiring", params={"days": 3650})
    conforms(doc, "GET", "/api/admin/v1/inventory/expiring", expiring)
    assert [lot["lot_code"] for lot in expiring.json()["items"]] == ["L1"]


async def test_webhook_endpoints_answer_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/webhooks", json={
        "url": "https://hooks.example.com/galleria", "topics": ["order.placed"]})
    conforms(doc, "POST", "/api/admin/v1/webhooks", created)
    assert created.json()["secret"]
    endpoint_id = created.json()["id"]
    listed = await shop.get("/api/admin/v1/webhooks")
    conforms(doc, "GET", "/api/admin/v1/webhooks", listed)
    assert "secret" not in listed.json()["items"][0]
    conforms(doc, "GET", "/api/admin/v1/webhooks/{endpoint_id}",
             await shop.get(f"/api/admin/v1/webhooks/{endpoint_id}"))
    conforms(doc, "PATCH", "/api/admin/v1/webhooks/{endpoint_id}", await shop.client.patch(
        f"/api/admin/v1/webhooks/{endpoint_id}", json={"enabled": False},
        headers=shop.headers()))


async def test_categories_answer_as_documented(client, open_shop):
    doc = await document(client)
    shop = await open_shop()
    top = await shop.post("/api/admin/v1/categories", json={"slug": "dairy", "name": "乳品"})
    conforms(doc, "POST", "/api/admin/v1/categories", top)
    child = await shop.post("/api/admin/v1/categories", json={
        "slug": "milk", "name": "牛奶", "parent": "dairy"})
    conforms(doc, "POST", "/api/admin/v1/categories", child)
    assert child.json()["parent"] == top.json()["id"]
    conforms(doc, "PATCH", "/api/admin/v1/categories/{category_id}", await shop.client.patch(
        f"/api/admin/v1/categories/{child.json()['id']}", json={"name": "鲜奶"},
        headers=shop.headers()))
    tree = await shop.get("/api/admin/v1/categories")
    conforms(doc, "GET", "/api/admin/v1/categories", tree)
    assert [c["slug"] for c in tree.json()["items"][0]["children"]] == ["milk"]
    taken = await shop.post("/api/admin/v1/categories", json={"slug": "dairy", "name": "又一个"})
    conforms(doc, "POST", "/api/admin/v1/categories", taken, ok=False)
