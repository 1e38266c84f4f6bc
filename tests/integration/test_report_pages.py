"""The console's report pages and downloads, signed in as the shop's owner, in zh-CN: the
dashboard's overview and order card, each report page, CSV and XLSX files."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from report_story import (
    CSRF_RE,
    PASSWORD,
    _orders_of_the_story,
    _place,
    _set,
    _shop,
)

from galleria.kernel import db
from galleria.kernel.orders import service
from galleria.kernel.reports import rollups
from galleria.testing import run_outbox


async def test_dashboard_shows_the_orders_and_the_overview(open_shop, app):
    shop, tenant_id, variant = await _shop(open_shop)
    a = await _place(shop, variant)
    await _place(shop, variant)
    await service.transition(tenant_id, a, "paid", actor="test")
    # Every due row, not the first 100: earlier tests' rows come first in a shared database.
    await run_outbox(app.state.runtime.host)
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
            ["商品", "销量（件）", "支付订单数", "销售额", "成本", "毛利"],
            ["龙井", 3, 3, "85.50", None, None]]  # no cost price: cost and margin are empty
        bad = await browser.get("/console/reports/export", params={"format": "pdf"})
        assert bad.status_code == 422


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
                    "stock": ["TEA-100", "龙井", 50, "1425.00", None, 3, 0.06, 33.3]}
        for name, first_row in expected.items():
            answer = await browser.get("/console/reports/export", params={
                "report": name, "format": "xlsx", "from": "2026-11-10", "to": "2026-11-11"})
            assert answer.status_code == 200, (name, answer.text[:300])
            rows = [[c.value for c in row] for row in
                    load_workbook(io.BytesIO(answer.content)).active.iter_rows()]
            assert rows[1] == first_row, name
