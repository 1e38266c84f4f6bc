"""The dashboard's to-do figures are true: counted from orders and stock the test made, each
linking to the list that shows exactly those (issue 13 item 4)."""

from __future__ import annotations

import datetime as dt
import re

from galleria.kernel import db
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import ADDRESS, CONTACT, console_browser


def figure(html: str, name: str) -> tuple[int, str]:
    """The figure `data-figure=name` and the link of its card."""
    found = re.search(r'<a class="card stat[^"]*" href="([^"]+)">(?:(?!</a>).)*'
                      r'<span class="stat-value" data-figure="' + name + r'">(\d+)</span>',
                      html, re.S)
    assert found, name
    return int(found.group(2)), found.group(1).replace("&amp;", "&")


async def place(shop, variant_id: int) -> str:
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": 1})
    assert added.status_code == 200, added.text
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]


async def test_the_dashboard_counts_what_waits_for_the_merchant(app, open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "LJ-1", "price": 2800, "stock": 20}, {"sku": "LJ-2", "price": 6000, "stock": 1}]})
    assert created.status_code == 201, created.text
    variants = {v["sku"]: v["id"] for v in created.json()["variants"]}
    tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    browser = await console_browser(app, shop)

    empty = (await browser.http.get("/console/")).text
    for name in ("awaiting-payment", "awaiting-review", "awaiting-shipment", "near-expiry"):
        assert figure(empty, name)[0] == 0, name

    # 6 orders: 2 unpaid, 1 held for review, 1 paid, 1 approved, 1 cancelled.
    numbers = [await place(shop, variants["LJ-1"]) for _ in range(6)]
    async with db.shop_scope(tenant):
        for number, path in zip(numbers[2:], (["paid", "under_review"], ["paid"],
                                              ["paid", "approved"], ["cancelled"]), strict=True):
            for to in path:
                await orders.transition(tenant, number, to, actor="test")
        # Stock: LJ-2 has 1 left at safety stock 2 (low); one lot expires in 10 days, one
        # in 90 (outside the 30-day horizon).
        await inventory.set_safety_stock(tenant, variants["LJ-2"], 2)
        today = dt.date.today()
        await inventory.receive(tenant, variants["LJ-1"], 5, lot_code="A",
                                expires_on=today + dt.timedelta(days=10))
        await inventory.receive(tenant, variants["LJ-1"], 5, lot_code="B",
                                expires_on=today + dt.timedelta(days=90))

    page = await browser.http.get("/console/", headers={"accept-language": "zh-CN"})
    assert page.status_code == 200
    html = page.text
    expected = {"awaiting-payment": 2, "awaiting-review": 1, "awaiting-shipment": 2,
                "low-stock": 1, "near-expiry": 1}
    for name, count in expected.items():
        assert figure(html, name)[0] == count, (name, figure(html, name))
    for label in ("待办", "待支付", "待审核", "待发货", "库存预警", "临期批次",
                  "30 天内到期的批次"):
        assert label in html, label

    # Each card opens the list of exactly what it counted.
    for name, number_index in (("awaiting-payment", numbers[:2]),
                               ("awaiting-review", numbers[2:3]),
                               ("awaiting-shipment", numbers[3:5])):
        listed = (await browser.http.get(figure(html, name)[1])).text
        shown = set(re.findall(r"/console/orders/(\d+)\"", listed))
        assert shown == set(number_index), (name, shown)
    low = (await browser.http.get(figure(html, "low-stock")[1])).text
    assert "LJ-2" in low and "LJ-1" not in low
    expiring = (await browser.http.get(figure(html, "near-expiry")[1])).text
    assert (today + dt.timedelta(days=10)).isoformat() in expiring
    assert (today + dt.timedelta(days=90)).isoformat() not in expiring
