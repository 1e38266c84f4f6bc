"""The merchant's catalog and stock through the admin API: editing, publishing, soft delete,
pictures, categories, barcodes, receiving, stocktakes and alerts — and never another shop's."""

import datetime as dt
import io

import pytest
from PIL import Image

from galleria.auth.tokens import issue_token
from galleria.kernel import db, hookimpl
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.inventory import service as inventory
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin, register_plugin, run_outbox

MILK = {"name": "伊利纯牛奶 250ml", "description": "全脂", "attributes": {"品牌": "伊利"},
        "variants": [{"sku": "MILK-250", "price": 350, "stock": 10, "weight_grams": 260,
                      "barcodes": [{"code": "6907992500133"},
                                   {"code": "16907992500130", "units": 24}]}]}


async def create(shop, body=MILK):
    response = await shop.post("/api/admin/v1/products", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def patch(shop, path, body):
    return await shop.client.patch(path, json=body, headers=shop.headers())


async def delete(shop, path):
    return await shop.client.request("DELETE", path, headers=shop.headers())


async def storefront_names(shop, query=""):
    response = await shop.get(f"/api/v1/products?{query}", admin=False)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def png(size=(1000, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_editing_publishing_and_variants_show_in_the_storefront(open_shop):
    shop = await open_shop()
    product = await create(shop)
    pid, vid = product["id"], product["variants"][0]["id"]
    await shop.post("/api/admin/v1/categories", json={"slug": "dairy", "name": "乳品"})

    changed = await patch(shop, f"/api/admin/v1/products/{pid}", {
        "name": "蒙牛纯牛奶 250ml", "category": "dairy", "attributes": {"品牌": "蒙牛"},
        "variants": [{"id": vid, "price": 300},
                     {"sku": "MILK-1L", "price": 1200, "stock": 4, "options": {"容量": "1L"}}]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "蒙牛纯牛奶 250ml" and body["category"]["slug"] == "dairy"
    assert [(v["sku"], v["price"]) for v in body["variants"]] == [
        ("MILK-250", 300), ("MILK-1L", 1200)]
    assert body["price_from"] == 300

    assert await storefront_names(shop, "q=蒙牛") == ["蒙牛纯牛奶 250ml"]  # re-indexed
    assert await storefront_names(shop, "q=伊利") == []
    assert await storefront_names(shop, "q=乳品") == ["蒙牛纯牛奶 250ml"]
    assert await storefront_names(shop, "q=MILK-1L") == ["蒙牛纯牛奶 250ml"]

    # The cheaper variant is taken off sale: the shown price follows; shoppers do not see it.
    await patch(shop, f"/api/admin/v1/products/{pid}",
                {"variants": [{"id": vid, "status": "inactive"}]})
    listing = (await shop.get("/api/v1/products", admin=False)).json()["items"]
    assert listing[0]["price_from"] == 1200
    page = (await shop.get(f"/api/v1/products/{pid}", admin=False)).json()
    assert [v["sku"] for v in page["variants"]] == ["MILK-1L"]

    unpublished = await patch(shop, f"/api/admin/v1/products/{pid}", {"status": "draft"})
    assert unpublished.json()["status"] == "draft"
    assert await storefront_names(shop) == []
    assert (await shop.get(f"/api/v1/products/{pid}", admin=False)).status_code == 404
    drafts = (await shop.get("/api/admin/v1/products?status=draft")).json()["items"]
    assert [(p["id"], p["status"]) for p in drafts] == [(pid, "draft")]
    await patch(shop, f"/api/admin/v1/products/{pid}", {"status": "published"})
    assert await storefront_names(shop) == ["蒙牛纯牛奶 250ml"]
    cleared = await patch(shop, f"/api/admin/v1/products/{pid}", {"category": None})
    assert cleared.json()["category"] is None
    assert await storefront_names(shop, "q=乳品") == []


async def test_bad_edits_are_clear_4xx_never_500(open_shop):
    shop = await open_shop()
    product = await create(shop)
    other = await create(shop, {"name": "酸奶", "variants": [{"sku": "YOG", "price": 500}]})
    pid = product["id"]
    path = f"/api/admin/v1/products/{pid}"
    cases = [
        ({"price": 1}, 422),                                   # unknown field
        ({"name": ""}, 422),
        ({"status": "archived"}, 422),
        ({"variants": [{"id": product["variants"][0]["id"], "price": -1}]}, 422),
        ({"variants": [{"id": product["variants"][0]["id"], "stock": 5}]}, 422),
        ({"variants": [{"sku": "NEW"}]}, 422),                  # a new variant needs a price
        ({"variants": [{"id": other["variants"][0]["id"], "price": 1}]}, 404),
        ({"category": "nowhere"}, 404),
        ({"variants": [{"sku": "YOG", "price": 1}]}, 409),      # SKU taken
    ]
    for body, status in cases:
        response = await patch(shop, path, body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await shop.get(path)).json()["variants"][0]["price"] == 350  # nothing changed
    assert (await patch(shop, "/api/admin/v1/products/999999", {"name": "x"})).status_code == 404


async def test_duplicate_barcode_within_a_shop_is_refused_naming_its_holder(open_shop):
    shop = await open_shop()
    await create(shop)
    again = await shop.post("/api/admin/v1/products", json={
        "name": "假牛奶", "variants": [{"sku": "FAKE", "price": 1,
                                       "barcodes": [{"code": "6907992500133"}]}]})
    assert again.status_code == 409
    assert "6907992500133 is on SKU MILK-250" in again.json()["detail"]
    yog = await create(shop, {"name": "酸奶", "variants": [{"sku": "YOG", "price": 500}]})
    moved = await patch(shop, f"/api/admin/v1/products/{yog['id']}", {"variants": [
        {"id": yog["variants"][0]["id"], "barcodes": [{"code": "16907992500130"}]}]})
    assert moved.status_code == 409 and "MILK-250" in moved.json()["detail"]
    twice = await patch(shop, f"/api/admin/v1/products/{yog['id']}", {"variants": [
        {"id": yog["variants"][0]["id"], "barcodes": [{"code": "1"}, {"code": "1"}]}]})
    assert twice.status_code == 422
    other_shop = await open_shop()
    await create(other_shop)  # the same barcodes in another shop are that shop's business


async def test_soft_deleted_products_vanish_but_free_their_sku_and_barcodes(open_shop):
    shop = await open_shop()
    product = await create(shop)
    keep = await create(shop, {"name": "纯牛奶 1L", "variants": [{"sku": "MILK-1L",
                                                                  "price": 1200}]})
    assert set(await storefront_names(shop, "q=牛奶")) == {"伊利纯牛奶 250ml", "纯牛奶 1L"}

    gone = await delete(shop, f"/api/admin/v1/products/{product['id']}")
    assert gone.status_code == 204
    assert await storefront_names(shop, "q=牛奶") == ["纯牛奶 1L"]
    assert await storefront_names(shop, "q=6907992500133") == []
    assert await storefront_names(shop) == ["纯牛奶 1L"]
    assert (await shop.get(f"/api/v1/products/{product['id']}", admin=False)).status_code == 404
    assert (await shop.get(f"/api/admin/v1/products/{product['id']}")).status_code == 404
    admin_list = (await shop.get("/api/admin/v1/products")).json()["items"]
    assert [p["id"] for p in admin_list] == [keep["id"]]
    assert (await shop.get("/api/admin/v1/barcodes/6907992500133")).status_code == 404
    assert (await delete(shop, f"/api/admin/v1/products/{product['id']}")).status_code == 404

    again = await create(shop)  # same SKU and barcodes, as a new product
    assert again["id"] != product["id"]
    found = (await shop.get("/api/admin/v1/barcodes/6907992500133")).json()
    assert found["product"]["id"] == again["id"]


async def test_another_shops_token_and_ids_are_refused(open_shop):
    mine, theirs = await open_shop(), await open_shop()
    product = await create(mine)
    pid, vid = product["id"], product["variants"][0]["id"]
    # Their token on my host.
    forged = {"host": mine.host, "authorization": f"Bearer {theirs.token}"}
    for method, path in [("GET", "/api/admin/v1/products"), ("GET", "/api/admin/v1/categories"),
                         ("DELETE", f"/api/admin/v1/products/{pid}"),
                         ("GET", f"/api/admin/v1/inventory/{vid}/ledger"),
                         ("GET", "/api/admin/v1/catalog/export")]:
        response = await mine.client.request(method, path, headers=forged)
        assert response.status_code == 401, (method, path)
    # Their host and token, my ids.
    assert (await patch(theirs, f"/api/admin/v1/products/{pid}", {"name": "x"})).status_code == 404
    assert (await delete(theirs, f"/api/admin/v1/products/{pid}")).status_code == 404
    assert (await theirs.get(f"/api/admin/v1/inventory/{vid}/ledger")).status_code == 404
    assert (await theirs.get("/api/admin/v1/barcodes/6907992500133")).status_code == 404
    for body in ({"variant_id": vid, "quantity": 5}, {"barcode": "6907992500133"}):
        assert (await theirs.post("/api/admin/v1/inventory/receive", json=body)).status_code == 404
    assert (await theirs.post("/api/admin/v1/inventory/adjust", json={
        "variant_id": vid, "counted": 0, "reason": "x"})).status_code == 404
    assert (await theirs.put(f"/api/admin/v1/inventory/{vid}/safety-stock",
                             json={"safety_stock": 3})).status_code == 404
    upload = await theirs.post(f"/api/admin/v1/products/{pid}/images",
                               files={"file": ("a.png", png(), "image/png")})
    assert upload.status_code == 404
    mine_now = (await mine.get(f"/api/admin/v1/products/{pid}")).json()
    assert mine_now["name"] == MILK["name"] and mine_now["variants"][0]["stock"]["on_hand"] == 10


async def test_a_read_only_token_cannot_change_the_catalog(open_shop):
    shop = await open_shop()
    product = await create(shop)
    tenant = await get_shop(shop.slug)
    async with db.shop_scope(tenant.id):
        reader = await issue_token(tenant.id, "reports", scopes=["catalog:read"])
    headers = {"host": shop.host, "authorization": f"Bearer {reader}"}
    assert (await shop.client.get("/api/admin/v1/products", headers=headers)).status_code == 200
    refused = await shop.client.patch(f"/api/admin/v1/products/{product['id']}",
                                      json={"name": "x"}, headers=headers)
    assert refused.status_code == 403 and "catalog:write" in refused.json()["detail"]


async def test_pictures_are_checked_resized_and_served(open_shop):
    shop = await open_shop()
    pid = (await create(shop))["id"]
    path = f"/api/admin/v1/products/{pid}/images"
    uploaded = await shop.post(path, files={"file": ("photo.png", png(), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    image = uploaded.json()
    assert (image["width"], image["height"]) == (1000, 800)
    assert f"/shops/{(await get_shop(shop.slug)).id}/products/{pid}/" in image["url"]
    served = await shop.client.get(image["thumb_url"], headers={"host": shop.host})
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (400, 320)
    assert [r["width"] for r in image["webp"]] == [200, 400, 800]  # for phones' srcset
    webp = await shop.client.get(image["webp"][0]["url"], headers={"host": shop.host})
    assert Image.open(io.BytesIO(webp.content)).format == "WEBP"

    page = await shop.client.get(f"/products/{pid}", headers={"host": shop.host,
                                                              "accept": "text/html"})
    assert '<source type="image/webp"' in page.text and "800w" in page.text

    product = (await shop.get(f"/api/admin/v1/products/{pid}")).json()
    assert product["images"] == [image["url"]]
    assert product["image_details"][0]["large_url"] == image["large_url"]
    listing = (await shop.get("/api/v1/products", admin=False)).json()["items"]
    assert listing[0]["image"] == image["thumb_url"]

    gif = io.BytesIO()
    Image.new("P", (10, 10)).save(gif, "GIF")
    for name, data, kind in [("fake.png", gif.getvalue(), "image/png"),
                             ("evil.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg"),
                             ("doc.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 broken", "image/webp")]:
        refused = await shop.post(path, files={"file": (name, data, kind)})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "JPEG, PNG or WebP" in refused.json()["detail"] or "damaged" in (
            refused.json()["detail"])
    assert (await shop.post(path, data={"nothing": "here"})).status_code in (400, 422)

    removed = await delete(shop, f"{path}/{image['id']}")
    assert removed.status_code == 204
    assert (await shop.get(f"/api/admin/v1/products/{pid}")).json()["images"] == []
    assert (await shop.client.get(image["url"], headers={"host": shop.host})).status_code == 404


async def test_category_tree_moves_without_cycles(open_shop):
    shop = await open_shop()

    async def add(slug, name, parent=None):
        response = await shop.post("/api/admin/v1/categories",
                                   json={"slug": slug, "name": name, "parent": parent})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    food = await add("food", "食品")
    dairy = await add("dairy", "乳品", "food")
    milk = await add("milk", "牛奶", "dairy")
    tree = (await shop.get("/api/admin/v1/categories")).json()["items"]
    assert [(c["slug"], [d["slug"] for d in c["children"]]) for c in tree] == [
        ("food", ["dairy"])]
    assert tree[0]["children"][0]["children"][0]["id"] == milk

    for target in (f"/api/admin/v1/categories/{food}", f"/api/admin/v1/categories/{dairy}"):
        cycle = await patch(shop, target, {"parent": "milk"})
        assert cycle.status_code == 409 and "inside itself" in cycle.json()["detail"]
    assert (await patch(shop, f"/api/admin/v1/categories/{food}",
                        {"parent": "food"})).status_code == 409
    moved = await patch(shop, f"/api/admin/v1/categories/{milk}", {"parent": None})
    assert moved.status_code == 200 and moved.json()["parent"] is None

    taken = await shop.post("/api/admin/v1/categories", json={"slug": "food", "name": "x"})
    assert taken.status_code == 409
    bad = await shop.post("/api/admin/v1/categories", json={"slug": "Bad Slug", "name": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "slug"

    await create(shop, {**MILK, "category": "milk"})
    busy = await delete(shop, f"/api/admin/v1/categories/{milk}")
    assert busy.status_code == 409 and "1 products" in busy.json()["detail"]
    await patch(shop, f"/api/admin/v1/categories/{milk}", {"name": "鲜奶"})
    assert await storefront_names(shop, "q=鲜奶") == [MILK["name"]]  # re-indexed
    assert (await delete(shop, f"/api/admin/v1/categories/{dairy}")).status_code == 204


async def test_barcode_lookup_and_case_barcode_receive_add_units(open_shop):
    shop = await open_shop()
    product = await create(shop)
    vid = product["variants"][0]["id"]
    found = await shop.get("/api/admin/v1/barcodes/16907992500130")
    assert found.status_code == 200
    assert found.json()["barcode"] == {"code": "16907992500130", "units": 24}
    assert found.json()["variant"]["sku"] == "MILK-250"
    assert found.json()["product"]["name"] == MILK["name"]
    assert (await shop.get("/api/admin/v1/barcodes/000")).status_code == 404

    case = await shop.post("/api/admin/v1/inventory/receive",
                           json={"barcode": "16907992500130", "count": 2})
    assert case.status_code == 201, case.text
    assert case.json()["received"] == 48
    assert case.json()["stock"] == {"on_hand": 58, "reserved": 0, "available": 58,
                                    "safety_stock": 0}
    unit = await shop.post("/api/admin/v1/inventory/receive", json={"barcode": "6907992500133"})
    assert unit.json()["received"] == 1 and unit.json()["stock"]["on_hand"] == 59

    ledger = (await shop.get(f"/api/admin/v1/inventory/{vid}/ledger")).json()["items"]
    assert [(m["kind"], m["on_hand_change"]) for m in ledger] == [("receive", 1),
                                                                   ("receive", 48)]
    assert ledger[1]["actor"].startswith("token:") and "16907992500130" in ledger[1]["reason"]


async def test_receive_lots_adjust_and_alerts(open_shop):
    shop = await open_shop()
    vid = (await create(shop))["variants"][0]["id"]
    soon = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    lot = await shop.post("/api/admin/v1/inventory/receive", json={
        "variant_id": vid, "quantity": 12, "lot_code": "B-0601", "expires_on": soon,
        "reason": "supplier delivery", "reference": "PO-7"}, headers={"idempotency-key": "rx-1"})
    assert lot.status_code == 201 and lot.json()["lot_id"]
    replay = await shop.post("/api/admin/v1/inventory/receive", json={
        "variant_id": vid, "quantity": 12, "lot_code": "B-0601", "expires_on": soon,
        "reason": "supplier delivery", "reference": "PO-7"}, headers={"idempotency-key": "rx-1"})
    assert replay.json() == lot.json()  # a retried request does not receive twice
    expiring = (await shop.get("/api/admin/v1/inventory/expiring?days=7")).json()["items"]
    assert [(e["lot_code"], e["quantity"], e["expires_on"]) for e in expiring] == [
        ("B-0601", 12, soon)]
    assert (await shop.get("/api/admin/v1/inventory/expiring?days=2")).json()["items"] == []

    for body in ({"variant_id": vid}, {"variant_id": vid, "quantity": 1, "count": 2},
                 {"barcode": "6907992500133", "variant_id": vid,
                                       "quantity": 1}, {}, {"variant_id": vid, "quantity": 0},
                 {"variant_id": vid, "quantity": 1, "produced_on": soon,
                  "expires_on": "2020-01-01"}, {"variant_id": vid, "quantity": "many"}):
        response = await shop.post("/api/admin/v1/inventory/receive", json=body)
        assert response.status_code == 422, (body, response.text)

    counted = await shop.post("/api/admin/v1/inventory/adjust", json={
        "variant_id": vid, "counted": 20, "reason": "stocktake: 2 broken"})
    assert counted.status_code == 200 and counted.json()["stock"]["on_hand"] == 20
    no_reason = await shop.post("/api/admin/v1/inventory/adjust",
                                json={"variant_id": vid, "counted": 20, "reason": ""})
    assert no_reason.status_code == 422

    tenant = await get_shop(shop.slug)
    async with db.shop_scope(tenant.id):
        await inventory.reserve(tenant.id, vid, 15)
    below = await shop.post("/api/admin/v1/inventory/adjust",
                            json={"variant_id": vid, "counted": 10, "reason": "count"})
    assert below.status_code == 409 and "reserved" in below.json()["detail"]

    safety = await shop.put(f"/api/admin/v1/inventory/{vid}/safety-stock",
                            json={"safety_stock": 5})
    assert safety.status_code == 200 and safety.json()["stock"]["safety_stock"] == 5
    low = (await shop.get("/api/admin/v1/inventory/low-stock")).json()["items"]
    assert [(r["sku"], r["available"], r["safety_stock"]) for r in low] == [("MILK-250", 5, 5)]
    bad = await shop.put(f"/api/admin/v1/inventory/{vid}/safety-stock", json={"safety_stock": -1})
    assert bad.status_code == 422


async def test_ledger_pages_with_a_cursor(open_shop):
    shop = await open_shop()
    vid = (await create(shop))["variants"][0]["id"]
    for _ in range(5):
        await shop.post("/api/admin/v1/inventory/receive", json={"variant_id": vid,
                                                                  "quantity": 1})
    first = (await shop.get(f"/api/admin/v1/inventory/{vid}/ledger?limit=3")).json()
    second = (await shop.get(f"/api/admin/v1/inventory/{vid}/ledger?limit=3&cursor="
                             f"{first['next_cursor']}")).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None
    assert first["items"][-1]["id"] > second["items"][0]["id"]
    assert (await shop.get(f"/api/admin/v1/inventory/{vid}/ledger?cursor=nonsense")
            ).status_code == 422


async def _lots_expiring(open_shop):
    shop = await open_shop()
    vid = (await create(shop))["variants"][0]["id"]
    today = dt.date.today()
    for code, days in (("SOON", 3), ("LATER", 90), ("GONE", -1)):
        await shop.post("/api/admin/v1/inventory/receive", json={
            "variant_id": vid, "quantity": 2, "lot_code": code,
            "expires_on": (today + dt.timedelta(days=days)).isoformat()})
    return await get_shop(shop.slug), vid


async def test_near_expiry_alerts_once_per_lot(open_shop):
    shop, vid = await _lots_expiring(open_shop)
    async with db.shop_scope(shop.id):
        assert await inventory.near_expiry_alerts(shop.id, 7) == 2
        assert await inventory.near_expiry_alerts(shop.id, 7) == 0  # remembered
        assert await inventory.near_expiry_alerts(shop.id, 120) == 1  # LATER, now in range
    rows = await OutboxEvent.select().where(
        (OutboxEvent.tenant == shop.id) & (OutboxEvent.topic == "stock.expiring"))
    payloads = [row["payload"] for row in rows]
    payloads = [p if isinstance(p, dict) else __import__("json").loads(p) for p in payloads]
    assert sorted((p["lot_code"], p["days_left"]) for p in payloads) == [
        ("GONE", -1), ("LATER", 90), ("SOON", 3)]
    assert {p["sku"] for p in payloads} == {"MILK-250"} and payloads[0]["variant_id"] == vid


class ExpiryListener:
    def __init__(self):
        self.received = []

    @hookimpl
    def galleria_stock_expiring(self, event):
        self.received.append(event)


async def test_hook_stock_expiring(plugin_host, open_shop):
    """A plugin enabled by the shop hears of each lot near its expiry once, after commit."""
    shop, vid = await _lots_expiring(open_shop)
    with register_plugin(plugin_host, ExpiryListener, "catalog_expiry_listener") as listener:
        await enable_plugin(shop.id, plugin_host, "catalog_expiry_listener")
        async with db.shop_scope(shop.id):
            await inventory.near_expiry_alerts(shop.id, 7)
        await run_outbox(plugin_host)
        async with db.shop_scope(shop.id):
            await inventory.near_expiry_alerts(shop.id, 7)
        await run_outbox(plugin_host)
    mine = [e for e in listener.received if e.tenant_id == shop.id]
    assert sorted(e.payload["lot_code"] for e in mine) == ["GONE", "SOON"]
    soon = next(e.payload for e in mine if e.payload["lot_code"] == "SOON")
    assert soon["variant_id"] == vid and soon["quantity"] == 2 and soon["days_left"] == 3
    assert soon["product_name"] == MILK["name"]


@pytest.mark.parametrize("query", ["status=archived", "limit=0", "sort=random",
                                   "cursor=%%%", "category=nope"])
async def test_admin_list_rejects_bad_queries(open_shop, query):
    shop = await open_shop()
    response = await shop.get(f"/api/admin/v1/products?{query}")
    assert 400 <= response.status_code < 500, response.text


async def test_a_makers_barcode_with_a_wrong_check_digit_is_refused(open_shop):
    shop = await open_shop()
    typo = await shop.post("/api/admin/v1/products", json={
        "name": "Oolong", "variants": [{"sku": "OO-1", "price": 100, "barcodes": [
            {"code": "6901234567893"}]}]})  # EAN-13 6901234567892 with its last digit mistyped
    assert typo.status_code == 422
    assert typo.json()["errors"] == [{"field": "variants[0].barcodes[0].code", "message":
                                      "wrong check digit: this barcode should end in 2"}]
    fine = await shop.post("/api/admin/v1/products", json={
        "name": "Oolong", "variants": [{"sku": "OO-1", "price": 100, "barcodes": [
            {"code": "6901234567892"}, {"code": "96385074", "units": 6},  # EAN-13, EAN-8
            {"code": "036000291452"}, {"code": "SHOP-0001"}, {"code": "20123"}]}]})
    assert fine.status_code == 201, fine.text  # UPC-A and the shop's own codes pass
