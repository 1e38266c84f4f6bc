"""End to end in Chromium on a tablet, in Chinese: 代客下单 — a customer on the phone, a staff
member scans two products with a keyboard-wedge scanner (a case barcode adds its six), finds
a third by name, enters the customer and takes cash on delivery; then a counter sale paid by
a QR code the customer scans. Both orders are the shop's like any other: channel `staff`,
stock reserved, placed by that staff member. Screenshots go to `test-results/`
(take-order-*.png).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import LiveServer, migrate, server_env, serving

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
TABLET = {"viewport": {"width": 1024, "height": 768}, "locale": "zh-CN", "has_touch": True}


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app in sandbox mode, so that the shop's WeChat Pay and Alipay run against their
    simulators without credentials (as in the demo)."""
    var = tmp_path_factory.mktemp("take-order")
    env = server_env(var, GALLERIA_SANDBOX="1")
    migrate(env)
    with serving(env, var) as server:
        yield server


def shop_with_goods(server, slug: str) -> dict:
    """A shop with offline payments and Alipay (its sandbox), selling milk (a unit and a
    case barcode) and tea; returns the admin headers."""
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        signup = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "Counter Tea", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert signup.status_code == 201, signup.text
        admin = {"host": f"{slug}.localhost:{server.port}",
                 "authorization": f"Bearer {signup.json()['admin_token']}"}
        assert http.put("/api/admin/v1/plugins/payments_offline", headers=admin,
                        json={"enabled": True}).status_code == 200
        from galleria_plugins.payments_alipay.sandbox import sandbox_apps

        (_name, _app, demo), = sandbox_apps()
        url = f"http://localhost:{server.port}/sandbox/alipay"
        alipay = http.put("/api/admin/v1/plugins/payments_alipay", headers=admin, json={
            "enabled": True, "settings": {k: v.replace("{sandbox_url}", url)
                                          if isinstance(v, str) else v
                                          for k, v in demo.items()}})
        assert alipay.status_code == 200, alipay.text
        for sku, name, price, codes in (
                ("MILK", "纯牛奶 250ml", 350, [("6901", 1), ("6901-6", 6)]),
                ("TEA", "西湖龙井 50g", 6800, [("6902", 1)]),
                ("CUP", "玻璃杯", 1200, [])):
            made = http.post("/api/admin/v1/products", headers=admin, json={
                "name": name, "variants": [{"sku": sku, "price": price, "stock": 20,
                                            "barcodes": [{"code": c, "units": u}
                                                         for c, u in codes]}]})
            assert made.status_code == 201, made.text
        return admin


def scan(page: Page, code: str) -> None:
    """Type like a USB scanner: the digits, then Enter."""
    field = page.locator("#f-scan")
    field.press_sequentially(code, delay=15)
    field.press("Enter")


def order_of(server, admin: dict, number: str) -> dict:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        return http.get(f"/api/admin/v1/orders/{number}", headers=admin).json()


def test_a_phone_order_by_barcode_scan_on_a_tablet(sandbox_server, browser: Browser,
                                                    screenshots: Path) -> None:
    live_server = sandbox_server
    slug = f"take-{uuid.uuid4().hex[:6]}"
    admin = shop_with_goods(live_server, slug)
    shop = live_server.shop_url(slug)
    tablet = browser.new_context(**TABLET)
    page = tablet.new_page()
    try:
        page.goto(f"{shop}/console/login?next=/console/take-order")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        expect(page).to_have_url(re.compile(r"/console/take-order/[\w-]+$"))
        expect(page.locator("h1")).to_have_text("代客下单")
        expect(page.locator("#f-scan")).to_be_focused()

        scan(page, "6901-6")  # a case of six milk
        expect(page.locator("[data-added]")).to_have_text("已添加 MILK")
        expect(page.locator('[data-line="MILK"] [data-quantity]')).to_have_text("6")
        expect(page.locator("#f-scan")).to_be_focused()  # ready for the next scan
        scan(page, "6902")
        expect(page.locator('[data-line="TEA"] [data-quantity]')).to_have_text("1")
        scan(page, "0000000")  # nothing has this code: said where the eye is
        expect(page.locator("[data-missing]")).to_have_text("店内没有此条码、规格编码或名称的商品")
        page.locator("#f-q").fill("玻璃")
        page.locator("#f-q").press("Enter")
        page.locator("[data-matches] button").first.click()
        expect(page.locator('[data-line="CUP"] [data-quantity]')).to_have_text("1")
        page.locator('[data-line="CUP"] button[aria-label="加一件"]').click()
        expect(page.locator('[data-line="CUP"] [data-quantity]')).to_have_text("2")
        # 6 × ¥3.50 + ¥68.00 + 2 × ¥12.00
        expect(page.locator("[data-subtotal]")).to_have_text("¥113.00")

        page.locator("#f-phone").fill("13700137000")
        page.locator("#f-name").fill("王芳")
        page.locator("#f-province").fill("浙江省")
        page.locator("#f-city").fill("杭州市")
        page.locator("#f-line1").fill("文三路 1 号")
        page.locator("label.status-pick", has=page.locator('input[value="cod"]')).click()
        page.screenshot(path=str(screenshots / "take-order-form.png"), full_page=True)
        body = page.locator("body").inner_text()
        assert "cod" not in body and "staff" not in body  # no internal codes on the page
        page.locator("[data-place]").click()
        expect(page.locator("h1")).to_contain_text("已下单")
        expect(page.locator("[data-total]")).to_have_text("¥113.00")
        page.screenshot(path=str(screenshots / "take-order-cod.png"), full_page=True)
        number = page.locator("[data-number]").inner_text()
        order = order_of(live_server, admin, number)
        assert (order["channel"], order["payment_method"]) == ("staff", "cod")
        assert order["timeline"][0]["actor"].startswith("user:")
        assert order["customer_id"] is not None
        assert {(line["sku"], line["quantity"]) for line in order["lines"]} == {
            ("MILK", 6), ("TEA", 1), ("CUP", 2)}

        # A counter sale paid by QR code: pickup, the customer found by phone.
        page.get_by_role("link", name="继续代客下单").click()
        scan(page, "6902")
        page.locator("#f-phone").fill("137 0013 7000")
        page.locator("#f-name").fill("王芳")
        page.get_by_text("到店自提").click()
        expect(page.locator("#f-province")).to_be_hidden()
        page.get_by_text(re.compile("付款链接 / 二维码")).first.click()
        page.locator("[data-place]").click()
        expect(page.locator("[data-pay-qr]")).to_be_visible()
        page.screenshot(path=str(screenshots / "take-order-qr.png"), full_page=True)
        link = page.locator("[data-pay-link]").get_attribute("href")
        second = page.locator("[data-number]").inner_text()
        paid_by_qr = order_of(live_server, admin, second)
        assert paid_by_qr["customer_id"] == order["customer_id"]  # found, not opened again
        assert paid_by_qr["status"] == "pending_payment"

        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        try:
            shopper = phone.new_page()
            shopper.goto(link)
            expect(shopper.locator("body")).to_contain_text(second)
            shopper.screenshot(path=str(screenshots / "take-order-customer-phone.png"),
                               full_page=True)
        finally:
            phone.close()
    finally:
        tablet.close()


GENERIC = ("外部订单号,规格编码,数量,单价,收货人,手机号,省份,城市,区县,详细地址,已付款\n"
           "T-1,TEA,1,68.00,赵强,13600136000,江苏省,南京市,鼓楼区,中山路 2 号,是\n"
           "T-2,TEA,99,68.00,赵强,13600136000,江苏省,南京市,鼓楼区,中山路 2 号,是\n")


def test_imported_orders_become_my_picking_tasks(sandbox_server, browser: Browser,
                                                 screenshots: Path, tmp_path: Path) -> None:
    """The owner imports a file on a tablet (one order in, one refused for stock), hands
    the picking out by rule, and finds it under 我的任务."""
    live_server = sandbox_server
    slug = f"task-{uuid.uuid4().hex[:6]}"
    admin = shop_with_goods(live_server, slug)
    shop = live_server.shop_url(slug)
    orders_file = tmp_path / "orders.csv"
    orders_file.write_text(GENERIC, encoding="utf-8")
    tablet = browser.new_context(**TABLET)
    page = tablet.new_page()
    try:
        page.goto(f"{shop}/console/login?next=/console/orders/import")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        expect(page.locator("h1")).to_have_text("导入订单")
        page.locator("#f-file").set_input_files(str(orders_file))
        page.get_by_role("button", name="导入", exact=True).click()
        report = page.locator("[data-import-report]")
        expect(report).to_contain_text("导入 1 单")
        expect(report.locator('[data-outcome="refused"]')).to_contain_text("剩 19 件，需 99 件")
        page.screenshot(path=str(screenshots / "take-order-import.png"), full_page=True)
        number = report.locator('[data-outcome="created"] a').inner_text()

        with httpx.Client(base_url=f"http://127.0.0.1:{live_server.port}", timeout=30) as http:
            for _ in range(100):  # the embedded worker reviews the paid import
                if http.get(f"/api/admin/v1/orders/{number}",
                            headers=admin).json()["status"] == "approved":
                    break
                page.wait_for_timeout(300)
        page.goto(f"{shop}/console/tasks")
        rule = page.locator("form", has=page.locator('[data-distribute="picking"]'))
        rule.locator("select").select_option("owner")
        rule.locator('[data-distribute="picking"]').click()
        expect(page.locator('[data-count="picking"] .stat-value')).to_have_text("1")
        expect(page.locator("[data-my-tasks]")).to_contain_text(number)
        page.screenshot(path=str(screenshots / "take-order-tasks.png"), full_page=True)
    finally:
        tablet.close()
