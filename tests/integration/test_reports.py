"""Reports through the admin API and the rollups, checked against orders the test makes: a
paid order, one placed before midnight and paid after it (Shanghai time), one partly
refunded, one cancelled. The rollups kept by the event listeners equal a rebuild."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from report_story import (
    _orders_of_the_story,
    _place,
    _rollup_rows,
    _set,
    _shop,
    at,
)

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import db
from galleria.kernel.orders import service
from galleria.kernel.orders.tables import Order
from galleria.kernel.reports import rollups
from galleria.kernel.tenancy.tables import Tenant


async def test_sales_report_matches_the_orders_and_the_rebuild(open_shop, runtime):
    shop, tenant_id, variant = await _shop(open_shop)
    await _orders_of_the_story(shop, tenant_id, variant)
    # the listeners' rollups (every due row: earlier tests leave rows behind)
    await relay_once(runtime.host, plugin_jobs(runtime.host), limit=100_000)

    answer = await shop.get("/api/admin/v1/reports/sales",
                            params={"from": "2026-11-09", "to": "2026-11-11"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["currency"] == "CNY"
    by_day = {row["period"]: row for row in report["series"]}
    assert list(by_day) == ["2026-11-09", "2026-11-10", "2026-11-11"]
    assert by_day["2026-11-09"]["orders"] == 0
    assert {k: by_day["2026-11-10"][k] for k in
            ("orders", "paid_orders", "paid_total", "refunded_total", "sales")} == {
        "orders": 2, "paid_orders": 1, "paid_total": 2850, "refunded_total": 0, "sales": 2850}
    assert {k: by_day["2026-11-11"][k] for k in
            ("orders", "paid_orders", "paid_total", "refunded_total", "sales")} == {
        "orders": 2, "paid_orders": 2, "paid_total": 5700, "refunded_total": 1000,
        "sales": 4700}
    assert report["totals"]["sales"] == 7550 and report["totals"]["paid_orders"] == 3
    assert report["previous"]["sales"] == 0
    assert report["period"]["previous"] == {"from": "2026-11-06", "to": "2026-11-08"}

    monthly = (await shop.get("/api/admin/v1/reports/sales", params={
        "from": "2026-10-01", "to": "2026-11-30", "group_by": "month"})).json()
    assert [(r["period"], r["sales"]) for r in monthly["series"]] == [
        ("2026-10-01", 0), ("2026-11-01", 7550)]

    kept = await _rollup_rows(tenant_id)
    assert await rollups.rebuild(tenant_id) == 2
    assert await _rollup_rows(tenant_id) == kept
    assert [row["day"] for row in kept] == ["2026-11-10", "2026-11-11"]


async def test_overview_figures_and_previous_period(open_shop, runtime):
    shop, tenant_id, variant = await _shop(open_shop)
    await _orders_of_the_story(shop, tenant_id, variant)
    await rollups.rebuild(tenant_id)
    answer = (await shop.get("/api/admin/v1/reports/overview",
                             params={"from": "2026-11-10", "to": "2026-11-11"})).json()
    figures = answer["totals"]
    assert {k: figures[k] for k in ("sales", "paid_total", "refunded_total", "orders",
                                    "cancelled_orders", "paid_orders", "average_order_value",
                                    "paying_customers")} == {
        "sales": 7550, "paid_total": 8550, "refunded_total": 1000, "orders": 4,
        "cancelled_orders": 1, "paid_orders": 3, "average_order_value": 2850,
        "paying_customers": 2}
    assert figures["conversion"]["orders_to_paid"] == 0.75
    # The day after: the 11th compared with the 10th.
    one_day = (await shop.get("/api/admin/v1/reports/overview",
                              params={"from": "2026-11-11", "to": "2026-11-11"})).json()
    assert one_day["totals"]["sales"] == 4700 and one_day["previous"]["sales"] == 2850
    assert one_day["previous"]["change"]["sales"] == round((4700 - 2850) / 2850, 4)


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"from": "2026-13-01"}, 422, "from"),
    ({"from": "2026-11-02", "to": "2026-11-01"}, 422, "to"),
    ({"range": "fortnight"}, 422, "range"),
    ({"group_by": "hour"}, 422, "group_by"),
])
async def test_bad_report_requests_are_problems(open_shop, params, status, field):
    shop = await open_shop()
    answer = await shop.get("/api/admin/v1/reports/sales", params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == field


async def test_unknown_report_and_missing_scope(open_shop, client):
    shop = await open_shop()
    missing = await shop.get("/api/admin/v1/reports/nonsense")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    anonymous = await client.get("/api/admin/v1/reports/sales", headers={"host": shop.host})
    assert anonymous.status_code == 401
    from galleria.auth.tokens import issue_token

    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    async with db.shop_scope(tenant_id):
        orders_only = await issue_token(tenant_id, "orders", ["orders:read"])
    refused = await client.get("/api/admin/v1/reports/sales", headers={
        "host": shop.host, "authorization": f"Bearer {orders_only}"})
    assert refused.status_code == 403


async def test_visitors_are_counted_once_a_day(open_shop, app, client):
    shop = await open_shop()
    first, second = (httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                       base_url=f"http://{shop.host}") for _ in range(2))
    async with first, second:
        for _ in range(3):
            assert (await first.get("/")).status_code == 200
        assert (await second.get("/")).status_code == 200
    today = (await shop.get("/api/admin/v1/reports/overview",
                            params={"range": "today"})).json()
    assert today["totals"]["visitors"] == 2


async def test_products_report_best_slow_and_never_sold(open_shop, runtime):
    shop, tenant_id, tea = await _shop(open_shop)
    cup = (await shop.post("/api/admin/v1/products", json={"name": "茶杯", "variants": [
        {"sku": "CUP-1", "price": 1500, "stock": 50}]})).json()["variants"][0]["id"]
    await shop.post("/api/admin/v1/products", json={"name": "茶盘", "variants": [
        {"sku": "TRAY-1", "price": 9900, "stock": 5}]})
    await _orders_of_the_story(shop, tenant_id, tea)  # one tea in each order
    cups = await _place(shop, cup, quantity=3)
    await service.transition(tenant_id, cups, "paid", actor="test")
    await _set(tenant_id, cups, paid_at=at(11, 18))
    report = (await shop.get("/api/admin/v1/reports/products",
                             params={"from": "2026-11-10", "to": "2026-11-11"})).json()
    best = [(r["name"], r["quantity"], r["revenue"], r["orders"]) for r in report["series"]]
    # Tea: A, B and C paid in the period (D was cancelled unpaid); cups: one order of 3.
    assert best == [("龙井", 3, 8550, 3), ("茶杯", 3, 4500, 1)]
    assert [r["name"] for r in report["slow"]] == ["茶杯", "龙井"]
    assert [r["name"] for r in report["never_sold"]] == ["茶盘"]
    # No variant has a cost price: no margin is claimed.
    assert report["totals"] == {"products_sold": 2, "quantity": 6, "revenue": 13050,
                                "never_sold": 1, "cost": None, "gross_margin": None,
                                "margin_rate": None}


async def test_methods_and_customers_reports(open_shop):
    shop, tenant_id, tea = await _shop(open_shop)
    _a, _b, c, _d = await _orders_of_the_story(shop, tenant_id, tea)
    await _set(tenant_id, c, payment_method="cod", shipping_method="pickup")
    period = {"from": "2026-11-10", "to": "2026-11-11"}

    async def report(name, **params):
        answer = await shop.get(f"/api/admin/v1/reports/{name}", params=params or period)
        assert answer.status_code == 200, answer.text
        return answer.json()

    payments = await report("payment_methods")
    assert payments["series"] == [{"method": "wechat_pay", "orders": 2, "paid_total": 5700},
                                  {"method": "cod", "orders": 1, "paid_total": 2850}]
    assert payments["totals"] == {"orders": 3, "paid_total": 8550}
    shipping = await report("shipping_methods")
    assert [(r["method"], r["orders"]) for r in shipping["series"]] == [("", 2), ("pickup", 1)]

    customers = await report("customers")
    assert customers["series"] == [{"customer": 41, "orders": 2, "paid_total": 5700}]
    assert customers["totals"] == {"customers": 1, "new_customers": 1,
                                   "returning_customers": 0, "guest_orders": 1,
                                   "repeat_customers": 1, "repeat_rate": 1.0}
    # On the 11th alone, customer 41 had paid before (order A on the 10th): returning.
    the_11th = await report("customers", **{"from": "2026-11-11", "to": "2026-11-11"})
    assert (the_11th["totals"]["new_customers"], the_11th["totals"]["returning_customers"],
            the_11th["totals"]["repeat_rate"]) == (0, 1, 0.0)


async def test_stock_report_value_cover_and_near_expiry(open_shop):
    from galleria.kernel.inventory.service import receive

    shop, tenant_id, tea = await _shop(open_shop)  # 50 on hand at ¥28.50
    async with db.shop_scope(tenant_id):
        await receive(tenant_id, tea, 5, lot_code="L-7",
                      expires_on=dt.date.today() + dt.timedelta(days=10))
    number = await _place(shop, tea, quantity=2)
    await service.transition(tenant_id, number, "paid", actor="test")
    report = (await shop.get("/api/admin/v1/reports/stock", params={"range": "7d"})).json()
    [row] = report["series"]
    assert (row["on_hand"], row["sold"], row["retail_value"]) == (55, 2, 55 * 2850)
    assert row["days_of_cover"] == 192.5 and row["turnover"] == 0.04
    assert [(lot["code"], lot["quantity"], lot["retail_value"])
            for lot in report["near_expiry"]] == [("L-7", 5, 5 * 2850)]
    assert report["totals"]["near_expiry_value"] == 14250


async def test_fulfilment_times_and_refunds_by_reason(open_shop):
    from galleria.kernel.orders.tables import TimelineEntry
    from galleria.kernel.payments.tables import Payment, Refund

    shop, tenant_id, tea = await _shop(open_shop)
    fast, slow = await _place(shop, tea), await _place(shop, tea)
    for number in (fast, slow):
        for state in ("paid", "approved", "fulfilling", "shipped"):
            await service.transition(tenant_id, number, state, actor="test")
    await service.transition(tenant_id, fast, "delivered", actor="test")
    await _set(tenant_id, fast, paid_at=at(11, 8))
    await _set(tenant_id, slow, paid_at=at(11, 9))
    async with db.shop_scope(tenant_id):
        ids = {row["number"]: row["id"] for row in await Order.select(
            Order.id, Order.number).where(Order.tenant == tenant_id)}
        for number, state, moment in ((fast, "shipped", at(11, 12)),
                                      (fast, "delivered", at(12, 12)),
                                      (slow, "shipped", at(12, 9))):
            await TimelineEntry.update({TimelineEntry.created_at: moment}).where(
                (TimelineEntry.order == ids[number]) & (TimelineEntry.to_status == state))
        payment = (await Payment.insert(Payment(
            tenant=tenant_id, order=ids[fast], order_number=fast, reference=f"{fast}_1",
            plugin="test", method="test", amount=2850, currency="CNY", status="paid")
        ).returning(Payment.id))[0]["id"]
        for amount, reason, status, counts in ((500, "破损", "succeeded", True),
                                               (300, "破损", "succeeded", True),
                                               (200, "少发", "succeeded", True),
                                               (900, "少发", "failed", True),
                                               (2850, "重复支付", "succeeded", False)):
            await Refund.insert(Refund(
                tenant=tenant_id, payment=payment, order_number=fast,
                reference=f"{fast}_R{amount}", amount=amount, currency="CNY", status=status,
                reason=reason, actor="test", counts_for_order=counts, settled_at=at(12, 10)))

    params = {"from": "2026-11-11", "to": "2026-11-12"}
    times = (await shop.get("/api/admin/v1/reports/fulfilment", params=params)).json()
    assert times["totals"]["paid_orders"] == 2
    assert times["totals"]["payment_to_shipment"] == {
        "count": 2, "average_hours": 14.0, "median_hours": 14.0}  # 4 h and 24 h
    assert times["totals"]["shipment_to_delivery"] == {
        "count": 1, "average_hours": 24.0, "median_hours": 24.0}
    refunds = (await shop.get("/api/admin/v1/reports/refunds", params=params)).json()
    assert refunds["series"] == [{"reason": "破损", "refunds": 2, "amount": 800},
                                 {"reason": "少发", "refunds": 1, "amount": 200}]
    assert refunds["totals"] == {"refunds": 3, "amount": 1000}


async def test_the_openapi_document_describes_the_reports_endpoint(client):
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/admin/v1/reports/{name}"]["get"]
    assert operation["operationId"] == "getReport"
    for status in ("200", "400", "401", "403", "404", "422"):
        assert status in operation["responses"], status
    assert "application/problem+json" in operation["responses"]["422"]["content"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"name", "from", "to", "group_by", "range"} <= names


async def test_sales_by_category(open_shop):
    from galleria.kernel.catalog.service import create_category

    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    async with db.shop_scope(tenant_id):
        await create_category(tenant_id, "green", "绿茶")
    made = {}
    for name, category, price in (("龙井", "green", 2850), ("碧螺春", "green", 3000),
                                  ("茶杯", None, 1500)):
        body = {"name": name, "variants": [{"sku": f"S-{price}", "price": price,
                                            "stock": 10}]}
        if category:
            body["category"] = category
        answer = await shop.post("/api/admin/v1/products", json=body)
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()["variants"][0]["id"]
    for name, quantity in (("龙井", 2), ("碧螺春", 1), ("茶杯", 1)):
        number = await _place(shop, made[name], quantity=quantity)
        await service.transition(tenant_id, number, "paid", actor="test")
    report = (await shop.get("/api/admin/v1/reports/categories",
                             params={"range": "today"})).json()
    assert [(r["name"], r["quantity"], r["revenue"], r["orders"]) for r in report["series"]] \
        == [("绿茶", 3, 8700, 2), ("", 1, 1500, 1)]
    assert report["totals"] == {"categories": 2, "quantity": 4, "revenue": 10200}


async def test_listeners_recomputing_the_same_day_at_once_agree_with_a_rebuild(open_shop):
    import asyncio

    shop, tenant_id, tea = await _shop(open_shop)
    numbers = [await _place(shop, tea) for _ in range(4)]
    for number in numbers:
        await service.transition(tenant_id, number, "paid", actor="test")
    await asyncio.gather(*(rollups.refresh_order(tenant_id, n) for n in numbers))
    kept = await _rollup_rows(tenant_id)
    await rollups.rebuild(tenant_id)
    assert await _rollup_rows(tenant_id) == kept
    assert sum(row["paid_orders"] for row in kept) == 4
