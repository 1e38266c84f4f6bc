"""Delivery supervision: the shop's promises, the orders and parcels that break them (with
why and how long overdue), the dashboard's count, and the shopper told once."""

from __future__ import annotations

import datetime as dt

from picking_helpers import add_product, approved_order, tenant_of

from galleria.kernel import db
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.fulfilment.jobs import supervise_delivery
from galleria.kernel.fulfilment.tables import Shipment
from galleria.kernel.notifications.render import render_message
from galleria.kernel.notifications.service import message_values
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.shops import get_shop_by_id

NOW = dt.datetime.now(dt.UTC)


async def _age(tenant_id: int, number: str, hours: int) -> None:
    """The order was paid `hours` ago (and shipped then, if it is)."""
    async with db.shop_scope(tenant_id):
        order = await Order.select(Order.id).where(
            (Order.tenant == tenant_id) & (Order.number == number)).first()
        then = NOW - dt.timedelta(hours=hours)
        await Order.update({Order.paid_at: then}).where(Order.id == order["id"])
        await Shipment.update({Shipment.shipped_at: then}).where(
            (Shipment.tenant == tenant_id) & (Shipment.order == order["id"]))


async def test_broken_promises_are_flagged_with_reason_and_time_overdue(open_shop, runtime):
    shop = await open_shop()
    tenant_id = await tenant_of(shop)
    tea = await add_product(shop, "TEA", loose=20)
    bad = await shop.put("/api/admin/v1/delivery-promises",
                         json={"ship_within_hours": 0, "stale_tracking_days": 3})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ship_within_hours"
    kept = await shop.put("/api/admin/v1/delivery-promises",
                          json={"ship_within_hours": 24, "stale_tracking_days": 3})
    assert kept.status_code == 200, kept.text

    late = await approved_order(shop, [(tea, 1)])
    on_time = await approved_order(shop, [(tea, 1)])
    stuck = await approved_order(shop, [(tea, 1)])
    failed = await approved_order(shop, [(tea, 1)])
    for number in (stuck, failed):
        assert (await shop.post(f"/api/admin/v1/orders/{number}/shipments", json={
            "carrier": "yto", "tracking_number": f"YT{number}"})).status_code == 201
    await _age(tenant_id, late, 30)
    await _age(tenant_id, on_time, 2)
    await _age(tenant_id, stuck, 24 * 5)
    await _age(tenant_id, failed, 10)
    shipment = (await shop.get(f"/api/admin/v1/orders/{failed}/shipments")).json()["items"][0]
    assert (await shop.post(f"/api/admin/v1/shipments/{shipment['id']}/events", json={
        "status": "delivery_failed", "description": "收件人拒收"})).status_code == 201

    alerts = (await shop.get("/api/admin/v1/delivery-alerts")).json()
    found = {a["order_number"]: a for a in alerts["items"]}
    assert set(found) == {late, stuck, failed}
    assert found[late]["kind"] == "late_to_ship" and found[late]["overdue_hours"] == 6
    assert found[stuck]["kind"] == "no_tracking_update"
    assert found[stuck]["overdue_hours"] == 48
    assert found[failed]["kind"] == "delivery_failed"
    assert alerts["promises"] == {"ship_within_hours": 24, "stale_tracking_days": 3}

    assert await supervise_delivery(runtime.host) >= 3
    assert await supervise_delivery(runtime.host) == 0  # each delay is told once
    async with db.shop_scope(tenant_id):
        told = await OutboxEvent.select(OutboxEvent.payload).where(
            (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "order.delayed"))
    assert len(told) == 3


async def test_the_shopper_hears_of_a_delay_and_of_a_pickup_in_their_language(open_shop):
    shop_handle = await open_shop()
    shop = await get_shop_by_id(await tenant_of(shop_handle))
    order = {"number": "261205000001", "contact": {"name": "李雷"}, "total": 2800,
             "currency": "CNY", "payment_method": "cod"}
    delayed = render_message("delayed", "shopper", "zh_CN", message_values(
        shop, order, {"kind": "late_to_ship"}), recipient="13800138000",
        topic="order.delayed", html=False)
    assert "未能按承诺时间发货" in delayed.text and "261205000001" in delayed.subject
    ready = render_message("shipped", "shopper", "zh_CN", message_values(shop, order, {
        "carrier": "pickup", "pickup_code": "042917", "pickup_point": "西湖店",
        "pickup_address": "文三路 90 号", "pickup_hours": "每天 09:00–21:00"}),
        recipient="13800138000", topic="order.shipped", html=False)
    assert "可以提货了" in ready.subject
    assert "提货码：042917" in ready.text and "每天 09:00–21:00" in ready.text
    shipped = render_message("shipped", "shopper", "en", message_values(
        shop, order, {"carrier": "sf", "tracking_number": "SF1"}), recipient="a@b.example",
        topic="order.shipped", html=False)
    assert "on its way" in shipped.text and "Pickup code" not in shipped.text


async def test_the_follow_up_asks_to_rate_the_delivery_and_the_products(open_shop):
    shop = await get_shop_by_id(await tenant_of(await open_shop()))
    order = {"number": "261205000002", "contact": {"name": "韩梅梅"}, "total": 2800,
             "currency": "CNY", "payment_method": "cod"}
    for locale, rate, complain in (("zh_CN", "为这次配送和商品各打个分", "投诉"),
                                   ("en", "rate the delivery and the products", "complaint")):
        message = render_message("follow_up", "shopper", locale,
                                 message_values(shop, order, {}), recipient="x@y.example",
                                 topic="order.follow_up", html=False)
        assert rate in message.text and complain in message.text
