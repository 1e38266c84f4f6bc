"""`Idempotency-Key` on every creating POST of the API: the second call with the same key
and body answers exactly what the first did (status, body bytes) and creates nothing.

The operations come from the OpenAPI document (every POST under /api/ answering 201), so a
new creating endpoint fails here until it is listed in `PREPARE` with a valid request.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from billing_helpers import serve_simulator, session_id
from picking_helpers import add_product, approved_order
from test_catalog_admin import png
from test_payments import DictPayPlugin, notify

from galleria.kernel import db
from galleria.kernel.apps import kernel_tables
from galleria.kernel.billing.subscriptions import override_plan
from galleria.kernel.fulfilment.service import ship
from galleria.kernel.orders.service import transition
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin, register_plugin

ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "13800138000"}


@dataclass
class Call:
    path: str
    json: Any = None
    files: dict[str, Any] | None = None
    admin: bool = True  # the shop's admin token; False: a guest (or `headers`' bearer)
    headers: dict[str, str] = field(default_factory=dict)
    platform: bool = False  # the platform host, not the shop's


@dataclass
class Ctx:
    shop: Any
    tenant_id: int
    variant_id: int
    runtime: Any
    plugin: DictPayPlugin
    counter: int = 0
    billing_sim: Any = None

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    async def cart(self) -> str:
        cart_id = (await self.shop.post("/api/v1/carts", admin=False)).json()["id"]
        added = await self.shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                                     json={"variant_id": self.variant_id, "quantity": 1})
        assert added.status_code == 200, added.text
        return cart_id

    async def order(self) -> dict[str, Any]:
        placed = await self.shop.post("/api/v1/orders", admin=False, json={
            "cart_id": await self.cart(), "contact": CONTACT, "address": ADDRESS,
            "payment_method": "testpay"})
        assert placed.status_code == 201, placed.text
        return placed.json()

    async def paid_order(self) -> dict[str, Any]:
        order = await self.order()
        started = await self.shop.post(
            f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
            admin=False, json={"method": "testpay"})
        assert started.status_code == 201, started.text
        answer = await notify(self.shop, {"reference": started.json()["payment_id"],
                                          "status": "paid", "amount": order["total"],
                                          "currency": "CNY"})
        assert answer.status_code == 204, answer.text
        return order

    async def fulfilling_order(self) -> dict[str, Any]:
        order = await self.paid_order()
        for status in ("approved", "fulfilling"):
            await transition(self.tenant_id, order["number"], status, actor="test")
        return order


async def _signup(ctx: Ctx) -> Call:
    slug = ctx.unique(f"{ctx.shop.slug}-s")
    return Call("/api/platform/v1/signup", platform=True, json={
        "shop_name": "Shop", "slug": slug, "email": f"owner@{slug}.example",
        "password": "Correct-Horse-9", "template": "blank"})


async def _add_domain(ctx: Ctx) -> Call:
    async with db.shop_scope(ctx.tenant_id):  # room for the replayed request's domain too
        await override_plan(ctx.tenant_id, "pro", actor="test", reason="domains")
    return Call("/api/admin/v1/domains", {"host": f"{ctx.unique('www')}.{ctx.shop.slug}.cn"})


async def _create_product(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/products", {"name": "碧螺春", "variants": [
        {"sku": ctx.unique("BLC-"), "price": 3300, "stock": 3}]})


async def _create_cart(ctx: Ctx) -> Call:
    return Call("/api/v1/carts", admin=False)


async def _place_order(ctx: Ctx) -> Call:
    return Call("/api/v1/orders", {"cart_id": await ctx.cart(), "contact": CONTACT,
                                   "address": ADDRESS, "payment_method": "testpay"},
                admin=False)


async def _create_category(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/categories", {"slug": ctx.unique("tea-"), "name": "茶"})


async def _receive_stock(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/inventory/receive", {"variant_id": ctx.variant_id,
                                                    "quantity": 5})


async def _upload_image(ctx: Ctx) -> Call:
    product = await ctx.shop.get("/api/admin/v1/products")
    pid = product.json()["items"][0]["id"]
    return Call(f"/api/admin/v1/products/{pid}/images",
                files={"file": ("photo.png", png((200, 160)), "image/png")})


async def _start_payment(ctx: Ctx) -> Call:
    order = await ctx.order()
    return Call(f"/api/v1/orders/{order['number']}/payments"
                f"?access_token={order['access_token']}", {"method": "testpay"}, admin=False)


async def _refund(ctx: Ctx) -> Call:
    order = await ctx.paid_order()
    return Call(f"/api/admin/v1/orders/{order['number']}/refunds",
                {"amount": 100, "reason": "a scratch on the tin"})


async def _register(ctx: Ctx) -> Call:
    return Call("/api/v1/account/register", {"email": f"{ctx.unique('m')}@example.com",
                                             "password": "Correct-Horse-9"}, admin=False)


async def _add_address(ctx: Ctx) -> Call:
    registered = await ctx.shop.post("/api/v1/account/register", admin=False, json={
        "email": f"{ctx.unique('a')}@example.com", "password": "Correct-Horse-9"})
    assert registered.status_code == 201, registered.text
    return Call("/api/v1/account/addresses", ADDRESS, admin=False,
                headers={"authorization": f"Bearer {registered.json()['token']}"})


async def _ship(ctx: Ctx) -> Call:
    order = await ctx.fulfilling_order()
    return Call(f"/api/admin/v1/orders/{order['number']}/shipments",
                {"carrier": "顺丰速运", "tracking_number": ctx.unique("SF100")})


async def _tracking_event(ctx: Ctx) -> Call:
    order = await ctx.fulfilling_order()
    shop = await get_shop(ctx.shop.slug)
    shipment = await ship(shop, ctx.runtime.host, order["number"], actor="test",
                          carrier="顺丰速运", tracking_number=ctx.unique("SF200"))
    return Call(f"/api/admin/v1/shipments/{shipment['id']}/events",
                {"status": "in_transit", "description": "到达杭州转运中心"})


async def _create_webhook(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/webhooks", {"url": "https://erp.example.com/hooks",
                                           "topics": ["order.placed"]})


async def _approved(ctx: Ctx) -> tuple[str, str]:
    """An approved order of one unit of a new product: (its number, the barcode)."""
    await enable_plugin(ctx.tenant_id, ctx.runtime.host, "payments_offline")  # cash on delivery
    barcode = ctx.unique("69700")
    variant = await add_product(ctx.shop, ctx.unique("PICK-"), barcodes=[(barcode, 1)],
                                shelf="A-1", loose=5)
    return await approved_order(ctx.shop, [(variant, 1)]), barcode


async def _picked(ctx: Ctx, *, checked: bool) -> str:
    number, barcode = await _approved(ctx)
    made = await ctx.shop.post("/api/admin/v1/pick-lists", json={"orders": [number]})
    assert made.status_code == 201, made.text
    scanned = await ctx.shop.post(f"/api/admin/v1/pick-lists/{made.json()['id']}/scans",
                                  json={"code": barcode, "order_number": number})
    assert scanned.status_code == 200, scanned.text
    if checked:
        passed = await ctx.shop.post(f"/api/admin/v1/orders/{number}/packing/checks",
                                     json={"passed": True})
        assert passed.status_code == 201, passed.text
    return number


async def _create_pick_list(ctx: Ctx) -> Call:
    number, _ = await _approved(ctx)
    return Call("/api/admin/v1/pick-lists", {"orders": [number]})


async def _quality_check(ctx: Ctx) -> Call:
    number = await _picked(ctx, checked=False)
    return Call(f"/api/admin/v1/orders/{number}/packing/checks",
                {"passed": True, "notes": "包装完好"})


async def _pack(ctx: Ctx) -> Call:
    number = await _picked(ctx, checked=True)
    return Call(f"/api/admin/v1/orders/{number}/packing/parcels", {
        "carrier": "sf", "packages": [{"weight_grams": 500,
                                       "tracking_number": ctx.unique("SF300")}]})


async def _delivered_order(ctx: Ctx) -> dict[str, Any]:
    order = await ctx.fulfilling_order()
    shop = await get_shop(ctx.shop.slug)
    shipment = await ship(shop, ctx.runtime.host, order["number"], actor="test",
                          carrier="顺丰速运", tracking_number=ctx.unique("SF400"))
    signed = await ctx.shop.post(f"/api/admin/v1/shipments/{shipment['id']}/events",
                                 json={"status": "delivered", "description": "已签收"})
    assert signed.status_code == 201, signed.text
    return order


def _as_shopper(order: dict[str, Any], path: str) -> str:
    return f"/api/v1/orders/{order['number']}/{path}?access_token={order['access_token']}"


async def _request_return(ctx: Ctx) -> Call:
    order = await _delivered_order(ctx)
    return Call(_as_shopper(order, "returns"), {
        "kind": "return", "lines": [{"variant_id": ctx.variant_id, "quantity": 1}]},
        admin=False)


async def _return_photo(ctx: Ctx) -> Call:
    order = await _delivered_order(ctx)
    return Call(_as_shopper(order, "returns/photos"), admin=False,
                files={"file": ("broken.png", png((200, 160)), "image/png")})


async def _buyers_delivered_order(ctx: Ctx) -> tuple[str, dict[str, str]]:
    """A registered shopper's delivered order (reviews are the buyer's), in a shop with the
    reviews plugin; its number and the shopper's bearer header."""
    await ctx.shop.enable("reviews")
    registered = await ctx.shop.post("/api/v1/account/register", admin=False, json={
        "email": f"{ctx.unique('r')}@example.com", "password": "Correct-Horse-9"})
    auth = {"authorization": f"Bearer {registered.json()['token']}"}
    placed = await ctx.shop.post("/api/v1/orders", admin=False, headers=auth, json={
        "cart_id": await ctx.cart(), "contact": CONTACT, "address": ADDRESS,
        "payment_method": "testpay"})
    assert placed.status_code == 201, placed.text
    number = placed.json()["number"]
    for status in ("paid", "approved", "fulfilling", "shipped", "delivered"):
        await transition(ctx.tenant_id, number, status, actor="test")
    return number, auth


async def _review_order(ctx: Ctx) -> Call:
    number, auth = await _buyers_delivered_order(ctx)
    lines = await ctx.shop.get(f"/api/v1/orders/{number}/reviews", admin=False, headers=auth)
    line_id = lines.json()["lines"][0]["line_id"]
    return Call(f"/api/v1/orders/{number}/reviews", {
        "items": [{"line_id": line_id, "rating": 5, "text": "好茶"}]}, admin=False,
        headers=auth)


async def _review_photo(ctx: Ctx) -> Call:
    number, auth = await _buyers_delivered_order(ctx)
    return Call(f"/api/v1/orders/{number}/reviews/photos", admin=False, headers=auth,
                files={"file": ("tea.png", png((200, 160)), "image/png")})


async def _check_photo(ctx: Ctx) -> Call:
    number = await _picked(ctx, checked=False)
    return Call(f"/api/admin/v1/orders/{number}/packing/photos",
                files={"file": ("dent.png", png((200, 160)), "image/png")})


async def _request_service(ctx: Ctx) -> Call:
    order = await _delivered_order(ctx)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    return Call(_as_shopper(order, "service-requests"), {
        "kind": "installation", "appointment_date": tomorrow, "time_slot": "09:00-12:00"},
        admin=False)


async def _open_ticket(ctx: Ctx) -> Call:
    order = await ctx.order()
    return Call(f"/api/v1/tickets?access_token={order['access_token']}", {
        "subject": "什么时候发货", "body": "请尽快发货", "order_number": order["number"]},
        admin=False)


async def _log_contact(ctx: Ctx) -> Call:
    order = await ctx.order()
    return Call(f"/api/admin/v1/orders/{order['number']}/contact-attempts",
                {"channel": "phone", "outcome": "no_answer"})


async def _add_faq(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/faq/", {"question": "多久发货?", "answer": "付款后 24 小时内。"})


async def _create_channel_order(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/orders", {
        "channel": "api", "external_id": ctx.unique("EXT-"),
        "lines": [{"sku": "TEA-100", "quantity": 1}], "customer": CONTACT,
        "address": ADDRESS, "payment": {"status": "paid", "method": "wechat"}})


async def _billing_checkout(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/billing/checkout", {"plan": "pro", "interval": "month"})


async def _billing_portal(ctx: Ctx) -> Call:
    started = await ctx.shop.post("/api/admin/v1/billing/checkout", json={"plan": "pro"})
    ctx.billing_sim.complete_checkout(session_id(started.json()["url"]))
    await ctx.billing_sim.settle()
    return Call("/api/admin/v1/billing/portal", {})


async def _create_flash_sale(ctx: Ctx) -> Call:
    await enable_plugin(ctx.tenant_id, ctx.runtime.host, "marketing_campaigns")
    now = dt.datetime.now(dt.UTC)
    return Call("/api/admin/v1/marketing/flash-sales", {
        "variant_id": ctx.variant_id, "price": 990, "quota": 5,
        "starts_at": now.isoformat(), "ends_at": (now + dt.timedelta(hours=1)).isoformat()})


async def _create_gift(ctx: Ctx) -> Call:
    await enable_plugin(ctx.tenant_id, ctx.runtime.host, "marketing_campaigns")
    return Call("/api/admin/v1/marketing/gifts", {
        "gift_variant_id": ctx.variant_id, "trigger": {"min_amount": 10000},
        "safety_stock": 2})


async def _marketing(ctx: Ctx) -> None:
    await enable_plugin(ctx.tenant_id, ctx.runtime.host, "marketing")


async def _create_coupon(ctx: Ctx) -> Call:
    await _marketing(ctx)
    return Call("/api/admin/v1/marketing/coupons",
                {"kind": "amount_off", "value": 500, "code": ctx.unique("KEY")})


async def _create_promotion(ctx: Ctx) -> Call:
    await _marketing(ctx)
    return Call("/api/admin/v1/marketing/promotions", {"kind": "quantity", "rule": {}})


async def _claim_coupon(ctx: Ctx) -> Call:
    await _marketing(ctx)
    coupon = await ctx.shop.post("/api/admin/v1/marketing/coupons", json={
        "kind": "amount_off", "value": 500, "claimable": True, "per_customer_limit": 5})
    assert coupon.status_code == 201, coupon.text
    registered = await ctx.shop.post("/api/v1/account/register", admin=False, json={
        "email": f"{ctx.unique('c')}@example.com", "password": "Correct-Horse-9"})
    return Call(f"/api/v1/coupons/{coupon.json()['id']}/claim", None, admin=False,
                headers={"authorization": f"Bearer {registered.json()['token']}"})


async def _create_location(ctx: Ctx) -> Call:
    return Call("/api/admin/v1/locations", {"code": ctx.unique("store-"), "name": "西湖店",
                                            "kind": "store"})


async def _create_transfer(ctx: Ctx) -> Call:
    store = ctx.unique("depot-")
    made = await ctx.shop.post("/api/admin/v1/locations", json={"code": store, "name": "仓库",
                                                                "kind": "warehouse"})
    assert made.status_code == 201, made.text
    return Call("/api/admin/v1/inventory/transfers", {
        "source": "default", "destination": store,
        "lines": [{"variant_id": ctx.variant_id, "quantity": 1}]})


PREPARE = {
    "signup": _signup, "addDomain": _add_domain, "createProduct": _create_product,
    "createCart": _create_cart, "placeOrder": _place_order,
    "createCategory": _create_category, "receiveStock": _receive_stock,
    "uploadProductImage": _upload_image, "startPayment": _start_payment,
    "refundOrder": _refund, "registerCustomer": _register, "addAddress": _add_address,
    "shipOrder": _ship, "addTrackingEvent": _tracking_event, "createWebhook": _create_webhook,
    "createPickList": _create_pick_list, "recordQualityCheck": _quality_check,
    "packAndShip": _pack, "requestReturn": _request_return,
    "requestService": _request_service, "openTicket": _open_ticket,
    "logOrderContact": _log_contact, "addFaq": _add_faq,
    "createChannelOrder": _create_channel_order,
    "startBillingCheckout": _billing_checkout, "openBillingPortal": _billing_portal,
    "uploadReturnPhoto": _return_photo, "uploadQualityCheckPhoto": _check_photo,
    "createFlashSale": _create_flash_sale, "createGift": _create_gift,
    "createCoupon": _create_coupon, "createPromotion": _create_promotion,
    "claimCoupon": _claim_coupon,
    "reviewOrder": _review_order, "uploadReviewPhoto": _review_photo,
    "createLocation": _create_location, "createTransfer": _create_transfer,
}


async def _creating_operations(client: httpx.AsyncClient) -> set[str]:
    """Every POST under /api/ that answers 201. (Console form posts under /plugins/ are
    HTML forms of a signed-in merchant, each form placed once by its CSRF-checked page.)"""
    doc = (await client.get("/schema/openapi.json")).json()
    return {operation["operationId"] for path, item in doc["paths"].items()
            if path.startswith("/api/") for method, operation in item.items()
            if method == "post" and "201" in operation.get("responses", {})}


async def _rows(tenant_id: int) -> dict[str, int]:
    """Rows the shop can see in every kernel table (platform tables: all of them)."""
    async with db.shop_scope(tenant_id):
        return {table._meta.tablename: await table.count() for table in kernel_tables()}


@pytest.fixture(scope="module")
async def billing_sim(app, client, runtime):
    sim, server, task, sender = await serve_simulator(app, runtime)
    yield sim
    await sim.settle()
    server.should_exit = True
    await task
    await sender.aclose()


@pytest.fixture
async def ctx(open_shop, runtime, billing_sim):
    plugin = DictPayPlugin()
    with register_plugin(runtime.host, plugin, "testpay"):
        shop = await open_shop()
        created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
            {"sku": "TEA-100", "price": 2800, "stock": 50}]})
        assert created.status_code == 201, created.text
        tenant_id = (await get_shop(shop.slug)).id
        await enable_plugin(tenant_id, runtime.host, "testpay")
        yield Ctx(shop, tenant_id, created.json()["variants"][0]["id"], runtime, plugin,
                  billing_sim=billing_sim)


async def test_every_creating_post_is_listed_here(client):
    assert await _creating_operations(client) == set(PREPARE)


@pytest.mark.parametrize("operation", sorted(PREPARE))
async def test_a_repeat_with_the_same_key_replays_the_first_answer(ctx, operation):
    call = await PREPARE[operation](ctx)
    shop = ctx.shop
    headers = {} if call.platform else shop.headers(admin=call.admin)
    headers = {**headers, **call.headers, "idempotency-key": f"{operation}-1"}
    if call.files is not None:  # one multipart body, sent twice byte for byte
        built = httpx.Request("POST", "http://x", files=call.files)
        content, headers["content-type"] = built.read(), built.headers["content-type"]
    else:
        content = json.dumps(call.json).encode() if call.json is not None else b""
        headers["content-type"] = "application/json"

    async def send() -> httpx.Response:
        return await shop.client.post(call.path, content=content, headers=headers)

    first = await send()
    assert first.status_code == 201, first.text
    before = await _rows(ctx.tenant_id)
    second = await send()
    assert (second.status_code, second.content) == (first.status_code, first.content)
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["idempotent-replayed"] == "true"
    assert await _rows(ctx.tenant_id) == before  # nothing was created twice
