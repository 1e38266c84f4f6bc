"""Reports and the dashboard's overview, checked against orders the test makes: a paid
order, one placed before midnight and paid after it (Shanghai time), one partly refunded,
one cancelled. The rollups kept by the event listeners equal a rebuild from scratch."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from galleria.jobs.tasks import plugin_jobs, relay_once
from galleria.kernel import db
from galleria.kernel.orders import service
from galleria.kernel.orders.tables import Order
from galleria.kernel.reports import rollups
from galleria.kernel.reports.tables import ShopDay
from galleria.kernel.tenancy.tables import Tenant

ADDRESS = {"name": "韩梅梅", "phone": "139 1234 5678", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000"}
UTC = dt.UTC
PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _shop(open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2850, "stock": 50}]})
    assert created.status_code == 201, created.text
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    return shop, tenant_id, created.json()["variants"][0]["id"]


async def _place(shop, variant_id, quantity=1):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": quantity})
    assert added.status_code == 200, added.text
    response = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})
    assert response.status_code == 201, response.text
    return response.json()["number"]


async def _set(tenant_id, number, **values):
    async with db.shop_scope(tenant_id):
        await Order.update({getattr(Order, k): v for k, v in values.items()}).where(
            (Order.tenant == tenant_id) & (Order.number == number))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of November 2026 given in Shanghai time (UTC+8), as UTC."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC) - dt.timedelta(hours=8)


async def _orders_of_the_story(shop, tenant_id, variant):
    """11-10: A placed and paid; B placed at 23:30. 11-11: B paid at 00:30; C placed, paid,
    then ¥10.00 of it refunded; D placed and cancelled unpaid. A and B: customer 41."""
    a, b, c, d = [await _place(shop, variant) for _ in range(4)]
    for number in (a, b, c):
        await service.transition(tenant_id, number, "paid", actor="test")
    await service.record_refund(tenant_id, c, 1000, actor="test", reason="破损")
    await service.cancel_order(tenant_id, d, actor="test", reason="不要了")
    await _set(tenant_id, a, created_at=at(10, 9), paid_at=at(10, 9, 5), customer=41)
    await _set(tenant_id, b, created_at=at(10, 23, 30), paid_at=at(11, 0, 30), customer=41)
    await _set(tenant_id, c, created_at=at(11, 12), paid_at=at(11, 12, 10))
    await _set(tenant_id, d, created_at=at(11, 15))
    return a, b, c, d


async def _rollup_rows(tenant_id):
    async with db.shop_scope(tenant_id):
        rows = await ShopDay.select().where(ShopDay.tenant == tenant_id).order_by(ShopDay.day)
    return [{k: v for k, v in row.items() if k != "id"} for row in rows if any(
        row[k] for k in rollups.ORDER_FIGURES)]


async def test_sales_report_matches_the_orders_and_the_rebuild(open_shop, runtime):
    shop, tenant_id, variant = await _shop(open_shop)
    await _orders_of_the_story(shop, tenant_id, variant)
    await relay_once(runtime.host, plugin_jobs(runtime.host))  # the listeners' rollups

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


async def test_dashboard_shows_the_orders_and_the_overview(open_shop, app):
    shop, tenant_id, variant = await _shop(open_shop)
    a = await _place(shop, variant)
    await _place(shop, variant)
    await service.transition(tenant_id, a, "paid", actor="test")
    await relay_once(app.state.runtime.host, plugin_jobs(app.state.runtime.host))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        page = await browser.get("/console/", params={"range": "today"})
        assert page.status_code == 200
        html = page.text
        assert re.search(r'data-figure="orders-all">2<', html), "the order card counts orders"
        sales = re.search(r'data-figure="sales">.*?stat-value">([^<]+)<', html, re.S).group(1)
        assert sales == "¥28.50"
        assert "经营概况" in html and "Business overview" not in html
        report = await browser.get("/console/reports", params={"range": "7d"})
        assert report.status_code == 200
        assert 'type="application/json" id="sales-chart"' in report.text
        assert "¥28.50" in report.text and "按天" in report.text


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
    assert report["totals"] == {"products_sold": 2, "quantity": 6, "revenue": 13050,
                                "never_sold": 1}


async def test_products_page_in_chinese(open_shop, app):
    shop, tenant_id, tea = await _shop(open_shop)
    await shop.post("/api/admin/v1/products", json={"name": "茶盘", "variants": [
        {"sku": "TRAY-1", "price": 9900, "stock": 5}]})
    number = await _place(shop, tea, quantity=2)
    await service.transition(tenant_id, number, "paid", actor="test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        page = await browser.get("/console/reports/products", params={"range": "today"})
        assert page.status_code == 200
        best = re.search(r'data-table="best".*?</table>', page.text, re.S).group(0)
        assert "龙井" in best and "¥57.00" in best
        never = re.search(r'data-table="never".*?</ul>', page.text, re.S).group(0)
        assert "茶盘" in never and "龙井" not in never
        assert "畅销商品" in page.text and "Best sellers" not in page.text
        categories = re.search(r'data-table="categories".*?</table>', page.text, re.S).group(0)
        assert "不分类" in categories and "¥57.00" in categories


async def test_reports_download_as_csv_and_xlsx(open_shop, app):
    import io

    from openpyxl import load_workbook

    shop, tenant_id, tea = await _shop(open_shop)
    await _orders_of_the_story(shop, tenant_id, tea)
    await rollups.rebuild(tenant_id)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        period = {"from": "2026-11-10", "to": "2026-11-11"}
        sales = await browser.get("/console/reports/export",
                                  params={"report": "sales", "format": "csv", **period})
        assert sales.status_code == 200
        assert sales.headers["content-type"].startswith("text/csv")
        lines = sales.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "时间段,支付订单数,已付款,退款金额,销售额,下单笔数,访客数"
        assert lines[1:] == ["2026-11-10,1,28.50,0.00,28.50,2,0",
                             "2026-11-11,2,57.00,10.00,47.00,2,0"]
        products = await browser.get("/console/reports/export",
                                     params={"report": "products", "format": "xlsx", **period})
        assert products.status_code == 200
        sheet = load_workbook(io.BytesIO(products.content)).active
        assert [[c.value for c in row] for row in sheet.iter_rows()] == [
            ["商品", "销量（件）", "支付订单数", "销售额"], ["龙井", 3, 3, "85.50"]]
        bad = await browser.get("/console/reports/export", params={"format": "pdf"})
        assert bad.status_code == 422


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


async def test_customers_and_methods_pages_in_chinese(open_shop, app):
    shop, tenant_id, tea = await _shop(open_shop)
    number = await _place(shop, tea)
    await service.transition(tenant_id, number, "paid", actor="test")
    await _set(tenant_id, number, customer=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        customers = await browser.get("/console/reports/customers", params={"range": "today"})
        assert customers.status_code == 200
        assert "游客订单：1 笔" in customers.text and "本期没有登录顾客付款" in customers.text
        methods = await browser.get("/console/reports/methods", params={"range": "today"})
        assert methods.status_code == 200
        table = re.search(r'data-table="payment_method".*?</table>', methods.text, re.S)
        assert "¥28.50" in table.group(0) and "wechat_pay" not in table.group(0)
        assert 'id="methods-chart"' in methods.text


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


async def test_operations_page_in_chinese(open_shop, app):
    from galleria.kernel.inventory.service import receive

    shop, tenant_id, tea = await _shop(open_shop)
    async with db.shop_scope(tenant_id):
        await receive(tenant_id, tea, 4, lot_code="L-9",
                      expires_on=dt.date.today() + dt.timedelta(days=3))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        page = await browser.get("/console/reports/operations", params={"range": "7d"})
        assert page.status_code == 200
        lots = re.search(r'data-table="near-expiry".*?</table>', page.text, re.S).group(0)
        assert "L-9" in lots and "¥114.00" in lots
        stock = re.search(r'data-table="stock".*?</table>', page.text, re.S).group(0)
        assert "¥1,539.00" in stock  # 54 units at ¥28.50
        assert "履约时效" in page.text and "本期没有退款" in page.text


async def test_every_report_downloads(open_shop, app):
    import io

    from openpyxl import load_workbook

    shop, tenant_id, tea = await _shop(open_shop)
    await _orders_of_the_story(shop, tenant_id, tea)
    await rollups.rebuild(tenant_id)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        for page in ("customers", "methods", "operations"):
            html = (await browser.get(f"/console/reports/{page}")).text
            assert 'data-export="xlsx"' in html, page
        expected = {"payment_methods": ["其他方式", 3, "85.50"],
                    "customers": ["顾客 #41", 2, "57.00"],
                    "stock": ["TEA-100", "龙井", 50, "1425.00", 3, 0.06, 33.3]}
        for name, first_row in expected.items():
            answer = await browser.get("/console/reports/export", params={
                "report": name, "format": "xlsx", "from": "2026-11-10", "to": "2026-11-11"})
            assert answer.status_code == 200, (name, answer.text[:300])
            rows = [[c.value for c in row] for row in
                    load_workbook(io.BytesIO(answer.content)).active.iter_rows()]
            assert rows[1] == first_row, name


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
