"""Carts through the storefront API: current prices, stock checks, expiry, other shops."""

import datetime as dt

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.checkout.tables import Cart
from galleria.kernel.tenancy.tables import Tenant


async def _shop(open_shop, variants=None):
    """A shop with one product; returns (shop, tenant id, {sku: variant id})."""
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={
        "name": "茉莉花茶", "variants": variants or [
            {"sku": "TEA-100", "price": 2800, "stock": 5, "options": {"规格": "100g"}},
            {"sku": "TEA-250", "price": 6000, "stock": 1, "options": {"规格": "250g"}}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    return shop, tenant_id, {v["sku"]: v["id"] for v in created.json()["variants"]}


async def _cart(shop) -> str:
    response = await shop.post("/api/v1/carts", admin=False)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _patch(shop, path, body):
    return await shop.client.patch(path, json=body, headers=shop.headers(admin=False))


async def _delete(shop, path):
    return await shop.client.delete(path, headers=shop.headers(admin=False))


async def test_new_cart_is_empty_with_an_unguessable_id(open_shop):
    shop, _, _ = await _shop(open_shop)
    response = await shop.post("/api/v1/carts", admin=False)
    cart = response.json()
    assert response.status_code == 201
    assert len(cart["id"]) >= 21 and cart["lines"] == [] and cart["subtotal"] == 0
    assert cart["currency"] == "CNY"
    assert (await _cart(shop)) != cart["id"]


async def test_adding_twice_adds_quantities_at_the_current_price(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    cart_id = await _cart(shop)
    first = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                            json={"variant_id": skus["TEA-100"], "quantity": 2})
    assert first.status_code == 200, first.text
    again = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                            json={"variant_id": skus["TEA-100"], "quantity": 1})
    [line] = again.json()["lines"]
    assert (line["quantity"], line["unit_price"], line["line_total"]) == (3, 2800, 8400)
    assert line["name"] == "茉莉花茶" and line["options"] == {"规格": "100g"}
    async with db.shop_scope(tenant_id):
        await Variant.update({Variant.price: 2500}).where(Variant.id == skus["TEA-100"])
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert cart["lines"][0]["unit_price"] == 2500 and cart["subtotal"] == 7500


async def test_more_than_available_is_refused_with_what_is_left(open_shop):
    shop, _, skus = await _shop(open_shop)
    cart_id = await _cart(shop)
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                    json={"variant_id": skus["TEA-100"], "quantity": 4})
    refused = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                              json={"variant_id": skus["TEA-100"], "quantity": 2})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["variant_id"] == skus["TEA-100"] and problem["available"] == 5
    assert problem["sku"] == "TEA-100" and "TEA-100" in problem["detail"]
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    assert cart["lines"][0]["quantity"] == 4  # the refused add changed nothing
    too_many = await _patch(shop, f"/api/v1/carts/{cart_id}/items/{skus['TEA-250']}",
                            {"quantity": 1})
    assert too_many.status_code == 404  # not in the cart


async def test_set_quantity_zero_and_delete_remove_lines(open_shop):
    shop, _, skus = await _shop(open_shop)
    cart_id = await _cart(shop)
    for sku in ("TEA-100", "TEA-250"):
        await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                        json={"variant_id": skus[sku], "quantity": 1})
    changed = await _patch(shop, f"/api/v1/carts/{cart_id}/items/{skus['TEA-100']}",
                           {"quantity": 3})
    assert changed.status_code == 200 and changed.json()["subtotal"] == 3 * 2800 + 6000
    over = await _patch(shop, f"/api/v1/carts/{cart_id}/items/{skus['TEA-250']}",
                        {"quantity": 2})
    assert over.status_code == 409 and over.json()["available"] == 1
    zero = await _patch(shop, f"/api/v1/carts/{cart_id}/items/{skus['TEA-100']}",
                        {"quantity": 0})
    assert [line["sku"] for line in zero.json()["lines"]] == ["TEA-250"]
    deleted = await _delete(shop, f"/api/v1/carts/{cart_id}/items/{skus['TEA-250']}")
    assert deleted.status_code == 200 and deleted.json()["lines"] == []


async def test_put_sets_a_quantity_as_patch_does(open_shop):
    """`wx.request` cannot PATCH: a mini-program sets quantities with PUT."""
    shop, _, skus = await _shop(open_shop)
    cart_id = await _cart(shop)
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                    json={"variant_id": skus["TEA-100"], "quantity": 4})
    path = f"/api/v1/carts/{cart_id}/items/{skus['TEA-100']}"
    fewer = await shop.client.put(path, json={"quantity": 2},
                                  headers=shop.headers(admin=False))
    assert fewer.status_code == 200, fewer.text
    assert fewer.json()["lines"][0]["quantity"] == 2 and fewer.json()["subtotal"] == 5600
    over = await shop.client.put(path, json={"quantity": 6}, headers=shop.headers(admin=False))
    assert over.status_code == 409 and over.json()["available"] == 5
    zero = await shop.client.put(path, json={"quantity": 0}, headers=shop.headers(admin=False))
    assert zero.json()["lines"] == []


async def test_inactive_variant_is_flagged_and_not_counted(open_shop):
    shop, tenant_id, skus = await _shop(open_shop)
    cart_id = await _cart(shop)
    for sku in ("TEA-100", "TEA-250"):
        await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                        json={"variant_id": skus[sku], "quantity": 1})
    async with db.shop_scope(tenant_id):
        await Variant.update({Variant.status: "inactive"}).where(Variant.id == skus["TEA-250"])
    cart = (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).json()
    problems = {line["sku"]: line["problem"] for line in cart["lines"]}
    assert problems == {"TEA-100": None, "TEA-250": "unavailable"}
    assert cart["subtotal"] == 2800
    refused = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                              json={"variant_id": skus["TEA-250"], "quantity": 1})
    assert refused.status_code == 409 and refused.json()["sku"] == "TEA-250"


async def test_another_shops_cart_and_variants_are_not_found(open_shop):
    shop, _, skus = await _shop(open_shop)
    other, _, other_skus = await _shop(open_shop, variants=[
        {"sku": "OTHER-1", "price": 100, "stock": 9}])
    cart_id = await _cart(shop)
    assert (await other.get(f"/api/v1/carts/{cart_id}", admin=False)).status_code == 404
    foreign = await other.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                               json={"variant_id": other_skus["OTHER-1"], "quantity": 1})
    assert foreign.status_code == 404
    their_variant = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                                    json={"variant_id": other_skus["OTHER-1"], "quantity": 1})
    assert their_variant.status_code == 404
    assert (await shop.get("/api/v1/carts/not-a-cart", admin=False)).status_code == 404
    assert skus  # the shop's own variants stay addable
    ok = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                         json={"variant_id": skus["TEA-100"], "quantity": 1})
    assert ok.status_code == 200


async def test_expired_cart_is_gone(open_shop):
    shop, tenant_id, _ = await _shop(open_shop)
    cart_id = await _cart(shop)
    async with db.shop_scope(tenant_id):
        await Cart.update({Cart.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}
                          ).where(Cart.token == cart_id)
    assert (await shop.get(f"/api/v1/carts/{cart_id}", admin=False)).status_code == 404


async def test_bad_quantities_are_422_and_idempotent_add_adds_once(open_shop):
    shop, _, skus = await _shop(open_shop)
    cart_id = await _cart(shop)
    for body in ({"variant_id": skus["TEA-100"], "quantity": 0},
                 {"variant_id": skus["TEA-100"], "quantity": 1.5},
                 {"variant_id": skus["TEA-100"], "quantity": 1, "price": 1}):
        response = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False, json=body)
        assert response.status_code == 422, (body, response.text)
    body = {"variant_id": skus["TEA-100"], "quantity": 2}
    for _ in range(2):
        response = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False, json=body,
                                   headers={"Idempotency-Key": "add-once"})
    assert response.json()["lines"][0]["quantity"] == 2
