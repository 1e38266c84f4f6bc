"""End to end in Chromium: the merchant opens the dashboard's overview (zh-CN) and the sales
report by day and sales by product; ECharts draws each chart on a canvas that is not blank, the
same figures stand in the table, and the page breaks no Content-Security-Policy rule.

The marketing cost tab draws its chart too, and a background export goes from its progress
bar to a download. Screenshots go to `test-results/` (reports-overview, reports-sales-day,
reports-products, reports-marketing, reports-downloads).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
ADDRESS = {"name": "韩梅梅", "phone": "+86 139 0000 1234", "country": "CN",
           "province": "浙江省", "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


class Shop:
    def __init__(self, server, slug: str) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        self.host = f"{slug}.localhost:{server.port}"
        answer = self.http.post("/api/platform/v1/signup",
                                headers={"host": f"localhost:{server.port}"},
                                json={"shop_name": "莲心茶舍", "slug": slug,
                                      "email": f"owner@{slug}.example", "password": PASSWORD,
                                      "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["admin_token"]

    def call(self, method: str, path: str, admin: bool = False, **kwargs) -> httpx.Response:
        headers = {"host": self.host}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        return self.http.request(method, path, headers=headers, **kwargs)

    def paid_order(self, variant_id: int, quantity: int) -> str:
        cart = self.call("POST", "/api/v1/carts").json()["id"]
        self.call("POST", f"/api/v1/carts/{cart}/items",
                  json={"variant_id": variant_id, "quantity": quantity})
        placed = self.call("POST", "/api/v1/orders", json={
            "cart_id": cart, "contact": {"name": "李雷", "phone": "13900001234"},
            "address": ADDRESS, "payment_method": "bank_transfer"})
        assert placed.status_code == 201, placed.text
        number = placed.json()["number"]
        paid = self.call("POST", f"/api/admin/v1/orders/{number}/mark-paid", admin=True,
                         json={"note": "transfer received"})
        assert paid.status_code == 200, paid.text
        return number


def canvas_is_drawn(page: Page) -> bool:
    """The chart's canvas exists, has a size, and not every pixel is the same."""
    return page.evaluate("""() => {
        const canvas = document.querySelector('.report-chart canvas');
        if (!canvas || !canvas.width || !canvas.height) return false;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 4; i < data.length; i += 4) {
            if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]
                || data[i + 3] !== data[3]) return true;
        }
        return false;
    }""")


def test_overview_and_sales_reports_draw_their_charts(live_server, browser: Browser,
                                                      screenshots: Path) -> None:
    slug = f"lotus-{uuid.uuid4().hex[:6]}"
    shop = Shop(live_server, slug)
    created = shop.call("POST", "/api/admin/v1/products", admin=True, json={
        "name": "西湖龙井", "variants": [{"sku": "LJ-250", "price": 12800, "stock": 20}]})
    assert created.status_code == 201, created.text
    enabled = shop.call("PUT", "/api/admin/v1/plugins/payments_offline", admin=True, json={
        "enabled": True, "settings": {"cash_on_delivery": True, "bank_transfer": True,
                                      "bank_instructions": "招商银行 6225 8800 1234"}})
    assert enabled.status_code == 200, enabled.text
    variant = created.json()["variants"][0]["id"]
    shop.paid_order(variant, 2)
    shop.paid_order(variant, 1)
    deadline = time.monotonic() + 30  # the rollups follow the order events (worker thread)
    while time.monotonic() < deadline:
        today = shop.call("GET", "/api/admin/v1/reports/overview", admin=True,
                          params={"range": "today"}).json()
        if today["totals"]["paid_orders"] == 2:
            break
        time.sleep(0.5)
    assert today["totals"]["sales"] == 38400

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        base = live_server.shop_url(slug)
        page.goto(base + "/console/login")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.goto(base + "/console/?range=today")
        expect(page.locator("#overview-title")).to_have_text("经营概况")
        expect(page.locator("[data-figure=sales] .stat-value")).to_have_text("¥384.00")
        expect(page.locator("[data-figure=paid_orders] .stat-value")).to_have_text("2")
        expect(page.locator("[data-figure=orders-all]")).to_have_text("2")
        page.screenshot(path=str(screenshots / "reports-overview.png"), full_page=True)

        for path, name in (("/console/reports?range=30d&group_by=day", "reports-sales-day"),
                           ("/console/reports/products?range=30d", "reports-products"),
                           ("/console/reports/operations?range=30d", "reports-operations")):
            page.goto(base + path)
            expect(page.locator(".report-chart[data-drawn=true] canvas")).to_have_count(1)
            page.wait_for_function("() => document.querySelector('.report-chart canvas')"
                                   ".width > 0")
            page.wait_for_timeout(300)  # the first frame is painted
            assert canvas_is_drawn(page), f"the chart of {path} is blank"
            if "operations" not in path:
                expect(page.locator(".report-table").first).to_contain_text("¥384.00")
            page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    finally:
        context.close()


def test_returns_report_draws_its_chart(live_server, browser: Browser,
                                        screenshots: Path) -> None:
    """A paid order of two, one unit cancelled before shipping (缺货): the returns tab
    draws its chart and shows the cancellation under its reason, in yuan."""
    slug = f"lotus-{uuid.uuid4().hex[:6]}"
    shop = Shop(live_server, slug)
    created = shop.call("POST", "/api/admin/v1/products", admin=True, json={
        "name": "西湖龙井", "variants": [{"sku": "LJ-250", "price": 12800, "stock": 20}]})
    assert created.status_code == 201, created.text
    enabled = shop.call("PUT", "/api/admin/v1/plugins/payments_offline", admin=True, json={
        "enabled": True, "settings": {"bank_transfer": True,
                                      "bank_instructions": "招商银行 6225 8800 1234"}})
    assert enabled.status_code == 200, enabled.text
    variant = created.json()["variants"][0]["id"]
    number = shop.paid_order(variant, 2)
    cancelled = shop.call("POST", f"/api/admin/v1/orders/{number}/cancel-lines", admin=True,
                          json={"lines": [{"variant_id": variant, "quantity": 1}],
                                "reason": "缺货"})
    assert cancelled.status_code == 200, cancelled.text
    report = shop.call("GET", "/api/admin/v1/reports/returns", admin=True,
                       params={"range": "today"}).json()
    assert report["totals"]["cancellations"] == 1

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        base = live_server.shop_url(slug)
        page.goto(base + "/console/login")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.goto(base + "/console/reports/returns?range=7d&group_by=day")
        expect(page.locator("h1")).to_have_text("退货与取消")
        expect(page.locator(".report-chart[data-drawn=true] canvas")).to_have_count(1)
        page.wait_for_function("() => document.querySelector('.report-chart canvas').width > 0")
        page.wait_for_timeout(300)
        assert canvas_is_drawn(page), "the returns chart is blank"
        reasons = page.locator("[data-table=returns-reasons]")
        expect(reasons).to_contain_text("发货前取消")
        expect(reasons).to_contain_text("缺货")
        amount = report["totals"]["cancellation_amount"]
        expect(page.locator("[data-figure=amount] .stat-value")).to_have_text(
            f"¥{amount // 100:,}.{amount % 100:02d}")
        page.screenshot(path=str(screenshots / "reports-returns.png"), full_page=True)
    finally:
        context.close()


def test_marketing_report_and_a_background_export(live_server, browser: Browser,
                                                  screenshots: Path) -> None:
    """An order with a ¥20.00 coupon: the marketing cost tab draws its chart and names the
    coupon's cost against its sales; "后台导出" writes the file in the background, the
    downloads page shows its progress bar, then its download link, and the file downloads."""
    slug = f"lotus-{uuid.uuid4().hex[:6]}"
    shop = Shop(live_server, slug)
    created = shop.call("POST", "/api/admin/v1/products", admin=True, json={
        "name": "西湖龙井", "variants": [{"sku": "LJ-250", "price": 12800, "stock": 20}]})
    assert created.status_code == 201, created.text
    for plugin, body in (("payments_offline", {"enabled": True, "settings": {
            "bank_transfer": True, "bank_instructions": "招商银行 6225 8800 1234"}}),
            ("marketing", {"enabled": True})):
        enabled = shop.call("PUT", f"/api/admin/v1/plugins/{plugin}", admin=True, json=body)
        assert enabled.status_code == 200, enabled.text
    coupon = shop.call("POST", "/api/admin/v1/marketing/coupons", admin=True, json={
        "kind": "amount_off", "value": 2000, "min_amount": 10000, "code": "TEA20",
        "name": "满100减20"})
    assert coupon.status_code == 201, coupon.text
    cart = shop.call("POST", "/api/v1/carts").json()["id"]
    shop.call("POST", f"/api/v1/carts/{cart}/items",
              json={"variant_id": created.json()["variants"][0]["id"], "quantity": 1})
    placed = shop.call("POST", "/api/v1/orders", json={
        "cart_id": cart, "contact": {"name": "李雷", "phone": "13900001234"},
        "address": ADDRESS, "payment_method": "bank_transfer", "coupon_code": "TEA20"})
    assert placed.status_code == 201, placed.text
    paid = shop.call("POST", f"/api/admin/v1/orders/{placed.json()['number']}/mark-paid",
                     admin=True, json={"note": "transfer received"})
    assert paid.status_code == 200, paid.text
    report = shop.call("GET", "/api/admin/v1/reports/marketing", admin=True,
                       params={"range": "7d"}).json()
    assert report["totals"]["cost"] == 2000 and report["totals"]["sales"] == 10800

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    try:
        page = context.new_page()
        base = live_server.shop_url(slug)
        page.goto(base + "/console/login")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.goto(base + "/console/reports/marketing?range=7d&group_by=day")
        expect(page.locator("h1")).to_have_text("营销成本")
        expect(page.locator(".report-chart[data-drawn=true] canvas")).to_have_count(1)
        page.wait_for_function("() => document.querySelector('.report-chart canvas').width > 0")
        page.wait_for_timeout(300)
        assert canvas_is_drawn(page), "the marketing chart is blank"
        sources = page.locator("[data-table=marketing-sources]")
        expect(sources).to_contain_text("优惠券")
        expect(sources).to_contain_text("¥20.00")
        expect(sources).to_contain_text("¥108.00")
        expect(page.locator("[data-figure=cost] .stat-value")).to_have_text("¥20.00")
        page.screenshot(path=str(screenshots / "reports-marketing.png"), full_page=True)

        page.locator("a[data-export=background]").click()
        expect(page.locator("h1")).to_have_text("报表下载")
        row = page.locator("tr[data-export-token]").first
        expect(row.locator("progress")).to_have_count(1)
        expect(row).to_contain_text("营销成本")
        link = row.locator("[data-export-link] a")
        expect(link).to_have_text("下载", timeout=30_000)  # the worker thread wrote it
        expect(row.locator("progress")).to_have_attribute("value", "100")
        page.screenshot(path=str(screenshots / "reports-downloads.png"), full_page=True)
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.startswith("marketing-")
        assert download.value.suggested_filename.endswith(".xlsx")
    finally:
        context.close()
