"""Cancelling unshipped lines (a short pick): stock released, the lines' money refunded
through the gateway that took it — exactly once, however often the refund job runs — with
item discounts shared in proportion and shipping refunded only with the last unit."""

from __future__ import annotations

import pytest
from aftersales_helpers import RecordingPayPlugin, add_products, paid_order, place, tenant_of

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import NotificationChannel, db, hookimpl
from galleria.kernel.aftersales import cancellation
from galleria.kernel.aftersales.cancellation import refund_for
from galleria.kernel.events import Event
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.inventory import service as inventory
from galleria.testing import enable_plugin, register_plugin


@pytest.fixture
def afterpay(runtime):
    with register_plugin(runtime.host, RecordingPayPlugin(), "afterpay") as plugin:
        yield plugin


async def run_outbox(runtime):
    jobs = plugin_jobs(runtime.host)
    while await relay_once(runtime.host, jobs):
        pass


async def _event(tenant_id, topic):
    async with db.shop_scope(tenant_id):
        rows = await OutboxEvent.select().where(
            (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == topic)).order_by(
            OutboxEvent.id)
    return [Event(r["id"], tenant_id, topic, r["payload"] if isinstance(r["payload"], dict)
                  else __import__("json").loads(r["payload"]), r["created_at"]) for r in rows]


async def test_cancelling_one_of_three_refunds_that_unit_once(open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10), ("CUP", 1500, 10))
    tenant_id, order = await paid_order(shop, runtime, [(products["TEA"], 3),
                                                        (products["CUP"], 1)])
    number = order["number"]
    answer = await shop.post(f"/api/admin/v1/orders/{number}/cancel-lines", json={
        "lines": [{"variant_id": products["TEA"], "quantity": 1}], "reason": "缺货"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {line["sku"]: line["cancelled_quantity"] for line in body["lines"]} == {
        "TEA": 1, "CUP": 0}
    assert body["status"] == "approved"
    async with db.shop_scope(tenant_id):  # the cancelled unit's reservation went back
        level = await inventory.get_level(tenant_id, products["TEA"])
    assert (level.on_hand, level.reserved) == (10, 2)

    # The refund job runs, then runs again (a retry, a second worker): one refund.
    [event] = await _event(tenant_id, "order.lines_cancelled")
    await run_outbox(runtime)
    await cancellation.refund_cancellation(event, runtime.host)
    await cancellation.refund_cancellation(event, runtime.host)
    assert [amount for _, amount in afterpay.refunds] == [2800]
    view = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert view["refunded_total"] == 2800 and view["status"] == "approved"
    assert any("TEA ×1" in t["reason"] for t in view["timeline"])

    # More than is left to ship is refused and changes nothing.
    too_many = await shop.post(f"/api/admin/v1/orders/{number}/cancel-lines", json={
        "lines": [{"variant_id": products["TEA"], "quantity": 3}], "reason": "缺货"})
    assert too_many.status_code == 409
    assert too_many.json()["unshipped"] == 2


async def test_shipped_units_cannot_be_cancelled_and_the_last_unit_takes_shipping(
        open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    tenant_id, order = await paid_order(shop, runtime, [(products["TEA"], 2)])
    number = order["number"]
    shipped = await shop.post(f"/api/admin/v1/orders/{number}/shipments", json={
        "carrier": "sf", "tracking_number": "SF1",
        "lines": [{"variant_id": products["TEA"], "quantity": 1}]})
    assert shipped.status_code == 201, shipped.text
    refused = await shop.post(f"/api/admin/v1/orders/{number}/cancel-lines", json={
        "lines": [{"variant_id": products["TEA"], "quantity": 2}], "reason": "缺货"})
    assert refused.status_code == 409 and refused.json()["unshipped"] == 1
    answer = await shop.post(f"/api/admin/v1/orders/{number}/cancel-lines", json={
        "lines": [{"variant_id": products["TEA"], "quantity": 1}], "reason": "缺货"})
    assert answer.status_code == 200, answer.text
    await run_outbox(runtime)
    assert [amount for _, amount in afterpay.refunds] == [2800]
    async with db.shop_scope(tenant_id):
        level = await inventory.get_level(tenant_id, products["TEA"])
    assert (level.on_hand, level.reserved) == (9, 0)


async def test_cancelling_everything_refunds_the_whole_total(open_shop, runtime, afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10), ("CUP", 1500, 10))
    tenant_id, order = await paid_order(shop, runtime, [(products["TEA"], 1),
                                                        (products["CUP"], 1)])
    number = order["number"]
    for sku in ("TEA", "CUP"):
        answer = await shop.post(f"/api/admin/v1/orders/{number}/cancel-lines", json={
            "lines": [{"variant_id": products[sku], "quantity": 1}], "reason": "缺货"})
        assert answer.status_code == 200, answer.text
    await run_outbox(runtime)
    assert sum(amount for _, amount in afterpay.refunds) == order["total"]
    view = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert view["status"] == "refunded" and view["refunded_total"] == order["total"]
    async with db.shop_scope(tenant_id):
        level = await inventory.get_level(tenant_id, products["TEA"])
    assert (level.on_hand, level.reserved) == (10, 0)


def test_item_discounts_are_shared_in_proportion_without_drift():
    # ¥100 of lines with ¥10 off: cancelling ¥33.33 of them refunds ¥29.99 …
    assert refund_for(3333, 10000, 9000) == 2999
    # … and cancelling the rest in two steps squares the total exactly.
    steps = [refund_for(v, 10000, 9000) for v in (3333, 6666, 10000)]
    assert [b - a for a, b in zip([0, *steps], steps, strict=False)] == [2999, 3000, 3001]


async def test_bad_cancellations_are_refused_clearly(open_shop, runtime):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    order = await place(shop, [(products["TEA"], 1)])
    path = f"/api/admin/v1/orders/{order['number']}/cancel-lines"
    unknown = await shop.post(path, json={"lines": [{"variant_id": 999999, "quantity": 1}],
                                          "reason": "缺货"})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    no_reason = await shop.post(path, json={"lines": [{"variant_id": products["TEA"],
                                                       "quantity": 1}], "reason": ""})
    assert no_reason.status_code in (400, 422)
    missing = await shop.post("/api/admin/v1/orders/NOPE/cancel-lines", json={
        "lines": [{"variant_id": 1, "quantity": 1}], "reason": "缺货"})
    assert missing.status_code == 404
    other = await open_shop()  # another shop's token cannot touch this order
    cross = await other.client.post(path, json={
        "lines": [{"variant_id": products["TEA"], "quantity": 1}], "reason": "x"},
        headers={"host": shop.host, "authorization": f"Bearer {other.token}"})
    assert cross.status_code in (401, 403)
    # An unpaid order cancelled line by line ends cancelled, with nothing to refund.
    whole = await shop.post(path, json={"lines": [{"variant_id": products["TEA"],
                                                   "quantity": 1}], "reason": "缺货"})
    assert whole.status_code == 200 and whole.json()["status"] == "cancelled"


async def test_hook_order_lines_cancelled(open_shop, runtime, afterpay):
    class Listener:
        def __init__(self):
            self.received = []

        @hookimpl
        def galleria_order_lines_cancelled(self, event):
            self.received.append(event)

    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    tenant_id = await tenant_of(shop)
    with register_plugin(runtime.host, Listener(), "lines_cancelled_listener") as listener:
        await enable_plugin(tenant_id, runtime.host, "lines_cancelled_listener")
        _, order = await paid_order(shop, runtime, [(products["TEA"], 2)])
        await shop.post(f"/api/admin/v1/orders/{order['number']}/cancel-lines", json={
            "lines": [{"variant_id": products["TEA"], "quantity": 1}], "reason": "缺货"})
        await run_outbox(runtime)
    [event] = listener.received
    assert event.payload["number"] == order["number"] and event.payload["amount"] == 2800
    assert event.payload["lines"][0]["quantity"] == 1 and not event.payload["all_cancelled"]


async def test_the_shopper_is_told_which_items_were_cancelled(open_shop, runtime, afterpay):
    class Texts(NotificationChannel):
        kind = "sms"

        def __init__(self):
            self.sent = []

        async def send(self, message):
            self.sent.append(message)

        @hookimpl
        def galleria_notification_channels(self, shop):
            return [self]

    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    tenant_id = await tenant_of(shop)
    with register_plugin(runtime.host, Texts(), "aftersales_texts") as texts:
        await enable_plugin(tenant_id, runtime.host, "aftersales_texts")
        _, order = await paid_order(shop, runtime, [(products["TEA"], 2)])
        await shop.post(f"/api/admin/v1/orders/{order['number']}/cancel-lines", json={
            "lines": [{"variant_id": products["TEA"], "quantity": 1}], "reason": "缺货"})
        await run_outbox(runtime)
    told = [m for m in texts.sent if m.topic == "order.lines_cancelled"]
    assert [m.recipient for m in told] == ["13800138000"]
    assert "部分商品已取消" in told[0].subject and "¥28.00" in told[0].text


async def test_contact_attempts_are_logged_on_the_order(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    order = await place(shop, [(products["TEA"], 2)])
    path = f"/api/admin/v1/orders/{order['number']}/contact-attempts"
    logged = await shop.post(path, json={"channel": "phone", "outcome": "no_answer",
                                         "note": "问是否愿意等到货"})
    assert logged.status_code == 201, logged.text
    assert logged.json()["timeline"][-1]["reason"] == (
        "contact: phone, no_answer: 问是否愿意等到货")
    bad = await shop.post(path, json={"channel": "pigeon", "outcome": "no_answer"})
    assert bad.status_code == 422
