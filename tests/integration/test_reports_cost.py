"""Cost price (成本价) of variants: set through the admin API, the console's product editor
and the catalog file, never shown to shoppers; the stock report values stock at cost next to
retail and the product sales report shows the gross margin where the cost is known."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import httpx
from report_story import CSRF_RE, PASSWORD, _place

from galleria.kernel import db
from galleria.kernel.catalog.service import get_product
from galleria.kernel.orders import service
from galleria.kernel.tenancy.tables import Tenant


async def _tenant(shop) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]


async def _products(shop):
    """TEA ¥28.50 costing ¥10.00 (10 in stock), CUP ¥15.00 without a cost (4 in stock)."""
    tea = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "TEA-100", "price": 2850, "stock": 10, "cost_price": 1000}]})
    cup = await shop.post("/api/admin/v1/products", json={"name": "茶杯", "variants": [
        {"sku": "CUP-1", "price": 1500, "stock": 4}]})
    assert tea.status_code == 201 and cup.status_code == 201, (tea.text, cup.text)
    return tea.json(), cup.json()


async def test_cost_price_through_the_api_and_the_catalog_file(open_shop):
    shop = await open_shop()
    tea, cup = await _products(shop)
    assert tea["variants"][0]["cost_price"] == 1000 and cup["variants"][0]["cost_price"] is None
    public = (await shop.get(f"/api/v1/products/{tea['id']}", admin=False)).json()
    assert "cost_price" not in str(public), "shoppers never see what a product costs"

    variant = cup["variants"][0]["id"]
    patched = await shop.patch(f"/api/admin/v1/products/{cup['id']}", json={
        "variants": [{"id": variant, "cost_price": 600}]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["variants"][0]["cost_price"] == 600
    negative = await shop.patch(f"/api/admin/v1/products/{cup['id']}", json={
        "variants": [{"id": variant, "cost_price": -1}]})
    assert negative.status_code in (400, 422) and "cost_price" in negative.text
    cleared = await shop.patch(f"/api/admin/v1/products/{cup['id']}", json={
        "variants": [{"id": variant, "cost_price": None}]})
    assert cleared.json()["variants"][0]["cost_price"] is None

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["商品", "规格编码", "价格", "成本价"])
    writer.writerow(["茶杯", "CUP-1", "1500", "650"])
    writer.writerow(["茶盘", "TRAY-1", "9900", "4000"])
    imported = await shop.post("/api/admin/v1/catalog/import", headers={
        "content-type": "multipart/form-data; boundary=galleria-test-boundary"},
        files={"file": ("catalog.csv", out.getvalue().encode(), "application/octet-stream")})
    assert imported.status_code == 200 and imported.json()["ok"], imported.text
    exported = await shop.get("/api/admin/v1/catalog/export", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {row["sku"]: row["cost_price"] for row in rows} == {
        "TEA-100": "1000", "CUP-1": "650", "TRAY-1": "4000"}
    bad = io.StringIO()
    csv.writer(bad).writerows([["规格编码", "成本价"], ["CUP-1", "6.50"]])
    refused = await shop.post("/api/admin/v1/catalog/import", headers={
        "content-type": "multipart/form-data; boundary=galleria-test-boundary"},
        files={"file": ("catalog.csv", bad.getvalue().encode(), "application/octet-stream")})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "rows[2].cost_price"
    assert "650" in refused.json()["errors"][0]["message"]


async def test_stock_at_cost_and_gross_margin(open_shop, app):
    shop = await open_shop()
    tenant_id = await _tenant(shop)
    tea, cup = await _products(shop)
    tea_id, cup_id = tea["variants"][0]["id"], cup["variants"][0]["id"]
    for variant, quantity in ((tea_id, 2), (cup_id, 1)):
        number = await _place(shop, variant, quantity)
        await service.transition(tenant_id, number, "paid", actor="test")
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    period = {"from": today, "to": today}

    stock = (await shop.get("/api/admin/v1/reports/stock", params=period)).json()
    rows = {row["sku"]: row for row in stock["series"]}
    assert {k: rows["TEA-100"][k] for k in ("on_hand", "retail_value", "cost_price",
                                            "cost_value")} == {
        "on_hand": 10, "retail_value": 28500, "cost_price": 1000, "cost_value": 10000}
    assert rows["CUP-1"]["cost_value"] is None and rows["CUP-1"]["retail_value"] == 6000
    assert {k: stock["totals"][k] for k in ("retail_value", "cost_value",
                                            "variants_without_cost", "units_without_cost")} == {
        "retail_value": 34500, "cost_value": 10000, "variants_without_cost": 1,
        "units_without_cost": 4}

    sold = (await shop.get("/api/admin/v1/reports/products", params=period)).json()
    by_name = {row["name"]: row for row in sold["series"]}
    assert {k: by_name["龙井"][k] for k in ("revenue", "cost", "gross_margin",
                                          "margin_rate")} == {
        "revenue": 5700, "cost": 2000, "gross_margin": 3700, "margin_rate": 0.6491}
    assert by_name["茶杯"]["cost"] is None and by_name["茶杯"]["gross_margin"] is None
    assert {k: sold["totals"][k] for k in ("revenue", "cost", "gross_margin")} == {
        "revenue": 7200, "cost": 2000, "gross_margin": 3700}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        page = (await browser.get("/console/reports/operations", params=period)).text
        value = re.search(r'data-figure="cost_value">.*?stat-value">([^<]+)<', page, re.S)
        assert value.group(1) == "¥100.00" and "1 个规格未填成本价" in page
        products = (await browser.get("/console/reports/products", params=period)).text
        margin = re.search(r'data-figure="gross_margin">.*?stat-value">([^<]+)<', products,
                           re.S)
        assert margin.group(1) == "¥37.00" and "64.9%" in products
        files = await browser.get("/console/reports/export", params={
            "report": "stock", "format": "csv", **period})
        text = files.content.decode("utf-8-sig")
        assert "库存成本价值" in text.splitlines()[0] and "100.00" in text

        # The product editor takes the cost in yuan; empty means not known.
        editor = await browser.get(f"/console/products/{cup['id']}")
        assert 'name="v-0-cost"' in editor.text and "成本价（元）" in editor.text
        csrf = CSRF_RE.search(editor.text).group(1)
        form = {"_csrf_token": csrf, "name": "茶杯", "description": "", "status": "published",
                "category": "", "v-0-id": str(cup_id), "v-0-sku": "CUP-1",
                "v-0-price": "15.00", "v-0-cost": "abc", "v-0-active": "on"}
        wrong = await browser.post(f"/console/products/{cup['id']}", data=form)
        assert wrong.status_code == 422 and 'id="f-v-0-cost"' in wrong.text
        assert 'aria-invalid="true" aria-describedby="f-v-0-cost-error"' in wrong.text
        saved = await browser.post(f"/console/products/{cup['id']}",
                                   data={**form, "v-0-cost": "6.50"})
        assert saved.status_code == 303, saved.text
        async with db.shop_scope(tenant_id):
            assert (await get_product(tenant_id, cup["id"]))["variants"][0]["cost_price"] == 650
        editor = await browser.get(f"/console/products/{cup['id']}")
        assert 'name="v-0-cost" value="6.50"' in editor.text
        cleared = await browser.post(f"/console/products/{cup['id']}",
                                     data={**form, "v-0-cost": ""})
        assert cleared.status_code == 303
        async with db.shop_scope(tenant_id):
            assert (await get_product(tenant_id, cup["id"]))["variants"][0]["cost_price"] is None
