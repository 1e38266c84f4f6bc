"""Payments in the kernel: methods, starting a payment, gateway callbacks (verified, amount
checked, applied once), refunds, mark-paid, paid-after-cancel, the sweeper, close on cancel.

`DictPay` is a gateway whose "provider" is a dict: notifications are HMAC-signed JSON, so the
kernel's handling of verified and unverified callbacks is exercised through the real route.
"""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import (
    CallbackResponse,
    NotificationRejected,
    PaymentAction,
    PaymentGateway,
    PaymentUpdate,
    RefundUpdate,
    db,
    hookimpl,
)
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders.tables import Order, TimelineEntry
from galleria.kernel.payments import jobs as payment_jobs
from galleria.kernel.payments.tables import GatewayNotification, Payment, Refund
from galleria.kernel.tenancy.audit import recent
from galleria.kernel.tenancy.shops import get_shop_by_id
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import check_payment_gateway, enable_plugin, register_plugin

SECRET = b"testpay-secret"
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "13800138000"}


class DictPayGateway(PaymentGateway):
    code, name = "testpay", "Test Pay"
    offline = pays_on_delivery = False
    partial_refunds = True

    def __init__(self, provider):
        self.provider = provider

    async def available(self, shop):
        self.provider["asked"] += 1
        return not self.provider.get("switched_off")

    async def start_payment(self, request):
        self.provider["trades"][request.reference] = {"amount": request.amount,
                                                      "state": "NOTPAY"}
        self.provider["notify_url"] = request.notify_url
        return PaymentAction("qr_code", {"qr_code": f"testpay://{request.reference}"},
                             provider_reference="T" + request.reference)

    async def handle_notification(self, shop, callback):
        given = callback.headers.get("x-testpay-signature", "")
        expected = hmac.new(SECRET, callback.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected):
            raise NotificationRejected("bad signature")
        message = json.loads(callback.body)
        if abs(time.time() - message["ts"]) > 300:
            raise NotificationRejected("stale timestamp")
        if message.get("refund"):
            return [RefundUpdate(message["refund"], message["status"], message["amount"],
                                 notification_id=message["id"])]
        return [PaymentUpdate(message["reference"], message["status"], message["amount"],
                              message["currency"], "TX" + message["reference"],
                              notification_id=message["id"])]

    def answer(self, accepted, message=""):
        return CallbackResponse(204) if accepted else CallbackResponse(
            400, json.dumps({"code": "FAIL", "message": message}).encode(), "application/json")

    async def query(self, shop, payment):
        self.provider["queried"].append(payment.reference)
        trade = self.provider["trades"].get(payment.reference, {})
        if trade.get("state") == "SUCCESS":
            return PaymentUpdate(payment.reference, "paid", trade["amount"], "CNY")
        return PaymentUpdate(payment.reference, "pending")

    async def close(self, shop, payment):
        self.provider["closed"].append(payment.reference)

    async def refund(self, request):
        self.provider["refunds"].append((request.reference, request.amount))
        return RefundUpdate(request.reference, self.provider.get("refund_status", "succeeded"),
                            request.amount)


class DictPayPlugin:
    def __init__(self):
        self.provider = {"trades": {}, "queried": [], "closed": [], "refunds": [],
                         "asked": 0}

    @hookimpl
    def galleria_payment_gateways(self, shop):
        return [DictPayGateway(self.provider)]


@pytest.fixture
def testpay(runtime):
    with register_plugin(runtime.host, DictPayPlugin(), "testpay") as plugin:
        yield plugin


def signed(message: dict) -> tuple[bytes, dict]:
    body = json.dumps({"id": f"N{time.time_ns()}", "ts": int(time.time()), **message}).encode()
    return body, {"x-testpay-signature": hmac.new(SECRET, body, hashlib.sha256).hexdigest(),
                  "content-type": "application/json"}


async def notify(shop, message: dict, *, body_and_headers=None):
    body, headers = body_and_headers or signed(message)
    return await shop.client.post("/callbacks/testpay/testpay", content=body,
                                  headers={"host": shop.host, **headers})


async def _shop_with_product(open_shop, runtime, stock=5):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2800, "stock": stock}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    await enable_plugin(tenant_id, runtime.host, "testpay")
    return shop, tenant_id, created.json()["variants"][0]["id"]


async def _order(shop, variant_id, method="testpay", quantity=2):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                    json={"variant_id": variant_id, "quantity": quantity})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS, "payment_method": method})
    assert placed.status_code == 201, placed.text
    return placed.json()


async def _start(shop, order, method="testpay"):
    response = await shop.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": method})
    assert response.status_code == 201, response.text
    return response.json()


async def _admin_order(shop, number):
    return (await shop.get(f"/api/admin/v1/orders/{number}")).json()


async def _run_outbox(runtime):
    jobs = plugin_jobs(runtime.host)
    while await relay_once(runtime.host, jobs):
        pass


async def test_payment_methods_list_what_the_shop_enabled(open_shop, runtime, testpay):
    shop, tenant_id, _ = await _shop_with_product(open_shop, runtime)
    methods = (await shop.get("/api/v1/payment-methods", admin=False)).json()["items"]
    assert [m["code"] for m in methods] == ["testpay"]
    await enable_plugin(tenant_id, runtime.host, "payments_offline",
                        settings={"bank_transfer": True, "bank_instructions": "招商银行 6225"})
    methods = (await shop.get("/api/v1/payment-methods", admin=False)).json()["items"]
    assert {m["code"]: m["offline"] for m in methods} == {
        "testpay": False, "cod": True, "bank_transfer": True}
    assert {m["code"] for m in methods if m["pays_on_delivery"]} == {"cod"}


async def test_a_verified_notification_pays_the_order_once(open_shop, runtime, testpay):
    shop, tenant_id, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    assert payment["action"] == {"type": "qr_code", "qr_code": f"testpay://{payment['payment_id']}"}
    assert payment["amount"] == order["total"] == 5600 and payment["status"] == "pending"
    again = await _start(shop, order)  # reloading the payment page shows the same trade
    assert again["payment_id"] == payment["payment_id"]
    assert testpay.provider["notify_url"] == f"http://{shop.host}/callbacks/testpay/testpay"

    paid = {"reference": payment["payment_id"], "status": "paid", "amount": 5600,
            "currency": "CNY"}
    message = signed(paid)
    first = await notify(shop, paid, body_and_headers=message)
    assert first.status_code == 204, first.text
    replay = await notify(shop, paid, body_and_headers=message)  # the gateway retries
    assert replay.status_code == 204
    view = await _admin_order(shop, order["number"])
    assert view["status"] == "paid" and view["paid_at"]
    assert view["payments"][0]["status"] == "paid"
    async with db.shop_scope(tenant_id):
        paid_entries = await TimelineEntry.count().where(
            (TimelineEntry.tenant == tenant_id) & (TimelineEntry.to_status == "paid"))
        events = await OutboxEvent.count().where(
            (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "order.paid"))
        outcomes = [r["outcome"] for r in await GatewayNotification.select(
            GatewayNotification.outcome).where(GatewayNotification.tenant == tenant_id)
            .order_by(GatewayNotification.id)]
    assert (paid_entries, events, outcomes) == (1, 1, ["applied", "duplicate"])
    late = await _start_raw(shop, order)
    assert late.status_code == 409 and late.json()["type"].endswith("/already_paid")


async def _start_raw(shop, order, method="testpay"):
    return await shop.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": method})


@pytest.mark.parametrize("case", ["forged", "stale", "amount", "currency", "unknown"])
async def test_bad_notifications_change_nothing(open_shop, runtime, testpay, case):
    shop, _, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    message = {"reference": payment["payment_id"], "status": "paid", "amount": 5600,
               "currency": "CNY"}
    body_and_headers = None
    if case == "forged":
        body, headers = signed(message)
        body_and_headers = (body.replace(b"5600", b"5601"), headers)
    elif case == "stale":
        body = json.dumps({"id": "N1", "ts": int(time.time()) - 301, **message}).encode()
        body_and_headers = (body, {"x-testpay-signature": hmac.new(
            SECRET, body, hashlib.sha256).hexdigest()})
    elif case == "amount":
        message["amount"] = 1
    elif case == "currency":
        message["currency"] = "USD"
    else:
        message["reference"] = order["number"] + "_99"
    answer = await notify(shop, message, body_and_headers=body_and_headers)
    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    view = await _admin_order(shop, order["number"])
    assert view["status"] == "pending_payment" and view["paid_at"] is None
    assert view["payments"][0]["status"] == "pending"


async def test_a_notification_for_another_shops_payment_is_refused(open_shop, runtime,
                                                                   testpay):
    shop, _, variant_id = await _shop_with_product(open_shop, runtime)
    other, _, _ = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    answer = await notify(other, {"reference": payment["payment_id"], "status": "paid",
                                  "amount": 5600, "currency": "CNY"})
    assert answer.status_code == 400  # unknown in the shop whose callback URL was hit
    assert (await _admin_order(shop, order["number"]))["status"] == "pending_payment"


async def test_callbacks_of_a_plugin_the_shop_did_not_enable_are_404(open_shop, testpay):
    shop = await open_shop()
    answer = await notify(shop, {"reference": "x", "status": "paid", "amount": 1,
                                 "currency": "CNY"})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_starting_a_payment_needs_the_orders_token(open_shop, runtime, testpay):
    shop, _, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    answer = await shop.post(f"/api/v1/orders/{order['number']}/payments?access_token=nope",
                             admin=False, json={"method": "testpay"})
    assert answer.status_code == 404
    unknown = await _start_raw(shop, order, method="alipay")
    assert unknown.status_code == 422 and "testpay" in unknown.json()["errors"][0]["message"]


async def test_money_for_a_cancelled_order_goes_back_automatically(open_shop, runtime,
                                                                   testpay):
    shop, tenant_id, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    cancelled = await shop.post(f"/api/admin/v1/orders/{order['number']}/cancel",
                                json={"reason": "shopper asked"})
    assert cancelled.status_code == 200, cancelled.text
    await _run_outbox(runtime)  # close-on-cancel asks the gateway to close the trade
    assert testpay.provider["closed"] == [payment["payment_id"]]
    async with db.shop_scope(tenant_id):
        row = await Payment.select().where(Payment.tenant == tenant_id).first()
        assert row["status"] == "closed"
        # …but the shopper had paid a second before it closed: the notification arrives
        await Payment.update({Payment.status: "pending"}).where(Payment.id == row["id"])
    answer = await notify(shop, {"reference": payment["payment_id"], "status": "paid",
                                 "amount": 5600, "currency": "CNY"})
    assert answer.status_code == 204
    await _run_outbox(runtime)
    view = await _admin_order(shop, order["number"])
    assert view["status"] == "cancelled" and view["refunded_total"] == 0
    assert testpay.provider["refunds"] == [(payment["payment_id"] + "_R1", 5600)]
    assert "refunded automatically" in view["timeline"][-1]["reason"]
    async with db.shop_scope(tenant_id):
        refund = await Refund.select().where(Refund.tenant == tenant_id).first()
    assert (refund["status"], refund["counts_for_order"]) == ("succeeded", False)


async def test_partial_then_full_refund(open_shop, runtime, testpay):
    shop, tenant_id, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    await notify(shop, {"reference": payment["payment_id"], "status": "paid", "amount": 5600,
                        "currency": "CNY"})
    url = f"/api/admin/v1/orders/{order['number']}/refunds"
    partial = await shop.post(url, json={"amount": 1000, "reason": "one tin dented"})
    assert partial.status_code == 201, partial.text
    assert partial.json()["order"]["status"] == "paid"
    assert partial.json()["order"]["refunded_total"] == 1000
    too_much = await shop.post(url, json={"amount": 4601, "reason": "x"})
    assert too_much.status_code == 409 and too_much.json()["refundable"] == 4600
    rest = await shop.post(url, json={"amount": 4600, "reason": "returned"})
    assert rest.json()["order"]["status"] == "refunded"
    assert [r[1] for r in testpay.provider["refunds"]] == [1000, 4600]
    async with db.shop_scope(tenant_id):  # the stock came back with the money
        level = await inventory.get_level(tenant_id, variant_id)
    assert level.reserved == 0 and level.available == 5


async def test_a_pending_refund_shows_refunding_until_the_gateway_tells(open_shop, runtime,
                                                                         testpay):
    shop, _, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    await notify(shop, {"reference": payment["payment_id"], "status": "paid", "amount": 5600,
                        "currency": "CNY"})
    testpay.provider["refund_status"] = "pending"
    answer = await shop.post(f"/api/admin/v1/orders/{order['number']}/refunds",
                             json={"amount": 5600, "reason": "out of stock"})
    assert answer.json()["order"]["status"] == "refunding"
    refund_id = answer.json()["refund"]["refund_id"]
    done = await notify(shop, {"refund": refund_id, "status": "succeeded", "amount": 5600})
    assert done.status_code == 204
    assert (await _admin_order(shop, order["number"]))["status"] == "refunded"


async def test_mark_paid_is_for_offline_methods_and_audited(open_shop, runtime, testpay):
    shop, tenant_id, variant_id = await _shop_with_product(open_shop, runtime)
    await enable_plugin(tenant_id, runtime.host, "payments_offline",
                        settings={"bank_transfer": True, "bank_instructions": "招商银行 6225"})
    order = await _order(shop, variant_id, method="bank_transfer")
    started = await _start(shop, order, method="bank_transfer")
    assert started["action"]["type"] == "instructions"
    assert started["action"]["text"] == "招商银行 6225"
    url = f"/api/admin/v1/orders/{order['number']}/mark-paid"
    marked = await shop.post(url, json={"note": "transfer 2026-11-29 received"})
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "paid"
    assert [p["status"] for p in marked.json()["payments"]] == ["paid"]
    again = await shop.post(url, json={})
    assert again.status_code == 409
    async with db.shop_scope(tenant_id):
        log = await recent(tenant_id)
    assert log[0]["action"] == "order.mark_paid" and log[0]["subject"] == order["number"]

    online = await _order(shop, variant_id, method="testpay", quantity=1)
    refused = await shop.post(f"/api/admin/v1/orders/{online['number']}/mark-paid", json={})
    assert refused.status_code == 409 and refused.json()["type"].endswith("/online_payment")


async def test_the_sweeper_finds_a_payment_whose_notification_was_lost(open_shop, runtime,
                                                                       testpay):
    shop, tenant_id, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    testpay.provider["trades"][payment["payment_id"]]["state"] = "SUCCESS"
    now = dt.datetime.now(dt.UTC)
    assert await payment_jobs.check_pending_payments(runtime.host, now) == 0  # too fresh
    later = now + payment_jobs.ASK_AFTER + dt.timedelta(seconds=1)
    assert await payment_jobs.check_pending_payments(runtime.host, later) >= 1
    assert payment["payment_id"] in testpay.provider["queried"]
    assert (await _admin_order(shop, order["number"]))["status"] == "paid"
    async with db.shop_scope(tenant_id):
        row = await Order.select(Order.payment_method).where(
            Order.number == order["number"]).first()
    assert row["payment_method"] == "testpay"
    assert (await get_shop_by_id(tenant_id)).slug == shop.slug


class DictPayDriver:
    plugin, method, settings = "testpay", "testpay", {}

    def __init__(self, shop, provider):
        self.shop, self.provider = shop, provider

    async def pay(self, payment):
        self.provider["trades"][payment["payment_id"]]["state"] = "SUCCESS"
        answer = await notify(self.shop, {"reference": payment["payment_id"],
                                          "status": "paid", "amount": payment["amount"],
                                          "currency": payment["currency"]})
        assert answer.status_code == 204

    async def settle_refunds(self):
        return None

    async def is_closed(self, payment):
        return payment["payment_id"] in self.provider["closed"]


async def test_the_gateway_contract_test_passes_for_a_conforming_gateway(open_shop, runtime,
                                                                         testpay):
    shop = await open_shop()
    await check_payment_gateway(shop.client, shop.host, shop.token, runtime.host,
                                DictPayDriver(shop, testpay.provider))


@pytest.mark.concurrency
async def test_concurrent_refunds_never_give_back_more_than_was_paid(open_shop, runtime,
                                                                     testpay):
    import asyncio

    shop, _, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    await notify(shop, {"reference": payment["payment_id"], "status": "paid", "amount": 5600,
                        "currency": "CNY"})
    url = f"/api/admin/v1/orders/{order['number']}/refunds"
    answers = await asyncio.gather(*(shop.post(url, json={"amount": 3000, "reason": f"r{i}"})
                                     for i in range(4)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    view = await _admin_order(shop, order["number"])
    assert view["refunded_total"] == 3000 and view["payments"][0]["refunded"] == 3000
    assert len(testpay.provider["refunds"]) == 1


async def test_a_paid_order_the_review_rejects_is_refunded_through_its_gateway(
        open_shop, runtime, testpay):
    shop, tenant_id, variant_id = await _shop_with_product(open_shop, runtime)
    await enable_plugin(tenant_id, runtime.host, "order_review",
                        settings={"blacklist_phones": ADDRESS["phone"]})
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    await notify(shop, {"reference": payment["payment_id"], "status": "paid", "amount": 5600,
                        "currency": "CNY"})
    await _run_outbox(runtime)  # order.paid → the review rejects → the refund
    view = await _admin_order(shop, order["number"])
    assert view["status"] == "refunded" and view["refunded_total"] == 5600
    assert testpay.provider["refunds"] == [(payment["payment_id"] + "_R1", 5600)]
    async with db.shop_scope(tenant_id):  # and the stock is back on the shelf
        level = await inventory.get_level(tenant_id, variant_id)
    assert level.reserved == 0 and level.available == 5


async def test_a_gateway_switched_off_still_refunds_what_it_took_but_takes_no_more(
        open_shop, runtime, testpay):
    shop, _, variant_id = await _shop_with_product(open_shop, runtime)
    order = await _order(shop, variant_id)
    payment = await _start(shop, order)
    await notify(shop, {"reference": payment["payment_id"], "status": "paid", "amount": 5600,
                        "currency": "CNY"})
    testpay.provider["switched_off"] = True  # the merchant removed its credentials
    methods = (await shop.get("/api/v1/payment-methods", admin=False)).json()["items"]
    assert "testpay" not in [m["code"] for m in methods]
    late = await _order(shop, variant_id, method="testpay", quantity=1)  # no gateway left:
    assert (await _start_raw(shop, late)).status_code == 422  # …so nothing to start
    refund = await shop.post(f"/api/admin/v1/orders/{order['number']}/refunds",
                             json={"amount": 5600, "reason": "out of stock"})
    assert refund.status_code == 201, refund.text
    assert refund.json()["order"]["status"] == "refunded"


async def test_paying_by_one_method_asks_no_other_gateway(open_shop, runtime, testpay):
    """Placing an order and starting its payment check the method chosen, not every
    enabled gateway: each one's `available()` reads its plugin's settings, and a shop with
    four payment plugins paid for all four in every order."""
    shop, tenant_id, variant_id = await _shop_with_product(open_shop, runtime)
    await enable_plugin(tenant_id, runtime.host, "payments_offline",
                        settings={"bank_transfer": True, "bank_instructions": "招商银行 6225"})
    testpay.provider["asked"] = 0
    order = await _order(shop, variant_id, method="bank_transfer")
    await _start(shop, order, method="bank_transfer")
    assert testpay.provider["asked"] == 0
    order = await _order(shop, variant_id, method="testpay", quantity=1)
    await _start(shop, order)
    assert testpay.provider["asked"] == 2  # placing, then starting

    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                    json={"variant_id": variant_id, "quantity": 1})
    refused = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS, "payment_method": "alipay"})
    assert refused.status_code == 422  # a method not offered still names those that are
    assert {"field": "payment_method", "message": "offered: bank_transfer, cod, testpay"} in [
        {k: e[k] for k in ("field", "message")} for e in refused.json()["errors"]]
    unknown = await _start_raw(shop, order, method="alipay")
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"field": "method", "message": "offered: testpay, cod, bank_transfer"}]
