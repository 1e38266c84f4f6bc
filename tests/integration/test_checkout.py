"""Checkout preview and placing with shipping and pricing plugins (throwaway ones)."""

import pytest

from galleria.kernel import Adjustment, Conflict, PriceAdjuster, Quote, ShippingMethod, db, hookimpl
from galleria.kernel.inventory import service as inventory
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin, register_plugin

ADDRESS = {"name": "韩梅梅", "phone": "13900139000", "country": "CN", "province": "上海市",
           "city": "上海市", "line1": "南京西路 1 号"}
CONTACT = {"name": "韩梅梅", "email": "meimei@example.com"}


class FlatRate(ShippingMethod):
    code, name = "flat", "Flat rate"

    async def quote(self, shop, lines, address):
        if address is not None and address.province == "西藏自治区":
            return None  # not served there
        return Quote(fee=800, eta_days=(1, 3))


class BrokenCarrier(ShippingMethod):
    code, name = "broken", "Broken carrier"

    async def quote(self, shop, lines, address):
        raise RuntimeError("carrier API down")


class Coupon(PriceAdjuster):
    """¥10 off with TEN; USED is a coupon used up (a deliberate refusal)."""

    order, code = 100, "coupon"

    async def adjust(self, context):
        if context.coupon_code == "USED":
            raise Conflict("This coupon has been used up")
        if context.coupon_code == "TEN":
            return [Adjustment("coupon", -1000, "¥10 off")]
        return []


class Crashing(PriceAdjuster):
    order, code = 50, "crashing"

    async def adjust(self, context):
        raise ValueError("bug in a marketing plugin")


class Points(PriceAdjuster):
    """Points pay whatever is left, however many the shopper offers: the kernel clamps."""

    order, code = 900, "points"

    async def adjust(self, context):
        if not context.points:
            return []
        return [Adjustment("points", -context.points, "points"),
                Adjustment("free_shipping", -99999, "free shipping", target="shipping")]


class Marketing:
    @hookimpl
    def galleria_shipping_methods(self, shop):
        return [FlatRate(), BrokenCarrier()]

    @hookimpl
    def galleria_price_adjusters(self, shop):
        return [Points(), Coupon(), Crashing()]


@pytest.fixture
async def shop_with_plugin(open_shop, plugin_host):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "绿茶", "variants": [
        {"sku": "GREEN-1", "price": 3000, "stock": 4}]})
    variant_id = created.json()["variants"][0]["id"]
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                    json={"variant_id": variant_id, "quantity": 2})
    with register_plugin(plugin_host, Marketing, "test_marketing"):
        yield shop, tenant_id, cart_id, variant_id


async def _preview(shop, **body):
    return await shop.post("/api/v1/checkout/preview", admin=False, json=body)


async def test_without_plugins_there_is_no_shipping_and_no_discount(open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "白茶", "variants": [
        {"sku": "WHITE-1", "price": 4500, "stock": 3}]})
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False, json={
        "variant_id": created.json()["variants"][0]["id"], "quantity": 2})
    preview = (await _preview(shop, cart_id=cart_id, address=ADDRESS)).json()
    assert (preview["shipping_options"], preview["adjustments"]) == ([], [])
    assert (preview["subtotal"], preview["shipping_fee"], preview["total"]) == (9000, 0, 9000)
    assert (await shop.get("/api/v1/shipping-methods", admin=False)).json() == {"items": []}
    chosen = await _preview(shop, cart_id=cart_id, shipping_method="flat")
    assert chosen.status_code == 422 and chosen.json()["errors"][0]["field"] == "shipping_method"
    bad = await _preview(shop, cart_id=cart_id, address={**ADDRESS, "phone": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "address.phone"


async def test_preview_quotes_and_applies_adjusters_in_order(shop_with_plugin, plugin_host):
    shop, tenant_id, cart_id, _ = shop_with_plugin
    assert (await _preview(shop, cart_id=cart_id)).json()["shipping_options"] == []
    await enable_plugin(tenant_id, plugin_host, "test_marketing")
    methods = (await shop.get("/api/v1/shipping-methods", admin=False)).json()["items"]
    assert [m["code"] for m in methods] == ["flat", "broken"]
    preview = (await _preview(shop, cart_id=cart_id, address=ADDRESS)).json()
    assert preview["shipping_options"] == [  # the broken carrier is left out
        {"code": "flat", "name": "Flat rate", "fee": 800, "eta": {"min_days": 1, "max_days": 3}}]
    assert preview["shipping_fee"] == 0 and preview["total"] == 6000  # none chosen yet
    far = (await _preview(shop, cart_id=cart_id,
                          address={**ADDRESS, "province": "西藏自治区"})).json()
    assert far["shipping_options"] == []
    priced = (await _preview(shop, cart_id=cart_id, address=ADDRESS, shipping_method="flat",
                             coupon_code="TEN")).json()
    assert [a["code"] for a in priced["adjustments"]] == ["coupon"]  # the crashing one: none
    assert (priced["subtotal"], priced["shipping_fee"], priced["discount_total"],
            priced["total"]) == (6000, 800, 1000, 5800)


async def test_discounts_never_exceed_what_they_discount(shop_with_plugin, plugin_host):
    shop, tenant_id, cart_id, _ = shop_with_plugin
    await enable_plugin(tenant_id, plugin_host, "test_marketing")
    priced = (await _preview(shop, cart_id=cart_id, shipping_method="flat", coupon_code="TEN",
                             points=10**9)).json()
    amounts = {a["code"]: a["amount"] for a in priced["adjustments"]}
    assert amounts == {"coupon": -1000, "points": -5000, "free_shipping": -800}
    assert (priced["discount_total"], priced["total"]) == (6800, 0)


async def test_placing_uses_the_plugins_and_a_refusal_refuses_the_order(shop_with_plugin,
                                                                         plugin_host):
    shop, tenant_id, cart_id, variant_id = shop_with_plugin
    await enable_plugin(tenant_id, plugin_host, "test_marketing")
    body = {"cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
            "payment_method": "bank_transfer", "coupon_code": "TEN"}
    unchosen = await shop.post("/api/v1/orders", admin=False, json=body)
    assert unchosen.status_code == 422
    assert unchosen.json()["errors"][0]["field"] == "shipping_method"
    refused = await shop.post("/api/v1/orders", admin=False, json={
        **body, "shipping_method": "flat", "coupon_code": "USED"})
    assert refused.status_code == 409 and "used up" in refused.json()["detail"]
    async with db.shop_scope(tenant_id):
        assert (await inventory.get_level(tenant_id, variant_id)).reserved == 0
    placed = await shop.post("/api/v1/orders", admin=False,
                             json={**body, "shipping_method": "flat"})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["shipping_method"], order["shipping_fee"], order["discount_total"],
            order["total"]) == ("flat", 800, 1000, 5800)
    assert order["adjustments"] == [{"source": "coupon", "code": "coupon", "label": "¥10 off",
                                     "target": "items", "amount": -1000}]
