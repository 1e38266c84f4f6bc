"""The shipping template's promise: an order keeps the ETA of the method the shopper chose
(the longest day of its quote), and a parcel not delivered that many days after it shipped
is flagged `late_delivery` with the time overdue, on the queue and the console, and the
shopper is told once."""

from __future__ import annotations

import datetime as dt
import json

from shipping_helpers import add_products, approve, enable_shipping, place, tenant_of

from galleria.kernel import db
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.fulfilment.jobs import supervise_delivery
from galleria.kernel.fulfilment.tables import Shipment
from galleria.kernel.notifications.render import render_message
from galleria.kernel.orders.tables import Order


async def _shipped(shop, tenant_id: int, number: str, days_ago: float) -> None:
    await approve(tenant_id, number)
    sent = await shop.post(f"/api/admin/v1/orders/{number}/shipments",
                           json={"carrier": "yto", "tracking_number": f"YT{number}"})
    assert sent.status_code == 201, sent.text
    async with db.shop_scope(tenant_id):
        await Shipment.update({Shipment.shipped_at: dt.datetime.now(dt.UTC)
                               - dt.timedelta(days=days_ago)}).where(
            (Shipment.tenant == tenant_id) & (Shipment.id == sent.json()["id"]))
    news = await shop.post(f"/api/admin/v1/shipments/{sent.json()['id']}/events",
                           json={"status": "in_transit", "description": "运输中"})
    assert news.status_code == 201  # fresh news: only the ETA is broken


async def test_a_parcel_later_than_the_templates_eta_is_flagged(open_shop, plugin_host,
                                                                 console):
    shop = await open_shop()
    tenant_id = await tenant_of(shop)
    products = await add_products(shop, ("TEA", 2800, 20, 0))
    await enable_shipping(shop)
    tea = products["TEA"][1]
    late = await place(shop, [(tea, 1)], shipping_method="express")
    fine = await place(shop, [(tea, 1)], shipping_method="express")
    async with db.shop_scope(tenant_id):
        promised = await Order.select(Order.number, Order.eta_max_days).where(
            Order.tenant == tenant_id)
    assert {row["eta_max_days"] for row in promised} == {4}  # the template's 2–4 days
    await _shipped(shop, tenant_id, late["number"], days_ago=5)
    await _shipped(shop, tenant_id, fine["number"], days_ago=1)

    alerts = (await shop.get("/api/admin/v1/delivery-alerts")).json()["items"]
    assert [(a["order_number"], a["kind"]) for a in alerts] == [
        (late["number"], "late_delivery")]
    assert 23 <= alerts[0]["overdue_hours"] <= 24
    assert alerts[0]["reason"] == "not delivered within the promised 4 days"

    merchant = await console(shop)
    page = await merchant.get("/console/picking/alerts")
    assert "超时未送达" in page.text and late["number"] in page.text

    assert await supervise_delivery(plugin_host) >= 1
    assert await supervise_delivery(plugin_host) == 0  # told once
    async with db.shop_scope(tenant_id):
        told = await OutboxEvent.select(OutboxEvent.payload).where(
            (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "order.delayed"))
    payloads = [json.loads(t["payload"]) if isinstance(t["payload"], str) else t["payload"]
                for t in told]
    assert [(p["number"], p["kind"]) for p in payloads] == [(late["number"], "late_delivery")]

    message = render_message("delayed", "shopper", "zh_CN", {
        "shop_name": "莲心茶舍", "name": "李雷", "number": late["number"],
        "kind": "late_delivery"}, recipient="13800138000", topic="order.delayed", html=False)
    assert "未能在承诺的时间内送达" in message.text
